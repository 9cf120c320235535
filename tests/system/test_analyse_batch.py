"""`ras analyse` over a cohort (issue 15): a folder of 6 synthetic recordings and a broken file
through the real command line; one result per recording, the summary table equal to the
single-file analysis, --jobs 2 and a Dask LocalCluster equal to --jobs 1, bad input in one
line."""

from __future__ import annotations

import csv
import io
import json
import math
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.imu_io import write_imu_csv
from analysis.pipeline import RecordingAnalysis
from analysis.segments import MAX_FILL_S, load_imu_segments
from analysis.summary import MEASURES, recording_summary
from ras.batch.progress import Progress, eta_text
from ras.batch.table import COLUMNS
from ras.cli import main
from ras.sim.presets import make_params
from ras.sim.recording import simulate_walk

RAS = [sys.executable, "-m", "ras"]
GUARD_S = 120
RATE_HZ = 100.0
#: relative path -> (preset, seed); two recordings named p1 in different folders
COHORT = {
    "site-a/p1.csv": ("healthy", 1),
    "site-a/p2.csv": ("parkinson", 2),
    "site-a/p3.csv": ("stroke", 3),
    "site-b/p1.csv": ("healthy", 4),
    "site-b/p4.csv": ("parkinson", 5),
    "site-b/deep/p5.csv": ("stroke", 6),
}
BROKEN = "site-b/broken.csv"


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cohort")
    for rel, (preset, seed) in COHORT.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        walk = simulate_walk(
            make_params(preset), duration_s=25.0, sampling_rate_hz=RATE_HZ, seed=seed
        )
        write_imu_csv(path, walk.feet)
    (root / BROKEN).write_text("# ras-imu 1\n# sampling_rate_hz: 100\nt_s,left_acc_x_mps2\n1,x\n")
    (root / "site-a" / "notes.txt").write_text("not a recording\n")
    return root


def ras(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``ras args`` in its own process."""
    return subprocess.run(
        [*RAS, *args], capture_output=True, text=True, timeout=GUARD_S, check=False, cwd=cwd
    )


def rows(out: Path) -> list[dict[str, str]]:
    with (out / "summary.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


def tree(out: Path) -> dict[str, bytes]:
    """Every file below ``out`` by relative path, with its bytes."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def batch_1(cohort: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("out1")
    return out, ras("analyse", str(cohort), "--out", str(out), "--jobs", "1")


def test_a_folder_gives_one_result_per_recording_and_a_summary(cohort: Path, batch_1) -> None:  # type: ignore[no-untyped-def]
    out, proc = batch_1
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[-1] == "7 recordings: 6 analysed, 1 failed (reasons in summary.csv)"
    assert lines[:2] == [f"wrote {out / 'summary.csv'}", f"wrote {out / 'summary.json'}"]
    err = proc.stderr.splitlines()
    failed = [e for e in err if e.startswith("ras: failed: ")]
    assert failed == [f"ras: failed: {cohort / BROKEN}: {failed[0].split(': ', 3)[3]}"]
    assert "broken.csv" in failed[0] and "Traceback" not in proc.stderr
    # progress without a terminal: one plain line per recording
    progress = [e for e in err if e.startswith("[")]
    assert [p.split(" ")[0] for p in progress] == [f"[{k}/7]" for k in range(1, 8)]
    table = rows(out)
    assert list(table[0]) == list(COLUMNS)
    assert [r["file"] for r in table] == sorted(str(cohort / rel) for rel in [*COHORT, BROKEN])
    by_file = {Path(r["file"]).relative_to(cohort).as_posix(): r for r in table}
    broken = by_file[BROKEN]
    assert (broken["status"], broken["output"], broken["cadence_spm"]) == ("failed", "", "")
    assert broken["reason"] == failed[0].split(": ", 3)[3]
    expected_folders = {rel: rel.removesuffix(".csv") for rel in COHORT}
    assert {rel: by_file[rel]["output"] for rel in COHORT} == expected_folders
    for rel, folder in expected_folders.items():
        stem = Path(rel).stem
        files = sorted(p.name for p in (out / folder).iterdir())
        assert files == [f"{stem}.analysis.json", f"{stem}.events.csv", f"{stem}.strides.csv"]
        assert all(stat.S_IMODE((out / folder / f).stat().st_mode) == 0o600 for f in files)
        assert stat.S_IMODE((out / folder).stat().st_mode) == 0o700
        assert by_file[rel]["status"] == "ok"
    doc = json.loads((out / "summary.json").read_text())
    assert (doc["n_recordings"], doc["n_failed"]) == (7, 1)
    assert set(doc["columns"]) == set(COLUMNS)
    assert [r["file"] for r in doc["recordings"]] == [r["file"] for r in table]


def test_summary_values_equal_the_single_file_analysis(
    cohort: Path, batch_1, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    out, _ = batch_1
    by_file = {r["file"]: r for r in rows(out)}
    doc = {r["file"]: r for r in json.loads((out / "summary.json").read_text())["recordings"]}
    for rel in COHORT:
        src = cohort / rel
        feet = load_imu_segments(src, None, None, MAX_FILL_S)
        summary = recording_summary(RecordingAnalysis().analyse(feet).feet_, feet)
        row, jrow = by_file[str(src)], doc[str(src)]
        for key in MEASURES:
            want = summary.values[key]
            if math.isfinite(want):
                assert float(row[key]) == pytest.approx(want, abs=1e-6), (rel, key)
                assert jrow[key] == pytest.approx(want, abs=1e-6), (rel, key)
            else:
                assert (row[key], jrow[key]) == ("", None), (rel, key)
                assert f"{key}: {summary.reasons[key]}" in row["reason"], (rel, key)
        assert summary.values["n_steps"] > 20 and 70 < summary.values["cadence_spm"] < 130
    # the per-recording files are those of `ras analyse FILE` on its own
    single = tmp_path / "single"
    proc = ras("analyse", str(cohort / "site-a" / "p2.csv"), "--out", str(single))
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    assert "left: " in proc.stdout and not (single / "summary.csv").exists()
    assert tree(single) == tree(out / "site-a" / "p2")


def test_two_jobs_and_a_dask_cluster_give_the_same_results(
    cohort: Path, batch_1, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from distributed import LocalCluster

    out_1, _ = batch_1
    out_2 = tmp_path / "jobs2"
    proc = ras("analyse", str(cohort), "--out", str(out_2), "--jobs", "2")
    assert proc.returncode == 1 and proc.stdout.splitlines()[-1].endswith(
        "1 failed (reasons in summary.csv)"
    )
    assert tree(out_2) == tree(out_1)
    out_d = tmp_path / "dask"
    with LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=False,
        protocol="tcp",
        dashboard_address=None,
    ) as cluster:
        proc = ras(
            "analyse", str(cohort), "--out", str(out_d), "--scheduler", cluster.scheduler_address
        )
    assert proc.returncode == 1, proc.stderr
    assert tree(out_d) == tree(out_1)


def test_a_glob_picks_its_recordings(cohort: Path, tmp_path: Path) -> None:
    out = tmp_path / "glob"
    proc = ras("analyse", "site-*/p1.csv", "--out", str(out), "--jobs", "1", cwd=cohort)
    assert (proc.returncode, proc.stdout.splitlines()[-1]) == (
        0,
        "2 recordings: 2 analysed, 0 failed",
    )
    assert [(r["file"], r["output"]) for r in rows(out)] == [
        ("site-a/p1.csv", "site-a/p1"),
        ("site-b/p1.csv", "site-b/p1"),
    ]


def test_bad_input_is_one_line(
    cohort: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = str(tmp_path / "o")
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "sub" / "readme.txt").write_text("x")
    cases = {
        (str(empty), "--out", out): f"{empty}: no IMU recordings (*.csv) in this folder or below",
        (str(cohort / "nothing*.csv"), "--out", out): "nothing*.csv: no file matches this pattern",
    }
    for args, want in cases.items():
        capsys.readouterr()
        assert main(["analyse", *args]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and want in err, err
    for jobs in ("0", "-2", "two"):
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_:
            main(["analyse", str(cohort), "--jobs", jobs, "--out", out])
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and err.count("\n") == 1, err
        assert "--jobs" in err and "whole number of processes from 1" in err, err
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    capsys.readouterr()
    assert main(["analyse", str(cohort), "--scheduler", address, "--out", out]) == 2
    err = capsys.readouterr().err
    assert err == f"ras: error: cannot reach the Dask scheduler at {address}: Connection refused\n"
    assert not Path(out).exists()


def test_progress_on_a_terminal_is_one_line_with_an_eta() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    progress = Progress(3, stream)
    progress.finished("a.csv", "ok")
    progress.say("ras: failed: b.csv: broken")
    progress.finished("b.csv", "failed")
    progress.close()
    text = stream.getvalue()
    assert text.startswith("\r[1/3] 33 % a.csv  ETA ")
    assert "\rras: failed: b.csv: broken\n" in text and "\r[2/3] 66 % b.csv  ETA " in text
    assert text.endswith("\n") and text.count("\n") == 2
    assert (eta_text(10.0, 1, 3), eta_text(3600.0, 1, 2), eta_text(0.0, 0, 5)) == (
        "0:20",
        "1:00:00",
        "?",
    )

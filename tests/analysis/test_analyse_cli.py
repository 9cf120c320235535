"""`ras analyse FILE`: events and per-stride parameters as JSON and CSV on the file's clock,
alignment and gaps in the output, fixed rotations, one-line errors."""

from __future__ import annotations

import csv
import json
import stat
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from analysis.alignment import apply_rotation
from analysis.gait_events import GaitEventDetector, match_events
from analysis.imu_io import FootImu, write_imu_csv
from analysis.rotations import rotation_angles
from ras.cli import main
from ras.sim.presets import make_params
from ras.sim.recording import SimulatedWalk, simulate_walk

RATE_HZ = 100.0


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(scope="module")
def walk() -> SimulatedWalk:
    return simulate_walk(make_params("healthy"), duration_s=30.0, sampling_rate_hz=RATE_HZ, seed=9)


def _analyse(args: list[str], capsys) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    rc = main(["analyse", *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_analyse_gaitmap_file(gaitmap_dir: Path, feet, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    src = str(gaitmap_dir / "imu_sample.csv")
    rc, printed, err = _analyse([src, "--sampling-rate-hz", "204.8", "--out", str(out)], capsys)
    assert rc == 0 and err == ""
    n_ic = GaitEventDetector().detect(feet["left"]).ic_t_s_.size
    assert n_ic >= 30
    assert f"left: {n_ic} initial contacts" in printed
    assert "left: frame as in the file (no --align)" in printed
    files = sorted(p.name for p in out.iterdir())
    assert files == ["imu_sample.analysis.json", "imu_sample.events.csv", "imu_sample.strides.csv"]
    for name in files:
        assert _mode(out / name) == 0o600
    doc = json.loads((out / "imu_sample.analysis.json").read_text())
    assert doc["sampling_rate_hz"] == 204.8
    assert doc["time_base"] == {"clock": "file", "from_t_s_column": False, "first_sample_t_s": 0}
    left = doc["feet"]["left"]
    assert len(left["events_t_s"]["ic"]) == n_ic
    assert left["alignment"]["source"] == "none" and left["warnings"] == []
    assert left["gaps"] == [] and left["segments"][0]["analysed"] is True
    stride = left["strides"][0]
    assert set(stride) >= {"ic_t_s", "stride_time_s", "stride_length_m", "gait_speed_mps"}
    assert stride["gait_speed_mps"] == pytest.approx(
        stride["stride_length_m"] / stride["stride_time_s"], rel=1e-4
    )
    with (out / "imu_sample.strides.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert {r["foot"] for r in rows} == {"left", "right"}
    assert len([r for r in rows if r["foot"] == "left"]) == len(left["strides"])
    lengths = [float(r["stride_length_m"]) for r in rows if r["stride_length_m"]]
    assert 1.3 < float(np.median(lengths)) < 1.45
    with (out / "imu_sample.events.csv").open() as fh:
        events = list(csv.DictReader(fh))
    assert {e["event"] for e in events} == {"ic", "to", "ms", "msw"}
    assert sum(1 for e in events if e["foot"] == "left" and e["event"] == "ic") == n_ic


def test_landmark_options_are_used_and_recorded(
    gaitmap_dir: Path, feet, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    src = str(gaitmap_dir / "imu_sample.csv")
    docs = {}
    for ic, to in (("impact", "push_off"), ("gyro_zero", "gyro_zero")):
        out = tmp_path / ic
        args = [src, "--sampling-rate-hz", "204.8", "--out", str(out), "--format", "json"]
        rc, _, err = _analyse([*args, "--ic-landmark", ic, "--to-landmark", to], capsys)
        assert rc == 0 and err == ""
        docs[ic] = json.loads((out / "imu_sample.analysis.json").read_text())
        assert docs[ic]["event_landmarks"] == {"ic": ic, "to": to}
        want = GaitEventDetector(ic_landmark=ic, to_landmark=to).detect(feet["right"])
        got = docs[ic]["feet"]["right"]["events_t_s"]
        np.testing.assert_allclose(got["ic"], want.ic_t_s_, atol=1e-6)
        np.testing.assert_allclose(got["to"], want.to_t_s_, atol=1e-6)
    # the zero rise comes before the impact on this recording (docs/gait-events.md)
    m = match_events(
        np.asarray(docs["gyro_zero"]["feet"]["right"]["events_t_s"]["ic"]),
        np.asarray(docs["impact"]["feet"]["right"]["events_t_s"]["ic"]),
        0.15,
    )
    assert m["tp"] >= 28 and np.median(m["error"]) < -0.01
    with pytest.raises(SystemExit) as exit_:
        main(["analyse", src, "--sampling-rate-hz", "204.8", "--ic-landmark", "heel"])
    assert exit_.value.code == 2
    assert "invalid choice: 'heel'" in _one_error_line(capsys.readouterr().err)


def test_one_foot_file_with_alignment(tmp_path: Path, feet_raw, capsys) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "walk.csv"
    write_imu_csv(src, {"right": feet_raw["right"]})
    rc, printed, _ = _analyse(
        [str(src), "--out", str(tmp_path), "--format", "json", "--align"], capsys
    )
    assert rc == 0
    assert not (tmp_path / "walk.strides.csv").exists()
    doc = json.loads((tmp_path / "walk.analysis.json").read_text())
    assert list(doc["feet"]) == ["right"]
    right = doc["feet"]["right"]
    assert len(right["events_t_s"]["ic"]) >= 29
    al = right["alignment"]
    assert al["source"] == "estimated" and al["warnings"] == []
    assert al["quality"]["forward_agreement"] >= 0.95
    assert al["text"] in printed and "right: frame estimated" in printed


def test_t_s_at_100_s_shifts_every_time_by_100_s(walk, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    docs, csvs = [], []
    for first in (0.0, 100.0):
        feet = {s: FootImu(f.acc_mps2, f.gyr_dps, RATE_HZ, s, first) for s, f in walk.feet.items()}
        src = tmp_path / f"walk{first:g}.csv"
        write_imu_csv(src, feet)
        rc, printed, _ = _analyse([str(src), "--out", str(tmp_path)], capsys)
        assert rc == 0
        docs.append(json.loads((tmp_path / f"walk{first:g}.analysis.json").read_text()))
        with (tmp_path / f"walk{first:g}.events.csv").open() as fh:
            csvs.append([(r["foot"], r["event"], float(r["t_s"])) for r in csv.DictReader(fh)])
    assert "first sample at 100.000000 s" in printed
    a, b = docs
    assert b["time_base"]["first_sample_t_s"] == 100.0 and b["time_base"]["from_t_s_column"]
    for side in ("left", "right"):
        for kind, times in a["feet"][side]["events_t_s"].items():
            assert len(times) > 10
            np.testing.assert_allclose(
                b["feet"][side]["events_t_s"][kind], np.asarray(times) + 100.0, atol=2e-6
            )
        for sa, sb in zip(a["feet"][side]["strides"], b["feet"][side]["strides"], strict=True):
            for col, v in sa.items():
                if v is not None:
                    assert sb[col] == pytest.approx(v + (100.0 if col.endswith("_t_s") else 0.0))
    assert [r[:2] for r in csvs[0]] == [r[:2] for r in csvs[1]]
    np.testing.assert_allclose([r[2] for r in csvs[1]], [r[2] + 100.0 for r in csvs[0]], atol=2e-6)


def test_gaps_are_filled_or_split_and_reported(walk, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A file with an empty-cell run (0.05 s) and 1.2 s of missing rows, t_s from 50 s."""
    src = tmp_path / "gappy.csv"
    write_imu_csv(
        src, {s: FootImu(f.acc_mps2, f.gyr_dps, RATE_HZ, s, 50.0) for s, f in walk.feet.items()}
    )
    lines = src.read_text().splitlines()
    head, rows = lines[:3], lines[3:]
    for i in range(700, 705):  # samples 700-704: every value of the left foot empty
        cells = rows[i].split(",")
        rows[i] = ",".join([cells[0], *[""] * 6, *cells[7:]])
    rows = rows[:1500] + rows[1620:]  # t = 65.00-66.19 s missing
    src.write_text("\n".join(head + rows) + "\n")
    rc, printed, _ = _analyse([str(src), "--out", str(tmp_path), "--format", "json"], capsys)
    assert rc == 0
    assert "left: gaps: 1 filled, 1 split (2 segments, 0 too short to analyse)" in printed
    doc = json.loads((tmp_path / "gappy.analysis.json").read_text())
    left, right = doc["feet"]["left"], doc["feet"]["right"]
    assert [(g["action"], g["n_samples"]) for g in left["gaps"]] == [("filled", 5), ("split", 120)]
    assert left["gaps"][0]["start_t_s"] == pytest.approx(57.0)
    assert (left["gaps"][1]["start_t_s"], left["gaps"][1]["end_t_s"]) == pytest.approx((65.0, 66.2))
    assert [g["action"] for g in right["gaps"]] == ["split"]
    assert [s["filled_samples"] for s in left["segments"]] == [5, 0]
    for side in ("left", "right"):
        ic = np.asarray(doc["feet"][side]["events_t_s"]["ic"])
        assert not ((ic > 64.99) & (ic < 66.2)).any()
        assert (ic < 65.0).sum() >= 10 and (ic > 66.2).sum() >= 10
        truth = 50.0 + walk.ic_t_s[side]
        inner = truth[((truth > 51.5) & (truth < 64.5)) | ((truth > 66.7) & (truth < 78.5))]
        assert match_events(ic, inner, 0.06)["tp"] >= inner.size - 2


def test_fixed_rotation_round_trips_through_the_cli(walk, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    q = Rotation.from_euler("zyx", [170, 38, -6], degrees=True).as_matrix()
    src = tmp_path / "turned.csv"
    write_imu_csv(src, {s: apply_rotation(f, q) for s, f in walk.feet.items()})
    first = tmp_path / "first"
    rc, _, _ = _analyse([str(src), "--align", "--out", str(first)], capsys)
    assert rc == 0
    prev = first / "turned.analysis.json"
    estimated = json.loads(prev.read_text())["feet"]
    again = tmp_path / "again"
    rc, printed, _ = _analyse([str(src), "--rotation", str(prev), "--out", str(again)], capsys)
    assert rc == 0 and "left: frame fixed" in printed
    reused = json.loads((again / "turned.analysis.json").read_text())["feet"]
    for side in ("left", "right"):
        assert reused[side]["alignment"]["source"] == "fixed"
        np.testing.assert_allclose(
            reused[side]["alignment"]["rotation"],
            estimated[side]["alignment"]["rotation"],
            atol=2e-6,
        )
        np.testing.assert_allclose(
            reused[side]["events_t_s"]["ic"], estimated[side]["events_t_s"]["ic"], atol=1e-5
        )
    # the true mounting as angles: the same events as the foot-frame data
    angles = ",".join(f"{a:.6f}" for a in rotation_angles(q.T))
    rc, _, err = _analyse(
        [str(src), f"--rotation-deg={angles}", "--out", str(tmp_path / "deg")], capsys
    )
    assert rc == 0 and err == ""
    by_angles = json.loads((tmp_path / "deg" / "turned.analysis.json").read_text())["feet"]
    plain = tmp_path / "plain.csv"
    write_imu_csv(plain, walk.feet)
    rc, _, _ = _analyse([str(plain), "--format", "json", "--out", str(tmp_path / "plain")], capsys)
    truth = json.loads((tmp_path / "plain" / "plain.analysis.json").read_text())["feet"]
    for side in ("left", "right"):
        np.testing.assert_allclose(
            by_angles[side]["events_t_s"]["ic"], truth[side]["events_t_s"]["ic"], atol=1e-4
        )
    # without --align the turned file's strides are wrong (the right foot's are half strides):
    # refused in one line naming the frame and what to do, nothing written
    rc, _, err = _analyse([str(src), "--format", "json", "--out", str(tmp_path / "raw")], capsys)
    assert rc != 0
    line = _one_error_line(err)
    assert "do not repeat like walking" in line and "the file's frame:" in line
    assert "--align" in line
    assert not (tmp_path / "raw").exists()


def _one_error_line(err: str) -> str:
    assert err.count("\n") == 1 and err.startswith("ras: error: "), err
    return err


def _ras_file(path: Path, t_s: np.ndarray, walk: SimulatedWalk) -> Path:
    f = walk.feet["left"]
    n = t_s.size
    data = np.column_stack((t_s, f.acc_mps2[:n], f.gyr_dps[:n]))
    header = "t_s," + ",".join(f"left_acc_{a}_mps2" for a in "xyz") + ","
    header += ",".join(f"left_gyr_{a}_dps" for a in "xyz")
    rows = "\n".join(",".join(f"{v:.6f}" for v in row) for row in data)
    path.write_text(f"# ras-imu 1\n# sampling_rate_hz: 100\n{header}\n{rows}\n")
    return path


def test_bad_input_gives_one_line_errors(walk, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = str(tmp_path / "o")
    t = np.arange(1000) / RATE_HZ
    back = t.copy()
    back[500] = back[498]
    src = _ras_file(tmp_path / "back.csv", back, walk)
    rc, _, err = _analyse([str(src), "--out", out], capsys)
    assert rc == 2 and "t_s goes backwards or repeats at line 504" in _one_error_line(err)
    holes = t.copy()
    holes[::150] = np.nan  # a time missing every 1.5 s
    rc, _, err = _analyse(
        [str(_ras_file(tmp_path / "holes.csv", holes, walk)), "--out", out], capsys
    )
    assert rc == 2 and "t_s is empty or not finite" in _one_error_line(err)
    gappy = np.concatenate([t[:150], 30.0 + t[:150], 60.0 + t[:150]])  # 28 s gaps, 1.5 s pieces
    rc, _, err = _analyse(
        [str(_ras_file(tmp_path / "gappy.csv", gappy, walk)), "--out", out], capsys
    )
    assert rc == 2 and "no stretch between gaps is long enough" in _one_error_line(err)
    good = str(_ras_file(tmp_path / "good.csv", t, walk))
    bad_rot = tmp_path / "rot.csv"
    bad_rot.write_text("1,0,0\n0,1,0\n0,0,2\n")
    rc, _, err = _analyse([good, "--rotation", str(bad_rot), "--out", out], capsys)
    assert rc == 2 and "not orthonormal" in _one_error_line(err)
    bad_rot.write_text("[[1, 0, 0], [0, 1, 0]]")
    rc, _, err = _analyse([good, "--rotation", str(bad_rot), "--out", out], capsys)
    assert rc == 2 and "shape (2, 3)" in _one_error_line(err)
    rc, _, err = _analyse([good, "--rotation-deg", "180,35", "--out", out], capsys)
    assert rc == 2 and "YAW,PITCH,ROLL" in _one_error_line(err)
    with pytest.raises(SystemExit) as exit_:
        main(["analyse", good, "--align", "--rotation", str(bad_rot)])
    assert exit_.value.code == 2
    assert "not allowed with argument" in _one_error_line(capsys.readouterr().err)
    rc, _, err = _analyse([good, "--max-fill-s", "3", "--out", out], capsys)
    assert rc == 2 and "use 0–1 s" in _one_error_line(err)
    assert not Path(out).exists()


def test_error_missing_file(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    rc, _, err = _analyse([str(tmp_path / "nope.csv"), "--out", str(tmp_path)], capsys)
    assert rc == 2 and "no such file" in _one_error_line(err)


def test_error_gaitmap_file_without_rate(gaitmap_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    rc, _, err = _analyse([str(gaitmap_dir / "imu_sample.csv"), "--out", str(tmp_path)], capsys)
    assert rc == 2 and "--sampling-rate-hz" in _one_error_line(err)
    assert list(tmp_path.iterdir()) == []


def test_error_bad_format(capsys) -> None:  # type: ignore[no-untyped-def]
    rc, _, err = _analyse(["x.csv", "--format", "xml"], capsys)
    assert rc == 2 and "use json, csv" in _one_error_line(err)


def test_error_bad_units(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    n = 400
    t = np.arange(n) / 100.0
    acc = np.column_stack((np.zeros(n), np.zeros(n), np.full(n, 1.0) + 0.5 * np.sin(6 * t)))
    gyr = np.column_stack((np.zeros(n), 300 * np.sin(6 * t), np.zeros(n)))
    src = tmp_path / "in_g.csv"
    write_imu_csv(src, {"left": FootImu(acc, gyr, 100.0, "left")})
    rc, _, err = _analyse([str(src), "--out", str(tmp_path / "o")], capsys)
    assert rc == 2 and "m/s²" in _one_error_line(err)


def test_error_out_is_a_file(gaitmap_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "file"
    target.write_text("x")
    src = str(gaitmap_dir / "imu_sample.csv")
    rc, _, err = _analyse([src, "--sampling-rate-hz", "204.8", "--out", str(target)], capsys)
    assert rc == 2 and "is a file" in _one_error_line(err)

"""`ras analyse FILE`: events and per-stride parameters as JSON and CSV, one-line errors."""

from __future__ import annotations

import csv
import json
import stat
from pathlib import Path

import numpy as np
import pytest

from analysis.imu_io import FootImu, write_imu_csv
from ras.cli import main


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_analyse_gaitmap_file(gaitmap_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    rc = main(
        [
            "analyse",
            str(gaitmap_dir / "imu_sample.csv"),
            "--sampling-rate-hz",
            "204.8",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    printed = capsys.readouterr().out
    assert "left: 33 initial contacts" in printed
    files = sorted(p.name for p in out.iterdir())
    assert files == ["imu_sample.analysis.json", "imu_sample.events.csv", "imu_sample.strides.csv"]
    for name in files:
        assert _mode(out / name) == 0o600
    doc = json.loads((out / "imu_sample.analysis.json").read_text())
    assert doc["sampling_rate_hz"] == 204.8
    left = doc["feet"]["left"]
    assert len(left["events_t_s"]["ic"]) == 33
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
    assert sum(1 for e in events if e["foot"] == "left" and e["event"] == "ic") == 33


def test_analyse_ras_file_json_only_with_alignment(tmp_path: Path, feet_raw, capsys) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "walk.csv"
    write_imu_csv(src, {"right": feet_raw["right"]})
    rc = main(["analyse", str(src), "--out", str(tmp_path), "--format", "json", "--align"])
    assert rc == 0
    assert not (tmp_path / "walk.strides.csv").exists()
    doc = json.loads((tmp_path / "walk.analysis.json").read_text())
    assert list(doc["feet"]) == ["right"]
    assert len(doc["feet"]["right"]["events_t_s"]["ic"]) >= 29
    capsys.readouterr()


def _one_error_line(capsys) -> str:  # type: ignore[no-untyped-def]
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ras: error: ")
    return err


def test_error_missing_file(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["analyse", str(tmp_path / "nope.csv"), "--out", str(tmp_path)]) == 2
    assert "no such file" in _one_error_line(capsys)


def test_error_gaitmap_file_without_rate(gaitmap_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["analyse", str(gaitmap_dir / "imu_sample.csv"), "--out", str(tmp_path)]) == 2
    assert "--sampling-rate-hz" in _one_error_line(capsys)
    assert list(tmp_path.iterdir()) == []


def test_error_bad_format(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["analyse", "x.csv", "--format", "xml"]) == 2
    assert "use json, csv" in _one_error_line(capsys)


def test_error_bad_units(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    n = 400
    t = np.arange(n) / 100.0
    acc = np.column_stack((np.zeros(n), np.zeros(n), np.full(n, 1.0) + 0.5 * np.sin(6 * t)))
    gyr = np.column_stack((np.zeros(n), 300 * np.sin(6 * t), np.zeros(n)))
    src = tmp_path / "in_g.csv"
    write_imu_csv(src, {"left": FootImu(acc, gyr, 100.0, "left")})
    assert main(["analyse", str(src), "--out", str(tmp_path / "o")]) == 2
    assert "m/s²" in _one_error_line(capsys)


def test_error_out_is_a_file(gaitmap_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "file"
    target.write_text("x")
    src = str(gaitmap_dir / "imu_sample.csv")
    assert main(["analyse", src, "--sampling-rate-hz", "204.8", "--out", str(target)]) == 2
    assert "is a file" in _one_error_line(capsys)

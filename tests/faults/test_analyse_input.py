"""`ras analyse` reading hostile or odd files: a UTF-8 BOM, a huge field, values of 1e300, a
time that jumps by ages; each reads or is one error line (no traceback, no numpy warning); the
reader fills arrays chunk by chunk instead of holding a list of every row."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import analysis.imu_io as imu_io
from analysis.imu_io import FootImu, read_imu_table, write_imu_csv
from tests.faults.conftest import one_error_line, run_analyse, write_walk_csv

RATE_HZ = 100.0
GRAVITY = np.array([0.0, 0.0, 9.81])


@pytest.fixture(scope="module")
def walk_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_walk_csv(tmp_path_factory.mktemp("walk"), 20.0, 4, RATE_HZ)


def _edit(src: Path, dst: Path, line: int, column: int, value: str) -> Path:
    """``src`` with the value at (1-based ``line``, 0-based ``column``) replaced."""
    lines = src.read_text().splitlines()
    cells = lines[line - 1].split(",")
    cells[column] = value
    lines[line - 1] = ",".join(cells)
    dst.write_text("\n".join(lines) + "\n")
    return dst


def test_a_bom_file_reads_like_the_plain_one(walk_csv: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    bom = tmp_path / "bom.csv"
    bom.write_text(walk_csv.read_text(), encoding="utf-8-sig")
    assert bom.read_bytes().startswith(b"\xef\xbb\xbf")
    plain, with_bom = read_imu_table(walk_csv), read_imu_table(bom)
    assert with_bom.sampling_rate_hz == plain.sampling_rate_hz == RATE_HZ
    for side in ("left", "right"):
        np.testing.assert_array_equal(with_bom.gyr_dps[side], plain.gyr_dps[side])
    rc, printed, err = run_analyse([str(bom), "--out", str(tmp_path / "out")], capsys)
    assert rc == 0 and err == "", err
    assert "wrote" in printed


def test_a_field_beyond_the_csv_limit_is_one_line(walk_csv: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    huge = _edit(walk_csv, tmp_path / "huge.csv", 40, 2, "1" * 131_100)
    rc, _, err = run_analyse([str(huge), "--out", str(tmp_path / "out")], capsys)
    line = one_error_line(err)
    assert rc == 2 and "line 40" in line and "characters" in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("column", "value", "needle"),
    [
        (2, "1e300", "left acc is 1e+300 at line 30"),
        (5, "-1e300", "left gyr is -1e+300 at line 30"),
        (10, "inf", None),  # inf is a missing value (a short gap filled): reads
        (0, "1e300", "t_s goes backwards"),
    ],
)
def test_absurd_numbers_are_one_line_without_numpy_warnings(
    walk_csv: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    column: int,
    value: str,
    needle: str | None,
) -> None:
    src = _edit(walk_csv, tmp_path / "odd.csv", 30, column, value)
    rc, _, err = run_analyse([str(src), "--format", "json", "--out", str(tmp_path)], capsys)
    if needle is None:
        assert rc == 0 and err == "", err
        return
    assert rc == 2 and needle in one_error_line(err)


def test_a_time_jumping_by_ages_is_one_line(walk_csv: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    n_lines = len(walk_csv.read_text().splitlines())
    src = _edit(walk_csv, tmp_path / "jump.csv", n_lines, 0, "1e308")
    rc, _, err = run_analyse([str(src), "--out", str(tmp_path)], capsys)
    assert rc == 2 and f"jumps by 1e+308 s at line {n_lines}" in one_error_line(err)


def test_units_check_of_absurd_arrays_warns_nothing() -> None:
    acc = np.full((400, 3), 1e300)
    gyr = np.zeros((400, 3))
    with pytest.raises(ValueError, match="acc magnitude at rest is inf"):
        FootImu(acc, gyr, RATE_HZ, "left").check_units()  # warnings are errors here


def _big_file(path: Path, n: int) -> Path:
    rng = np.random.default_rng(0)
    feet = {
        s: FootImu(rng.normal(0, 1, (n, 3)) + GRAVITY, rng.normal(0, 50, (n, 3)), 200.0, s)
        for s in ("left", "right")
    }
    write_imu_csv(path, feet)
    return path


def test_chunked_reading_gives_the_same_table(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = _big_file(tmp_path / "big.csv", 3000)
    whole = read_imu_table(path)
    monkeypatch.setattr(imu_io, "CHUNK_ROWS", 7)  # chunk edges everywhere, last chunk short
    chunked = read_imu_table(path)
    np.testing.assert_array_equal(chunked.t_s, whole.t_s)
    for side in ("left", "right"):
        np.testing.assert_array_equal(chunked.acc_mps2[side], whole.acc_mps2[side])
        np.testing.assert_array_equal(chunked.gyr_dps[side], whole.gyr_dps[side])
    assert whole.acc_mps2["left"].shape == (3000, 3)


def test_reader_memory_is_the_arrays_plus_one_chunk(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An algorithmic bound, not a timing: Python objects for every row (the old reader: about
    16x the data) cannot fit under 3x; arrays allocated once plus a chunk of text do."""
    n = 20_000
    path = _big_file(tmp_path / "big.csv", n)
    monkeypatch.setattr(imu_io, "CHUNK_ROWS", 1000)
    data_bytes = n * 13 * 8
    tracemalloc.start()
    try:
        table = read_imu_table(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert table.gyr_dps["right"].shape == (n, 3)
    assert peak < 3 * data_bytes, f"reader peak {peak / data_bytes:.1f}x the data"

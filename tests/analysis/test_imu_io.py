"""Raw-IMU loading (analysis.imu_io): both CSV layouts, round trip, the file's clock, short gaps
filled, and one-line errors."""

from __future__ import annotations

import stat
from pathlib import Path

import numpy as np
import pytest

from analysis.errors import AnalysisInputError
from analysis.imu_io import FootImu, load_imu_csv, write_imu_csv

RATE_HZ = 100.0


def _walk_like(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """acc (m/s², gravity on z) and gyr (deg/s) that look like a walking foot."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / RATE_HZ
    acc = np.column_stack(
        (3 * np.sin(6 * t), 0.5 * rng.standard_normal(n), 9.81 + 4 * np.cos(6 * t))
    )
    gyr = np.column_stack(
        (5 * rng.standard_normal(n), 300 * np.sin(6 * t), 5 * rng.standard_normal(n))
    )
    return acc, gyr


def _ras_csv(path: Path, header: str, rows: list[str], rate: str | None = "100") -> Path:
    lines = ["# ras-imu 1"] + ([f"# sampling_rate_hz: {rate}"] if rate else []) + [header, *rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_round_trip_two_feet(tmp_path: Path) -> None:
    acc, gyr = _walk_like()
    feet = {
        "left": FootImu(acc, gyr, RATE_HZ, "left"),
        "right": FootImu(-acc * [1, -1, -1] * -1, gyr * [-1, 1, -1], RATE_HZ, "right"),
    }
    path = tmp_path / "walk.csv"
    write_imu_csv(path, feet)
    back = load_imu_csv(path)
    assert list(back) == ["left", "right"]
    for side, foot in feet.items():
        assert back[side].sampling_rate_hz == RATE_HZ
        assert back[side].side == side
        np.testing.assert_allclose(back[side].acc_mps2, foot.acc_mps2, rtol=1e-8)
        np.testing.assert_allclose(back[side].gyr_dps, foot.gyr_dps, rtol=1e-8)
        assert back[side].acc_mps2.dtype == np.float64
        assert not back[side].acc_mps2.flags.writeable


def test_one_foot_file(tmp_path: Path) -> None:
    acc, gyr = _walk_like()
    path = tmp_path / "right.csv"
    write_imu_csv(path, {"right": FootImu(acc, gyr, RATE_HZ, "right")})
    back = load_imu_csv(path)
    assert list(back) == ["right"]
    assert back["right"].n_samples == 400
    assert back["right"].duration_s == pytest.approx(4.0)


def test_reads_gaitmap_two_header_rows(gaitmap_dir: Path) -> None:
    feet = load_imu_csv(gaitmap_dir / "imu_sample.csv", 204.8)
    assert list(feet) == ["left", "right"]
    left = feet["left"]
    assert left.acc_mps2.shape == (7928, 3)
    # first data row of the file: left acc_x, acc_y, acc_z, gyr_x, gyr_y, gyr_z
    np.testing.assert_allclose(
        left.acc_mps2[0], [0.8808107066241624, 2.7622080650315652, 9.408650477990726]
    )
    np.testing.assert_allclose(
        left.gyr_dps[0], [-0.11240170597252427, -0.032157165192030705, -0.06226105420289057]
    )
    # standing at the start: gravity on +z
    assert np.median(feet["right"].acc_mps2[:100, 2]) == pytest.approx(9.5, abs=0.2)


def test_reads_gaitmap_one_sensor_file(gaitmap_dir: Path) -> None:
    feet = load_imu_csv(gaitmap_dir / "imu_sample_ms_left.csv", 102.4, side="left")
    assert list(feet) == ["left"]
    assert feet["left"].acc_mps2.shape == (7000, 3)
    with pytest.raises(AnalysisInputError, match="which foot"):
        load_imu_csv(gaitmap_dir / "imu_sample_ms_left.csv", 102.4)


def _one_line(err: pytest.ExceptionInfo[AnalysisInputError]) -> str:
    text = str(err.value)
    assert "\n" not in text
    assert isinstance(err.value, ValueError)
    return text


HEADER = ",".join(
    ["t_s"] + [f"left_acc_{a}_mps2" for a in "xyz"] + [f"left_gyr_{a}_dps" for a in "xyz"]
)


def _rows(acc: np.ndarray, gyr: np.ndarray) -> list[str]:
    return [
        ",".join(f"{v:.6g}" for v in (i / RATE_HZ, *a, *g))
        for i, (a, g) in enumerate(zip(acc, gyr, strict=True))
    ]


def test_error_wrong_unit_column(tmp_path: Path) -> None:
    acc, gyr = _walk_like()
    path = _ras_csv(
        tmp_path / "x.csv", HEADER.replace("left_gyr_x_dps", "left_gyr_x_rads"), _rows(acc, gyr)
    )
    with pytest.raises(AnalysisInputError) as err:
        load_imu_csv(path)
    text = _one_line(err)
    assert "left_gyr_x_rads" in text and "deg/s" in text


def test_error_acc_in_g(tmp_path: Path) -> None:
    acc, gyr = _walk_like()
    with pytest.raises(AnalysisInputError) as err:
        FootImu(acc / 9.81, gyr, RATE_HZ, "left").check_units()
    assert "looks like g" in _one_line(err)
    path = _ras_csv(tmp_path / "g.csv", HEADER, _rows(acc / 9.81, gyr))
    with pytest.raises(AnalysisInputError, match="m/s²"):
        load_imu_csv(path)


def test_error_gyr_in_rad_per_s() -> None:
    acc, gyr = _walk_like()
    with pytest.raises(AnalysisInputError) as err:
        FootImu(acc, np.deg2rad(gyr), RATE_HZ, "right").check_units()
    assert "rad/s" in _one_line(err)


def test_nan_refused_by_foot_imu_but_filled_on_loading(tmp_path: Path) -> None:
    acc, gyr = _walk_like()
    bad = acc.copy()
    bad[17, 1] = np.nan
    with pytest.raises(AnalysisInputError) as err:
        FootImu(bad, gyr, RATE_HZ, "left")
    assert "NaN" in _one_line(err) and "sample 17" in str(err.value)
    rows = _rows(acc, gyr)
    rows[5] = rows[5].replace(rows[5].split(",")[2], "", 1)  # one empty acc_y cell
    foot = load_imu_csv(_ras_csv(tmp_path / "gap.csv", HEADER, rows))["left"]
    assert np.flatnonzero(foot.filled).tolist() == [5]
    # the whole sample of that foot is interpolated from its neighbours
    np.testing.assert_allclose(foot.acc_mps2[5], (acc[4] + acc[6]) / 2, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(foot.gyr_dps[5], (gyr[4] + gyr[6]) / 2, rtol=1e-5, atol=1e-4)
    assert not foot.filled.flags.writeable


def test_t_s_starting_anywhere_is_the_time_base(tmp_path: Path) -> None:
    acc, gyr = _walk_like()
    foot = FootImu(acc, gyr, RATE_HZ, "left", first_t_s=100.0)
    path = tmp_path / "late.csv"
    write_imu_csv(path, {"left": foot})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    back = load_imu_csv(path)["left"]
    assert back.first_t_s == 100.0
    np.testing.assert_allclose(back.t_s, 100.0 + np.arange(400) / RATE_HZ, rtol=0, atol=1e-9)
    np.testing.assert_allclose(back.gyr_dps, gyr, rtol=1e-8)
    assert (
        load_imu_csv(_ras_csv(tmp_path / "no_t.csv", HEADER[4:], _rows_no_t(acc, gyr)))[
            "left"
        ].first_t_s
        == 0.0
    )


def _rows_no_t(acc: np.ndarray, gyr: np.ndarray) -> list[str]:
    return [",".join(f"{v:.6g}" for v in (*a, *g)) for a, g in zip(acc, gyr, strict=True)]


def test_t_s_jitter_accepted_and_missing_rows_filled(tmp_path: Path) -> None:
    acc, gyr = _walk_like()
    rng = np.random.default_rng(1)
    t = 5.0 + np.arange(400) / RATE_HZ + rng.uniform(-0.002, 0.002, 400)  # ±0.2 periods
    keep = np.ones(400, dtype=bool)
    keep[200:204] = False  # 4 rows missing: 0.04 s, filled
    rows = [",".join(f"{v:.9g}" for v in (t[i], *acc[i], *gyr[i])) for i in np.flatnonzero(keep)]
    foot = load_imu_csv(_ras_csv(tmp_path / "jitter.csv", HEADER, rows))["left"]
    assert foot.n_samples == 400 and foot.first_t_s == pytest.approx(t[0], abs=1e-8)
    assert np.flatnonzero(foot.filled).tolist() == [200, 201, 202, 203]
    np.testing.assert_allclose(foot.gyr_dps[keep], gyr[keep], rtol=1e-8)
    assert foot.t_s[-1] == pytest.approx(t[-1], abs=0.0021)


def test_error_long_gap_and_clock(tmp_path: Path) -> None:
    acc, gyr = _walk_like(800)
    t = np.arange(800) / RATE_HZ
    keep = (t < 3.0) | (t >= 3.5)  # 0.5 s missing: longer than 0.1 s
    rows = [",".join(f"{v:.6g}" for v in (t[i], *acc[i], *gyr[i])) for i in np.flatnonzero(keep)]
    with pytest.raises(AnalysisInputError) as err:
        load_imu_csv(_ras_csv(tmp_path / "long.csv", HEADER, rows))
    text = _one_line(err)
    assert "gap of 0.5 s at t = 3 s" in text and "load_imu_segments" in text
    slow = [",".join(f"{v:.6g}" for v in (i / 95.0, *acc[i], *gyr[i])) for i in range(400)]
    with pytest.raises(AnalysisInputError) as err:
        load_imu_csv(_ras_csv(tmp_path / "slow.csv", HEADER, slow))
    assert "advances at 95 samples/s" in _one_line(err)


def test_error_too_short() -> None:
    acc, gyr = _walk_like(150)
    with pytest.raises(AnalysisInputError) as err:
        FootImu(acc, gyr, RATE_HZ, "left")
    assert "at least 2 s" in _one_line(err)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"side": "middle"}, "use 'left' or 'right'"),
        ({"sampling_rate_hz": 20.0}, "50–1000 Hz"),
        ({"acc_mps2": np.zeros((400, 2))}, "(n_samples, 3)"),
        ({"gyr_dps": np.zeros((300, 3))}, "same length"),
    ],
)
def test_error_bad_foot_fields(kwargs: dict, needle: str) -> None:
    acc, gyr = _walk_like()
    args = {"acc_mps2": acc, "gyr_dps": gyr, "sampling_rate_hz": RATE_HZ, "side": "left"} | kwargs
    with pytest.raises(AnalysisInputError) as err:
        FootImu(**args)
    assert needle in _one_line(err)


def test_error_file_problems(tmp_path: Path) -> None:
    acc, gyr = _walk_like()
    with pytest.raises(AnalysisInputError, match="does not exist"):
        load_imu_csv(tmp_path / "missing.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(AnalysisInputError, match="empty"):
        load_imu_csv(tmp_path / "empty.csv")
    no_rate = _ras_csv(tmp_path / "norate.csv", HEADER, _rows(acc, gyr), rate=None)
    with pytest.raises(AnalysisInputError, match="sampling_rate_hz"):
        load_imu_csv(no_rate)
    assert load_imu_csv(no_rate, sampling_rate_hz=100.0)["left"].n_samples == 400
    with pytest.raises(AnalysisInputError, match="file says 100 Hz"):
        load_imu_csv(_ras_csv(tmp_path / "r.csv", HEADER, _rows(acc, gyr)), 200.0)
    rows = _rows(acc, gyr)
    rows[3] = rows[3] + ",1"
    with pytest.raises(AnalysisInputError, match="every row needs 7"):
        load_imu_csv(_ras_csv(tmp_path / "ragged.csv", HEADER, rows))
    rows = _rows(acc, gyr)
    rows[3] = rows[3].replace(rows[3].split(",")[1], "abc", 1)
    with pytest.raises(AnalysisInputError, match="not a number"):
        load_imu_csv(_ras_csv(tmp_path / "text.csv", HEADER, rows))
    rows = _rows(acc, gyr)
    rows[9] = "0.05" + rows[9][rows[9].index(",") :]
    with pytest.raises(AnalysisInputError, match="backwards or repeats at line 13"):
        load_imu_csv(_ras_csv(tmp_path / "jump.csv", HEADER, rows))
    rows = _rows(acc, gyr)
    rows[9] = rows[8]
    with pytest.raises(AnalysisInputError, match="backwards or repeats"):
        load_imu_csv(_ras_csv(tmp_path / "dup.csv", HEADER, rows))


def test_error_gaitmap_without_rate(gaitmap_dir: Path) -> None:
    with pytest.raises(AnalysisInputError) as err:
        load_imu_csv(gaitmap_dir / "imu_sample.csv")
    assert "sampling rate" in _one_line(err)

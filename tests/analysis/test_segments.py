"""Gaps in raw IMU data (analysis.segments): short ones filled and masked, long ones split,
edges trimmed, times on the file's clock, one-line errors."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.errors import AnalysisInputError
from analysis.imu_io import sample_grid
from analysis.segments import MAX_FILL_S, in_filled, segment_arrays

RATE_HZ = 100.0


def _signals(n: int) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(n) / RATE_HZ
    acc = np.column_stack((np.sin(t), np.cos(t), 9.81 + 0.1 * t))
    gyr = np.column_stack((t, 2 * t, 300 * np.sin(6 * t)))
    return acc, gyr


def test_short_nan_run_is_filled_linearly_and_masked() -> None:
    acc, gyr = _signals(500)
    acc[100:108] = np.nan  # 0.08 s
    gyr[300, 2] = np.inf  # one bad value: the whole sample of this foot is missing
    feet = segment_arrays(acc, gyr, RATE_HZ, "left", t_s=20.0 + np.arange(500) / RATE_HZ)
    (seg,) = feet.segments
    imu = seg.imu
    assert imu is not None and imu.first_t_s == pytest.approx(20.0)
    assert np.flatnonzero(imu.filled).tolist() == [*range(100, 108), 300]
    _, truth = _signals(500)
    expected = np.interp(np.arange(100, 108), [99, 108], [acc[99, 0], acc[108, 0]])
    np.testing.assert_allclose(imu.acc_mps2[100:108, 0], expected)
    np.testing.assert_allclose(imu.gyr_dps[300, 2], (truth[299, 2] + truth[301, 2]) / 2)
    assert [(g.action, g.n_samples) for g in feet.gaps] == [("filled", 8), ("filled", 1)]
    assert feet.gaps[0].start_t_s == pytest.approx(21.0) and feet.gaps[0].end_t_s == pytest.approx(
        21.08
    )
    assert seg.n_filled == 9


def test_long_gap_splits_and_edges_are_trimmed() -> None:
    acc, gyr = _signals(1000)
    acc[:5] = np.nan  # leading: trimmed
    gyr[400:450] = np.nan  # 0.5 s: split
    acc[990:] = np.nan  # trailing: trimmed
    feet = segment_arrays(acc, gyr, RATE_HZ, "right")
    assert [g.action for g in feet.gaps] == ["trimmed", "split", "trimmed"]
    split = feet.gaps[1]
    assert (split.start_t_s, split.end_t_s, split.n_samples) == pytest.approx((4.0, 4.5, 50))
    first, second = feet.segments
    assert first.imu is not None and second.imu is not None
    assert first.start_t_s == pytest.approx(0.05) and first.end_t_s == pytest.approx(3.99)
    assert second.imu.first_t_s == pytest.approx(4.5) and second.end_t_s == pytest.approx(9.89)
    np.testing.assert_array_equal(second.imu.gyr_dps, gyr[450:990])
    assert not first.imu.filled.any() and not second.imu.filled.any()


def test_missing_rows_from_t_s() -> None:
    acc, gyr = _signals(1000)
    t = 100.0 + np.arange(1000) / RATE_HZ
    keep = np.ones(1000, dtype=bool)
    keep[200:205] = False  # 0.05 s: filled
    keep[600:700] = False  # 1 s: split
    feet = segment_arrays(acc[keep], gyr[keep], RATE_HZ, "left", t_s=t[keep])
    assert [(g.action, g.n_samples) for g in feet.gaps] == [("filled", 5), ("split", 100)]
    first, second = feet.segments
    assert first.imu is not None and second.imu is not None
    assert np.flatnonzero(first.imu.filled).tolist() == list(range(200, 205))
    np.testing.assert_allclose(first.t_s, t[:600])
    np.testing.assert_allclose(second.t_s, t[700:])
    # fractional sample indices map onto the file's clock
    assert second.time_at(np.array([0.0, 10.5, np.nan]))[:2] == pytest.approx([107.0, 107.105])
    assert np.isnan(second.time_at(np.array([np.nan]))[0])


def test_fill_limit_is_a_setting_and_short_segments_are_reported() -> None:
    acc, gyr = _signals(1000)
    gyr[500:520] = np.nan  # 0.2 s
    assert [g.action for g in segment_arrays(acc, gyr, RATE_HZ, "left").gaps] == ["split"]
    wider = segment_arrays(acc, gyr, RATE_HZ, "left", max_fill_s=0.25)
    assert [g.action for g in wider.gaps] == ["filled"] and wider.max_fill_s == 0.25
    gyr[150:160] = np.nan  # leaves a 1.4 s piece between two long gaps... 0.1 s is filled
    gyr[100:140] = np.nan
    feet = segment_arrays(acc, gyr, RATE_HZ, "left")
    notes = [(s.start_t_s, s.imu is None, s.note) for s in feet.segments]
    assert notes[0][1] and "too short to analyse: 1.00 s" in notes[0][2]
    assert [s.imu is not None for s in feet.segments] == [False, True, True]
    assert len(feet.analysable) == 2
    assert MAX_FILL_S == 0.1


def test_in_filled_touches_either_neighbour() -> None:
    filled = np.zeros(10, dtype=bool)
    filled[4] = True
    got = in_filled(np.array([2.0, 3.0, 3.5, 4.0, 4.9, 5.0, 5.1, np.nan]), filled)
    assert got.tolist() == [False, False, True, True, True, False, False, False]


def test_sample_grid_and_its_errors() -> None:
    t = np.array([0.0, 0.011, 0.019, 0.05, 0.06])  # jitter, then 2 rows missing
    assert sample_grid(t, RATE_HZ).tolist() == [0, 1, 2, 5, 6]
    with pytest.raises(AnalysisInputError, match="backwards or repeats at line 3") as err:
        sample_grid(np.array([0.0, 0.01, 0.01]), RATE_HZ)
    assert "\n" not in str(err.value)
    with pytest.raises(AnalysisInputError, match="empty or not finite at line 2"):
        sample_grid(np.array([0.0, np.nan, 0.02]), RATE_HZ)
    with pytest.raises(AnalysisInputError, match=r"steps by 0.02 s \(median\)"):
        sample_grid(np.arange(300) / 50.0, RATE_HZ)
    with pytest.raises(AnalysisInputError, match="advances at 97 samples/s"):
        sample_grid(np.arange(300) / 97.0, RATE_HZ)
    with pytest.raises(AnalysisInputError, match="use 0–1 s"):
        segment_arrays(*_signals(300), RATE_HZ, "left", max_fill_s=5.0)
    with pytest.raises(AnalysisInputError, match="'left' or 'right'"):
        segment_arrays(*_signals(300), RATE_HZ, "middle")

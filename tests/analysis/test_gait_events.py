"""Offline gait events (analysis.gait_events): exact answers on synthetic signals, accuracy on
the gaitmap example data against motion capture, any sampling rate, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from analysis.errors import AnalysisInputError
from analysis.gait_events import (
    STRIDE_COLUMNS,
    GaitEventDetector,
    detect_swings,
    match_events,
    stride_table,
)
from analysis.imu_io import FootImu

FS = 100.0


def synthetic_gyr(n: int = 500) -> np.ndarray:
    """Two strides of piecewise-linear gyr_y with known events (100 Hz, W = 10 samples).

    Per stride (offset o = 0 and 150): quiet gx = 1 deg/s on samples 60..79 (least energy:
    the first window 60..69 -> MS at 64.5), push-off peak +400 at 130 (TO), arming (gyr_y < -50)
    at 143, mid-swing -300 at 155 (MSW), zero rise between 170 (-10) and 171 (+30): IC = 170.25.
    """
    gyr = np.zeros((n, 3))
    gyr[:, 0] = 5.0
    knots_x = np.array([119, 130, 140, 155, 170, 171, 175, 185], dtype=float)
    knots_y = np.array([0, 400, 0, -300, -10, 30, 100, 0], dtype=float)
    for o in (0, 150):
        gyr[60 + o : 80 + o, 0] = 1.0
        k = np.arange(n, dtype=float)
        inside = (k >= knots_x[0] + o) & (k <= knots_x[-1] + o)
        gyr[inside, 1] = np.interp(k[inside], knots_x + o, knots_y)
    return gyr


def _foot(gyr: np.ndarray, fs: float = FS, side: str = "left") -> FootImu:
    acc = np.zeros_like(gyr)
    acc[:, 2] = 9.81
    return FootImu(acc, gyr, fs, side)


def test_synthetic_events_exact() -> None:
    sw = detect_swings(synthetic_gyr(), FS)
    np.testing.assert_array_equal(sw.ms_idx, [64.5, 214.5])
    np.testing.assert_array_equal(sw.to_idx, [130.0, 280.0])
    np.testing.assert_array_equal(sw.msw_idx, [155.0, 305.0])
    np.testing.assert_allclose(sw.ic_idx, [170.25, 320.25], rtol=0, atol=1e-12)


def test_synthetic_detector_and_stride_table() -> None:
    det = GaitEventDetector().detect(_foot(synthetic_gyr()))
    np.testing.assert_allclose(det.ic_t_s_, [1.7025, 3.2025], atol=1e-12)
    np.testing.assert_allclose(det.to_t_s_, [1.30, 2.80], atol=1e-12)
    np.testing.assert_allclose(det.ms_t_s_, [0.645, 2.145], atol=1e-12)
    np.testing.assert_allclose(det.msw_t_s_, [1.55, 3.05], atol=1e-12)
    st = det.strides_
    assert set(STRIDE_COLUMNS) <= set(st)
    np.testing.assert_array_equal(st["swing_index"], [1])
    np.testing.assert_allclose(st["ic_t_s"], [1.7025])
    np.testing.assert_allclose(st["next_ic_t_s"], [3.2025])
    np.testing.assert_allclose(st["stride_time_s"], [1.5])
    np.testing.assert_allclose(st["stance_time_s"], [2.80 - 1.7025])
    np.testing.assert_allclose(st["swing_time_s"], [3.2025 - 2.80])
    np.testing.assert_allclose(st["ms_t_s"], [2.145])


def test_same_events_for_either_foot() -> None:
    """The foot frame is the same on both feet: the lateral axes' sign does not matter."""
    gyr = synthetic_gyr()
    mirrored = gyr * [-1.0, 1.0, -1.0]
    left = GaitEventDetector().detect(_foot(gyr, side="left"))
    right = GaitEventDetector().detect(_foot(mirrored, side="right"))
    for name in ("ic_t_s_", "to_t_s_", "ms_t_s_", "msw_t_s_"):
        np.testing.assert_array_equal(getattr(left, name), getattr(right, name))


def test_sampling_rate_parameters_in_seconds() -> None:
    """The same signal at 2x the rate gives the same event times."""
    gyr = synthetic_gyr()
    up = np.repeat(gyr, 2, axis=0)  # 200 Hz, each sample held twice
    a = GaitEventDetector().detect(_foot(gyr))
    b = GaitEventDetector().detect(_foot(up, 200.0))
    np.testing.assert_allclose(b.to_t_s_, a.to_t_s_, atol=0.5 / FS)
    np.testing.assert_allclose(b.msw_t_s_, a.msw_t_s_, atol=0.5 / FS)
    np.testing.assert_allclose(b.ic_t_s_, a.ic_t_s_, atol=1.0 / FS)


def test_timeout_drops_swing_without_landing() -> None:
    gyr = np.zeros((600, 3))
    gyr[100:300, 1] = -100.0  # armed for 2 s > max_swing_s, then a zero rise
    sw = detect_swings(gyr, FS)
    assert len(sw) == 0
    sw = detect_swings(gyr, FS, max_swing_s=2.5)
    np.testing.assert_allclose(sw.ic_idx, [300.0])


def test_stride_table_leaves_out_stops() -> None:
    sw = detect_swings(synthetic_gyr(), FS)
    assert stride_table(sw, FS, max_stride_s=1.4)["ic_t_s"].size == 0
    assert stride_table(sw, FS, max_stride_s=1.51)["ic_t_s"].size == 1


def test_match_events() -> None:
    m = match_events(np.array([1.0, 2.02, 2.04, 5.0]), np.array([1.01, 2.03, 3.0]), 0.05)
    assert (m["tp"], m["fp"], m["fn"]) == (2, 2, 1)
    assert m["f1"] == pytest.approx(4 / 7)
    np.testing.assert_allclose(m["error"], [-0.01, -0.01], atol=1e-12)
    np.testing.assert_array_equal(m["ref_index"], [0, 1])


def test_bad_input() -> None:
    with pytest.raises(AnalysisInputError, match="FootImu"):
        GaitEventDetector().detect(np.zeros((500, 3)))  # type: ignore[arg-type]
    with pytest.raises(AnalysisInputError, match=r"\(n_samples, 3\)"):
        detect_swings(np.zeros((500, 2)), FS)


# --- real data: gaitmap example against motion capture ----------------------------------------


@pytest.mark.parametrize("side", ["left", "right"])
def test_accuracy_vs_motion_capture(side, feet, event_accuracy) -> None:  # type: ignore[no-untyped-def]
    det = GaitEventDetector().detect(feet[side])
    acc = event_accuracy(side, det.swings_.ic_idx, det.swings_.to_idx)
    assert acc["ic"]["f1"] >= 0.99
    assert acc["ic"]["tp"] >= 28
    assert np.median(np.abs(acc["ic"]["error"])) <= 0.010
    assert acc["to"]["f1"] >= 0.99
    assert np.median(np.abs(acc["to"]["error"])) <= 0.020


@pytest.mark.parametrize("side", ["left", "right"])
def test_sagittal_sign_same_on_both_feet(side, feet) -> None:  # type: ignore[no-untyped-def]
    """On the data both feet swing with gyr_y negative and push off with gyr_y positive."""
    det = GaitEventDetector().detect(feet[side])
    s = feet[side].gyr_dps[:, 1]
    assert np.median(s[det.swings_.msw_idx.astype(int)]) < -250
    to = det.swings_.to_idx
    assert np.median(s[to[np.isfinite(to)].astype(int)]) > 300


@pytest.mark.parametrize(("up", "down"), [(1, 4), (1, 2), (2, 1), (4, 1)])
def test_accuracy_at_other_rates(up, down, feet, event_accuracy) -> None:  # type: ignore[no-untyped-def]
    """51.2, 102.4, 409.6 and 819.2 Hz (resampled) without changing any setting."""
    fs = 204.8 * up / down
    for side, foot in feet.items():
        imu = FootImu(
            signal.resample_poly(foot.acc_mps2, up, down, axis=0),
            signal.resample_poly(foot.gyr_dps, up, down, axis=0),
            fs,
            side,
        )
        det = GaitEventDetector().detect(imu)
        acc = event_accuracy(side, det.swings_.ic_idx, det.swings_.to_idx, fs)
        assert acc["ic"]["f1"] >= 0.99
        assert np.median(np.abs(acc["ic"]["error"])) <= 0.010
        assert acc["to"]["f1"] >= 0.96  # 0.966 at 51.2 Hz (right), else 1.00
        assert np.median(np.abs(acc["to"]["error"])) <= 0.020


def test_stride_times_plausible(feet) -> None:  # type: ignore[no-untyped-def]
    """README: about 110 steps/min, i.e. strides near 1.1 s; stance about 60-65 % of it."""
    for foot in feet.values():
        st = GaitEventDetector().detect(foot).strides_
        assert 1.0 < np.median(st["stride_time_s"]) < 1.15
        assert 0.58 < np.nanmedian(st["stance_time_s"] / st["stride_time_s"]) < 0.70

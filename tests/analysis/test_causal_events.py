"""Causal per-sample detector (analysis.causal_events): same events as the offline detector,
bounded state, documented latency."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal
from test_gait_events import synthetic_gyr

from analysis.causal_events import (
    EVENT_IC,
    EVENT_MS,
    EVENT_MSW,
    EVENT_TO,
    CausalGaitEventDetector,
    run_causal,
)
from analysis.errors import AnalysisInputError
from analysis.gait_events import detect_swings


def _assert_same_as_offline(gyr: np.ndarray, fs: float) -> dict[int, np.ndarray]:
    off = detect_swings(gyr, fs)
    causal = run_causal(gyr, fs)
    pairs = {
        EVENT_IC: off.ic_idx,
        EVENT_MSW: off.msw_idx,
        EVENT_TO: off.to_idx[np.isfinite(off.to_idx)],
        EVENT_MS: off.ms_idx[np.isfinite(off.ms_idx)],
    }
    for kind, expected in pairs.items():
        got = causal[kind][:, 0]
        assert got.shape == expected.shape, kind
        # IC is interpolated in the same float formula; allow float rounding only
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
    return causal


def test_synthetic_exact() -> None:
    causal = _assert_same_as_offline(synthetic_gyr(), 100.0)
    np.testing.assert_allclose(causal[EVENT_IC][:, 0], [170.25, 320.25])
    # IC is emitted at the first sample at or above zero: less than one sample late
    np.testing.assert_array_equal(causal[EVENT_IC][:, 1], [171, 321])
    # MS and TO are emitted at arming (sample 143 and 293), MSW with IC
    np.testing.assert_array_equal(causal[EVENT_TO], [[130, 143], [280, 293]])
    np.testing.assert_array_equal(causal[EVENT_MS], [[64.5, 143], [214.5, 293]])
    np.testing.assert_array_equal(causal[EVENT_MSW], [[155, 171], [305, 321]])


def test_events_in_time_order_with_step_api() -> None:
    det = CausalGaitEventDetector(100.0)
    kinds = []
    for gx, gy, gz in synthetic_gyr().tolist():
        kinds += [ev.kind for ev in det.step(gx, gy, gz)]
    assert kinds == [EVENT_MS, EVENT_TO, EVENT_MSW, EVENT_IC] * 2


@pytest.mark.parametrize("side", ["left", "right"])
def test_same_as_offline_on_real_data(side, feet) -> None:  # type: ignore[no-untyped-def]
    foot = feet[side]
    causal = _assert_same_as_offline(foot.gyr_dps, foot.sampling_rate_hz)
    latency_s = (causal[EVENT_IC][:, 1] - causal[EVENT_IC][:, 0]) / foot.sampling_rate_hz
    assert latency_s.max() <= 1.0 / foot.sampling_rate_hz
    assert latency_s.min() > 0.0


@pytest.mark.parametrize(("up", "down"), [(1, 4), (2, 1)])
def test_same_as_offline_at_other_rates(up, down, feet) -> None:  # type: ignore[no-untyped-def]
    fs = 204.8 * up / down
    for foot in feet.values():
        _assert_same_as_offline(signal.resample_poly(foot.gyr_dps, up, down, axis=0), fs)


def test_state_is_bounded(feet) -> None:  # type: ignore[no-untyped-def]
    """After a whole recording the state is the ring buffer (W floats) plus scalars."""
    det = CausalGaitEventDetector(204.8)
    for gx, gy, gz in feet["left"].gyr_dps.tolist():
        det.step(gx, gy, gz)
    assert det.w == 20
    assert len(det.ring) == det.w
    for name, value in vars(det).items():
        if name != "ring":
            assert isinstance(value, (int, float, bool)), name


def test_window_sizes_follow_rate() -> None:
    assert CausalGaitEventDetector(50.0).w == 5
    assert CausalGaitEventDetector(1000.0).w == 100
    assert CausalGaitEventDetector(1000.0).max_swing_n == 1500


def test_bad_rate() -> None:
    with pytest.raises(AnalysisInputError, match="50–1000 Hz"):
        CausalGaitEventDetector(20.0)

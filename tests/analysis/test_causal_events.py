"""The live causal detector (analysis.causal_events): the same events as the offline detector,
sample for sample, with bounded state and the documented emission delays."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from analysis.causal_events import (
    EVENT_IC,
    EVENT_MS,
    EVENT_MSW,
    EVENT_TO,
    CausalGaitEventDetector,
    run_causal,
)
from analysis.errors import AnalysisInputError
from analysis.gait_events import EventSettings, detect_swings
from ras.sim.presets import make_params
from ras.sim.recording import simulate_walk
from tests.analysis.event_signals import FS, synthetic_imu


def _assert_same_as_offline(acc, gyr, fs: float, **settings) -> dict[int, np.ndarray]:  # type: ignore[no-untyped-def]
    off = detect_swings(acc, gyr, fs, EventSettings(**settings))
    causal = run_causal(acc, gyr, fs, **settings)
    pairs = {
        EVENT_IC: (off.ic_idx, off.ic_detected_idx),
        EVENT_MSW: (off.msw_idx[np.isfinite(off.msw_idx)], None),
        EVENT_TO: (off.to_idx[np.isfinite(off.to_idx)], None),
        EVENT_MS: (off.ms_idx[np.isfinite(off.ms_idx)], None),
    }
    for kind, (expected, detected) in pairs.items():
        got = causal[kind]
        assert got.shape[0] == expected.shape[0], (kind, got.shape[0], expected.shape[0])
        # interpolations use the same float formulas; allow float rounding only
        np.testing.assert_allclose(got[:, 0], expected, rtol=0, atol=1e-9)
        if detected is not None:
            np.testing.assert_array_equal(got[:, 1], detected)
    return causal


def test_synthetic_exact_with_emission_delays() -> None:
    causal = _assert_same_as_offline(*synthetic_imu(), FS)
    # IC (impact onset 172.5) at the end of the impact window: landing sample 171 + 15, plus
    # one input sample for the median
    np.testing.assert_array_equal(causal[EVENT_IC], [[172.5, 187], [322.5, 337]])
    # MS and TO at confirmation (arming 142 + 12, + 1), MSW at the swing's end (s above
    # -20 deg/s at 170, + 1)
    np.testing.assert_array_equal(causal[EVENT_TO], [[129, 155], [279, 305]])
    np.testing.assert_array_equal(causal[EVENT_MS], [[64.5, 155], [214.5, 305]])
    np.testing.assert_array_equal(causal[EVENT_MSW], [[155, 171], [305, 321]])


def test_a_start_mid_swing_is_handled_like_offline() -> None:
    acc, gyr = synthetic_imu()
    causal = _assert_same_as_offline(acc[150:], gyr[150:], FS)
    assert causal[EVENT_IC].shape[0] == 2 and causal[EVENT_TO].shape[0] == 1


def test_no_window_before_the_swing_end_still_matches_offline() -> None:
    """impact_before_s = 0: the swing's own jerk starts at the arming sample in both."""
    acc, gyr = synthetic_imu()
    acc[142, 0] += 6.0  # a jerk at the arming sample
    _assert_same_as_offline(acc, gyr, FS, impact_before_s=0.0)


def test_gyro_zero_landmark_is_emitted_at_once() -> None:
    causal = _assert_same_as_offline(*synthetic_imu(), FS, ic_landmark="gyro_zero")
    np.testing.assert_allclose(causal[EVENT_IC][:, 0], [170.25, 320.25], atol=1e-12)
    np.testing.assert_array_equal(causal[EVENT_IC][:, 1], [172, 322])


def test_events_come_in_physiological_order_sample_by_sample() -> None:
    det = CausalGaitEventDetector(FS)
    acc, gyr = synthetic_imu()
    kinds = []
    for a, g in zip(acc.tolist(), gyr.tolist(), strict=True):
        kinds += [ev.kind for ev in det.update(a, g)]
    assert kinds == [EVENT_MS, EVENT_TO, EVENT_MSW, EVENT_IC] * 2


def test_blocks_give_the_same_events_as_single_samples() -> None:
    acc, gyr = synthetic_imu()
    x = np.hstack([acc, gyr])
    whole = CausalGaitEventDetector(FS).process(x)
    det = CausalGaitEventDetector(FS)
    parts = [ev for block in np.array_split(x, 37) for ev in det.process(block)]
    assert parts == whole


@pytest.mark.parametrize(
    "landmarks", [{}, {"ic_landmark": "gyro_zero"}, {"to_landmark": "gyro_zero"}]
)
@pytest.mark.parametrize("side", ["left", "right"])
def test_same_as_offline_on_real_data(side, landmarks, feet) -> None:  # type: ignore[no-untyped-def]
    foot = feet[side]
    causal = _assert_same_as_offline(
        foot.acc_mps2, foot.gyr_dps, foot.sampling_rate_hz, **landmarks
    )
    latency_s = (causal[EVENT_IC][:, 1] - causal[EVENT_IC][:, 0]) / foot.sampling_rate_hz
    assert latency_s.min() > 0.0
    # at most: impact window from 0.03 s before the swing's end to 0.15 s after the zero rise,
    # which comes at most 0.15 s after the end
    assert latency_s.max() <= 0.03 + 0.3 + 2.0 / foot.sampling_rate_hz


@pytest.mark.parametrize(("up", "down"), [(1, 4), (1, 2), (5, 8), (2, 1)])
def test_same_as_offline_at_other_rates(up, down, feet) -> None:  # type: ignore[no-untyped-def]
    fs = 204.8 * up / down  # 51.2, 102.4, 128 and 409.6 Hz
    for foot in feet.values():
        _assert_same_as_offline(
            signal.resample_poly(foot.acc_mps2, up, down, axis=0),
            signal.resample_poly(foot.gyr_dps, up, down, axis=0),
            fs,
        )


def test_same_as_offline_on_the_second_recording(feet_ic_stride) -> None:  # type: ignore[no-untyped-def]
    feet, _ = feet_ic_stride
    for foot in feet.values():
        _assert_same_as_offline(foot.acc_mps2, foot.gyr_dps, foot.sampling_rate_hz)


@pytest.mark.parametrize("preset", ["parkinson", "stroke"])
def test_same_as_offline_on_simulated_walks(preset) -> None:  # type: ignore[no-untyped-def]
    walk = simulate_walk(
        make_params(preset, freeze_rate_per_min=0.0), duration_s=40.0, sampling_rate_hz=100.0
    )
    for foot in walk.feet.values():
        _assert_same_as_offline(foot.acc_mps2, foot.gyr_dps, 100.0)


def test_state_is_bounded(feet) -> None:  # type: ignore[no-untyped-def]
    """After a whole recording the state is two ring buffers, three strides and scalars."""
    det = CausalGaitEventDetector(204.8)
    det.process(np.hstack([feet["left"].acc_mps2, feet["left"].gyr_dps]))
    c = det.counts
    assert len(det.ring) == c.w == 20
    assert len(det.jring) == c.impact_before_n + 2 * c.impact_after_n + 1 == 69
    assert len(det.history) <= 3
    for name, value in vars(det).items():
        if name in ("ring", "jring", "history"):
            continue
        assert isinstance(value, (int, float, bool, tuple, type(None), EventSettings, type(c))), (
            name
        )
        if isinstance(value, tuple):
            assert len(value) == 3, name


def test_window_sizes_follow_the_rate() -> None:
    assert CausalGaitEventDetector(50.0).counts.w == 5
    c = CausalGaitEventDetector(1000.0).counts
    assert (c.w, c.max_swing_n, c.impact_before_n + 2 * c.impact_after_n + 1) == (100, 1500, 331)


def test_bad_input() -> None:
    with pytest.raises(AnalysisInputError, match="50–1000 Hz"):
        CausalGaitEventDetector(20.0)
    with pytest.raises(AnalysisInputError, match="unknown event setting 'arm'"):
        CausalGaitEventDetector(100.0, arm=3)
    with pytest.raises(AnalysisInputError, match=r"expected \(n, 6\)"):
        CausalGaitEventDetector(100.0).process(np.zeros((10, 3)))

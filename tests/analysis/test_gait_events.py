"""The gait-event model, offline (analysis.gait_events): exact answers on synthetic signals,
each physiological rule on the disturbance it is for, the landmarks against the motion-capture
references of the gaitmap example data, any sampling rate, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from analysis.errors import AnalysisInputError
from analysis.gait_events import (
    STRIDE_COLUMNS,
    EventSettings,
    GaitEventDetector,
    detect_swings,
    jerk_sq,
    lockout_samples,
    match_events,
    median3,
    stride_table,
)
from analysis.imu_io import FootImu
from ras.sim.presets import make_params
from ras.sim.recording import simulate_walk
from tests.analysis.event_signals import FS, synthetic_imu


def _foot(acc: np.ndarray, gyr: np.ndarray, fs: float = FS, side: str = "left") -> FootImu:
    return FootImu(acc, gyr, fs, side)


def _swings(acc, gyr, fs=FS, **settings):  # type: ignore[no-untyped-def]
    return detect_swings(acc, gyr, fs, EventSettings(**settings))


# --- the signals ------------------------------------------------------------------------------


def test_median3_removes_single_sample_spikes_and_keeps_edges() -> None:
    x = np.array([0.0, 0.0, 9.0, 0.0, 1.0, 2.0, 3.0, -7.0, 5.0, 6.0])
    np.testing.assert_array_equal(median3(x), [0.0, 0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 5.0, 6.0])
    ramp = np.arange(10.0)
    np.testing.assert_array_equal(median3(ramp), ramp)  # a monotonic edge stays where it is


def test_jerk_is_the_squared_change_of_the_acceleration_vector() -> None:
    acc = np.array([[0.0, 0.0, 9.81], [3.0, 4.0, 9.81], [3.0, 4.0, 9.81]])
    np.testing.assert_allclose(jerk_sq(acc), [0.0, 25.0, 0.0])


@pytest.mark.parametrize(
    ("history", "expected"),
    [([], 20), ([100], 40), ([100, 130], 40), ([100, 130, 90], 40), ([200, 210, 220], 84)],
)
def test_lockout_follows_the_running_stride(history, expected) -> None:  # type: ignore[no-untyped-def]
    # 40 % of the median of three, of the shorter of two, floored at the minimum (20 samples)
    assert lockout_samples(history, 20, 40) == expected


# --- exact events on synthetic strides --------------------------------------------------------


def test_synthetic_events_exact() -> None:
    sw = _swings(*synthetic_imu())
    np.testing.assert_array_equal(sw.ms_idx, [64.5, 214.5])
    np.testing.assert_array_equal(sw.to_idx, [129.0, 279.0])
    np.testing.assert_array_equal(sw.msw_idx, [155.0, 305.0])
    # the swing ends where s rises through -20 deg/s: between 169 (-300 + 13 x 290 / 14) and
    # 170 (-10), 15 / 29 of the way
    np.testing.assert_allclose(sw.end_idx, [169 + 15 / 29, 319 + 15 / 29], atol=1e-12)
    np.testing.assert_allclose(sw.zero_idx, [170.25, 320.25], atol=1e-12)
    np.testing.assert_array_equal(sw.ic_idx, [172.5, 322.5])  # the impact starts at 173
    assert sw.ic_from_impact.all()
    # emitted at confirmation (arming at 142, below -30 deg/s, + 12 samples) and at the
    # window's end (zero rise 171 + 15), each one input sample later (the median needs it)
    np.testing.assert_array_equal(sw.confirm_idx, [155, 305])
    np.testing.assert_array_equal(sw.ic_detected_idx, [187, 337])


def test_landmark_options() -> None:
    acc, gyr = synthetic_imu()
    zero = _swings(acc, gyr, ic_landmark="gyro_zero")
    np.testing.assert_allclose(zero.ic_idx, [170.25, 320.25], atol=1e-12)
    assert not zero.ic_from_impact.any()
    np.testing.assert_array_equal(zero.ic_detected_idx, [172, 322])
    to_zero = _swings(acc, gyr, to_landmark="gyro_zero")
    np.testing.assert_allclose(to_zero.to_idx, [140.0, 290.0], atol=1e-12)
    np.testing.assert_array_equal(to_zero.ic_idx, [172.5, 322.5])


def test_soft_landing_falls_back_to_the_zero_rise() -> None:
    sw = _swings(*synthetic_imu(impact=0.0))
    np.testing.assert_allclose(sw.ic_idx, [170.25, 320.25], atol=1e-12)
    assert not sw.ic_from_impact.any()
    # an "impact" no larger than the swing's own jerk is not one either
    sw = _swings(*synthetic_imu(impact=2.4))  # jerk² 5.8 < 4 x 6.25
    assert not sw.ic_from_impact.any()


def test_detector_times_and_stride_table() -> None:
    det = GaitEventDetector().detect(_foot(*synthetic_imu()))
    np.testing.assert_allclose(det.ic_t_s_, [1.725, 3.225], atol=1e-12)
    np.testing.assert_allclose(det.to_t_s_, [1.29, 2.79], atol=1e-12)
    np.testing.assert_allclose(det.ms_t_s_, [0.645, 2.145], atol=1e-12)
    np.testing.assert_allclose(det.msw_t_s_, [1.55, 3.05], atol=1e-12)
    st = det.strides_
    assert set(STRIDE_COLUMNS) <= set(st)
    np.testing.assert_array_equal(st["swing_index"], [1])
    np.testing.assert_allclose(st["stride_time_s"], [1.5])
    np.testing.assert_allclose(st["stance_time_s"], [2.79 - 1.725])
    np.testing.assert_allclose(st["swing_time_s"], [3.225 - 2.79])


def test_same_events_for_either_foot() -> None:
    """One frame on both feet: the lateral axes' sign does not matter."""
    acc, gyr = synthetic_imu()
    left = GaitEventDetector().detect(_foot(acc, gyr, side="left"))
    right = GaitEventDetector().detect(
        _foot(acc * [1.0, -1.0, 1.0], gyr * [-1.0, 1.0, -1.0], side="right")
    )
    for name in ("ic_t_s_", "to_t_s_", "ms_t_s_", "msw_t_s_"):
        np.testing.assert_array_equal(getattr(left, name), getattr(right, name))


@pytest.mark.parametrize("factor", [2, 4, 10])
def test_settings_in_seconds_work_at_any_rate(factor) -> None:  # type: ignore[no-untyped-def]
    """The same strides at 200, 400 and 1000 Hz give the same event times (within a sample)."""
    acc, gyr = synthetic_imu()
    a = GaitEventDetector().detect(_foot(acc, gyr))
    b = GaitEventDetector().detect(
        _foot(np.repeat(acc, factor, axis=0), np.repeat(gyr, factor, axis=0), FS * factor)
    )
    for name in ("ic_t_s_", "to_t_s_", "msw_t_s_"):
        np.testing.assert_allclose(getattr(b, name), getattr(a, name), atol=1.0 / FS)


# --- the physiological rules, each on the disturbance it is for --------------------------------


def test_a_single_sample_spike_after_toe_off_makes_no_event() -> None:
    """Reviewers' failure 2: -189 then +294 deg/s right after toe-off fired an IC at 100 Hz."""
    acc, gyr = synthetic_imu()
    clean = _swings(acc, gyr)
    for k in (137, 287):  # s is still falling through +100 here
        gyr[k, 1], gyr[k + 1, 1] = -189.0, 294.0
    spiked = _swings(acc, gyr)
    for name in ("ms_idx", "to_idx", "msw_idx", "ic_idx"):
        np.testing.assert_array_equal(getattr(spiked, name), getattr(clean, name))


def test_a_short_negative_lobe_is_not_a_swing() -> None:
    """Two samples below -50 survive the median; a lobe shorter than 0.12 s is still no swing,
    and the stance goes on (same TO and MS as without it)."""
    acc, gyr = synthetic_imu()
    clean = _swings(acc, gyr)
    gyr[100:103, 1] = -189.0  # in stance, after the quiet window: arms, rises through 0 at 103
    lobe = _swings(acc, gyr)
    for name in ("ms_idx", "to_idx", "msw_idx", "ic_idx"):
        np.testing.assert_array_equal(getattr(lobe, name), getattr(clean, name))


def test_impact_ringing_after_the_lockout_makes_no_second_ic() -> None:
    """Reviewers' failure 1: the gyro rings below -50 deg/s 0.2-0.4 s after a hard landing."""
    offsets = tuple(range(0, 1500, 150))
    acc, gyr = synthetic_imu(1650, offsets)
    clean = _swings(acc, gyr)
    for o in offsets:
        for delay in (25, 33):  # 0.25 and 0.33 s after the landing, past the 0.2 s minimum
            gyr[o + 171 + delay : o + 171 + delay + 4, 1] -= 150.0  # a 40 ms ringing lobe
    rung = _swings(acc, gyr)
    np.testing.assert_array_equal(rung.ic_idx, clean.ic_idx)
    assert len(rung) == len(offsets)


def test_lockout_follows_the_stride_time() -> None:
    """A swing-long wobble 0.35 s after a landing is no swing once strides are known (lock-out
    40 % of 1.5 s = 0.6 s); before the first stride only the 0.2 s minimum applies."""
    offsets = (0, 150, 300, 450)
    acc, gyr = synthetic_imu(650, offsets)
    wobble = 171 + 35
    for o in (0, 300):
        gyr[o + wobble : o + wobble + 16, 1] = -100.0  # 0.16 s below zero: swing-long
    sw = _swings(acc, gyr)
    ics = sw.ic_idx[sw.ic_idx < 600]
    # after the first landing the wobble is taken for a swing (its IC at its zero rise), after
    # the third (two strides known) it is locked out
    assert np.sum((ics > 171) & (ics < 321)) == 2
    assert np.sum((ics > 471) & (ics < 621)) == 1


def test_a_swing_under_way_at_the_start_gives_its_ic_only() -> None:
    """Data that begin mid-swing (a recording, or a segment after a long gap): the landing is
    seen, so the IC counts; the swing's start and its stance were not, so no MS, TO or MSW."""
    acc, gyr = synthetic_imu()
    sw = _swings(acc[150:], gyr[150:])  # s is near -200 deg/s at the first sample
    np.testing.assert_array_equal(sw.ic_idx, [172.5 - 150, 322.5 - 150])
    assert np.isnan(sw.ms_idx[0]) and np.isnan(sw.to_idx[0]) and np.isnan(sw.msw_idx[0])
    np.testing.assert_array_equal(sw.to_idx[1:], [279.0 - 150])
    det = GaitEventDetector().detect(_foot(acc[150:], gyr[150:]))
    assert det.msw_t_s_.size == det.to_t_s_.size == 1 and det.ic_t_s_.size == 2


def test_timeout_drops_a_swing_without_landing() -> None:
    acc = np.zeros((600, 3))
    acc[:, 2] = 9.81
    gyr = np.zeros((600, 3))
    gyr[100:300, 1] = -100.0  # armed for 2 s > max_swing_s, then a zero rise
    assert len(_swings(acc, gyr, ic_landmark="gyro_zero")) == 0
    sw = _swings(acc, gyr, ic_landmark="gyro_zero", max_swing_s=2.5)
    np.testing.assert_allclose(sw.ic_idx, [300.0])


def test_stride_table_leaves_out_stops() -> None:
    sw = _swings(*synthetic_imu())
    assert stride_table(sw, FS, max_stride_s=1.4)["ic_t_s"].size == 0
    assert stride_table(sw, FS, max_stride_s=1.51)["ic_t_s"].size == 1


def _assert_physiological_order(sw, fs: float) -> None:  # type: ignore[no-untyped-def]
    """Per swing TO < MSW < swing end <= zero rise and the IC in its window; one IC per swing;
    the next MS after the IC."""
    to, msw, end, zero, ic, ms = (
        sw.to_idx,
        sw.msw_idx,
        sw.end_idx,
        sw.zero_idx,
        sw.ic_idx,
        sw.ms_idx,
    )
    ok = np.isfinite(to)
    assert np.all(to[ok] < msw[ok])
    assert np.all(msw < end) and np.all(end <= zero) and np.all(zero <= end + 0.15 * fs + 1)
    assert np.all(ic >= end - 0.03 * fs - 1) and np.all(ic <= zero + 0.15 * fs + 1)
    assert np.all(np.diff(ic) > 0.2 * fs)  # at most one IC per swing: never two within 0.2 s
    nxt = np.isfinite(ms[1:])
    assert np.all(ms[1:][nxt] > ic[:-1][nxt])


@pytest.mark.parametrize("preset", ["healthy", "parkinson", "stroke"])
def test_order_and_truth_on_simulated_walks(preset) -> None:  # type: ignore[no-untyped-def]
    walk = simulate_walk(
        make_params(preset, freeze_rate_per_min=0.0),
        duration_s=60.0,
        sampling_rate_hz=100.0,
        seed=4,
        bouts_s=[(1.0, 28.0), (31.0, 59.0)],
    )
    for side, foot in walk.feet.items():
        sw = detect_swings(foot.acc_mps2, foot.gyr_dps, 100.0)
        _assert_physiological_order(sw, 100.0)
        m = match_events(sw.ic_idx / 100.0, walk.ic_t_s[side], 0.05)
        assert m["f1"] >= 0.98, (side, m["tp"], m["fp"], m["fn"])
        assert m["fp"] == 0, side


def test_bad_input_one_line_errors() -> None:
    with pytest.raises(AnalysisInputError, match="FootImu"):
        GaitEventDetector().detect(np.zeros((500, 3)))  # type: ignore[arg-type]
    acc, gyr = synthetic_imu()
    with pytest.raises(AnalysisInputError, match=r"\(n_samples, 3\)"):
        detect_swings(acc[:, :2], gyr[:, :2], FS)
    with pytest.raises(AnalysisInputError, match="must match"):
        detect_swings(acc[:-1], gyr, FS)
    for settings, match in (
        ({"ic_landmark": "heel"}, "ic_landmark 'heel' is not allowed; use one of impact"),
        ({"arm_dps": -5}, r"arm_dps = -5 is not allowed; use 1–1000 deg/s"),
        ({"lockout_stride_pct": 40.5}, "whole number"),
        ({"min_lockout_s": 0.1}, "must exceed impact_after_s"),
        ({"colour": 1}, "unknown event setting 'colour'"),
    ):
        with pytest.raises(AnalysisInputError, match=match) as err:
            GaitEventDetector(**settings)
        assert "\n" not in str(err.value)


def test_match_events() -> None:
    m = match_events(np.array([1.0, 2.02, 2.04, 5.0]), np.array([1.01, 2.03, 3.0]), 0.05)
    assert (m["tp"], m["fp"], m["fn"]) == (2, 2, 1)
    assert m["f1"] == pytest.approx(4 / 7)
    np.testing.assert_allclose(m["error"], [-0.01, -0.01], atol=1e-12)
    np.testing.assert_array_equal(m["ref_index"], [0, 1])


# --- real data: the landmarks against the motion-capture references ---------------------------


def _pooled(feet, event_accuracy, fs=204.8, **settings):  # type: ignore[no-untyped-def]
    out = {"tp": 0, "fp": 0, "fn": 0, "error": []}
    for side, foot in feet.items():
        det = GaitEventDetector(**settings).detect(foot)
        acc = event_accuracy(side, det.swings_.ic_idx, det.swings_.to_idx, fs)
        for k in ("tp", "fp", "fn"):
            out[k] += acc["ic"][k]
        out["error"] += list(acc["ic"]["error"])
        assert acc["to"]["f1"] >= 0.96, side
        assert np.median(np.abs(acc["to"]["error"])) <= 0.020, side
    out["f1"] = 2 * out["tp"] / (2 * out["tp"] + out["fp"] + out["fn"])
    out["error"] = np.asarray(out["error"])
    return out


def test_impact_landmark_vs_zeni_motion_capture(feet, event_accuracy) -> None:  # type: ignore[no-untyped-def]
    """imu_sample.csv: the impact onset comes a median ~22 ms after the Zeni heel strike
    (docs/gait-events.md); one gait-initiation step lands softly and is found late."""
    r = _pooled(feet, event_accuracy)
    assert r["f1"] >= 0.98
    assert r["tp"] >= 57
    assert 0.010 <= np.median(r["error"]) <= 0.030


def test_gyro_zero_landmark_vs_zeni_motion_capture(feet, event_accuracy) -> None:  # type: ignore[no-untyped-def]
    r = _pooled(feet, event_accuracy, ic_landmark="gyro_zero")
    assert r["f1"] >= 0.99
    assert np.median(np.abs(r["error"])) <= 0.010


@pytest.mark.parametrize("rate_hz", [51.2, 100.0, 102.4, 128.0, 409.6])
def test_impact_landmark_at_other_rates(rate_hz, feet, event_accuracy) -> None:  # type: ignore[no-untyped-def]
    """Resampled (as a sensor's decimation filter would) without changing any setting."""
    from fractions import Fraction

    ratio = Fraction(rate_hz / 204.8).limit_denominator(100)
    resampled = {
        side: FootImu(
            signal.resample_poly(foot.acc_mps2, ratio.numerator, ratio.denominator, axis=0),
            signal.resample_poly(foot.gyr_dps, ratio.numerator, ratio.denominator, axis=0),
            rate_hz,
            side,
        )
        for side, foot in feet.items()
    }
    r = _pooled(resampled, event_accuracy, rate_hz)
    assert r["f1"] >= 0.98
    assert np.percentile(np.abs(r["error"]), 90) <= 0.045


def test_second_reference_sits_on_the_impact(feet_ic_stride) -> None:  # type: ignore[no-untyped-def]
    """imu_sample_ic_stride.csv: its motion-capture ICs lie on the impact, 55-110 ms after the
    gyro zero rise; the impact landmark finds every one within 50 ms, the zero rise none."""
    feet, ref = feet_ic_stride
    for side, foot in feet.items():
        fs = foot.sampling_rate_hz
        impact = GaitEventDetector().detect(foot)
        zero = GaitEventDetector(ic_landmark="gyro_zero").detect(foot)
        m = match_events(impact.ic_t_s_, ref[side] / fs, 0.05)
        assert m["fn"] == 0 and m["tp"] == ref[side].size, side
        assert -0.040 <= np.median(m["error"]) <= 0.0
        late = match_events(zero.ic_t_s_, ref[side] / fs, 0.15)
        assert np.all(late["error"] < -0.05) and np.all(late["error"] > -0.115), side


def test_stride_times_plausible(feet) -> None:  # type: ignore[no-untyped-def]
    """README: about 110 steps/min, i.e. strides near 1.1 s; stance about 60-65 % of it."""
    for foot in feet.values():
        st = GaitEventDetector().detect(foot).strides_
        assert 1.0 < np.median(st["stride_time_s"]) < 1.15
        assert 0.55 < np.nanmedian(st["stance_time_s"] / st["stride_time_s"]) < 0.70


@pytest.mark.parametrize("side", ["left", "right"])
def test_order_on_real_data(side, feet) -> None:  # type: ignore[no-untyped-def]
    foot = feet[side]
    _assert_physiological_order(
        detect_swings(foot.acc_mps2, foot.gyr_dps, foot.sampling_rate_hz), foot.sampling_rate_hz
    )

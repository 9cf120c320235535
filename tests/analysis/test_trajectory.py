"""Stride trajectory (analysis.trajectory): exact answers on synthetic strides, stride length
against motion capture on the gaitmap example data."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal
from scipy.spatial.transform import Rotation

from analysis.errors import AnalysisInputError
from analysis.gait_events import GaitEventDetector
from analysis.imu_io import FootImu
from analysis.trajectory import (
    StrideTrajectory,
    add_spatial_parameters,
    integrate_strides,
    quat_from_rotvec,
    quat_mul,
    quat_rotate,
    still_mask,
)

FS = 200.0
RATE_HZ = 204.8  # imu_sample.csv


def _xyzw(q: np.ndarray) -> np.ndarray:
    return q[..., [1, 2, 3, 0]]


def test_quaternion_helpers_match_scipy() -> None:
    rng = np.random.default_rng(1)
    rv = rng.normal(size=(50, 3))
    q = quat_from_rotvec(rv)
    r = Rotation.from_rotvec(rv)
    np.testing.assert_allclose(np.abs(np.sum(_xyzw(q) * r.as_quat(), axis=1)), 1.0, atol=1e-12)
    v = rng.normal(size=(50, 3))
    np.testing.assert_allclose(quat_rotate(q, v), r.apply(v), atol=1e-12)
    p = quat_from_rotvec(rng.normal(size=(50, 3)))
    pq = Rotation.from_quat(_xyzw(p)) * r
    np.testing.assert_allclose(quat_rotate(quat_mul(p, q), v), pq.apply(v), atol=1e-12)
    np.testing.assert_allclose(quat_from_rotvec(np.zeros((1, 3))), [[1.0, 0, 0, 0]])


def synthetic_stride(
    length_m: float = 1.0, lift_m: float = 0.12, tilt_deg: tuple = (8.0, -15.0)
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """A foot held at a fixed tilt that moves ``length_m`` forward and ``lift_m`` up and down.

    Still 0.5 s, move 1 s (x = L (t - sin(2 pi t)/(2 pi)), z = H (1 - cos(2 pi t)) / 2), still
    0.5 s; returns body-frame acc (with gravity), gyr (zero) and the MS indices.
    """
    t = np.arange(round(2.0 * FS) + 1) / FS
    tm = np.clip(t - 0.5, 0.0, 1.0)
    moving = (t > 0.5) & (t < 1.5)
    w = 2 * np.pi
    a_world = np.zeros((t.size, 3))
    a_world[:, 0] = np.where(moving, length_m * w * np.sin(w * tm), 0.0)
    a_world[:, 2] = np.where(moving, lift_m * w**2 / 2 * np.cos(w * tm), 0.0) + 9.81
    tilt = Rotation.from_euler("xy", tilt_deg, degrees=True)  # body -> world
    acc = tilt.inv().apply(a_world)
    return acc, np.zeros_like(acc), round(0.25 * FS), round(1.75 * FS)


def test_synthetic_stride_length_and_clearance() -> None:
    acc, gyr, start, end = synthetic_stride()
    out = integrate_strides(acc, gyr, FS, np.array([start]), np.array([end]))
    assert out["stride_length_m"][0] == pytest.approx(1.0, abs=2e-3)
    assert out["clearance_m"][0] == pytest.approx(0.12, abs=2e-3)


def test_synthetic_rotation_during_stride() -> None:
    """A full pitch rotation back and forth while standing still: no displacement."""
    n = round(2.0 * FS) + 1
    t = np.arange(n) / FS
    pitch_rate = np.where((t > 0.5) & (t < 1.5), 90.0 * np.sin(2 * np.pi * (t - 0.5)), 0.0)
    angle = np.concatenate(([0.0], np.cumsum(0.5 * (pitch_rate[1:] + pitch_rate[:-1]) / FS)))
    acc = Rotation.from_euler("y", angle[:, None], degrees=True).inv().apply([0.0, 0.0, 9.81])
    gyr = np.column_stack((np.zeros(n), pitch_rate, np.zeros(n)))
    out = integrate_strides(acc, gyr, FS, np.array([50]), np.array([350]))
    assert out["stride_length_m"][0] == pytest.approx(0.0, abs=2e-3)
    assert out["clearance_m"][0] == pytest.approx(0.0, abs=2e-3)


def test_velocity_step_at_the_impact_is_removed() -> None:
    """A mis-measured landing impact (one sample 40 m/s² too large, forward, 50 ms before the
    foot comes to rest) leaves a constant velocity error (0.2 m/s) over the still phase after
    it. Removed as a step at the impact, the stride length stays exact; spread as a linear drift
    from mid-stance to mid-stance (the method before) it came out 9 cm short."""
    acc, gyr, start, end = synthetic_stride()
    tilt = Rotation.from_euler("xy", (8.0, -15.0), degrees=True)  # as in synthetic_stride
    acc[round(1.45 * FS)] += tilt.inv().apply([40.0, 0.0, 0.0])
    out = integrate_strides(acc, gyr, FS, np.array([start]), np.array([end]))
    assert out["stride_length_m"][0] == pytest.approx(1.0, abs=2e-3)
    assert out["clearance_m"][0] == pytest.approx(0.12, abs=2e-3)


def test_still_mask_thresholds() -> None:
    gyr = np.array([[14.9, 0.0, 0.0], [0.0, 15.1, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    acc = np.array([[0.0, 0.0, 9.81], [0.0, 0.0, 9.81], [0.0, 0.0, 11.5], [6.0, 0.0, 8.0]])
    np.testing.assert_array_equal(still_mask(acc, gyr), [True, False, False, True])


def test_many_strides_in_chunks_give_the_same_answer() -> None:
    acc, gyr, start, end = synthetic_stride()
    reps = 300  # more than one chunk of 256 strides
    acc_r, gyr_r = np.tile(acc, (reps, 1)), np.tile(gyr, (reps, 1))
    n = acc.shape[0]
    starts = start + n * np.arange(reps)
    out = integrate_strides(acc_r, gyr_r, FS, starts, starts + (end - start))
    np.testing.assert_allclose(out["stride_length_m"], 1.0, atol=2e-3)


def test_bad_strides() -> None:
    acc, gyr, start, end = synthetic_stride()
    with pytest.raises(AnalysisInputError, match="start_idx < end_idx"):
        integrate_strides(acc, gyr, FS, np.array([end]), np.array([start]))
    with pytest.raises(AnalysisInputError, match="after the last sample"):
        integrate_strides(acc, gyr, FS, np.array([start]), np.array([acc.shape[0]]))


def test_stride_trajectory_skips_stops() -> None:
    acc, gyr, start, end = synthetic_stride()
    foot = FootImu(acc, gyr, FS, "left")
    tr = StrideTrajectory(max_stride_s=1.0).estimate(foot, np.array([start, end, np.nan]))
    assert tr.stride_length_m_.size == 0
    tr = StrideTrajectory().estimate(foot, np.array([start, end, np.nan]))
    np.testing.assert_array_equal(tr.swing_index_, [0])
    np.testing.assert_array_equal(tr.start_idx_, [start])


# --- real data -----------------------------------------------------------------------------


def _length_errors(feet, ref_events, ref_lengths, ref_turn_deg, up=1, down=1):  # type: ignore[no-untyped-def]
    """Per foot: (error m, straight?) for every reference stride, the IMU resampled by up/down."""
    out = {}
    for side, foot in feet.items():
        if (up, down) != (1, 1):
            foot = FootImu(
                signal.resample_poly(foot.acc_mps2, up, down, axis=0),
                signal.resample_poly(foot.gyr_dps, up, down, axis=0),
                foot.sampling_rate_hz * up / down,
                side,
            )
        det = GaitEventDetector().detect(foot)
        tr = StrideTrajectory().estimate(foot, det.swings_.ms_idx)
        errors, straight = [], []
        ev = ref_events[side]
        for s_id, start in zip(ev["s_id"].astype(int), ev["start"], strict=True):
            k = int(np.argmin(np.abs(tr.start_idx_ * down / up - start)))
            assert abs(tr.start_idx_[k] * down / up - start) < 0.3 * RATE_HZ
            errors.append(tr.stride_length_m_[k] - ref_lengths[side][s_id])
            straight.append(abs(ref_turn_deg[side][s_id]) <= 10.0)
        out[side] = (np.asarray(errors), np.asarray(straight))
    return out


@pytest.fixture(scope="module")
def length_errors(feet, ref_events, ref_lengths, ref_turn_deg):  # type: ignore[no-untyped-def]
    return _length_errors(feet, ref_events, ref_lengths, ref_turn_deg)


@pytest.mark.parametrize("side", ["left", "right"])
def test_stride_length_vs_motion_capture(side, length_errors) -> None:  # type: ignore[no-untyped-def]
    """Target MAE <= 3 cm on straight strides; reached 1.5 cm (left) / 1.1 cm (right), bias
    +0.4 / -0.9 cm, all strides (turns too) 2.0 / 1.4 cm. No parameter was fitted to this
    reference (analysis/trajectory.py, docs/gait-events.md)."""
    err, straight = length_errors[side]
    assert straight.sum() >= 25
    assert np.mean(np.abs(err[straight])) <= 0.020
    assert abs(np.mean(err[straight])) <= 0.012  # bias
    assert np.mean(np.abs(err)) <= 0.025  # turning strides included


@pytest.mark.parametrize(("up", "down"), [(1, 4), (1, 2), (2, 1)])
def test_stride_length_at_other_rates(
    feet, ref_events, ref_lengths, ref_turn_deg, up, down
) -> None:  # type: ignore[no-untyped-def]
    """51.2, 102.4 and 409.6 Hz (resampled), no setting changed: straight MAE 1.0-1.4 cm."""
    for err, straight in _length_errors(
        feet, ref_events, ref_lengths, ref_turn_deg, up, down
    ).values():
        assert np.mean(np.abs(err[straight])) <= 0.020


def test_gait_speed_and_clearance_plausible(feet) -> None:  # type: ignore[no-untyped-def]
    """README: straight strides 1.3-1.45 m at about 1.1 s -> 1.2-1.35 m/s."""
    for foot in feet.values():
        det = GaitEventDetector().detect(foot)
        tr = StrideTrajectory().estimate(foot, det.swings_.ms_idx)
        st = add_spatial_parameters(det.strides_, tr)
        assert 1.15 < np.nanmedian(st["gait_speed_mps"]) < 1.40
        assert 1.3 < np.nanmedian(st["stride_length_m"]) < 1.45
        assert 0.10 < np.nanmedian(st["clearance_m"]) < 0.25
        np.testing.assert_allclose(
            st["gait_speed_mps"], st["stride_length_m"] / st["stride_time_s"]
        )

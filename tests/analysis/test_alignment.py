"""Sensor-to-foot alignment (analysis.alignment): exact on rotated copies, and on the raw-frame
gaitmap recording the events after alignment match those of the pre-rotated file."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from analysis.alignment import SensorAlignment, apply_rotation, estimate_rotation
from analysis.errors import AnalysisInputError
from analysis.gait_events import GaitEventDetector, match_events
from analysis.imu_io import FootImu


def _is_rotation(r: np.ndarray) -> bool:
    return bool(np.allclose(r @ r.T, np.eye(3), atol=1e-9) and np.isclose(np.linalg.det(r), 1.0))


@pytest.mark.parametrize("side", ["left", "right"])
def test_recovers_a_known_rotation(side, feet) -> None:  # type: ignore[no-untyped-def]
    """Rotating the input by Q changes the estimate by exactly Q (R_Q = R Q^T)."""
    foot = feet[side]
    r = SensorAlignment().estimate(foot).rotation_
    q = Rotation.from_euler("zyx", [130.0, -70.0, 25.0], degrees=True).as_matrix()
    turned = apply_rotation(foot, q)
    r_q = SensorAlignment().estimate(turned).rotation_
    assert _is_rotation(r) and _is_rotation(r_q)
    np.testing.assert_allclose(r_q, r @ q.T, atol=1e-9)


@pytest.mark.parametrize("side", ["left", "right"])
def test_aligned_frame_properties(side, feet_raw) -> None:  # type: ignore[no-untyped-def]
    al = SensorAlignment().estimate(feet_raw[side])
    assert _is_rotation(al.rotation_)
    acc = al.aligned_.acc_mps2
    # standing at the start: gravity on +z only
    still = acc[:100].mean(axis=0)
    assert still[2] == pytest.approx(np.linalg.norm(still), rel=2e-3)
    # the swing rotates about y, negative at mid-swing, on both feet (same frame on both)
    gyr = al.aligned_.gyr_dps
    assert np.min(gyr[:, 1]) < -300
    assert np.sum(gyr[:, 1] ** 2) > 4 * np.sum(gyr[:, 0] ** 2 + gyr[:, 2] ** 2)


@pytest.mark.parametrize("side", ["left", "right"])
def test_events_match_pre_rotated_file(side, feet, feet_raw, event_accuracy) -> None:  # type: ignore[no-untyped-def]
    """After alignment, the raw-frame recording gives the events of imu_sample.csv.

    The file's own frame is a fixed axis permutation of the sensor (gravity 16 deg off z and the
    swing axis 20 deg off y); the estimated frame is the foot's, so ICs move by about a sample.
    """
    ref = GaitEventDetector().detect(feet[side])
    got = GaitEventDetector().detect(SensorAlignment().estimate(feet_raw[side]).aligned_)
    m = match_events(got.ic_t_s_, ref.ic_t_s_, 0.015)  # within 3 samples
    assert m["f1"] >= 0.90  # the others are turning steps and the last step
    assert np.median(np.abs(m["error"])) <= 0.010
    m = match_events(got.to_t_s_, ref.to_t_s_, 0.015)
    assert m["f1"] >= 0.90
    acc = event_accuracy(side, got.swings_.ic_idx, got.swings_.to_idx)
    assert acc["ic"]["f1"] >= 0.99
    assert np.median(np.abs(acc["ic"]["error"])) <= 0.010
    assert acc["to"]["f1"] >= 0.99
    assert np.median(np.abs(acc["to"]["error"])) <= 0.020


def _standing_then_walking(fs: float = 100.0) -> tuple[np.ndarray, np.ndarray]:
    n = 800
    t = np.arange(n) / fs
    acc = np.zeros((n, 3))
    acc[:, 2] = 9.81
    gyr = np.zeros((n, 3))
    walk = t > 2.0
    gyr[walk, 1] = 300 * np.sin(2 * np.pi * (t[walk] - 2.0))
    return acc, gyr


def test_errors() -> None:
    acc, gyr = _standing_then_walking()
    with pytest.raises(AnalysisInputError, match="no still period"):
        estimate_rotation(acc, gyr + 50.0, 100.0)
    with pytest.raises(AnalysisInputError, match="hardly rotates"):
        estimate_rotation(acc, gyr * 0.1, 100.0)
    vertical = gyr[:, [0, 2, 1]]  # rotating about the gravity axis only
    with pytest.raises(AnalysisInputError, match="nearly vertical"):
        estimate_rotation(acc, vertical, 100.0)
    foot = FootImu(acc, gyr, 100.0, "left")
    with pytest.raises(AnalysisInputError, match="orthonormal"):
        apply_rotation(foot, np.diag([1.0, 1.0, 2.0]))


def test_second_recording_in_a_tilted_frame(gaitmap_dir) -> None:  # type: ignore[no-untyped-def]
    """imu_sample_ic_stride.csv (102.4 Hz) is in a sensor frame tilted about 40 deg.

    After alignment every reference IC (stride_borders_sample_ic_stride.csv, from motion
    capture) is found, on both feet, with the same sagittal sign. Known shortfall, kept visible:
    on this recording the reference IC sits on the heel-impact transient, 55-110 ms after the
    zero rise of gyr_y that ras calls IC (on imu_sample.csv the two coincide); see
    docs/gait-events.md.
    """
    import csv

    from analysis.imu_io import load_imu_csv

    feet = load_imu_csv(gaitmap_dir / "imu_sample_ic_stride.csv", 102.4)
    with (gaitmap_dir / "stride_borders_sample_ic_stride.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    for side, foot in feet.items():
        al = SensorAlignment().estimate(foot)
        assert al.rotation_[2, 2] > 0.6  # the sensor's z was tilted about 40 deg
        det = GaitEventDetector().detect(al.aligned_)
        assert np.median(al.aligned_.gyr_dps[det.swings_.msw_idx.astype(int), 1]) < -250
        ref = np.unique([float(r[k]) for r in rows if r["foot"] == side for k in ("start", "end")])
        m = match_events(det.ic_t_s_, ref / 102.4, 0.15)
        assert m["tp"] == ref.size == 11
        assert -0.100 <= np.median(m["error"]) <= -0.050

"""Sensor-to-foot alignment (analysis.alignment): no 180° flip on real and simulated walking in
any sensor orientation at 100–204.8 Hz, quality figures and warnings, fixed rotations."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from scipy.signal import resample_poly
from scipy.spatial.transform import Rotation

from analysis.alignment import (
    AlignmentQuality,
    SensorAlignment,
    apply_rotation,
    estimate_rotation,
    find_steps,
    forward_sign,
    quality_warnings,
)
from analysis.errors import AnalysisInputError
from analysis.gait_events import GaitEventDetector, match_events
from analysis.imu_io import FootImu
from ras.sim.presets import make_params
from ras.sim.recording import simulate_walk


def _is_rotation(r: np.ndarray) -> bool:
    return bool(np.allclose(r @ r.T, np.eye(3), atol=1e-9) and np.isclose(np.linalg.det(r), 1.0))


def _resample(foot: FootImu, rate_hz: float) -> FootImu:
    f = Fraction(rate_hz / foot.sampling_rate_hz).limit_denominator(1000)
    return FootImu(
        resample_poly(foot.acc_mps2, f.numerator, f.denominator, axis=0),
        resample_poly(foot.gyr_dps, f.numerator, f.denominator, axis=0),
        rate_hz,
        foot.side,
    )


def _heading_error_deg(estimated: np.ndarray, true: np.ndarray) -> float:
    """Where the estimated forward points on the ground, seen in the true foot frame."""
    c = true @ estimated.T
    return float(np.degrees(np.arctan2(c[1, 0], c[0, 0])))


#: Sensor orientations Q (data become Q @ v): on backwards, on an instep, and random.
TURNS = [
    Rotation.from_euler("z", 180, degrees=True).as_matrix(),
    Rotation.from_euler("y", 35, degrees=True).as_matrix(),
    Rotation.from_euler("zy", [180, 40], degrees=True).as_matrix(),
    *Rotation.random(3, random_state=np.random.default_rng(11)).as_matrix(),
]


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


@pytest.mark.parametrize("rate_hz", [100.0, 128.0])
def test_no_flip_on_real_walking_in_any_orientation(rate_hz, feet) -> None:  # type: ignore[no-untyped-def]
    """imu_sample.csv (foot-aligned sensor frame) resampled, then turned: forward stays forward.

    The estimated forward sits ~18° off the file's x on these sensors (the foot travels within
    3° of it: a mounting/toe-out offset, docs/alignment.md), hence the 30° bound.
    """
    for side, foot in feet.items():
        foot = _resample(foot, rate_hz)
        for q in TURNS:
            al = SensorAlignment().estimate(apply_rotation(foot, q))
            assert abs(_heading_error_deg(al.rotation_, q.T)) < 30.0, (side, q)
            assert al.quality_.forward_agreement >= 0.9
            assert abs(al.quality_.travel_heading_deg) < 10.0
            assert al.warnings_ == ()


@pytest.mark.parametrize(
    ("preset", "overrides", "rate_hz"),
    [
        ("parkinson", {"freeze_rate_per_min": 0}, 100.0),
        ("stroke", {}, 102.4),
        ("healthy", {"speed_mps": 0.4}, 204.8),
    ],
)
def test_no_flip_on_simulated_gaits(preset, overrides, rate_hz) -> None:  # type: ignore[no-untyped-def]
    """Shuffling, hemiparetic and slow (0.4 m/s) virtual walks, both feet, every orientation."""
    walk = simulate_walk(
        make_params(preset, **overrides),
        duration_s=30.0,
        sampling_rate_hz=rate_hz,
        seed=5,
        bouts_s=[(2.0, 14.0), (17.0, 28.0)],
    )
    for side, foot in walk.feet.items():
        for q in TURNS:
            al = SensorAlignment().estimate(apply_rotation(foot, q))
            true = q.T  # the simulated data are in the foot frame
            assert abs(_heading_error_deg(al.rotation_, true)) < 15.0, (side, q)
            assert np.degrees(np.arccos(al.rotation_[2] @ true[2])) < 3.0
            assert al.quality_.forward_agreement >= 0.9
            assert al.warnings_ == ()


@pytest.mark.parametrize("side", ["left", "right"])
def test_aligned_frame_properties(side, feet_raw) -> None:  # type: ignore[no-untyped-def]
    al = SensorAlignment().estimate(feet_raw[side])
    assert _is_rotation(al.rotation_) and al.source_ == "estimated"
    acc = al.aligned_.acc_mps2
    # standing at the start: gravity on +z only
    still = acc[:100].mean(axis=0)
    assert still[2] == pytest.approx(np.linalg.norm(still), rel=2e-3)
    # the swing rotates about y, negative at mid-swing, on both feet (same frame on both)
    gyr = al.aligned_.gyr_dps
    assert np.min(gyr[:, 1]) < -300
    assert np.sum(gyr[:, 1] ** 2) > 4 * np.sum(gyr[:, 0] ** 2 + gyr[:, 2] ** 2)
    q = al.quality_
    assert q.gravity_from == "standing" and q.still_s > 1.0
    assert q.steps >= 28 and q.pitch_votes[1] == q.steps
    summary = al.summary()
    assert summary["rotation"] == [[round(v, 6) for v in row] for row in al.rotation_.tolist()]
    angles = summary["pitch_axis_to_sensor_axes_deg"]
    assert min(angles.values()) == pytest.approx(
        np.degrees(np.arccos(np.max(np.abs(al.rotation_[1])))), abs=0.01
    )


@pytest.mark.parametrize("side", ["left", "right"])
def test_events_match_pre_rotated_file(side, feet, feet_raw, event_accuracy) -> None:  # type: ignore[no-untyped-def]
    """After alignment, the raw-frame recording gives the events of imu_sample.csv, and scores
    at least as well against the motion-capture reference as that file's own frame."""
    got = GaitEventDetector().detect(SensorAlignment().estimate(feet_raw[side]).aligned_)
    ref = GaitEventDetector().detect(feet[side])
    m = match_events(got.ic_t_s_, ref.ic_t_s_, 0.015)  # within 3 samples
    assert m["f1"] >= 0.90
    acc = event_accuracy(side, got.swings_.ic_idx, got.swings_.to_idx)
    own = event_accuracy(side, ref.swings_.ic_idx, ref.swings_.to_idx)
    assert acc["ic"]["f1"] >= min(own["ic"]["f1"], 0.99) - 0.02
    assert acc["to"]["f1"] >= min(own["to"]["f1"], 0.99) - 0.02


def test_tilted_recording_without_standing_at_the_ends(gaitmap_dir) -> None:  # type: ignore[no-untyped-def]
    """imu_sample_ic_stride.csv (raw frames tilted ~42°): every reference IC found after
    alignment on both feet; the MS walk (no standing at all) takes 'up' from the stances."""
    import csv

    from analysis.imu_io import load_imu_csv

    feet = load_imu_csv(gaitmap_dir / "imu_sample_ic_stride.csv", 102.4)
    with (gaitmap_dir / "stride_borders_sample_ic_stride.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    for side, foot in feet.items():
        al = SensorAlignment().estimate(foot)
        assert 0.6 < al.rotation_[2, 2] < 0.85  # the sensor's z was tilted about 42 deg
        det = GaitEventDetector().detect(al.aligned_)
        ref = np.unique([float(r[k]) for r in rows if r["foot"] == side for k in ("start", "end")])
        m = match_events(det.ic_t_s_, ref / 102.4, 0.15)
        assert m["tp"] == ref.size == 11
    ms = load_imu_csv(gaitmap_dir / "imu_sample_ms_left.csv", 102.4, side="left")["left"]
    al = SensorAlignment().estimate(ms)
    assert al.quality_.gravity_from == "mid-stance" and al.quality_.still_s == 0.0
    assert al.rotation_[2, 2] > 0.99 and al.warnings_ == ()


def _walk(duration_s: float = 30.0, bouts=None) -> FootImu:  # type: ignore[no-untyped-def]
    w = simulate_walk(
        make_params("healthy"), duration_s=duration_s, sampling_rate_hz=100.0, seed=2, bouts_s=bouts
    )
    return w.feet["left"]


def test_quality_separates_a_clean_from_an_ambiguous_axis() -> None:
    """Mixing a delayed copy of the pitch rate into roll gives two equally strong axes."""
    foot = _walk()
    clean = SensorAlignment().estimate(foot)
    gyr = foot.gyr_dps.copy()
    gyr[:, 0] = np.roll(gyr[:, 1], 15)  # 0.15 s later: uncorrelated, same power
    mixed = SensorAlignment().estimate(FootImu(foot.acc_mps2, gyr, 100.0, "left"))
    assert clean.quality_.axis_second_ratio < 0.3 < 0.8 < mixed.quality_.axis_second_ratio
    assert clean.warnings_ == ()
    assert any("pitch axis ambiguous" in w for w in mixed.warnings_)
    assert any("give a fixed rotation" in w for w in mixed.warnings_)


def test_warnings_fire() -> None:
    few = SensorAlignment().estimate(_walk(6.0, [(2.0, 4.0)]))
    assert few.quality_.steps < 5
    assert any(w.startswith(f"only {few.quality_.steps} walking steps") for w in few.warnings_)
    base = dict(
        steps=20,
        gravity_from="standing",
        still_s=2.0,
        up_standing_vs_stance_deg=1.0,
        axis_second_ratio=0.3,
        axis_spread_deg=2.0,
        vertical_ratio=0.3,
        pitch_votes=(20, 20),
        swing_votes=(20, 20),
        forward_agreement=1.0,
        travel_heading_deg=2.0,
    )
    assert quality_warnings(AlignmentQuality(**base)) == []
    split = AlignmentQuality(**base | {"pitch_votes": (0, 20), "forward_agreement": 0.5})
    (w,) = quality_warnings(split)
    assert "forward/backward uncertain" in w and "disagree" in w and "\n" not in w
    off = AlignmentQuality(**base | {"travel_heading_deg": -45.0})
    assert "travels -45°" in quality_warnings(off)[0]
    tilted = AlignmentQuality(**base | {"up_standing_vs_stance_deg": 25.0})
    assert "not flat while standing" in quality_warnings(tilted)[0]
    backward = AlignmentQuality(
        **base | {"pitch_votes": (0, 20), "swing_votes": (1, 20), "forward_agreement": 0.025}
    )
    assert "walk backward" in quality_warnings(backward, fixed="the given rotation")[0]


def test_forward_sign_votes() -> None:
    assert forward_sign(np.array([1.0, 2.0, -1.0]), np.array([0.5, 0.7])) == 1.0
    assert forward_sign(np.array([-1.0, -2.0]), np.array([-0.5, 0.7, -0.2])) == -1.0
    # a tie goes to the swing direction
    assert forward_sign(np.array([1.0, 1.0]), np.array([-0.5, -0.7])) == -1.0


def test_fixed_rotation_is_used_and_checked() -> None:
    foot = _walk()
    q = Rotation.from_euler("zy", [180, 35], degrees=True).as_matrix()
    turned = apply_rotation(foot, q)
    right = SensorAlignment(rotation=q.T).estimate(turned)
    assert right.source_ == "fixed"
    np.testing.assert_allclose(right.rotation_, q.T, atol=1e-12)
    np.testing.assert_allclose(right.aligned_.gyr_dps, foot.gyr_dps, atol=1e-9)
    assert right.warnings_ == () and right.quality_.forward_agreement == 1.0
    assert right.quality_.up_vs_data_deg < 1.0
    backwards = Rotation.from_euler("z", 180, degrees=True).as_matrix() @ q.T
    wrong = SensorAlignment(rotation=backwards).estimate(turned)
    np.testing.assert_allclose(wrong.rotation_, backwards, atol=1e-12)
    assert any("walk backward" in w for w in wrong.warnings_)
    # standing only: a fixed rotation cannot be checked but is still applied
    still = FootImu(np.tile([0.0, 0.0, 9.81], (300, 1)), np.zeros((300, 3)), 100.0, "left")
    al = SensorAlignment(rotation=np.eye(3)).estimate(still)
    assert al.quality_ is None and "could not check" in al.warnings_[0]


def test_steps_found_without_knowing_the_frame() -> None:
    w = simulate_walk(make_params("stroke"), duration_s=30.0, sampling_rate_hz=100.0, seed=4)
    for side, foot in w.feet.items():
        q = Rotation.random(random_state=np.random.default_rng(3)).as_matrix()
        steps = find_steps(foot.gyr_dps @ q.T, 100.0)
        swings = (w.ic_t_s[side] > 1.5) & (w.ic_t_s[side] < 28.5)
        assert abs(len(steps) - int(swings.sum())) <= 1
        assert np.all(steps.end_idx > steps.peak_idx) and np.all(steps.peak_idx > steps.start_idx)


def _standing_then_swinging(fs: float = 100.0) -> tuple[np.ndarray, np.ndarray]:
    """2 s standing, then a 0.4 s rotation burst about y every 1.1 s."""
    n = 1000
    t = np.arange(n) / fs
    acc = np.zeros((n, 3))
    acc[:, 2] = 9.81
    gyr = np.zeros((n, 3))
    phase = (t - 2.0) % 1.1
    burst = (t > 2.0) & (phase < 0.4)
    gyr[burst, 1] = 300 * np.sin(np.pi * phase[burst] / 0.4)
    return acc, gyr


def test_errors() -> None:
    acc, gyr = _standing_then_swinging()
    with pytest.raises(AnalysisInputError, match="no walking step found"):
        estimate_rotation(acc[:200], gyr[:200], 100.0)
    assert len(find_steps(gyr, 100.0)) >= 6
    vertical = gyr[:, [0, 2, 1]]  # rotating about the gravity axis only
    with pytest.raises(AnalysisInputError, match="turns about the vertical") as err:
        estimate_rotation(acc, vertical, 100.0)
    assert "\n" not in str(err.value)
    foot = FootImu(acc, gyr, 100.0, "left")
    with pytest.raises(AnalysisInputError, match="orthonormal"):
        apply_rotation(foot, np.diag([1.0, 1.0, 2.0]))
    with pytest.raises(AnalysisInputError, match="reflection"):
        SensorAlignment(rotation=np.diag([1.0, 1.0, -1.0])).estimate(foot)
    with pytest.raises(AnalysisInputError, match="sequence of them"):
        SensorAlignment().estimate([])

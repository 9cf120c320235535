"""The robustness suite's machinery: disturbances have the stated sizes, scoring counts right.

The detectors' acceptance on these conditions is tests/analysis/test_event_robustness.py; the
full table is benchmarks/gait_robustness.py.
"""

from __future__ import annotations

import dataclasses
from functools import cache

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from tests.robustness import conditions as cond
from tests.robustness.cases import (
    SIDES,
    Recording,
    gaitmap_walk,
    in_intervals,
    simulated,
    subtract_intervals,
)
from tests.robustness.runners import Detected, fill_gaps, prepare, rotation_error
from tests.robustness.scoring import edge_flags, same_events, score_events, score_recording

GYR_Y = 1


@cache
def sim() -> Recording:
    """A short virtual walk: two bouts, 100 Hz."""
    return simulated("healthy", 100.0, seed=4, duration_s=40.0, bouts_s=[(3, 18), (22, 37)])


def test_interval_arithmetic():
    out = subtract_intervals(np.array([[0.0, 10.0]]), np.array([[2.0, 3.0], [9.0, 12.0]]))
    np.testing.assert_array_equal(out, [[0.0, 2.0], [3.0, 9.0]])
    assert in_intervals(np.array([1.0, 2.5, 9.0]), out).tolist() == [True, False, True]


def test_gaitmap_walk_reference_leaves_out_the_turn():
    rec = gaitmap_walk()
    left = rec.reference["left"]
    assert len(left.ic_region_t_s) == 2  # the two straight bouts
    assert len(left.bouts_t_s) == 2 and len(rec.reference["right"].bouts_t_s) == 2
    inside = in_intervals(left.ic_t_s, left.ic_region_t_s)
    assert inside.sum() >= 28 and not inside.all()  # the turn's ICs are not scored


def test_resampling_keeps_times_and_shape():
    rec = sim()
    out = cond.resample(rec, 128.0)
    assert out.sampling_rate_hz == 128.0
    assert out.n_samples == pytest.approx(rec.n_samples * 1.28, abs=1)
    assert out.reference is rec.reference
    # the sagittal gyro at the same times, within the filter's ripple
    t = out.times_s()
    g = np.interp(t, rec.times_s(), rec.gyr_dps["left"][:, GYR_Y])
    mid = (t > 1.0) & (t < t[-1] - 1.0)
    assert np.abs(out.gyr_dps["left"][mid, GYR_Y] - g[mid]).max() < 40.0
    with pytest.raises(ValueError, match="small ratio"):
        cond.resample(rec, 100.0 * np.pi)


def test_rotations_are_the_stated_ones():
    for r in (*cond.random_rotations(3).values(), *cond.instep_tilt(3).values()):
        np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-12)
        assert np.linalg.det(r) == pytest.approx(1.0)
    for r in cond.instep_tilt(5).values():
        yaw, pitch, roll = Rotation.from_matrix(r).as_euler("zyx", degrees=True)
        assert 30.0 <= pitch <= 40.0 and abs(yaw) <= 15.0 and abs(roll) < 1e-9
    assert cond.random_rotations(1)["left"].tolist() != cond.random_rotations(2)["left"].tolist()
    flip = cond.yaw_180()["left"]
    assert rotation_error(np.eye(3), flip) == pytest.approx((180.0, True))
    assert rotation_error(flip.T, flip) == pytest.approx((0.0, False))


def test_prepare_rotates_into_the_sensor_frame_and_aligns_back():
    rec = sim()
    turned = cond.rotate(rec, cond.yaw_180(), "yaw 180")
    assert turned.needs_alignment and turned.notes[-1].endswith("yaw 180")
    assert not rec.needs_alignment
    plain = prepare(rec)
    for side in SIDES:
        np.testing.assert_array_equal(plain[side].filled.gyr_dps, rec.gyr_dps[side])
        assert plain[side].flipped is None and len(plain[side].runs) == 1
        assert len(plain[side].segments.analysable) == 1 and plain[side].rotation is None
    for p in prepare(turned).values():
        assert p.flipped is not None and p.rotation_error_deg is not None


def test_sensor_noise_size_and_quantisation():
    rec = sim()
    noisy = cond.sensor_noise(rec, 1)
    for side in SIDES:
        d = noisy.gyr_dps[side] - rec.gyr_dps[side]
        still = np.abs(rec.gyr_dps[side]).max(axis=1) < 20.0
        # offset within ±5 deg/s plus noise and scale error on a small signal
        assert np.abs(np.median(d[still], axis=0)).max() <= cond.GYR_OFFSET_DPS + 0.5
        assert 0.3 < np.std(d[still] - np.median(d[still], axis=0), axis=0).mean() < 1.0
        lsb = cond.GYR_RANGE_DPS / 32768.0  # mount is the identity: sensor axes = foot axes
        steps = noisy.gyr_dps[side] / lsb
        np.testing.assert_allclose(steps, np.round(steps), atol=1e-6)
        assert np.abs(noisy.acc_mps2[side]).max() <= cond.ACC_RANGE_MPS2
    again = cond.sensor_noise(rec, 1)
    np.testing.assert_array_equal(again.acc_mps2["left"], noisy.acc_mps2["left"])


def test_impact_ringing_dips_below_minus_50_after_the_lock_out():
    rec = sim()
    rung = cond.impact_ringing(rec, 2)
    t = rec.times_s()
    for side in SIDES:
        g = rung.gyr_dps[side][:, GYR_Y]
        changed = np.zeros(t.size, dtype=bool)
        for ic in rec.reference[side].ic_t_s:
            late = (t >= ic + 0.2) & (t <= ic + 0.4)
            assert -cond.RING_DEPTH_DPS[1] - 1 <= g[late].min() <= -cond.RING_DEPTH_DPS[0] + 1
            # the ring starts at the heel impact, at most RING_SEARCH_S after the IC
            changed |= (t >= ic) & (t <= ic + cond.RING_SEARCH_S + cond.RING_END_S)
        diff = g - rec.gyr_dps[side][:, GYR_Y]
        assert np.all(diff[~changed] == 0.0)  # nothing before an IC or after the ring ends


def test_spikes_are_single_samples_after_toe_off_and_random():
    rec = sim()
    spiked = cond.spikes(rec, 3)
    t = rec.times_s()
    n_to = n_after_to = 0
    for side in SIDES:
        changed = np.flatnonzero(
            np.any(spiked.gyr_dps[side] != rec.gyr_dps[side], axis=1)
            | np.any(spiked.acc_mps2[side] != rec.acc_mps2[side], axis=1)
        )
        assert changed.size and np.all(np.diff(changed) > 1)  # isolated samples
        to = rec.reference[side].to_t_s
        n_to += to.size
        for k in changed:
            after = t[k] - to
            if np.any((after >= 0.0) & (after <= cond.TO_SPIKE_AFTER_S + 0.01)):
                v = spiked.gyr_dps[side][k, GYR_Y]
                n_after_to += -cond.TO_SPIKE_DPS[1] <= v <= -cond.TO_SPIKE_DPS[0]
    assert 0.1 < n_after_to / n_to < 0.4  # about a quarter of the toe-offs


def test_dropped_packets_as_nan_rows_or_missing_rows_give_the_same_gaps():
    rec = sim()
    nan = cond.drop_packets(rec, 7)
    rows = cond.drop_packets(rec, 7, missing_rows=True)
    lost = np.isnan(nan.gyr_dps["left"][:, 0])
    assert lost.any() and np.array_equal(lost, np.isnan(nan.acc_mps2["right"][:, 2]))
    assert rows.n_samples == rec.n_samples - lost.sum()
    for side in SIDES:
        a, b = prepare(nan)[side], prepare(rows)[side]
        np.testing.assert_allclose(a.filled.gyr_dps, b.filled.gyr_dps)
        assert len(a.runs) == len(b.runs) > 1
        assert [g.action for g in a.segments.gaps] == [g.action for g in b.segments.gaps]
        region = nan.reference[side].ic_region_t_s
        assert len(region) > 1 and not in_intervals(rec.times_s()[lost], region).any()
    t0, grid, gap = fill_gaps(rows.t_s, rows.gyr_dps["left"], rows.sampling_rate_hz)
    assert t0 == 0.0 and grid.shape[0] == rec.n_samples and np.array_equal(gap, lost)


def test_packet_loss_has_the_stated_rate_and_bursts():
    lost = cond.lost_packets(200_000, np.random.default_rng(0))
    assert lost.mean() == pytest.approx(cond.PACKET_LOSS, rel=0.1)
    starts = np.flatnonzero(np.diff(np.r_[0, lost.astype(np.int8)]) == 1)
    assert lost.sum() / starts.size == pytest.approx(cond.MEAN_BURST_PACKETS, rel=0.1)


def test_scores_count_matches_extras_and_misses():
    ref = np.array([1.0, 2.0, 3.0, 4.0])
    det = np.array([1.01, 2.2, 3.0, 3.02, 9.0])  # 2.2 too late; 3.02 extra; 9.0 off-region
    score, scored, error = score_events(det, ref, np.array([[0.0, 5.0]]))
    assert (score.tp, score.fp, score.fn) == (2, 2, 2)
    assert score.precision == 0.5 and score.recall == 0.5
    np.testing.assert_allclose(error, [0.01, np.nan, 0.0, np.nan])
    assert score.bias_ms == pytest.approx(5.0)
    np.testing.assert_array_equal(scored, ref)
    assert edge_flags(ref, np.array([[0.5, 2.5], [2.8, 4.5]])).tolist() == [True] * 4
    assert edge_flags(np.arange(5.0), np.array([[0.0, 4.0]])).tolist() == [
        True,
        False,
        False,
        False,
        True,
    ]


def test_recording_score_sums_feet_and_separates_bout_edges():
    rec = sim()
    truth = {s: Detected(r.ic_t_s + 0.01, r.to_t_s) for s, r in rec.reference.items()}
    scores = score_recording(rec, truth)
    n = sum(r.ic_t_s.size for r in rec.reference.values())
    assert scores["ic"].tp == n and scores["ic"].f1 == 1.0
    assert scores["ic"].bias_ms == pytest.approx(10.0)
    assert scores["ic_edge"].tp == 8  # two bouts x first and last x two feet
    assert scores["ic_edge"].tp + scores["ic_inner"].tp == n
    late = {s: dataclasses.replace(d, ic_t_s=d.ic_t_s + 0.06) for s, d in truth.items()}
    assert score_recording(rec, late)["ic"].tp == 0


def test_same_events_needs_the_same_kinds_samples_and_indices():
    a = ((0, 1, 10.25, 11), (0, 2, 20.0, 25))
    assert same_events(a, a) == (True, 0.0)
    assert same_events(a, ((0, 1, 10.2505, 11), (0, 2, 20.0, 25)))[0]
    assert not same_events(a, ((0, 1, 10.3, 11), (0, 2, 20.0, 25)))[0]
    assert not same_events(a, ((0, 1, 10.25, 12), (0, 2, 20.0, 25)))[0]
    assert not same_events(a, a[:1])[0]

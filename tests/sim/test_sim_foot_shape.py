"""Foot shapes of the virtual patient: landing delay, heel impact, ringing, preset differences."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ras.protocol import Side
from ras.sim.imu import (
    FootShape,
    ImuSynth,
    Swing,
    foot_shape,
    landing,
    render_imu,
    swings_from_events,
)
from ras.sim.patient import VirtualPatient
from ras.sim.presets import HEALTHY, make_params

FINE_HZ = 2000.0  # a fine grid, so landmarks are located to 0.5 ms
ACC, GYR = slice(0, 3), slice(3, 6)
GYR_X, GYR_Y, GYR_Z, ACC_Y = 3, 4, 5, 1


def one_swing(shape: FootShape, side: Side = Side.LEFT, stride_m: float = 1.4):
    """A single noise-free swing (TO 1.0 s, IC 1.42 s) rendered on a fine grid."""
    sw = Swing(to_t_s=1.0, mid_t_s=1.21, ic_t_s=1.42, stride_length_m=stride_m, clearance_m=0.12)
    t = np.arange(0.0, 2.5, 1.0 / FINE_HZ)
    return sw, t, render_imu(t, [sw], side=side, shape=shape)


def zero_rise_t_s(t: np.ndarray, s: np.ndarray, after_s: float) -> float:
    """First rise of ``s`` through zero after ``after_s`` (linear interpolation)."""
    j = np.flatnonzero((s[:-1] < 0.0) & (s[1:] >= 0.0) & (t[:-1] > after_s))[0]
    return float(t[j] + (t[j + 1] - t[j]) * -s[j] / (s[j + 1] - s[j]))


@pytest.mark.parametrize("delay_s", [0.0, 0.03, 0.08])
def test_gyro_zero_rise_comes_the_landing_delay_before_contact(delay_s):
    # no ringing here: at a zero delay it would pull gyr_y below zero again right at contact
    shape = FootShape(landing_delay_s=delay_s, landing_delay_sd_s=0.0, ring_dps_per_mps2=0.0)
    sw, t, x = one_swing(shape)
    land = landing(sw, shape, Side.LEFT)
    assert land.contact_t_s == sw.ic_t_s  # the true IC is the ground contact
    assert land.contact_t_s - land.zero_rise_t_s == pytest.approx(delay_s, abs=1e-9)
    found = zero_rise_t_s(t, x[:, GYR_Y], sw.mid_t_s)
    assert found == pytest.approx(land.zero_rise_t_s, abs=1e-3)
    # nothing of the impact before contact; the |acc| envelope peaks impact_peak_s after it
    before = (t > land.zero_rise_t_s - 0.05) & (t < sw.ic_t_s)
    assert np.abs(np.linalg.norm(x[before, ACC], axis=1) - 9.81).max() < 25.0
    after = (t >= sw.ic_t_s) & (t < sw.ic_t_s + 0.1)
    peak_t = t[after][np.argmax(np.linalg.norm(x[after, ACC], axis=1))]
    assert peak_t - sw.ic_t_s == pytest.approx(shape.impact_peak_s, abs=0.012)
    assert np.linalg.norm(x[after, ACC], axis=1).max() > 60.0


def test_pitch_returns_to_flat_and_the_ringing_dies_out():
    shape = FootShape(ring_dps_per_mps2=5.0)
    sw, t, x = one_swing(shape)
    quiet = dataclasses.replace(shape, ring_dps_per_mps2=0.0)
    _, _, y = one_swing(quiet)
    diff = np.abs(x[:, GYR] - y[:, GYR]).max(axis=1)
    assert np.all(diff[t < sw.ic_t_s] == 0.0)  # ringing starts at contact
    assert diff[(t >= sw.ic_t_s) & (t < sw.ic_t_s + 0.03)].max() > 150.0  # hard impact rings
    assert diff[t > sw.ic_t_s + 0.15].max() < 1.0  # and decays within 0.15 s
    stance = t > sw.ic_t_s + 0.35
    np.testing.assert_allclose(x[stance, ACC], [[0.0, 0.0, 9.80665]] * stance.sum(), atol=0.05)


def test_people_differ_in_landing_delay_and_strides_vary():
    means = np.array([foot_shape(HEALTHY, Side.LEFT, seed).landing_delay_s for seed in range(60)])
    assert 0.005 <= means.min() < 0.015 and 0.045 < means.max() <= 0.055
    # both feet of one person share the delay; each stride varies around it
    assert foot_shape(HEALTHY, Side.RIGHT, 7).landing_delay_s == means[7]
    patient = VirtualPatient(HEALTHY, seed=3)
    events = patient.advance(60.0)
    synth = ImuSynth(HEALTHY, Side.LEFT, 200.0, seed=7)
    delays = np.array([d.contact_t_s - d.zero_rise_t_s for d in synth.landings(events)])
    assert delays.size > 40
    assert np.mean(delays) == pytest.approx(means[7], abs=0.004)
    assert 0.004 < np.std(delays) < 0.012
    assert np.all((delays >= 0.0) & (delays <= 0.1))


def swing_stats(params, side: Side, seed: int = 5) -> dict[str, float]:
    """Per-foot medians over a 40 s walk: swing gyro peak, impact |acc|, lateral activity."""
    patient = VirtualPatient(params, seed=seed)
    events = patient.advance(41.0)
    synth = ImuSynth(params, side, 400.0, seed=seed)
    n = round(40.0 * 400.0)
    x = synth.render(0.0, n, events)
    t = synth.times_s(0.0, n)
    out: dict[str, list[float]] = {"swing": [], "impact": [], "lateral": [], "landing": []}
    for sw, land in zip(
        swings_from_events(events, side)[2:-2], synth.landings(events)[2:-2], strict=True
    ):
        swing = (t > sw.to_t_s) & (t < land.zero_rise_t_s)
        out["swing"].append(-x[swing, GYR_Y].min())
        out["lateral"].append(np.sqrt(np.mean(x[swing, GYR_X] ** 2 + x[swing, GYR_Z] ** 2)))
        hit = (t >= sw.ic_t_s) & (t < sw.ic_t_s + 0.06)
        out["impact"].append(np.linalg.norm(x[hit, ACC], axis=1).max())
        land_win = (t > land.zero_rise_t_s) & (t < sw.ic_t_s + 0.15)
        out["landing"].append(x[land_win, GYR_Y].max())
    return {k: float(np.median(v)) for k, v in out.items()}


def test_presets_have_distinct_feet():
    healthy = swing_stats(HEALTHY, Side.LEFT)
    shuffle = swing_stats(make_params("parkinson", freeze_rate_per_min=0), Side.LEFT)
    slow = swing_stats(make_params("healthy", speed_mps=0.4), Side.LEFT)
    stroke = make_params("stroke")
    paretic = swing_stats(stroke, stroke.affected_side)
    sound = swing_stats(stroke, Side.LEFT if stroke.affected_side == Side.RIGHT else Side.RIGHT)
    # healthy: real-sized swing peak and impact (gaitmap imu_sample.csv: about -335 deg/s,
    # |acc| 60-160 m/s²)
    assert 250 < healthy["swing"] < 420 and 50 < healthy["impact"] < 200
    # shuffling and slow walking: smaller swing peaks, flatter landing, softer impact
    for other in (shuffle, slow):
        assert other["swing"] < 0.7 * healthy["swing"]
        assert other["landing"] < 0.7 * healthy["landing"]
        assert other["impact"] < 0.7 * healthy["impact"]
    # hemiparetic: the paretic foot lands flatter and softer, and circumducts
    assert paretic["landing"] < 0.5 * sound["landing"]
    assert paretic["impact"] < sound["impact"]
    assert paretic["lateral"] > 2.0 * sound["lateral"]

"""IMU synthesis: gait shape consistent with events, trembling during freezes, streaming."""

from __future__ import annotations

import numpy as np
from scipy.signal import welch

from ras.protocol import Side, StepKind
from ras.sim.imu import GRAVITY_MPS2, ImuSynth, freeze_motion, render_imu, swings_from_events
from ras.sim.patient import FREEZE_KINDS, FreezeEpisode, VirtualPatient
from ras.sim.presets import HEALTHY, make_params
from tests.datasets import GAITMAP_DIR, require_gaitmap

RATE_HZ = 200.0
GAITMAP = GAITMAP_DIR  # the real recordings (tests/datasets.py: the one data-path setting)
ACC_Z, GYR_Y = 2, 4


def walk(params=HEALTHY, seed=1, duration_s=60.0, side=Side.LEFT):
    patient = VirtualPatient(params, seed=seed)
    events = patient.advance(duration_s + 1)
    synth = ImuSynth(params, side, RATE_HZ, seed=seed)
    n = int(duration_s * RATE_HZ)
    return (
        patient,
        events,
        synth.times_s(0.0, n),
        synth.render(0.0, n, events, patient.freeze_episodes_),
    )


def test_mid_swing_peak_lies_between_to_and_ic_of_the_same_foot():
    for side in (Side.LEFT, Side.RIGHT):
        _, events, t, x = walk(side=side)
        swings = swings_from_events(events, side)[1:-2]
        assert len(swings) > 20
        for sw in swings:
            inside = (t > sw.to_t_s) & (t < sw.ic_t_s)
            i = np.argmin(x[inside, GYR_Y])
            assert x[inside, GYR_Y][i] < -150  # negative in the y-left foot frame (gaitmap data)
            assert abs(t[inside][i] - sw.mid_t_s) < 0.1 * (sw.ic_t_s - sw.to_t_s)
            # push-off peak just before TO, positive burst just after IC
            near_to = (t > sw.to_t_s - 0.1) & (t <= sw.to_t_s)
            assert x[near_to, GYR_Y].max() > 150
            after_ic = (t > sw.ic_t_s) & (t < sw.ic_t_s + 0.1)
            assert x[after_ic, GYR_Y].max() > 100


def test_mid_stance_is_still_and_reads_gravity():
    _, events, t, x = walk()
    ms = [e.t_s for e in events if e.kind == StepKind.MID_STANCE and e.side == Side.LEFT]
    idx = np.searchsorted(t, ms[2:-2])
    assert np.all(np.abs(x[idx, GYR_Y]) < 10)
    np.testing.assert_allclose(x[idx, ACC_Z], GRAVITY_MPS2, atol=0.6)


def test_standing_is_gravity_plus_noise():
    x = render_imu(np.arange(0, 5, 1 / RATE_HZ), [])
    np.testing.assert_allclose(x.mean(axis=0), [0, 0, GRAVITY_MPS2, 0, 0, 0], atol=1e-9)
    noisy = ImuSynth(HEALTHY, Side.RIGHT, RATE_HZ, seed=3).render(0.0, 1000, [])
    assert np.abs(noisy.mean(axis=0) - [0, 0, GRAVITY_MPS2, 0, 0, 0]).max() < 1.0
    assert 0 < noisy[:, ACC_Z].std() < 0.3


def band_power(x, lo_hz, hi_hz):
    f, p = welch(x - x.mean(), fs=RATE_HZ, nperseg=min(len(x), 512))
    return p[(f >= lo_hz) & (f < hi_hz)].sum(), f[np.argmax(p)]


def freeze_walk(kind, seed=4, duration_s=600):
    """A parkinson walk with frequent freezes; the episodes of ``kind`` lasting over 2 s."""
    params = make_params("parkinson", freeze_rate_per_min=6)
    patient, events, t, x = walk(params, seed=seed, duration_s=duration_s)
    episodes = [
        e
        for e in patient.freeze_episodes_
        if e.kind == kind and e.duration_s > 2 and e.end_t_s < t[-1]
    ]
    assert episodes, kind
    return params, events, t, x, episodes


def test_trembling_freezes_tremble_in_the_3_to_8_hz_band_at_varying_frequencies():
    params, _, t, x, episodes = freeze_walk("trembling")
    assert len(episodes) >= 3
    peaks, fi = [], []
    for ep in episodes:
        inside = (t >= ep.start_t_s + 0.3) & (t < ep.end_t_s - 0.3)
        tremble, peak_hz = band_power(x[inside, GYR_Y], 3, 8)
        locomotor, _ = band_power(x[inside, GYR_Y], 0.5, 3)
        assert 3 <= peak_hz <= 8 and tremble > locomotor  # Moore 2008's band
        # weight shifting puts power into the locomotor band of the forward acceleration: the
        # freeze index is finite, not the thousands of a pure sine
        fwd_frz, _ = band_power(x[inside, 0], 3, 8)
        fwd_loco, _ = band_power(x[inside, 0], 0.5, 3)
        fi.append(fwd_frz / fwd_loco)
        peaks.append(peak_hz)
        # the frequency wanders within the episode: zero crossings of the pitch rate
        m = freeze_motion(ep, params.tremble_hz)
        rate = x[inside, GYR_Y] - x[inside, GYR_Y].mean()
        up = np.flatnonzero((rate[:-1] < 0) & (rate[1:] >= 0))
        inst_hz = RATE_HZ / np.diff(up)
        assert np.ptp(inst_hz) > m.fm_depth * m.tremble_hz
    assert np.ptp(peaks) > 0.3  # and differs between episodes
    assert min(fi) > 1.5 and max(fi) < 1000 and max(fi) > 3 * min(fi)


def test_shuffling_freezes_take_small_quick_steps_and_akinetic_ones_do_not_move():
    _, events, t, x, episodes = freeze_walk("shuffling")
    swings = [
        x[(t > sw.to_t_s) & (t < sw.ic_t_s), GYR_Y].min()
        for sw in swings_from_events(events, Side.LEFT)
    ]
    for ep in episodes:
        inside = (t >= ep.start_t_s + 0.3) & (t < ep.end_t_s - 0.3)
        gyr = x[inside, GYR_Y]
        assert 10 < np.abs(gyr).max() < 0.8 * abs(np.median(swings))  # small gyro swings
        assert x[inside, 0].std() > 0.3  # the foot slides forward and back to rest
        move = np.flatnonzero(np.abs(gyr) > 0.2 * np.abs(gyr).max())
        starts = 1 + np.flatnonzero(np.diff(move) > RATE_HZ * 0.05)
        assert starts.size / (inside.sum() / RATE_HZ) > 1.5  # more than 1.5 small steps per s
    _, _, t, x, episodes = freeze_walk("akinetic")
    for ep in episodes:
        inside = (t >= ep.start_t_s + 0.3) & (t < ep.end_t_s - 0.3)
        assert np.abs(x[inside, GYR_Y]).max() < 5 and x[inside, 0].std() < 0.2


def test_trembling_only_inside_the_episode():
    t = np.arange(0, 10, 1 / RATE_HZ)
    x = render_imu(t, [], [FreezeEpisode(4.0, 6.0)])
    outside = (t < 4.0) | (t >= 6.0)
    assert np.all(x[outside, ACC_Z] == GRAVITY_MPS2)
    assert np.ptp(x[(t > 4.5) & (t < 5.5), ACC_Z]) > 1.0


def test_chunked_rendering_equals_one_shot():
    patient = VirtualPatient(HEALTHY, seed=2)
    events = patient.advance(20)
    synth = ImuSynth(HEALTHY, Side.RIGHT, RATE_HZ, seed=2)
    whole = synth.render(1.0, 19 * 100, events)
    parts = [synth.render(1.0 + k * 19 / RATE_HZ, 19, events) for k in range(100)]
    np.testing.assert_allclose(np.concatenate(parts), whole, atol=1e-9)
    # freezes of every kind too (a virtual sensor streams them in chunks)
    freezes = [FreezeEpisode(2.0, 5.0, kind, seed=k) for k, kind in enumerate(FREEZE_KINDS)]
    freezes = [
        FreezeEpisode(2.0 + 4 * k, 5.0 + 4 * k, f.kind, f.seed) for k, f in enumerate(freezes)
    ]
    whole = synth.render(1.0, 19 * 100, [], freezes)
    parts = [synth.render(1.0 + k * 19 / RATE_HZ, 19, [], freezes) for k in range(100)]
    np.testing.assert_allclose(np.concatenate(parts), whole, atol=1e-9)


def test_magnitudes_resemble_the_real_gaitmap_recording():
    require_gaitmap()  # fails with one line naming the path and the setting if missing
    data = np.loadtxt(GAITMAP / "imu_sample.csv", delimiter=",", skiprows=2)
    rows = np.genfromtxt(
        GAITMAP / "stride_events_sample.csv", delimiter=",", names=True, dtype=None,
        encoding=None,
    )  # fmt: skip
    gyr_y_left = data[:, 9]
    real = [gyr_y_left[int(r["tc"]) : int(r["ic"])].min() for r in rows if r["foot"] == "left"]
    _, events, t, x = walk()
    synth = [
        x[(t > sw.to_t_s) & (t < sw.ic_t_s), GYR_Y].min()
        for sw in swings_from_events(events, Side.LEFT)[1:-2]
    ]
    ratio = np.median(synth) / np.median(real)
    assert 0.6 < ratio < 1.5  # same sign, similar size

"""Freezing of gait: freeze index, power gate, stepping veto, episode rules; synthetic and real.

Synthetic signals check each rule where the answer is known by construction; the virtual patient
(ras.sim.recording.simulate_walk) checks the whole detector against its true freezes; the
gaitmap example recordings are real walking without freezes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.signal import resample_poly

from analysis.errors import AnalysisInputError
from analysis.freezing import (
    DEFAULT_FREEZE_INDEX_THRESHOLD,
    DEFAULT_POWER_THRESHOLD_M2_S4,
    band_powers,
    clip_freezing,
    episodes_from_decisions,
    freezing_of_gait,
    horizontal_forward,
    stepping_mask,
    walking_halts,
)
from analysis.freezing_eval import episode_agreement, sample_agreement
from analysis.gait_events import GaitEventDetector
from analysis.imu_io import load_imu_csv
from ras.sim.presets import make_params
from ras.sim.recording import SimulatedWalk, simulate_walk
from tests.datasets import GAITMAP_SLOW_RATE_HZ

FS_HZ = 100.0
WINDOW_S = 4.0
STEP_S = 0.5
FREEZE_S = (20.0, 30.0)


def walk_with_freeze(duration_s: float = 60.0) -> tuple[np.ndarray, np.ndarray]:
    """1 Hz walk (with its 2 Hz harmonic) and a 5 Hz tremble instead of it in FREEZE_S."""
    t = np.arange(round(duration_s * FS_HZ)) / FS_HZ
    acc = 3.0 * np.sin(2 * np.pi * 1.0 * t) + 1.0 * np.sin(2 * np.pi * 2.0 * t)
    frz = (t >= FREEZE_S[0]) & (t < FREEZE_S[1])
    acc[frz] = 1.0 * np.sin(2 * np.pi * 5.0 * t[frz])
    return t, acc


def heel_strikes(t: np.ndarray, ic_t_s: np.ndarray) -> np.ndarray:
    """A foot's vertical acceleration: a sharp 30 Hz impact at each IC (stride harmonics)."""
    acc = np.zeros_like(t)
    for ic in ic_t_s:
        dt = t - ic
        hit = dt >= 0
        acc[hit] += 25.0 * np.exp(-dt[hit] / 0.03) * np.cos(2 * np.pi * 30.0 * dt[hit])
    return acc


def ics_of(walk: SimulatedWalk) -> np.ndarray:
    return np.concatenate([walk.ic_t_s["left"], walk.ic_t_s["right"]])


# --- synthetic: each rule ------------------------------------------------------------------


def test_tremble_in_a_walk_is_found_at_the_right_times():
    _, acc = walk_with_freeze()
    r = freezing_of_gait(acc_mps2=acc, sampling_rate_hz=FS_HZ)
    half = WINDOW_S / 2
    c = r.window_center_t_s
    inside = (c - half >= FREEZE_S[0]) & (c + half <= FREEZE_S[1])
    outside = (c + half <= FREEZE_S[0]) | (c - half >= FREEZE_S[1])
    assert inside.sum() > 0 and outside.sum() > 0
    assert r.candidate[inside].all() and r.frozen[inside].all()
    assert not r.frozen[outside].any()
    assert r.n_episodes == 1 and not r.used_ics
    start, end = r.episodes_t_s[0]
    assert FREEZE_S[0] - half <= start <= FREEZE_S[0] + half
    assert FREEZE_S[1] - half <= end <= FREEZE_S[1] + half
    assert r.frozen_time_s == pytest.approx(end - start)
    assert r.frozen_pct == pytest.approx(r.frozen_time_s / r.analysed_time_s * 100)
    assert r.analysed_t_s[0] == pytest.approx(half - STEP_S / 2)


def test_episode_times_follow_the_signal_clock():
    _, acc = walk_with_freeze()
    a = freezing_of_gait(acc_mps2=acc, sampling_rate_hz=FS_HZ)
    b = freezing_of_gait(acc_mps2=acc, sampling_rate_hz=FS_HZ, first_t_s=100.0)
    assert a.n_episodes == 1
    assert np.allclose(b.episodes_t_s, a.episodes_t_s + 100.0)
    assert b.frozen_pct == a.frozen_pct


def test_band_power_is_mean_square_and_freeze_index_is_the_ratio():
    t = np.arange(round(8 * FS_HZ)) / FS_HZ
    acc = 2.0 * np.sin(2 * np.pi * 5.0 * t) + 1.0 * np.sin(2 * np.pi * 1.0 * t)
    r = freezing_of_gait(acc_mps2=acc, sampling_rate_hz=FS_HZ)
    # total = 2²/2 + 1²/2; FI = (2²/2) / (1²/2)
    assert np.allclose(r.total_power_m2_s4, 2.5, rtol=0.02)
    assert np.allclose(r.freeze_index, 4.0, rtol=0.02)


@pytest.mark.parametrize("rate_hz", [64.0, 100.0, 102.4, 204.8, 1000.0])
def test_band_powers_do_not_depend_on_the_sampling_rate(rate_hz):
    """Stride harmonics at and around the 3 Hz edge: a bin on the edge is split, not moved."""
    powers = {}
    for fs in (rate_hz, 128.0):
        t = np.arange(round(12 * fs)) / fs
        acc = sum(np.sin(2 * np.pi * k * 1.0 * t + k) / k for k in range(1, 8))
        acc += 0.5 * np.sin(2 * np.pi * 2.9 * t)
        _, p_loco, p_frz, _ = band_powers(acc, fs)
        powers[fs] = (np.median(p_loco), np.median(p_frz))
    assert np.allclose(powers[rate_hz], powers[128.0], rtol=0.03)


def test_power_gate_is_bachlins_converted_to_si():
    """Bächlin's reference code: |FFT|²/N of mg over 4 s at 64 Hz, bins integrated with 1/rate.

    Its gate 2^12 is then 2 × the mean square in mg²: 0.197 (m/s²)², our default (rounded).
    """
    fs, n, mg = 64.0, 256, 9.80665e-3
    t = np.arange(n) / fs
    acc = 1.3 * np.sin(2 * np.pi * 5.0 * t) + 0.4 * np.sin(2 * np.pi * 1.5 * t)
    y = acc / mg
    pyy = np.abs(np.fft.fft(y - y.mean(), n)) ** 2 / n
    lo, hi = round(0.5 / (fs / n)), round(8.0 / (fs / n))  # 0.5–8 Hz bins, as x_fi.m
    area_mg2 = float(np.trapezoid(pyy[lo : hi + 1], dx=1.0 / fs))
    _, p_loco, p_frz, _ = band_powers(acc, fs)
    assert (p_loco + p_frz)[0] == pytest.approx(area_mg2 / 2 * mg**2, rel=0.05)
    assert math.isclose(DEFAULT_POWER_THRESHOLD_M2_S4, 2**12 / 2 * mg**2, rel_tol=0.02)


def test_walking_alone_and_standing_still_are_not_freezes():
    t, _ = walk_with_freeze()
    walking = 3.0 * np.sin(2 * np.pi * t) + np.sin(4 * np.pi * t)
    r = freezing_of_gait(acc_mps2=walking, sampling_rate_hz=FS_HZ)
    assert r.n_episodes == 0 and r.frozen_pct == 0.0
    # sensor noise while standing: FI is high (white noise has more 3–8 Hz than 0.5–3 Hz
    # bandwidth) but the power gate keeps it from counting as a freeze
    noise = np.random.default_rng(1).normal(0.0, 0.1, t.size)
    r = freezing_of_gait(acc_mps2=noise, sampling_rate_hz=FS_HZ)
    assert (r.freeze_index >= DEFAULT_FREEZE_INDEX_THRESHOLD).any()
    assert (r.total_power_m2_s4 < DEFAULT_POWER_THRESHOLD_M2_S4).all()
    assert r.n_episodes == 0 and not r.candidate.any()
    r = freezing_of_gait(acc_mps2=np.zeros(t.size), sampling_rate_hz=FS_HZ)
    assert r.n_episodes == 0 and np.isnan(r.freeze_index).all()


def test_fast_walking_on_a_foot_reads_as_trembling_unless_the_steps_are_known():
    """The cause of the false freezes: heel strikes at a stride of 1.05 Hz (126 steps/min) put
    their harmonics into 3–8 Hz, so FI alone calls steady walking frozen; the ICs say it is
    walking."""
    t = np.arange(round(120 * FS_HZ)) / FS_HZ
    ic_left = np.arange(1.0, 119.0, 1 / 1.05)
    acc = heel_strikes(t, ic_left)
    alone = freezing_of_gait(acc_mps2=acc, sampling_rate_hz=FS_HZ)
    assert np.median(alone.freeze_index) > DEFAULT_FREEZE_INDEX_THRESHOLD
    assert alone.n_episodes >= 1
    both_feet = np.sort(np.r_[ic_left, ic_left + 0.5 / 1.05])
    with_ics = freezing_of_gait(acc_mps2=acc, sampling_rate_hz=FS_HZ, ic_t_s=both_feet)
    assert with_ics.used_ics and with_ics.stepping[5:-5].all()
    assert with_ics.n_episodes == 0


def test_a_freeze_shorter_than_the_window_is_found_between_known_steps():
    """1.5 s of trembling between steps: the steps around it are left out of its spectrum."""
    t = np.arange(round(60 * FS_HZ)) / FS_HZ
    step_s = 0.6
    frz = (30.0, 31.5)
    ics = np.r_[np.arange(1.0, frz[0], step_s), np.arange(frz[1] + step_s, 59.0, step_s)]
    acc = 3.0 * np.sin(np.pi / step_s * t) + 1.0 * np.sin(2 * np.pi / step_s * t)
    inside = (t >= frz[0]) & (t < frz[1])
    acc[inside] = 1.5 * np.sin(2 * np.pi * 6.0 * t[inside])
    r = freezing_of_gait(acc_mps2=acc, sampling_rate_hz=FS_HZ, ic_t_s=ics)
    assert r.n_episodes == 1
    start, end = r.episodes_t_s[0]
    assert frz[0] - 1.0 <= start <= frz[0] + 0.5 and frz[1] - 0.5 <= end <= frz[1] + 1.0


def test_stepping_mask_is_a_normal_step_around_each_time():
    ics = [10.0, 10.5, 11.0, 11.5, 14.0, 14.5, 14.6, 15.1]  # steps, a 2.5 s pause, a short one
    t = np.array([9.0, 10.2, 11.2, 12.0, 14.3, 14.55, 14.8, 15.5])
    got = stepping_mask(t, ics)
    assert got.tolist() == [False, True, True, False, True, False, True, False]
    assert not stepping_mask(t, [10.0]).any()


def test_walking_halts_are_long_stretches_without_a_normal_step_after_walking():
    step = 0.5
    ics = np.r_[
        np.arange(10.0, 15.0, step),  # walking from 10 s, then 3 s without a step
        np.arange(18.0, 22.0, step),  # one missed IC (a 1 s gap: not a halt)
        np.arange(23.0, 26.0, step),
        [25.6, 25.7, 25.8],  # shuffles a detector took for steps do not end a halt
        np.arange(28.0, 30.0, step),
        np.arange(100.0, 102.0, step),  # a 70 s rest: not a halt
    ]
    halts = walking_halts(ics)
    assert halts.tolist() == [[14.5, 18.0], [25.5, 28.0]]
    assert walking_halts(ics, max_halt_s=80.0).tolist()[-1] == [29.5, 100.0]
    # standing before the first step, or a lone step, is not a halt of walking
    assert walking_halts(np.r_[[1.0], np.arange(10.0, 15.0, step)]).size == 0
    assert walking_halts([1.0, 2.0]).size == 0


def test_a_halt_with_moving_legs_is_a_freeze_whatever_its_freeze_index():
    """Slow small steps (2.5 Hz, in the locomotor band: FI < 1) in a halt of walking: the legs
    move but no step is made. The same halt standing still, or judged by the FI alone, is not."""
    t = np.arange(round(60 * FS_HZ)) / FS_HZ
    step_s = 0.6
    halt = (30.0, 35.0)
    ics = np.r_[np.arange(1.0, halt[0] + 0.01, step_s), np.arange(halt[1], 59.0, step_s)]
    walking = 3.0 * np.sin(np.pi / step_s * t) + 1.0 * np.sin(2 * np.pi / step_s * t)
    inside = (t >= halt[0] + 0.3) & (t < halt[1] - 0.6)
    shuffle = walking.copy()
    shuffle[(t >= halt[0]) & (t < halt[1])] = 0.0
    shuffle[inside] = 1.0 * np.sin(2 * np.pi * 2.5 * t[inside])
    r = freezing_of_gait(acc_mps2=shuffle, sampling_rate_hz=FS_HZ, ic_t_s=ics)
    assert r.n_episodes == 1 and r.halted.any() and not r.candidate[r.halted].any()
    start, end = r.episodes_t_s[0]
    assert halt[0] <= start <= halt[0] + 1.0 and halt[1] - 1.5 <= end <= halt[1]
    fi_only = freezing_of_gait(acc_mps2=shuffle, sampling_rate_hz=FS_HZ, ic_t_s=ics, halts=False)
    assert fi_only.n_episodes == 0 and not fi_only.halted.any()
    still = walking.copy()
    still[(t >= halt[0]) & (t < halt[1])] = np.random.default_rng(2).normal(0, 0.08, 500)
    r = freezing_of_gait(acc_mps2=still, sampling_rate_hz=FS_HZ, ic_t_s=ics)
    assert r.n_episodes == 0 and not r.halted.any()  # standing: an akinetic freeze is not seen


def test_episode_rules_merge_close_runs_and_drop_short_ones():
    c = np.arange(40) * 0.5 + 0.25
    d = np.zeros(40, dtype=bool)
    d[[2, 3, 5, 6, 7, 15, 30, 31]] = True
    ep = episodes_from_decisions(c, d, 0.5, merge_gap_s=1.0, min_duration_s=1.0)
    # runs 2-3 and 5-7 merge (gap 0.5 s); 15 alone is 0.5 s; 30-31 is 1 s
    assert ep.tolist() == [[1.0, 4.0], [15.0, 16.0]]
    barrier = np.zeros(40, dtype=bool)
    barrier[4] = True  # a normal step between the first two runs: two episodes
    ep = episodes_from_decisions(c, d, 0.5, merge_gap_s=1.0, min_duration_s=1.0, barrier=barrier)
    assert ep.tolist() == [[1.0, 2.0], [2.5, 4.0], [15.0, 16.0]]
    raw = episodes_from_decisions(c, d, 0.5, merge_gap_s=0.0, min_duration_s=0.0)
    assert len(raw) == 4
    # on a 0.498 s grid (102.4 Hz) two decisions are still the 1 s minimum, one is not
    c2 = np.arange(40) * 0.498
    ep2 = episodes_from_decisions(c2, d, 0.498, merge_gap_s=0.0, min_duration_s=1.0)
    assert np.round(ep2[:, 0] / 0.498 + 0.5).tolist() == [2, 5, 30]


def test_shorter_than_a_window_gives_no_count_and_says_why():
    r = freezing_of_gait(acc_mps2=np.zeros(round(WINDOW_S * FS_HZ) - 1), sampling_rate_hz=FS_HZ)
    assert r.window_center_t_s.size == 0 and r.episodes_t_s.shape == (0, 2)
    assert math.isnan(r.frozen_pct) and "shorter than one" in r.reason


def test_a_phase_is_counted_where_episodes_start_and_only_if_covered():
    _, acc = walk_with_freeze()
    r = freezing_of_gait(acc_mps2=acc, sampling_rate_hz=FS_HZ)
    start, end = r.episodes_t_s[0]
    before = clip_freezing(r, 0.0, start + 1.0)
    after = clip_freezing(r, start + 1.0, 60.0)
    assert before.n_episodes == 1 and after.n_episodes == 0
    assert before.frozen_time_s + after.frozen_time_s == pytest.approx(end - start)
    assert after.frozen_pct > 0
    beyond = clip_freezing(r, 40.0, 80.0)  # the signal ends at 60 s
    assert beyond.reason and math.isnan(beyond.frozen_pct)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"acc_mps2": [0.0, np.nan] * 500, "sampling_rate_hz": FS_HZ}, "finite"),
        ({"acc_mps2": np.zeros((1000, 3)), "sampling_rate_hz": FS_HZ}, "1-D"),
        ({"acc_mps2": np.zeros(1000), "sampling_rate_hz": 12.0}, "Nyquist"),
        ({"acc_mps2": np.zeros(1000), "sampling_rate_hz": 0.0}, "sampling_rate_hz"),
        ({"acc_mps2": np.zeros(1000), "sampling_rate_hz": FS_HZ, "step_s": 5.0}, "step_s"),
        ({"acc_mps2": np.zeros(1000), "sampling_rate_hz": FS_HZ, "min_duration_s": -1}, "min_"),
        ({"acc_mps2": np.zeros(1000), "sampling_rate_hz": FS_HZ, "ic_t_s": [1.0, np.inf]}, "IC"),
        ({"acc_mps2": np.zeros(1000), "sampling_rate_hz": FS_HZ, "ic_t_s": [[1.0]]}, "ic_t_s"),
        ({"acc_mps2": np.zeros(1000), "sampling_rate_hz": FS_HZ, "halt_factor": 1.0}, "halt_"),
    ],
)
def test_bad_input_is_one_line(kwargs, match):
    with pytest.raises(AnalysisInputError, match=match) as err:
        freezing_of_gait(**kwargs)
    assert "\n" not in str(err.value)


# --- the virtual patient ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def parkinson_walk() -> SimulatedWalk:
    """20 min of the parkinson preset (0.5 freezes per min, mean 4 s, all three kinds)."""
    return simulate_walk(make_params("parkinson"), duration_s=1200.0, sampling_rate_hz=FS_HZ)


@pytest.fixture(scope="module")
def freezing_walk() -> SimulatedWalk:
    """20 min of a parkinson patient freezing 3 times a minute: enough freezes of each kind."""
    params = make_params("parkinson", freeze_rate_per_min=3.0)
    return simulate_walk(params, duration_s=1200.0, sampling_rate_hz=FS_HZ)


def moving(walk: SimulatedWalk) -> np.ndarray:
    """The freezes in which the legs move (trembling, shuffling): akinetic ones are standing."""
    return walk.freezes_t_s[np.array(walk.freeze_kinds) != "akinetic"]


@pytest.mark.parametrize(
    ("preset", "overrides"),
    [
        ("healthy", {}),
        ("healthy", {"cadence_spm": 121.0}),  # a +10 % cue
        ("stroke", {}),
        ("parkinson", {"freeze_rate_per_min": 0.0}),
    ],
)
def test_simulated_steady_walking_has_no_freezes(preset, overrides):
    walk = simulate_walk(make_params(preset, **overrides), duration_s=600.0, sampling_rate_hz=FS_HZ)
    assert walk.freezes_t_s.size == 0
    for foot in walk.feet.values():
        acc = horizontal_forward(foot.acc_mps2)
        with_ics = freezing_of_gait(acc_mps2=acc, sampling_rate_hz=FS_HZ, ic_t_s=ics_of(walk))
        assert with_ics.n_episodes == 0 and with_ics.frozen_pct == 0.0
        assert freezing_of_gait(acc_mps2=acc, sampling_rate_hz=FS_HZ).n_episodes == 0


def test_simulated_standing_between_walks_is_not_freezing():
    walk = simulate_walk(
        make_params("parkinson", freeze_rate_per_min=0.0),
        duration_s=150.0,
        sampling_rate_hz=FS_HZ,
        bouts_s=[(1.0, 60.0), (63.0, 70.0), (100.0, 149.0)],
    )
    acc = horizontal_forward(walk.feet["left"].acc_mps2)
    r = freezing_of_gait(acc_mps2=acc, sampling_rate_hz=FS_HZ, ic_t_s=ics_of(walk))
    assert len(walking_halts(ics_of(walk))) == 2  # two stops within walking, 3 s and 30 s
    standing = (r.window_center_t_s > 72.0) & (r.window_center_t_s < 95.0)
    assert standing.sum() > 40 and not r.stepping[standing].any()
    assert (r.total_power_m2_s4[standing] < DEFAULT_POWER_THRESHOLD_M2_S4).all()
    assert r.n_episodes == 0 and not r.halted.any()


def test_parkinson_freezes_are_found_and_nothing_else(parkinson_walk):
    """The preset's freezes with moving legs all found (akinetic ones are standing to a foot
    sensor), no false episode; per sample over the moving freezes."""
    walk = parkinson_walk
    assert len(walk.freezes_t_s) >= 8, "too few freezes for a meaningful rate"
    r = freezing_of_gait(
        acc_mps2=horizontal_forward(walk.feet["left"].acc_mps2),
        sampling_rate_hz=FS_HZ,
        ic_t_s=ics_of(walk),
    )
    ep = episode_agreement(detected_t_s=r.episodes_t_s, true_t_s=moving(walk), duration_s=1200)
    assert ep.sensitivity >= 0.9
    every = episode_agreement(
        detected_t_s=r.episodes_t_s, true_t_s=walk.freezes_t_s, duration_s=1200
    )
    assert every.n_false == 0
    per = sample_agreement(
        detected_t_s=r.episodes_t_s,
        true_t_s=moving(walk),
        start_t_s=r.analysed_t_s[0],
        end_t_s=r.analysed_t_s[1],
    )
    assert per.sensitivity >= 0.9 and per.specificity >= 0.98


@pytest.mark.parametrize("kind", ["trembling", "shuffling"])
def test_each_kind_of_moving_freeze_is_found(freezing_walk, kind):
    walk = freezing_walk
    truth = walk.freezes_t_s[np.array(walk.freeze_kinds) == kind]
    assert len(truth) >= 10
    r = freezing_of_gait(
        acc_mps2=horizontal_forward(walk.feet["left"].acc_mps2),
        sampling_rate_hz=FS_HZ,
        ic_t_s=ics_of(walk),
    )
    found = episode_agreement(detected_t_s=r.episodes_t_s, true_t_s=truth, duration_s=1200)
    assert found.sensitivity >= 0.9
    every = episode_agreement(
        detected_t_s=r.episodes_t_s, true_t_s=walk.freezes_t_s, duration_s=1200
    )
    assert every.n_false == 0


def test_acceleration_alone_at_64_hz_finds_trembling_and_nothing_else(freezing_walk):
    """No gyro, no ICs, 64 Hz: trembling freezes of at least half a window are found by the FI
    alone, and nothing is found that is not a freeze."""
    walk = freezing_walk
    acc_64 = resample_poly(horizontal_forward(walk.feet["left"].acc_mps2), 16, 25)  # -> 64 Hz
    r = freezing_of_gait(acc_mps2=acc_64, sampling_rate_hz=64.0)
    kinds = np.array(walk.freeze_kinds)
    long = np.diff(walk.freezes_t_s, axis=1)[:, 0] >= WINDOW_S / 2
    trembling = walk.freezes_t_s[long & (kinds == "trembling")]
    assert len(trembling) >= 8
    found = episode_agreement(detected_t_s=r.episodes_t_s, true_t_s=trembling, duration_s=1200)
    assert found.sensitivity >= 0.85
    every = episode_agreement(
        detected_t_s=r.episodes_t_s, true_t_s=walk.freezes_t_s, duration_s=1200
    )
    assert every.n_false == 0


# --- real walking ------------------------------------------------------------------------------


def test_gaitmap_example_walking_has_no_freezes(gaitmap_dir, feet, feet_ms):
    """Real walking (healthy 2 × 20 m and 4 × 10 m with turns, MS patient): no episode on the
    horizontal forward axis, with the ICs the gait-event detector finds (as a session analyses
    it) and from the acceleration alone, also resampled to 64 Hz."""
    ic_stride = load_imu_csv(gaitmap_dir / "imu_sample_ic_stride.csv", GAITMAP_SLOW_RATE_HZ)
    recordings = [feet, ic_stride, {"left": feet_ms["left"]}, {"right": feet_ms["right"]}]
    for rec in recordings:
        ics = np.concatenate([GaitEventDetector().detect(imu).ic_t_s_ for imu in rec.values()])
        assert ics.size > 20
        for side, imu in rec.items():
            fs = imu.sampling_rate_hz
            acc = horizontal_forward(imu.acc_mps2)
            with_ics = freezing_of_gait(acc_mps2=acc, sampling_rate_hz=fs, ic_t_s=ics)
            assert with_ics.analysed_time_s > 30.0
            assert with_ics.n_episodes == 0, (side, with_ics.episodes_t_s)
            assert freezing_of_gait(acc_mps2=acc, sampling_rate_hz=fs).n_episodes == 0
            acc_64 = resample_poly(acc, 640, round(fs * 10))
            assert freezing_of_gait(acc_mps2=acc_64, sampling_rate_hz=64.0).n_episodes == 0


def test_horizontal_forward_removes_gravity_from_a_pitched_sensor():
    t = np.arange(1000) / FS_HZ
    fwd = np.sin(2 * np.pi * t)
    foot = np.column_stack([fwd, np.zeros_like(t), np.full_like(t, 9.81)])
    assert np.allclose(horizontal_forward(foot), fwd - fwd.mean(), atol=1e-9)
    pitch = np.deg2rad(40.0)  # sensor x tilted 40° toward the vertical, about y
    rot = np.array(
        [[np.cos(pitch), 0, np.sin(pitch)], [0, 1, 0], [-np.sin(pitch), 0, np.cos(pitch)]]
    )
    got = horizontal_forward(foot @ rot.T)
    assert np.allclose(np.abs(got - got.mean()), np.abs(fwd - fwd.mean()), atol=1e-9)
    with pytest.raises(AnalysisInputError, match="gravity"):
        horizontal_forward(np.zeros((10, 3)))
    with pytest.raises(AnalysisInputError, match="vertical"):
        horizontal_forward(np.tile([9.81, 0.0, 0.0], (10, 1)))

"""The virtual patient: gait statistics, event order, entrainment to cues, freezing, stopping."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from ras.protocol import Side, StepKind
from ras.sim import sms
from ras.sim.patient import FREEZE_KIND_MIX, FREEZE_KINDS, FreezeEpisode, VirtualPatient
from ras.sim.presets import HEALTHY, make_params

IC = StepKind.INITIAL_CONTACT
CYCLE = [StepKind.MID_STANCE, StepKind.TOE_OFF, StepKind.MID_SWING, StepKind.INITIAL_CONTACT]


def ic_times(events, side=None):
    return np.array([e.t_s for e in events if e.kind == IC and (side is None or e.side == side)])


def cadence_spm(ic_t_s):
    return 60.0 / np.mean(np.diff(ic_t_s))


# ------------------------------------------------------------------------- sms arithmetic
def test_sms_phase_and_period_correction():
    assert sms.next_step_interval_s(0.5, None, 0.5) == 0.5
    assert sms.next_step_interval_s(0.5, 0.04, 0.5) == pytest.approx(0.48)
    assert sms.next_step_interval_s(0.5, -0.03, 0.5, target_asynchrony_s=-0.03) == 0.5
    assert sms.update_period_s(0.5, 0.1, 0.1) == pytest.approx(0.49)
    assert sms.update_period_s(0.6, None, 0.1, preferred_period_s=0.5, relaxation=0.5) == (
        pytest.approx(0.55)
    )


def test_sms_noise_asymmetry_and_asynchrony_helpers():
    sd = sms.timekeeper_noise_sd_s(1.0, 2.0, 0.01)
    assert 2 * sd**2 + 2 * 0.01**2 == pytest.approx(0.02**2)
    assert sms.timekeeper_noise_sd_s(1.0, 1.0, 0.05) == 0.0
    xp, xnp = sms.step_time_factor(20, True), sms.step_time_factor(20, False)
    assert (xp - xnp) / (0.5 * (xp + xnp)) * 100 == pytest.approx(20)
    assert sms.nearest_beat_s(1.02, [0.0, 0.5, 1.0, 1.5], 0.25) == 1.0
    assert sms.nearest_beat_s(3.0, [0.0, 0.5], 0.25) is None
    a = sms.asynchronies_s(np.array([0.49, 1.03]), np.array([0.0, 0.5, 1.0]))
    np.testing.assert_allclose(a, [-0.01, 0.03])


# ------------------------------------------------------------------------ uncued walking
@pytest.mark.parametrize("preset", ["healthy", "parkinson", "stroke"])
def test_uncued_cadence_and_stride_time_cv_match_the_parameters(preset):
    params = make_params(preset, freeze_rate_per_min=0)
    events = VirtualPatient(params, seed=11).advance(300 * params.stride_time_s)
    assert cadence_spm(ic_times(events)) == pytest.approx(params.cadence_spm, rel=0.01)
    stride_s = np.array([e.stride_time_s for e in events if e.kind == IC and e.stride_time_s])
    assert len(stride_s) > 500
    cv_pct = stride_s.std() / stride_s.mean() * 100
    assert cv_pct == pytest.approx(params.stride_time_cv_pct, rel=0.2)


def test_stride_figures_agree_with_event_times():
    events = VirtualPatient(HEALTHY, seed=3).advance(60)
    for side in (Side.LEFT, Side.RIGHT):
        ics = [e for e in events if e.kind == IC and e.side == side]
        tos = [e for e in events if e.kind == StepKind.TOE_OFF and e.side == side]
        for prev, cur in itertools.pairwise(ics):
            if cur.stride_time_s is not None:
                assert cur.stride_time_s == pytest.approx(cur.t_s - prev.t_s)
                to = next(t for t in tos if prev.t_s < t.t_s < cur.t_s)
                assert cur.stance_time_s == pytest.approx(to.t_s - prev.t_s)
    ic_all = [e for e in events if e.kind == IC]
    stance = np.array([e.stance_time_s / e.stride_time_s for e in ic_all if e.stride_time_s])
    assert stance.mean() == pytest.approx(HEALTHY.stance_fraction, abs=0.02)
    lengths = np.array([e.stride_length_m for e in ic_all[2:]])
    assert lengths.mean() == pytest.approx(HEALTHY.stride_length_m, rel=0.02)


@pytest.mark.parametrize("affected", [Side.LEFT, Side.RIGHT])
def test_step_time_asymmetry_matches_the_symmetry_index(affected):
    params = make_params("stroke", affected_side=affected)
    events = VirtualPatient(params, seed=5).advance(400 * params.stride_time_s)
    ics = [e for e in events if e.kind == IC]
    step_s = {Side.LEFT: [], Side.RIGHT: []}
    for prev, cur in itertools.pairwise(ics):
        step_s[cur.side].append(cur.t_s - prev.t_s)
    x_p = np.mean(step_s[affected])
    x_np = np.mean(step_s[Side.LEFT if affected == Side.RIGHT else Side.RIGHT])
    si_pct = (x_np - x_p) / (0.5 * (x_np + x_p)) * 100  # clinical.md; negative: paretic longer
    assert -si_pct == pytest.approx(params.step_time_asymmetry_pct, abs=1.5)


def test_feet_alternate_and_each_foot_cycles_through_all_event_kinds():
    params = make_params("parkinson", freeze_rate_per_min=3)
    patient = VirtualPatient(params, seed=8)
    events = patient.advance(300)
    assert patient.freeze_episodes_  # the order also holds across freezes
    sides = [e.side for e in events if e.kind == IC]
    assert all(a != b for a, b in itertools.pairwise(sides))
    for side in (Side.LEFT, Side.RIGHT):
        kinds = [e.kind for e in events if e.side == side]
        start = kinds.index(StepKind.MID_STANCE)
        body = kinds[start:]
        body = body[: len(body) // 4 * 4]
        assert body == CYCLE * (len(body) // 4)
        assert kinds[:start] in ([], [StepKind.TOE_OFF, StepKind.MID_SWING, IC])


def test_advance_is_ordered_complete_and_deterministic():
    one_shot = VirtualPatient(HEALTHY, seed=4).advance(120)
    patient = VirtualPatient(HEALTHY, seed=4)
    chunked = []
    for until in np.arange(0.37, 120.0, 0.37):
        chunked += patient.advance(float(until))
    chunked += patient.advance(120)
    assert chunked == one_shot
    times = [e.t_s for e in one_shot]
    assert times == sorted(times) and times[-1] < 120
    assert VirtualPatient(HEALTHY, seed=5).advance(120) != one_shot
    # per-side consumers keep their own position
    left = patient.advance(150, Side.LEFT)
    right = patient.advance(150, Side.RIGHT)
    assert left and right and all(e.side == Side.LEFT for e in left)
    assert patient.advance(150, Side.LEFT) == []


# ------------------------------------------------------------------------------- cueing
def beats(start_s, stop_s, tempo_bpm):
    return np.arange(start_s, stop_s, 60.0 / tempo_bpm)


def test_coupling_zero_ignores_cues():
    params = make_params("healthy", coupling=0)
    uncued = VirtualPatient(params, seed=2).advance(200)
    patient = VirtualPatient(params, seed=2)
    for b in beats(0.3, 200, params.cadence_spm * 1.1):
        patient.on_cue(float(b))
    cued = patient.advance(200)
    assert cued == uncued
    assert cadence_spm(ic_times(cued)) == pytest.approx(params.cadence_spm, rel=0.01)


def test_entrains_with_small_stable_asynchrony_and_follows_a_tempo_change():
    params = HEALTHY
    tempo_bpm = params.cadence_spm * 1.03
    b = np.concatenate([beats(0.2, 100, tempo_bpm), beats(100, 200, tempo_bpm * 1.1)])
    patient = VirtualPatient(params, seed=6)
    for t in b:
        patient.on_cue(float(t))
    ic = ic_times(patient.advance(200))
    a_s = sms.asynchronies_s(ic, b)
    settled = a_s[(ic > 20) & (ic < 100)]
    assert settled.mean() == pytest.approx(params.target_asynchrony_s, abs=0.01)
    assert settled.std() < 0.05
    ioi_s = 60.0 / tempo_bpm
    phase = 2 * np.pi * settled / ioi_s
    assert abs(np.mean(np.exp(1j * phase))) > 0.9  # mean resultant length (clinical.md)
    assert cadence_spm(ic[(ic > 40) & (ic < 100)]) == pytest.approx(tempo_bpm, rel=0.005)
    assert cadence_spm(ic[ic > 130]) == pytest.approx(tempo_bpm * 1.1, rel=0.005)
    after = a_s[ic > 130]
    assert after.mean() == pytest.approx(params.target_asynchrony_s, abs=0.015)


@pytest.mark.parametrize("preset", ["healthy", "parkinson", "stroke"])
def test_a_silence_in_the_cue_is_not_heard_as_one_long_beat_interval(preset):
    # cued, then 20 s without a cue (cues off, paused), then the cue again, the beats known a
    # few seconds ahead as a session announces them: the steps around the silence keep the
    # patient's own rhythm (a beat 3 s away across it once stretched a step to 1.3 s)
    params = make_params(preset)
    tempo_bpm = params.cadence_spm
    b = np.concatenate([beats(0.2, 30, tempo_bpm), beats(50.3, 80, tempo_bpm)])
    patient = VirtualPatient(params, seed=6)
    for t in b:
        patient.on_cue(float(t))
    ic = ic_times(patient.advance(80))
    steps_s = np.diff(ic)
    around = steps_s[(ic[1:] > 40) & (ic[1:] < 60)]
    typical = np.median(steps_s[(ic[1:] > 10) & (ic[1:] < 30)])
    assert around.max() < 1.3 * typical and around.min() > 0.7 * typical
    # and it still entrains to the cue that came back
    assert cadence_spm(ic[ic > 60]) == pytest.approx(tempo_bpm, rel=0.02)


def test_uncoupled_walker_drifts_against_the_beat():
    params = make_params("healthy", coupling=0)
    b = beats(0.2, 200, params.cadence_spm * 1.05)
    patient = VirtualPatient(params, seed=6)
    for t in b:
        patient.on_cue(float(t))
    ic = ic_times(patient.advance(200))
    phase = 2 * np.pi * sms.asynchronies_s(ic, b) / (60 / (params.cadence_spm * 1.05))
    assert abs(np.mean(np.exp(1j * phase))) < 0.3


# ------------------------------------------------------------------ freezing and stopping
def test_freezing_episodes_have_no_events_and_walking_resumes():
    params = make_params("parkinson", freeze_rate_per_min=2)
    patient = VirtualPatient(params, seed=9)
    events = patient.advance(600)
    episodes = patient.freeze_episodes_
    assert len(episodes) >= 5
    times = np.array([e.t_s for e in events])
    for ep in episodes:
        assert not np.any((times >= ep.start_t_s) & (times < ep.end_t_s))
        assert patient.is_freezing(0.5 * (ep.start_t_s + ep.end_t_s))
        if ep.end_t_s < 590:
            assert np.any((times >= ep.end_t_s) & (times < ep.end_t_s + 3))
    assert not patient.is_freezing(episodes[0].start_t_s - 0.01)
    healthy = VirtualPatient(HEALTHY, seed=9)
    healthy.advance(600)
    assert healthy.freeze_episodes_ == []


def test_freezes_mix_kinds_and_last_mostly_under_10_s():
    """Schaafsma 2003: shuffling and trembling common, akinesia rare, most episodes < 10 s."""
    params = make_params("parkinson", freeze_rate_per_min=10, freeze_mean_duration_s=4.0)
    patient = VirtualPatient(params, seed=3)
    patient.advance(3600)
    episodes = patient.freeze_episodes_
    assert len(episodes) > 300
    kinds = [e.kind for e in episodes]
    for kind, share in zip(FREEZE_KINDS, FREEZE_KIND_MIX, strict=True):
        assert kinds.count(kind) / len(kinds) == pytest.approx(share, abs=0.06), kind
    duration_s = np.array([e.duration_s for e in episodes])
    assert duration_s.min() >= 1.0
    assert duration_s.mean() == pytest.approx(params.freeze_mean_duration_s, rel=0.1)
    assert 0.01 < (duration_s > 10).mean() < 0.1
    assert len({e.seed for e in episodes}) == len(episodes)  # each renders its own way
    # two effective steps at least between freezes (else it is one episode)
    ic = np.array([e.t_s for e in patient.events_ if e.kind == IC])
    for a, b in itertools.pairwise(episodes):
        assert ((ic > a.end_t_s) & (ic < b.start_t_s)).sum() >= 2
    # the same seed plans the same freezes
    again = VirtualPatient(params, seed=3)
    again.advance(3600)
    assert again.freeze_episodes_ == episodes
    with pytest.raises(ValueError, match="freeze kind"):
        FreezeEpisode(1.0, 2.0, "sitting")


def test_stop_and_resume():
    patient = VirtualPatient(HEALTHY, seed=1)
    patient.advance(10)
    patient.stop(10)
    events = patient.advance(30)
    assert not patient.is_walking
    last_ic = ic_times(events).max()
    assert last_ic < 10 + 2 * HEALTHY.step_period_s
    assert max(e.t_s for e in events) < 11.5
    patient.resume(30)
    later = patient.advance(60)
    assert patient.is_walking
    ic = ic_times(later)
    assert ic.min() > 30 and cadence_spm(ic) == pytest.approx(HEALTHY.cadence_spm, rel=0.02)


def test_retracted_beats_are_not_heard():
    """Beats taken back before they sounded (probe, cues off) no longer pace the patient."""
    params = make_params("healthy")
    period_s = 60.0 / (params.cadence_spm * 1.1)
    uncued = VirtualPatient(params, seed=5).advance(120)
    patient = VirtualPatient(params, seed=5)
    for b in beats(0.3, 60.0, params.cadence_spm * 1.1):
        patient.on_cue(float(b))
    patient.retract_cues_from(30.0)
    assert patient.beats_t_s and max(patient.beats_t_s) < 30.0
    assert min(patient.beats_t_s) < 30.0 - 10 * period_s
    # 40-60 s: the retracted beats would have paced the patient 10 % faster here
    late = [e for e in patient.advance(120) if 40.0 < e.t_s < 60.0]
    free = [e for e in uncued if 40.0 < e.t_s < 60.0]
    assert cadence_spm(ic_times(late)) == pytest.approx(cadence_spm(ic_times(free)), rel=0.03)

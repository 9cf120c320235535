"""Beat scheduler arithmetic, plans, adaptive correction and the command parser."""

from __future__ import annotations

import math

import pytest

from ras.errors import UserInputError
from ras.events import CueState, MarkerKind
from ras.tempo import (
    AdaptivePhaseCorrection,
    BeatScheduler,
    FixedPlan,
    IsoRampPlan,
    PlanContext,
    entrainment_ok,
    mean_resultant_length,
    parse_command,
    ramp_step_bpm,
    relative_phase,
)
from ras.tempo.commands import (
    Cues,
    Marker,
    Match,
    NextPhase,
    NudgeBpm,
    NudgePct,
    Pause,
    Resume,
    SetTempo,
    jump_pct,
    tempo_after,
)
from ras.tempo.sync import span_cadence_spm


def test_fixed_tempo_beats_and_phase_continuity_at_change():
    log = []
    s = BeatScheduler(FixedPlan(60.0), first_beat_t_s=10.0, on_change=log.append)
    assert s.next_beat() == (10.0, 60.0, 0, True)
    assert s.next_beat() == (11.0, 60.0, 1, True)
    s.set_tempo(120.0, t_s=10.7)  # mid-interval: decided beats do not move
    b = s.next_beat()
    assert b.beat_t_s == pytest.approx(11.5) and b.tempo_bpm == 120.0 and b.beat_index == 2
    assert [x.beat_t_s for x in s.beats_] == [10.0, 11.0, pytest.approx(11.5)]
    assert log == s.changes_
    c = s.changes_[0]
    assert (c.t_s, c.old_bpm, c.new_bpm, c.source, c.effective_t_s) == (
        10.7,
        60.0,
        120.0,
        "therapist",
        11.0,
    )


def test_bounds_and_nudges():
    s = BeatScheduler(FixedPlan(100.0), first_beat_t_s=0.0, min_bpm=40, max_bpm=150)
    s.nudge_bpm(1, t_s=0).nudge_bpm(-3, t_s=0)
    assert s.tempo_bpm_ == 98.0
    s.nudge_pct(10, t_s=0)
    assert s.tempo_bpm_ == pytest.approx(107.8)
    with pytest.raises(UserInputError, match="tempo must be between 40 and 150 bpm"):
        s.set_tempo(151, t_s=0)
    with pytest.raises(UserInputError, match="tempo must be between"):
        s.nudge_pct(-70, t_s=0)
    assert s.tempo_bpm_ == pytest.approx(107.8)
    with pytest.raises(UserInputError, match="cannot match"):
        s.match(t_s=0)
    with pytest.raises(UserInputError, match="tempo must be between"):
        BeatScheduler(FixedPlan(250.0), first_beat_t_s=0.0)


def test_cues_off_pause_resume():
    s = BeatScheduler(FixedPlan(60.0), first_beat_t_s=0.0)
    s.next_beat()
    s.set_cues(False, t_s=0.5)
    assert s.next_beat() == (1.0, 60.0, 1, False)
    s.set_cues(True, t_s=1.5)
    s.pause(t_s=1.6)
    assert s.next_beat() is None
    s.resume(t_s=5.25)
    assert s.next_beat() == (6.25, 60.0, 2, True)
    s.pause(t_s=7.0)
    s.pause(t_s=7.5)  # a second pause changes nothing and is not a change
    s.set_cues(True, t_s=8.0)  # nor is "on" while on
    assert [(c.t_s, c.state, c.source) for c in s.cue_states_] == [
        (0.5, CueState.OFF, "therapist"),
        (1.5, CueState.ON, "therapist"),
        (1.6, CueState.PAUSE, "therapist"),
        (5.25, CueState.RESUME, "therapist"),
        (7.0, CueState.PAUSE, "therapist"),
    ]


def test_ramp_step_never_exceeds_step_and_stops_at_target():
    tempo, target = 90.0, 99.0
    seen = []
    for _ in range(20):
        new = ramp_step_bpm(tempo, target, 2.0)
        assert new <= target and new / tempo - 1.0 <= 0.02 + 1e-12
        seen.append(new)
        tempo = new
    assert seen[:5] == pytest.approx([91.8, 93.636, 95.50872, 97.4189, 99.0])
    assert seen[-1] == 99.0
    assert ramp_step_bpm(100.0, 95.0, 2.0) == 98.0
    assert ramp_step_bpm(96.0, 95.0, 2.0) == 95.0


def ctx(**kw) -> PlanContext:
    base = dict(
        t_s=0.0,
        beat_index=30,
        tempo_bpm=90.0,
        cadence_spm=90.0,
        cadence_confidence=1.0,
        sync_cadence_spm=90.0,
        sync_r=0.9,
        sync_n=20,
        beats_since_change=30,
        s_since_change=20.0,
    )
    return PlanContext(**(base | kw))


def test_iso_ramp_plan_decisions():
    plan = IsoRampPlan(90.0, target_pct=10.0, confirm_beats=1)
    assert plan.target_bpm == pytest.approx(99.0) and plan.start_bpm == 90.0
    assert plan.decide(ctx())[0] == pytest.approx(91.8)
    assert plan.decide(ctx(sync_r=0.6)) is None and "R=0.60" in plan.status_
    assert plan.decide(ctx(sync_cadence_spm=87.0)) is None
    assert plan.decide(ctx(beats_since_change=5)) is None
    assert plan.decide(ctx(tempo_bpm=99.0, sync_cadence_spm=99.0)) is None and plan.done_
    confirm = IsoRampPlan(90.0, target_bpm=95.0, confirm_beats=3)
    assert [confirm.decide(ctx()) for _ in range(2)] == [None, None]
    assert confirm.decide(ctx())[0] == pytest.approx(91.8)
    with pytest.raises(UserInputError, match="exactly one of target_bpm or target_pct"):
        IsoRampPlan(90.0)
    with pytest.raises(UserInputError, match=r"step_pct must be between 0\.1 and 10 %"):
        IsoRampPlan(90.0, target_bpm=100.0, step_pct=15.0)


def test_entrainment_ok():
    assert entrainment_ok(0.8, 20, 91.0, 90.0)[0]
    assert not entrainment_ok(0.8, 19, 90.0, 90.0)[0]
    assert not entrainment_ok(0.69, 20, 90.0, 90.0)[0]
    assert not entrainment_ok(0.9, 20, 92.0, 90.0)[0]


def test_sync_measures():
    assert mean_resultant_length([0.0, 0.0]) == pytest.approx(1.0)
    assert mean_resultant_length([0.0, math.pi]) == pytest.approx(0.0, abs=1e-12)
    phase, a = relative_phase(10.1, [9.0, 10.0, 11.0], 1.0)
    assert phase == pytest.approx(0.2 * math.pi) and a == pytest.approx(0.1)
    phase, a = relative_phase(9.75, [9.0, 10.0], 1.0)
    assert phase == pytest.approx(-0.5 * math.pi) and a == pytest.approx(-0.25)
    assert relative_phase(20.0, [9.0, 10.0], 1.0) is None
    assert span_cadence_spm([0.0, 0.6, 1.2, 1.8]) == pytest.approx(100.0)
    assert span_cadence_spm([0.0, 0.6, 1.8, 2.4]) == pytest.approx(100.0)  # one missed


def test_adaptive_bounded_correction():
    ad = AdaptivePhaseCorrection(alpha=0.5, beta=0.1, max_shift_ms=30.0, max_period_step_pct=1.0)
    shift, period = ad.correction([-0.04], 0.6)
    assert shift == pytest.approx(-0.02) and period == pytest.approx(0.596)
    shift, period = ad.correction([-0.2], 0.6)
    assert shift == pytest.approx(-0.03) and period == pytest.approx(0.594)
    assert ad.correction([], 0.6) == (0.0, 0.6)


def test_adaptive_in_scheduler_moves_next_beat_toward_step():
    from ras.events import StepEvent
    from ras.protocol.messages import Side, StepKind

    ad = AdaptivePhaseCorrection(alpha=0.5, beta=0.0, max_shift_ms=40.0)
    s = BeatScheduler(FixedPlan(60.0), first_beat_t_s=0.0, adaptive=ad)
    s.next_beat(), s.next_beat()
    s.update(event=StepEvent(1, Side.LEFT, StepKind.INITIAL_CONTACT, 0.94, 0, 0.94, 0, 0))
    assert s.next_beat().beat_t_s == pytest.approx(2.0 - 0.03)
    assert s.next_beat().beat_t_s == pytest.approx(2.97)  # no new step: no shift
    assert s.changes_ == []


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("+", NudgeBpm(1.0)),
        (" - ", NudgeBpm(-1.0)),
        ("+3", NudgeBpm(3.0)),
        ("+5%", NudgePct(5.0)),
        ("-3 %", NudgePct(-3.0)),
        ("set 104", SetTempo(104.0)),
        ("SET 99.5", SetTempo(99.5)),
        ("match", Match()),
        ("off", Cues(False)),
        ("on", Cues(True)),
        ("pause", Pause()),
        ("resume", Resume()),
        ("Next", NextPhase()),
        ("marker patient turned  ", Marker("patient turned")),
        ("fall", Marker("", MarkerKind.FALL)),
        ("Near-fall at the door", Marker("at the door", MarkerKind.NEAR_FALL)),
        ("freezing", Marker("", MarkerKind.FREEZING)),
        ("rest 2 min seated", Marker("2 min seated", MarkerKind.REST)),
        ("assist", Marker("", MarkerKind.ASSISTANCE)),
    ],
)
def test_parse_good(text, command):
    assert parse_command(text) == command


@pytest.mark.parametrize(
    "text", ["", "x", "set", "set fast", "set nan", "+%", "+0", "marker", "++"]
)
def test_parse_bad(text):
    with pytest.raises(
        UserInputError,
        match=r"valid commands: \+, -, .*marker TEXT, fall, near-fall, freezing, rest, assist",
    ):
        parse_command(text)


def test_a_plain_marker_needs_a_note_a_clinical_event_does_not():
    with pytest.raises(UserInputError, match="a marker needs a note"):
        Marker("  ")
    assert Marker("", MarkerKind.FALL).kind is MarkerKind.FALL


@pytest.mark.parametrize(
    ("command", "expected_bpm"),
    [
        (SetTempo(100.0), 100.0),
        (NudgeBpm(-2.0), 78.0),
        (NudgePct(10.0), 88.0),
        (Match(), 84.5),
        (Cues(False), None),
        (Pause(), None),
    ],
)
def test_tempo_after(command, expected_bpm):
    assert tempo_after(command, 80.0, 84.5) == pytest.approx(expected_bpm)


@pytest.mark.parametrize("command", [SetTempo(100.0), NudgeBpm(-2.0), NudgePct(10.0)])
def test_tempo_after_is_what_the_scheduler_sets(command):
    s = BeatScheduler(FixedPlan(80.0), first_beat_t_s=0.0).apply(command, t_s=0.0)
    assert s.tempo_bpm_ == pytest.approx(tempo_after(command, 80.0))


def test_jump_pct_is_signed_percent_of_the_old_tempo():
    assert jump_pct(78.0, 100.0) == pytest.approx(28.205, abs=1e-3)
    assert jump_pct(100.0, 95.0) == pytest.approx(-5.0)


def test_apply_commands():
    s = BeatScheduler(FixedPlan(100.0), first_beat_t_s=0.0)
    for text in ["+", "+10%", "set 90", "off", "on", "pause", "resume"]:
        s.apply(parse_command(text), t_s=1.0)
    assert [round(c.new_bpm, 1) for c in s.changes_] == [101.0, 111.1, 90.0]
    assert all(c.source == "therapist" for c in s.changes_)

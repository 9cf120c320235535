"""Beat scheduler: decides each next beat one beat ahead, with an auditable log of tempo changes.

``next_beat()`` decides beat ``k+1`` from beat ``k``: ``t_{k+1} = t_k + 60 / tempo_bpm + shift``
with the tempo in force at that moment (after asking the plan) and ``shift`` from the optional
adaptive phase correction. A tempo change therefore takes effect at a beat boundary with phase
continuity: beats already decided never move, and the first interval decided after the change
uses the new period — there is never a jump inside an interval.

Live controls (methods, or :meth:`BeatScheduler.apply` of a parsed command): set / nudge the
tempo, match the patient's cadence, cues off / on, pause / resume. Tempo bounds
(``min_bpm``–``max_bpm``) are enforced: a therapist command outside them raises a one-line
:class:`~ras.errors.UserInputError`; plan and adaptive changes are clamped.

**Cues off (uncued probe)**: beats are still scheduled with the same phase but returned with
``audible=False`` (play nothing, do not announce to anyone); ICs are not phase-scored against
silent beats, the plan is not consulted (a ramp holds) and adaptive correction is off.

**Pause**: ``next_beat()`` returns None until :meth:`resume`; the first beat after
``resume(t_s=...)`` is at ``t_s + 60 / tempo_bpm`` (phase restarts), indices continue.

Every tempo change is a :class:`~ras.events.TempoChangeEvent` (the record the session
stores) in ``changes_`` (and passed to ``on_change``); every change of the cue's state
(off, on, pause, resume) is a :class:`~ras.events.CueStateEvent` in ``cue_states_`` (and
passed to ``on_cue_state``). A control that changes nothing (``off`` while off) is not one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal, NamedTuple

from ras.cadence import CadenceEstimator
from ras.errors import UserInputError
from ras.events import CueState, CueStateEvent, StepEvent, TempoChangeEvent
from ras.protocol.messages import StepKind
from ras.tempo.adaptive import AdaptivePhaseCorrection
from ras.tempo.commands import (
    Command,
    Cues,
    Match,
    NudgeBpm,
    NudgePct,
    Pause,
    Resume,
    SetTempo,
)
from ras.tempo.plans import FixedPlan, IsoRampPlan, PlanContext
from ras.tempo.sync import PhaseSample, SyncTracker, relative_phase
from ras.validate import check_range

__all__ = ["Beat", "BeatScheduler"]

Source = Literal["plan", "adaptive", "therapist"]


class Beat(NamedTuple):
    """One decided beat: time, tempo of the interval ending at it, index, audible or silent."""

    beat_t_s: float
    tempo_bpm: float
    beat_index: int
    audible: bool = True


class BeatScheduler:
    """Decides beats one ahead from a plan, optional adaptive correction and live commands.

    Parameters
    ----------
    plan : FixedPlan or IsoRampPlan
        Gives the start tempo and later tempo steps.
    first_beat_t_s : float
        Session time of beat 0, s.
    estimator : CadenceEstimator, optional
        Fed by :meth:`update`; a default one if not given.
    adaptive : AdaptivePhaseCorrection, optional
        D-Jogger-like correction toward the footfalls.
    min_bpm, max_bpm : float
        Tempo bounds.
    on_change : callable, optional
        Called with each :class:`~ras.events.TempoChangeEvent`.
    on_cue_state : callable, optional
        Called with each :class:`~ras.events.CueStateEvent` (off, on, pause, resume).
    sync_window_steps : int
        ICs used for R in the plan context.

    Attributes
    ----------
    tempo_bpm_ : float
        Tempo of the next interval to be decided.
    changes_ : list of TempoChangeEvent
    cue_states_ : list of CueStateEvent
    beats_ : list of Beat
        Every beat decided.
    cues_on_, paused_ : bool
    """

    def __init__(
        self,
        plan: FixedPlan | IsoRampPlan,
        *,
        first_beat_t_s: float,
        estimator: CadenceEstimator | None = None,
        adaptive: AdaptivePhaseCorrection | None = None,
        min_bpm: float = 30.0,
        max_bpm: float = 200.0,
        on_change: Callable[[TempoChangeEvent], None] | None = None,
        on_cue_state: Callable[[CueStateEvent], None] | None = None,
        sync_window_steps: int = 20,
    ) -> None:
        check_range("min_bpm", min_bpm, 1.0, 400.0, "bpm")
        check_range("max_bpm", max_bpm, min_bpm, 400.0, "bpm")
        self.min_bpm, self.max_bpm = float(min_bpm), float(max_bpm)
        self.plan = plan
        self.estimator = estimator if estimator is not None else CadenceEstimator()
        self.adaptive = adaptive
        self.on_change = on_change
        self.on_cue_state = on_cue_state
        self.sync_window_steps = sync_window_steps
        self.tempo_bpm_ = self._check_tempo(plan.start_bpm)
        self.changes_: list[TempoChangeEvent] = []
        self.cue_states_: list[CueStateEvent] = []
        self.beats_: list[Beat] = []
        self.cues_on_ = True
        self.paused_ = False
        self.sync_ = SyncTracker()
        self._audible_t_s: list[float] = []
        self._next_t_s: float | None = float(first_beat_t_s)  # set: the next beat is here
        self._pending_async_s: list[float] = []
        self._change_beat_index = 0
        self._change_t_s = float(first_beat_t_s)

    # ----------------------------------------------------------------------------- beats
    def next_beat(self) -> Beat | None:
        """Decide the next beat (None while paused)."""
        if self.paused_:
            return None
        if self._next_t_s is not None:
            t_s = self._next_t_s
            self._next_t_s = None
        else:
            last = self.beats_[-1]
            if self.cues_on_:
                self._consult_plan(last)
            shift_s = self._adapt(last) if self.cues_on_ else 0.0
            t_s = last.beat_t_s + 60.0 / self.tempo_bpm_ + shift_s
        self._pending_async_s.clear()
        beat = Beat(t_s, self.tempo_bpm_, len(self.beats_), self.cues_on_)
        self.beats_.append(beat)
        if beat.audible:
            self._audible_t_s.append(t_s)
        return beat

    def _consult_plan(self, last: Beat) -> None:
        sync_r, sync_n = self.sync_.r(self.sync_window_steps)
        ctx = PlanContext(
            t_s=last.beat_t_s,
            beat_index=last.beat_index,
            tempo_bpm=self.tempo_bpm_,
            cadence_spm=self.estimator.cadence_spm_,
            sync_cadence_spm=self.sync_.cadence_spm(self.sync_window_steps),
            cadence_confidence=self.estimator.confidence_,
            sync_r=sync_r,
            sync_n=sync_n,
            beats_since_change=last.beat_index + 1 - self._change_beat_index,
            s_since_change=last.beat_t_s - self._change_t_s,
        )
        decision = self.plan.decide(ctx)
        if decision is not None:
            new_bpm, reason = decision
            self._change(last.beat_t_s, self._clamp(new_bpm), "plan", reason)

    def _adapt(self, last: Beat) -> float:
        if self.adaptive is None or not self._pending_async_s:
            return 0.0
        period_s = 60.0 / self.tempo_bpm_
        shift_s, new_period_s = self.adaptive.correction(self._pending_async_s, period_s)
        if new_period_s != period_s:
            a_ms = 1000.0 * sum(self._pending_async_s) / len(self._pending_async_s)
            reason = f"period correction, asynchrony {a_ms:.0f} ms"
            self._change(last.beat_t_s, self._clamp(60.0 / new_period_s), "adaptive", reason)
        return shift_s

    # ----------------------------------------------------------------------------- steps
    def update(self, *, event: StepEvent) -> BeatScheduler:
        """Take one gait event: cadence estimate, and the IC's phase to the audible beats."""
        self.estimator.update(event=event)
        if event.kind != StepKind.INITIAL_CONTACT or not self._audible_t_s or self.paused_:
            return self
        got = relative_phase(event.t_s, self._audible_t_s, 60.0 / self.tempo_bpm_)
        if got is not None:
            phase_rad, asynchrony_s = got
            self.sync_.add(PhaseSample(event.t_s, phase_rad, asynchrony_s))
            self._pending_async_s.append(asynchrony_s)
        return self

    # ----------------------------------------------------------------------------- controls
    def set_tempo(
        self, tempo_bpm: float, *, t_s: float, source: Source = "therapist", reason: str = "set"
    ) -> BeatScheduler:
        """Tempo of the next interval decided (checked against the bounds)."""
        self._change(t_s, self._check_tempo(tempo_bpm), source, reason)
        return self

    def nudge_bpm(self, delta_bpm: float, *, t_s: float) -> BeatScheduler:
        """Tempo ± ``delta_bpm``."""
        return self.set_tempo(self.tempo_bpm_ + delta_bpm, t_s=t_s, reason=f"{delta_bpm:+g} bpm")

    def nudge_pct(self, delta_pct: float, *, t_s: float) -> BeatScheduler:
        """Tempo ± ``delta_pct`` %."""
        new_bpm = self.tempo_bpm_ * (1.0 + delta_pct / 100.0)
        return self.set_tempo(new_bpm, t_s=t_s, reason=f"{delta_pct:+g} %")

    def match(self, *, t_s: float) -> BeatScheduler:
        """Tempo := the patient's current cadence."""
        cadence = self.estimator.cadence_spm_
        if math.isnan(cadence):
            raise UserInputError("cannot match: the cadence is not established yet (keep walking)")
        return self.set_tempo(cadence, t_s=t_s, reason=f"match cadence {cadence:.1f} steps/min")

    def set_cues(self, on: bool, *, t_s: float) -> BeatScheduler:
        """Cue audible (True) or silent (False; beats keep their phase)."""
        if bool(on) == self.cues_on_:
            return self
        self.cues_on_ = bool(on)
        self._cue_state(t_s, CueState.ON if on else CueState.OFF)
        if on:
            self.sync_.restart(since_t_s=t_s)
        return self

    def pause(self, *, t_s: float) -> BeatScheduler:
        """Stop deciding beats."""
        if not self.paused_:
            self.paused_ = True
            self._cue_state(t_s, CueState.PAUSE)
        return self

    def resume(self, *, t_s: float) -> BeatScheduler:
        """Decide beats again; the first is one interval after ``t_s``."""
        if self.paused_:
            self.paused_ = False
            self._next_t_s = t_s + 60.0 / self.tempo_bpm_
            self.sync_.restart(since_t_s=self._next_t_s - 30.0 / self.tempo_bpm_)
            self._change_beat_index, self._change_t_s = len(self.beats_), self._next_t_s
            self._cue_state(t_s, CueState.RESUME)
        return self

    def _cue_state(self, t_s: float, state: CueState) -> None:
        event = CueStateEvent(t_s, state, "therapist")
        self.cue_states_.append(event)
        if self.on_cue_state is not None:
            self.on_cue_state(event)

    def apply(self, command: Command, *, t_s: float) -> BeatScheduler:
        """Carry out a parsed live command (:func:`ras.tempo.commands.parse_command`)."""
        match command:
            case SetTempo(tempo_bpm=bpm):
                return self.set_tempo(bpm, t_s=t_s)
            case NudgeBpm(delta_bpm=d):
                return self.nudge_bpm(d, t_s=t_s)
            case NudgePct(delta_pct=p):
                return self.nudge_pct(p, t_s=t_s)
            case Match():
                return self.match(t_s=t_s)
            case Cues(on=on):
                return self.set_cues(on, t_s=t_s)
            case Pause():
                return self.pause(t_s=t_s)
            case Resume():
                return self.resume(t_s=t_s)
        raise UserInputError(f"unknown command object {command!r}")

    # ----------------------------------------------------------------------------- helpers
    def _check_tempo(self, tempo_bpm: float) -> float:
        return float(check_range("tempo", tempo_bpm, self.min_bpm, self.max_bpm, "bpm"))

    def _clamp(self, tempo_bpm: float) -> float:
        return min(self.max_bpm, max(self.min_bpm, tempo_bpm))

    def _change(self, t_s: float, new_bpm: float, source: Source, reason: str) -> None:
        old_bpm = self.tempo_bpm_
        if new_bpm == old_bpm:
            return
        effective_t_s = self.beats_[-1].beat_t_s if self.beats_ else (self._next_t_s or t_s)
        change = TempoChangeEvent(t_s, old_bpm, new_bpm, source, reason, effective_t_s)
        self.tempo_bpm_ = new_bpm
        self.changes_.append(change)
        if source != "adaptive":  # entrainment is judged afresh at the new tempo
            self._change_beat_index = len(self.beats_)
            self._change_t_s = effective_t_s
            self.sync_.restart(since_t_s=effective_t_s + 30.0 / new_bpm)
        if self.on_change is not None:
            self.on_change(change)

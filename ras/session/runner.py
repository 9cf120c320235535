"""The session loop: baseline (uncued) -> cued training (the plan) -> uncued probe.

One engine thread (the caller of :meth:`SessionRunner.run`) consumes step events from the bus,
keeps the cadence estimate, decides beats ``lookahead_s`` ahead through the
:class:`~ras.tempo.scheduler.BeatScheduler`, hands them to the cue engine (and to a virtual
patient, which hears them), applies the therapist's live commands and records everything.
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from analysis.symmetry import symmetry_index_pct
from ras.audio.mixer import Sound
from ras.bus import SessionBus
from ras.cadence import CadenceEstimator
from ras.errors import UserInputError
from ras.events import (
    ActionEvent,
    CueEvent,
    CueState,
    CueStateEvent,
    MarkerEvent,
    Phase,
    PhaseEvent,
    StepEvent,
    TempoChangeEvent,
)
from ras.protocol.messages import Side
from ras.session.actions import (
    TEMPO_ACTIONS,
    Action,
    ActionResult,
    Mode,
    Plug,
    Ramp,
    Volume,
    describe,
)
from ras.session.settings import SessionSettings
from ras.session_clock import SessionClock
from ras.tempo.adaptive import AdaptivePhaseCorrection
from ras.tempo.commands import Cues, Marker, NextPhase, Pause, Resume, jump_pct
from ras.tempo.plans import FixedPlan, IsoRampPlan
from ras.tempo.scheduler import BeatScheduler

if TYPE_CHECKING:
    from ras.session.music import SessionMusic

__all__ = [
    "LATE_CUE_TOLERANCE_S",
    "LOOKAHEAD_REAL_S",
    "STALE_AFTER_S",
    "CueSink",
    "LiveDetail",
    "SessionRunner",
    "SessionSummary",
    "StatusSnapshot",
    "lookahead_for_speed",
]

#: Beats are decided at least this much *real* time ahead, s: more than the engine loop's
#: longest stall on a loaded 2-core machine (CPU and GIL shared with the sensor, link, audio and
#: recorder threads; stalls of 0.3 s were seen at --speed 40 with a load average of 8), so a cue
#: is not decided too late to play (benchmarks/speed_keepup.py).
LOOKAHEAD_REAL_S = 0.25
#: The lookahead never goes below this, session s (commands take effect after it).
MIN_LOOKAHEAD_S = 1.0
#: Nor above this, session s (an adaptive plan corrects beats this late).
MAX_LOOKAHEAD_S = 15.0
#: A cue that sounded more than this after its planned beat time counts as late, s.
LATE_CUE_TOLERANCE_S = 0.010
#: At most this many beats are decided in one pass of the loop (a guard against a clock jump).
_MAX_BEATS_PER_PASS = 64


def lookahead_for_speed(speed: float, min_s: float = MIN_LOOKAHEAD_S) -> float:
    """How far ahead (session s) beats are decided at a clock ``speed``.

    ``LOOKAHEAD_REAL_S`` of real time, within ``min_s`` to ``MAX_LOOKAHEAD_S``: 1 s up
    to 4x, 15 s at 60x (0.25 s of real time there, where a 1 s lookahead would be 17 ms).
    Music needs more (``min_s`` of 2 s, :data:`ras.session.music.MUSIC_LOOKAHEAD_S`): its audio
    between two beats is rendered once the second beat is known.
    """
    return min(max(speed * LOOKAHEAD_REAL_S, min_s), MAX_LOOKAHEAD_S)


class CueSink(Protocol):
    """What the runner needs of a cue engine."""

    def schedule_cue(self, t_s: float, sound: Any) -> int: ...

    def earliest_cue_s(self) -> float: ...

    def cancel_pending(self, from_t_s: float | None = None) -> int: ...


#: A figure made from steps older than this (session s) is not the patient's state now: about
#: two strides of a slow walker without a step (a stop, a foot's sensor silent).
STALE_AFTER_S = 3.0


@dataclass(frozen=True, slots=True)
class StatusSnapshot:
    """What the live status line shows."""

    t_s: float
    phase: Phase
    cadence_spm: float
    tempo_bpm: float | None
    sync_r: float
    step_time_si_pct: float
    cues_on: bool
    si_basis: str = "right vs left"
    #: why ``sync_r`` is not current ("" if it is; NaN then): no cue in this phase, paused, off
    sync_reason: str = ""
    #: session s since the latest initial contact (either foot); NaN before the first
    step_age_s: float = math.nan


@dataclass(frozen=True, slots=True)
class LiveDetail:
    """More of the live state, for a screen (see :meth:`SessionRunner.detail`).

    Attributes
    ----------
    step_time_left_s, step_time_right_s : float
        Median recent step time per foot (cadence estimator), s; NaN until known.
    phases_rad : tuple of float
        Relative phase of the recent ICs to their nearest beat (rad, 0 = on the beat).
    mean_asynchrony_ms : float
        Mean step-minus-beat time of those ICs, ms (negative = before the beat); NaN if none.
    sync_n : int
        Number of ICs in ``phases_rad``.
    cues_on, paused : bool
        The scheduler's cue and pause state (False before the cued phase).
    ramp : str
        ``""`` without a ramp, ``"held"`` while held, else the ramp plan's status.
    target_bpm : float
        Ramp target, bpm; NaN without a ramp.
    sync_reason : str
        Why the phases and asynchrony are not current ("" if they are; then none are given):
        no cue in this phase, the cue paused or off.
    """

    step_time_left_s: float
    step_time_right_s: float
    phases_rad: tuple[float, ...]
    mean_asynchrony_ms: float
    sync_n: int
    cues_on: bool
    paused: bool
    ramp: str
    target_bpm: float
    sync_reason: str = ""


@dataclass(slots=True)
class SessionSummary:
    """The outcome of a run; ``end_t_s`` is the session time it ended (NaN while running).

    Every audible beat decided is a planned cue, and ends one of three ways:
    ``cues_planned == cues_played + cues_skipped + cues_cancelled`` once the cue engine has
    stopped (played ones are counted as their onsets come in). ``cues_skipped`` were decided too
    late to play (the machine could not keep up), ``cues_cancelled`` were taken back before
    they sounded (probe, pause, cues off, the end); ``cues_late`` sounded more than
    ``LATE_CUE_TOLERANCE_S`` after their beat. ``degraded_reason`` says why the session is not
    what was planned although it ran to its end ("" if it is).
    """

    baseline_spm: float = math.nan
    final_tempo_bpm: float = math.nan
    final_cadence_spm: float = math.nan
    n_steps: int = 0
    n_beats: int = 0
    changes: list[TempoChangeEvent] = field(default_factory=list)
    completed: bool = False
    reason: str = ""
    end_t_s: float = math.nan
    cues_planned: int = 0
    cues_played: int = 0
    cues_skipped: int = 0
    cues_cancelled: int = 0
    cues_late: int = 0
    degraded_reason: str = ""


class SessionRunner:
    """Runs one session on a bus of step events.

    Parameters
    ----------
    settings : SessionSettings
    clock : SessionClock
    bus : SessionBus
        Where the links publish step events.
    cues : CueSink or None
        The cue engine (None: beats are decided and recorded but not played).
    hear : callable, optional
        ``hear(beat_t_s)`` for each audible beat when it is decided (a virtual patient).
    unhear : callable, optional
        ``unhear(t_s)``: the beats from ``t_s`` on were taken back before they sounded.
    record : callable, optional
        ``record(event)`` for phases, tempo changes, markers and cues (the recorder's ``put``).
    affected_side : Side
        For the symmetry index (paretic side); UNKNOWN: right vs left.
    lookahead_s : float, optional
        Beats are decided this far ahead (session s); commands take effect after it. Default:
        :func:`lookahead_for_speed` of the clock's speed.
    """

    def __init__(
        self,
        settings: SessionSettings,
        *,
        clock: SessionClock,
        bus: SessionBus,
        cues: CueSink | None = None,
        hear: Callable[[float], None] | None = None,
        unhear: Callable[[float], None] | None = None,
        record: Callable[[object], None] | None = None,
        affected_side: Side = Side.UNKNOWN,
        lookahead_s: float | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.cues = cues
        self.hear = hear
        self.unhear = unhear
        self.record = record or (lambda event: None)
        self.affected_side = affected_side
        self.lookahead_s = (
            lookahead_for_speed(clock.speed) if lookahead_s is None else float(lookahead_s)
        )
        if not (math.isfinite(self.lookahead_s) and self.lookahead_s > 0):
            raise ValueError(f"lookahead_s must be finite and > 0, got {lookahead_s}")
        self.estimator = CadenceEstimator()
        # the preferred cadence is measured over the whole uncued walk, not its last few steps
        self.baseline_estimator = CadenceEstimator(window_steps=100, buffer_ics=200)
        self.scheduler: BeatScheduler | None = None
        self.summary = SessionSummary()
        self.phase = Phase.BASELINE
        self._phase_end_s = math.inf  # session time the current phase ends
        self._phase_end_by = ("plan", "as planned")  # who ends it, and why
        self._cue_stopped = False
        self.messages: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._steps = bus.subscribe("engine", accept=lambda e: isinstance(e, StepEvent))
        self._commands: queue.SimpleQueue[Action] = queue.SimpleQueue()
        #: What became of each action sent (:meth:`submit`), in the order they were applied.
        self.results: queue.SimpleQueue[ActionResult] = queue.SimpleQueue()
        #: Applies the actions on the session's devices (volume, a virtual sensor's cable) on
        #: the engine thread; returns what was done, raises UserInputError if it cannot.
        self.devices: Callable[[Volume | Plug], str] | None = None
        #: The session's songs on the cue engine (None: the metronome only).
        self.music: SessionMusic | None = None
        self._pending_cues: dict[int, tuple[int, float, Side, float]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._next_side = Side.LEFT

    # --- called from other threads -----------------------------------------------------

    def submit(self, action: Action) -> None:
        """Queue a therapist action (thread-safe); its result comes on :attr:`results`."""
        self._commands.put(action)

    def stop(self, reason: str = "") -> None:
        """End the session early (thread-safe); ``reason`` goes into ``summary.reason``."""
        if reason and not self.summary.reason:
            self.summary.reason = reason
        self._stop.set()

    def cue_played(self, onset: Any) -> None:
        """The cue engine's onset callback: record the cue with its measured onset time."""
        with self._lock:
            beat_index, tempo_bpm, side, beat_t_s = self._pending_cues.pop(
                onset.sample_index, (-1, math.nan, Side.UNKNOWN, math.nan)
            )
            self.summary.cues_played += 1
            if onset.t_s - beat_t_s > LATE_CUE_TOLERANCE_S:
                self.summary.cues_late += 1
        self.record(CueEvent(onset.t_s, beat_index, tempo_bpm, side, False, onset.sample_index))

    def status(self) -> StatusSnapshot:
        """A snapshot for the status line (engine thread)."""
        est = self.estimator
        left, right = est.step_time_left_s_, est.step_time_right_s_
        if self.affected_side == Side.LEFT:
            si = symmetry_index_pct(right, left)
        elif self.affected_side == Side.RIGHT:
            si = symmetry_index_pct(left, right)
        else:  # no affected side: right vs left
            si = symmetry_index_pct(right, left)
        sched = self.scheduler
        why = self._sync_reason()
        r = sched.sync_.r(20)[0] if sched is not None and not why else math.nan
        now = self.clock.now_s()
        # a figure from steps no longer coming is not the patient's state now: blank, not stale
        both_feet_current = all(
            now - t_s <= STALE_AFTER_S for t_s in (est.last_ic_left_t_s_, est.last_ic_right_t_s_)
        )
        if not both_feet_current:
            si = math.nan
        walking = now - est.last_ic_t_s_ <= STALE_AFTER_S
        return StatusSnapshot(
            t_s=now,
            phase=self.phase,
            cadence_spm=est.cadence_spm_ if walking else math.nan,
            tempo_bpm=sched.tempo_bpm_ if sched is not None and self.phase.is_cued else None,
            sync_r=r,
            step_time_si_pct=si,
            cues_on=sched is not None and sched.cues_on_ and self.phase.is_cued,
            si_basis="right vs left" if self.affected_side == Side.UNKNOWN else "paretic",
            sync_reason=why,
            step_age_s=now - est.last_ic_t_s_,
        )

    def _sync_reason(self) -> str:
        """Why synchronisation to the cue is not current now ("" if it is), for a screen."""
        sched = self.scheduler
        if sched is None or not self.phase.is_cued:
            return f"no cue in the {self.phase}"
        if sched.paused_:
            return "cue paused"
        return "" if sched.cues_on_ else "cues off"

    def detail(self, n_recent: int = 20) -> LiveDetail:
        """Per-foot step times, recent phases and ramp state (engine thread, e.g. ``on_tick``)."""
        est, sched = self.estimator, self.scheduler
        why = self._sync_reason()
        recent = [] if sched is None or why else sched.sync_.recent(n_recent)
        asyn = [s.asynchrony_s for s in recent]
        plan = None if sched is None else sched.plan
        held = getattr(self, "_held_ramp", None)
        if isinstance(plan, IsoRampPlan):
            ramp, target = plan.status_, plan.target_bpm
        elif held is not None:
            ramp, target = "held", held.target_bpm
        else:
            ramp, target = "", math.nan
        return LiveDetail(
            step_time_left_s=est.step_time_left_s_,
            step_time_right_s=est.step_time_right_s_,
            phases_rad=tuple(s.phase_rad for s in recent),
            mean_asynchrony_ms=1000.0 * sum(asyn) / len(asyn) if asyn else math.nan,
            sync_n=len(recent),
            cues_on=sched is not None and sched.cues_on_,
            paused=sched is not None and sched.paused_,
            ramp=ramp,
            target_bpm=target,
            sync_reason=why,
        )

    @property
    def tempo_actions_open(self) -> bool:
        """Whether the cue can be changed now (tempo, cues, pause, ramp): the cued phase only.

        The one place this rule lives; a front-end asks here (through the snapshot) instead of
        repeating it.
        """
        return self.scheduler is not None and self.phase.is_cued

    def _ramp(self, on: bool) -> str:
        """Hold (False) or start/continue (True) the iso-ramp (engine thread); what was done.

        Holding keeps the tempo in force; starting again resumes the held ramp, or (for a fixed
        or adaptive plan) starts one toward the settings' target.
        """
        sched, s = self.scheduler, self.settings
        assert sched is not None
        held = getattr(self, "_held_ramp", None)
        if not on:
            if isinstance(sched.plan, IsoRampPlan):
                self._held_ramp = sched.plan
                sched.plan = FixedPlan(sched.tempo_bpm_)
                return f"ramp held at {sched.tempo_bpm_:.1f} bpm"
            return ""
        if isinstance(sched.plan, IsoRampPlan):
            return ""
        if held is None:
            base = self.summary.baseline_spm
            if not math.isfinite(base):
                base = sched.tempo_bpm_
            held = IsoRampPlan(
                base,
                target_bpm=s.target_bpm,
                target_pct=None if s.target_bpm is not None else (s.target_pct or 10.0),
                step_pct=s.step_pct,
            )
        self._held_ramp = None
        sched.plan = held
        return f"ramp on toward {held.target_bpm:.1f} bpm"

    # --- the engine loop ------------------------------------------------------------------

    def run(self, on_tick: Callable[[SessionRunner], None] | None = None) -> SessionSummary:
        """Run the three phases (or until :meth:`stop`); return the summary.

        Phases end on session time as planned even when the loop runs late (a loaded machine
        at a high clock speed): each boundary is recorded at its planned time and the next
        phase is timed from it. However the run ends (completed, :meth:`stop`, Ctrl-C or an
        exception raised inside), the summary's end time, final tempo and cadence, tempo
        changes and cue counts are filled before it returns or the exception goes on.
        """
        s = self.settings
        t0 = self.clock.now_s()
        self._phase_end_s = t0 + s.baseline_s
        self._start_phase(Phase.BASELINE, t0)
        try:
            while not self._stop.is_set():
                now = self.clock.now_s()
                self._consume_steps()
                self._apply_commands(now)
                if self.phase is Phase.BASELINE and now >= self._phase_end_s:
                    boundary = self._phase_end_s  # planned (or now, after 'next')
                    if not self._start_cued(boundary, now):
                        break
                    self._phase_end_s = boundary + s.cued_s
                if self.phase.is_cued:
                    self._decide_beats(now)
                    if self.music is not None:
                        self.music.tick(now)
                    if now >= self._phase_end_s:
                        boundary = self._phase_end_s
                        self._cue_stop(boundary, *self._phase_end_by)
                        self._start_phase(Phase.PROBE, boundary)
                        self._silence_scheduled_cues(boundary)  # the probe is uncued
                        self._phase_end_s = boundary + s.probe_s
                if self.phase is Phase.PROBE and now >= self._phase_end_s:
                    self.summary.completed = True
                    break
                if on_tick is not None:
                    on_tick(self)
                self._wait_for_step(0.02)
        except KeyboardInterrupt:
            self._end_reason("stopped with Ctrl-C")
            raise
        except BaseException as err:
            self._end_reason(f"stopped by an error: {err}")
            raise
        finally:
            self._finish()
        return self.summary

    def _end_reason(self, reason: str) -> None:
        if not self.summary.reason:
            self.summary.reason = reason

    def _finish(self) -> None:
        """Fill the summary however the run ended (called once, from ``run``'s finally)."""
        summary = self.summary
        now = self.clock.now_s()
        # a completed session ends at its planned end even if the loop saw it late
        end = min(now, self._phase_end_s) if summary.completed else now
        summary.end_t_s = end
        summary.final_cadence_spm = self.estimator.cadence_spm_
        if self.scheduler is not None:
            summary.final_tempo_bpm = self.scheduler.tempo_bpm_
            summary.changes = list(self.scheduler.changes_)
        if not summary.completed and not summary.reason:
            summary.reason = "stopped by the user"
        if self.phase.is_cued:  # cues decided ahead of the end never sound after it
            source = "plan" if summary.completed else "therapist"
            if summary.reason.startswith("stopped by an error"):
                source = "system"
            self._cue_stop(end, source, summary.reason or "session ends")
            try:
                self._silence_scheduled_cues(end)
            except Exception as err:  # the engine may be the thing that failed
                self.messages.put(f"could not silence the cues after the end: {err}")
        if summary.cues_skipped:
            speed = self.clock.speed
            why = f" at {speed:g}x speed" if speed != 1.0 else ""
            summary.degraded_reason = (
                f"{summary.cues_skipped} of {summary.cues_planned} cues skipped: the machine"
                f" could not keep up{why}"
            )
            self.messages.put(f"degraded: {summary.degraded_reason}")
        self.record(PhaseEvent(end, self.phase, "end"))

    def _start_phase(self, name: Phase, t_s: float) -> None:
        self.phase = name
        self._phase_end_by = ("plan", f"{name} phase ends as planned")
        self.record(PhaseEvent(t_s, name, "start"))
        self.messages.put(f"phase {name} starts at {t_s:.1f} s")

    def _start_cued(self, boundary: float, now: float) -> bool:
        """Start the cued phase at session time ``boundary`` (seen at ``now``, maybe later)."""
        s = self.settings
        baseline = self._baseline_cadence_spm()
        self.summary.baseline_spm = baseline
        if not math.isfinite(baseline) and s.tempo_bpm is None:
            self.summary.reason = (
                "no steady walking in the baseline, so no cadence to start the cue at;"
                " run again, or set a fixed tempo"
            )
            return False
        start_bpm = min(max(s.tempo_bpm or baseline, s.min_bpm), s.max_bpm)
        if s.plan == "iso-ramp":
            plan = IsoRampPlan(
                start_bpm,
                target_bpm=s.target_bpm,
                target_pct=None if s.target_bpm is not None else s.target_pct,
                step_pct=s.step_pct,
            )
        else:
            plan = FixedPlan(start_bpm)
        adaptive = AdaptivePhaseCorrection() if s.plan == "adaptive" else None
        if self.music is not None:  # the song is made ready before the first beat is timed
            target = plan.target_bpm if isinstance(plan, IsoRampPlan) else None
            self.music.start_cue(boundary, start_bpm, target)
            now = max(now, self.clock.now_s())
        self.scheduler = BeatScheduler(
            plan,
            # the first beat comes as soon as it can be scheduled safely (it is handed to the
            # engine in this same pass), not a whole lookahead into the phase
            first_beat_t_s=max(boundary, now) + min(self.lookahead_s, MIN_LOOKAHEAD_S),
            estimator=self.estimator,
            adaptive=adaptive,
            min_bpm=s.min_bpm,
            max_bpm=s.max_bpm,
            on_change=self._changed,
            on_cue_state=self._cue_state,
        )
        self.record(
            TempoChangeEvent(
                boundary, None, start_bpm, "plan", f"start at baseline {baseline:.1f} spm"
            )
        )
        self._start_phase(Phase.CUED, boundary)
        self._cue_state(CueStateEvent(boundary, CueState.START, "plan", "cued phase starts"))
        return True

    def _cue_state(self, event: CueStateEvent) -> None:
        """Record a change of the cue's state and say it in the live log (the song stops and
        starts with the cue)."""
        self.record(event)
        if self.music is not None:
            if event.state in (CueState.STOP, CueState.OFF, CueState.PAUSE):
                self.music.cue_stops(event.t_s, event.source, event.reason or str(event.state))
            elif event.state in (CueState.ON, CueState.RESUME):
                self.music.cue_resumes(event.t_s, event.source)
        if event.source != "therapist":  # the therapist's own are answered by the action's result
            why = f" ({event.reason})" if event.reason else ""
            self.messages.put(f"cue {event.state} at {event.t_s:.1f} s, {event.source}{why}")

    def _cue_stop(self, t_s: float, source: str, reason: str) -> None:
        """The cue stops with the cued phase (once): the plan's end, 'next', or the session's."""
        if self.scheduler is not None and not self._cue_stopped:
            self._cue_stopped = True
            self._cue_state(CueStateEvent(t_s, CueState.STOP, source, reason))  # type: ignore[arg-type]

    def _changed(self, change: TempoChangeEvent) -> None:
        self.record(change)
        if self.music is not None:
            at = change.effective_t_s if math.isfinite(change.effective_t_s) else change.t_s
            self.music.on_tempo(at, change.new_bpm, change.source == "therapist")
        if change.source != "therapist":  # the therapist's own are answered by the result
            self.messages.put(
                f"tempo {change.old_bpm:.1f} -> {change.new_bpm:.1f} bpm ({change.source}:"
                f" {change.reason})"
            )

    def _decide_beats(self, now: float) -> None:
        """Decide the beats up to ``lookahead_s`` ahead of ``now`` and before the cued phase's
        planned end (at most ``_MAX_BEATS_PER_PASS`` at a time), and hand them to the engine."""
        sched = self.scheduler
        assert sched is not None
        horizon = now + self.lookahead_s
        for _ in range(_MAX_BEATS_PER_PASS):
            if sched.paused_:
                return
            last = sched.beats_[-1].beat_t_s if sched.beats_ else -math.inf
            if not last < horizon or last >= self._phase_end_s:
                return
            beat = sched.next_beat()
            if beat is None:
                return
            if beat.beat_t_s >= self._phase_end_s:
                return  # the probe starts before it: never decided as a cue
            self.summary.n_beats += 1
            if not beat.audible:
                continue
            self.summary.cues_planned += 1
            side = self._next_side
            self._next_side = Side.RIGHT if side == Side.LEFT else Side.LEFT
            if self.music is not None:
                self.music.before_beat(beat.beat_t_s, beat.tempo_bpm)
            if self.cues is not None:
                sound = Sound.LEFT if side == Side.LEFT else Sound.RIGHT
                try:
                    sample = self.cues.schedule_cue(beat.beat_t_s, sound)
                except ValueError as err:  # too late to play: counted, never fatal
                    self._skipped(beat.beat_t_s, err)
                    continue  # nor heard: a virtual patient hears only cues that sound
                with self._lock:
                    self._pending_cues[sample] = (
                        beat.beat_index,
                        beat.tempo_bpm,
                        side,
                        beat.beat_t_s,
                    )
            else:
                self.summary.cues_played += 1
                self.record(CueEvent(beat.beat_t_s, beat.beat_index, beat.tempo_bpm, side))
            if self.hear is not None:
                self.hear(beat.beat_t_s)

    def _skipped(self, beat_t_s: float, err: Exception) -> None:
        """A cue decided too late to play: counted; one message the first time, not one each."""
        self.summary.cues_skipped += 1
        if self.summary.cues_skipped == 1:
            speed = self.clock.speed
            why = f" at {speed:g}x speed" if speed != 1.0 else ""
            self.messages.put(
                f"warning: cues are being skipped, the machine cannot keep up{why} (first: {err});"
                " the count comes at the end"
            )

    def _consume_steps(self) -> None:
        for event in self._steps.drain():
            self._on_step(event)

    def _wait_for_step(self, timeout_real_s: float) -> None:
        event = self._steps.get(timeout_s=timeout_real_s)
        if event is not None:
            self._on_step(event)

    def _on_step(self, event: StepEvent) -> None:
        self.summary.n_steps += 1
        if self.scheduler is not None and self.phase.is_cued:
            self.scheduler.update(event=event)  # also feeds the estimator
        else:
            self.estimator.update(event=event)
        if self.phase is Phase.BASELINE:
            self.baseline_estimator.update(event=event)

    def _baseline_cadence_spm(self) -> float:
        """The baseline walk's cadence (the running estimate if the walk was too short)."""
        baseline = self.baseline_estimator.cadence_spm_
        return baseline if math.isfinite(baseline) else self.estimator.cadence_spm_

    def _silence_scheduled_cues(self, from_t_s: float | None = None) -> None:
        """Beats are decided ``lookahead_s`` ahead: when the cue must stop (probe, cues off,
        pause, the end), the ones already handed to the engine are taken back, so none sounds
        after; with ``from_t_s`` (a phase's planned end) those before it still play."""
        if self.cues is None:
            return
        cut_t_s = self.cues.earliest_cue_s()
        if from_t_s is not None:
            cut_t_s = max(cut_t_s, from_t_s)
        cutoff = self.cues.cancel_pending(from_t_s)
        if self.unhear is not None:
            self.unhear(cut_t_s)
        with self._lock:
            for sample in [k for k in self._pending_cues if k >= cutoff]:
                del self._pending_cues[sample]
                self.summary.cues_cancelled += 1

    def _next_phase(self, now: float) -> str:
        """The therapist ends the current phase now; logged as a marker with its source."""
        following = self.phase.next or "end"
        no_start_tempo = self.settings.tempo_bpm is None and not math.isfinite(
            self._baseline_cadence_spm()
        )
        if self.phase is Phase.BASELINE and no_start_tempo:
            raise UserInputError(
                "cannot start the cue yet: no steady walking yet, so no cadence to start it at;"
                " let the patient walk a little longer"
            )
        self._phase_end_s = now
        self._phase_end_by = ("therapist", "ended early with 'next'")
        note = f"therapist: {self.phase} ended early, {following} next"
        self.record(MarkerEvent(now, note))
        return f"marker at {now:.1f} s: {note}"

    def _apply_commands(self, now: float) -> None:
        while True:
            try:
                action = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                result = ActionResult(action, True, self._apply(action, now), now)
            except UserInputError as err:
                result = ActionResult(action, False, str(err), now)
            self.record(ActionEvent(now, describe(action), result.ok, result.message))
            self.results.put(result)

    def _apply(self, action: Action, now: float) -> str:
        """Apply one action (engine thread); returns what was done ("" if nothing to say)."""
        if isinstance(action, Marker):
            marker = MarkerEvent(now, action.note, action.kind)
            self.record(marker)
            return f"marker at {now:.1f} s: {marker.text()}"
        if isinstance(action, NextPhase):
            return self._next_phase(now)
        if isinstance(action, (Volume, Plug)):
            if self.devices is None:
                raise UserInputError("this session has no sound output or sensors to change")
            done = self.devices(action)
            if isinstance(action, Plug):
                how = "plugged in" if action.connected else "unplugged"
                return f"{action.side} sensor {how} at {now:.1f} s (virtual patient)"
            return done
        if not isinstance(action, TEMPO_ACTIONS):
            raise UserInputError(f"not a therapist action: {action!r}")
        if not self.tempo_actions_open:
            raise UserInputError(
                f"the cue can be changed in the cued phase only (now: {self.phase});"
                " markers and ending the phase work at any time"
            )
        assert self.scheduler is not None
        if isinstance(action, Ramp):
            return self._ramp(action.on)
        if isinstance(action, Mode):
            if self.music is None:
                raise UserInputError("this session plays no sound, so it has no music")
            if action.song:
                return self.music.change_song(action.song, now)
            assert action.mode is not None
            return self.music.set_mode(action.mode, now)
        sched = self.scheduler
        old_bpm, n_states = sched.tempo_bpm_, len(sched.cue_states_)
        sched.apply(action, t_s=now)
        if isinstance(action, Pause) or action == Cues(on=False):
            self._silence_scheduled_cues()
        if isinstance(action, (Cues, Pause, Resume)):
            if len(sched.cue_states_) == n_states:
                now_state = "paused" if sched.paused_ else "on" if sched.cues_on_ else "off"
                return f"no change: the cue is already {now_state}"
            return f"cue {sched.cue_states_[-1].state} at {now:.1f} s"
        if sched.tempo_bpm_ == old_bpm:
            return f"no change: the tempo is {old_bpm:.1f} bpm"
        return self._tempo_result(sched.changes_[-1])

    def _tempo_result(self, change: TempoChangeEvent) -> str:
        """What a therapist tempo change did, flagging a jump larger than the settings allow."""
        old_bpm, new_bpm = change.old_bpm or change.new_bpm, change.new_bpm
        text = f"tempo {old_bpm:.1f} -> {new_bpm:.1f} bpm from {change.effective_t_s:.1f} s"
        text += f" ({change.reason})"
        size_pct = jump_pct(old_bpm, new_bpm)
        limit_pct = self.settings.large_jump_pct
        if abs(size_pct) > limit_pct:
            text += f"; large jump: {size_pct:+.1f} %, more than the {limit_pct:g} % limit"
        return text

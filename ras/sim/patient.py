"""A virtual patient: seeded generator of true gait events on the session clock.

The patient plans footfalls one at a time with the sensorimotor-synchronisation model of
:mod:`ras.sim.sms`, lazily, when someone asks for events up to a time (:meth:`advance`). The
interval after a footfall is decided from the beats announced (:meth:`VirtualPatient.on_cue`)
by then, so announce each beat at least about half a beat ahead (the tempo controller decides
beats one beat ahead).

Per foot, every stride has the events IC → mid-stance → TO → mid-swing → next IC. The swing of
the foot that steps next starts after the other foot's IC (double support).
"""

from __future__ import annotations

import bisect
import math
import threading
from dataclasses import dataclass

import numpy as np

from ras.protocol.messages import Side, StepKind
from ras.sim import sms
from ras.sim.presets import PatientParams

__all__ = [
    "FREEZE_KINDS",
    "FREEZE_KIND_MIX",
    "FreezeEpisode",
    "GaitEvent",
    "PlannedStep",
    "VirtualPatient",
    "other_side",
]

#: Shortest double support (other foot's IC to this foot's TO), s.
MIN_DOUBLE_SUPPORT_S = 0.02
#: A freeze starts at least this long after the last IC and after its mid-stance, s.
FREEZE_AFTER_IC_S = 0.05
#: Mid-stance as a fraction of the nominal stance time after IC (Rampp 2014: least gyro energy).
MID_STANCE_FRACTION = 0.3
#: Shortest step interval as a fraction of the step period.
MIN_STEP_FRACTION = 0.35


def other_side(side: Side) -> Side:
    """The other foot."""
    return Side.RIGHT if side == Side.LEFT else Side.LEFT


@dataclass(frozen=True, slots=True)
class GaitEvent:
    """One true gait event of one foot.

    Attributes
    ----------
    side : Side
        The foot.
    kind : StepKind
        INITIAL_CONTACT, MID_STANCE, TOE_OFF or MID_SWING.
    t_s : float
        Session time of the event, s.
    stride_index : int
        Number of ICs of this foot so far (0 before its first IC); TO and mid-swing belong to the
        stride started by the previous IC.
    stride_time_s, stance_time_s : float or None
        On an IC: the stride just ended (previous IC → this IC) and its stance (previous IC →
        TO); on a TO: the stance just ended. None where unknown (first stride, or the stride
        spans a stop or a freeze) and on other kinds.
    stride_length_m, clearance_m : float or None
        On an IC: length and maximal foot clearance of the swing just ended; else None.
    """

    side: Side
    kind: StepKind
    t_s: float
    stride_index: int
    stride_time_s: float | None = None
    stance_time_s: float | None = None
    stride_length_m: float | None = None
    clearance_m: float | None = None


#: Kinds of freezing of gait (Schaafsma et al. 2003, Eur J Neurol 10:391): *shuffling* forward
#: with very small steps, *trembling* in place (alternating leg trembling at 3–8 Hz), *akinetic*
#: (no visible movement of the legs).
FREEZE_KINDS = ("trembling", "shuffling", "akinetic")
#: Share of each kind among a patient's freezes, in the order of :data:`FREEZE_KINDS`. Schaafsma
#: 2003: small steps and trembling in place "were the most common manifestations of FOG; total
#: akinesia was rare"; the split between the two common kinds is ours (even).
FREEZE_KIND_MIX = (0.45, 0.45, 0.10)
#: Shortest freezing episode, s: episodes under 1 s ("very short" FOG) are where video raters
#: disagree (Mancini et al. 2021, J NeuroEng Rehabil 18:1), so the model's freezes start at 1 s.
MIN_FREEZE_S = 1.0
#: Effective steps between two freezes: a freeze ends when the patient "is again able to perform
#: at least two effective alternating steps" (video annotation of FOG, Zoetewei et al. 2021,
#: Contemp Clin Trials Commun 24:100817, table 2), so a freeze after a single step is the same
#: episode; the model starts its next freeze two steps after a freeze at the earliest.
MIN_STEPS_BETWEEN_FREEZES = 2
#: Log-normal spread (SD of the log) of the part of a freeze's duration above the shortest:
#: with the 4 s mean of the parkinson preset, median 3.0 s, 80 % within 1.6–7.3 s, 5 % over
#: 10 s and a few over 20 s ("most FOG episodes took < 10 s", Schaafsma 2003).
FREEZE_DURATION_LOG_SD = 0.9


@dataclass(frozen=True, slots=True)
class FreezeEpisode:
    """A freezing-of-gait episode: no effective step while ``start_t_s <= t < end_t_s``.

    Attributes
    ----------
    start_t_s, end_t_s : float
        Session times, s.
    kind : str
        One of :data:`FREEZE_KINDS`: what the legs do (:func:`ras.sim.imu.freeze_motion`).
    seed : int
        Seed of the episode's own draws (trembling frequency and amplitude, small steps), so
        both feet and every chunk of a stream render the same episode.
    """

    start_t_s: float
    end_t_s: float
    kind: str = "trembling"
    seed: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FREEZE_KINDS:
            raise ValueError(f"freeze kind must be one of {FREEZE_KINDS}, got {self.kind!r}")

    @property
    def duration_s(self) -> float:
        return self.end_t_s - self.start_t_s

    def contains(self, t_s: float) -> bool:
        return self.start_t_s <= t_s < self.end_t_s


@dataclass(frozen=True, slots=True)
class PlannedStep:
    """One planned footfall: the swing of ``side`` from ``to_t_s`` to the IC at ``ic_t_s``.

    ``initiation`` marks the first step after standing (start, stop or freeze);
    ``asynchrony_s`` is the asynchrony of the previous IC the patient corrected for (None if it
    heard no beat or was not listening).
    """

    side: Side
    ic_t_s: float
    to_t_s: float
    period_s: float
    initiation: bool
    asynchrony_s: float | None


class VirtualPatient:
    """Seeded virtual patient walking on the session clock.

    Parameters
    ----------
    params : PatientParams
        How the patient walks (see :mod:`ras.sim.presets`).
    seed : int
        Seed of every random draw: same seed, same cues → same events.
    start_t_s : float
        Session time the patient starts walking from standing, s.
    first_side : Side
        Foot that takes the first step.

    Attributes
    ----------
    events_ : list of GaitEvent
        Every event planned so far, in time order (read under :attr:`lock`).
    steps_ : list of PlannedStep
        Every footfall planned so far.
    freeze_episodes_ : list of FreezeEpisode
        Every freezing episode planned so far.
    """

    def __init__(
        self,
        params: PatientParams,
        seed: int = 0,
        start_t_s: float = 0.0,
        first_side: Side = Side.LEFT,
    ) -> None:
        self.params = params
        self.seed = seed
        self.start_t_s = float(start_t_s)
        self.first_side = first_side
        self.lock = threading.RLock()
        self.events_: list[GaitEvent] = []
        self.steps_: list[PlannedStep] = []
        self.freeze_episodes_: list[FreezeEpisode] = []
        self._event_t: list[float] = []
        self._beats: list[float] = []
        self._cursors: dict[Side | None, float] = {}
        self._max_until_s = self.start_t_s
        self._rng = np.random.default_rng(seed)
        self._freeze_rng = np.random.default_rng([seed, 17])  # freezes: their own draws
        self._period_s = params.step_period_s
        self._sigma_t_s = sms.timekeeper_noise_sd_s(
            params.stride_time_s, params.stride_time_cv_pct, params.motor_noise_sd_s
        )
        self._central_t_s = self.start_t_s
        self._walking = True
        self._resume_t_s: float | None = self.start_t_s  # not None: next step is an initiation
        self._stop_t_s: float | None = None
        self._last_ic: dict[Side, float | None] = {Side.LEFT: None, Side.RIGHT: None}
        self._last_ms: dict[Side, float] = {Side.LEFT: -math.inf, Side.RIGHT: -math.inf}
        self._stride_index: dict[Side, int] = {Side.LEFT: 0, Side.RIGHT: 0}
        self._interrupted: dict[Side, bool] = {Side.LEFT: True, Side.RIGHT: True}
        self._next_freeze_t_s = self.start_t_s + self._draw_freeze_wait_s()
        self._steps_since_freeze = MIN_STEPS_BETWEEN_FREEZES

    # ----------------------------------------------------------------------------- public API
    def on_cue(self, beat_t_s: float) -> None:
        """Announce a beat at session time ``beat_t_s`` (may be ahead of time)."""
        with self.lock:
            bisect.insort(self._beats, float(beat_t_s))

    def retract_cues_from(self, t_s: float) -> None:
        """Forget announced beats at or after session time ``t_s`` (they never sounded)."""
        with self.lock:
            del self._beats[bisect.bisect_left(self._beats, float(t_s)) :]

    def advance(self, until_t_s: float, side: Side | None = None) -> list[GaitEvent]:
        """Events with ``t_s < until_t_s`` not yet returned to this consumer, in time order.

        Parameters
        ----------
        until_t_s : float
            Session time, s.
        side : Side or None
            Consumer key and filter: ``None`` returns both feet's events; a side only that
            foot's. Each key keeps its own position, so two sensors can pull independently.
        """
        with self.lock:
            self._plan_until(until_t_s)
            start = self._cursors.get(side, -math.inf)
            if until_t_s <= start:
                return []
            self._cursors[side] = until_t_s
            return self._slice(start, until_t_s, side)

    def events_between(self, t0_s: float, t1_s: float, side: Side | None = None) -> list[GaitEvent]:
        """Planned events with ``t0_s <= t_s < t1_s`` (plans nothing new; see
        :attr:`known_until_t_s`)."""
        with self.lock:
            return self._slice(t0_s, t1_s, side)

    def freezes_between(self, t0_s: float, t1_s: float) -> list[FreezeEpisode]:
        """Planned freezing episodes overlapping ``[t0_s, t1_s)``."""
        with self.lock:
            return [e for e in self.freeze_episodes_ if e.end_t_s > t0_s and e.start_t_s < t1_s]

    @property
    def known_until_t_s(self) -> float:
        """Every event and freeze before this session time is final, s."""
        with self.lock:
            if self._walking and self.steps_:
                return max(self._max_until_s, self.steps_[-1].ic_t_s + MIN_DOUBLE_SUPPORT_S)
            return self._max_until_s

    def is_freezing(self, t_s: float) -> bool:
        """Whether a (planned) freezing episode covers session time ``t_s``."""
        with self.lock:
            return any(e.contains(t_s) for e in self.freeze_episodes_)

    @property
    def is_walking(self) -> bool:
        """False after :meth:`stop` took effect, until :meth:`resume`."""
        with self.lock:
            return self._walking

    def stop(self, at_t_s: float) -> None:
        """Stop walking: no swing starts at or after ``at_t_s`` (a step in progress lands)."""
        with self.lock:
            self._stop_t_s = float(at_t_s)

    def resume(self, at_t_s: float) -> None:
        """Start walking again from standing at ``at_t_s`` (or as soon as possible after)."""
        with self.lock:
            self._stop_t_s = None
            if self._walking:
                return
            last_ic = self.steps_[-1].ic_t_s if self.steps_ else -math.inf
            self._resume_t_s = max(float(at_t_s), self._max_until_s, last_ic + FREEZE_AFTER_IC_S)
            self._walking = True

    @property
    def beats_t_s(self) -> list[float]:
        """Every beat announced so far, s (sorted copy)."""
        with self.lock:
            return list(self._beats)

    # ------------------------------------------------------------------------------ planning
    def _slice(self, t0_s: float, t1_s: float, side: Side | None) -> list[GaitEvent]:
        i0 = bisect.bisect_left(self._event_t, t0_s)
        i1 = bisect.bisect_left(self._event_t, t1_s)
        events = self.events_[i0:i1]
        return events if side is None else [e for e in events if e.side == side]

    def _draw_freeze_wait_s(self) -> float:
        rate = self.params.freeze_rate_per_min
        return math.inf if rate <= 0 else float(self._freeze_rng.exponential(60.0 / rate))

    def _draw_freeze_duration_s(self) -> float:
        """Shortest (1 s, or half the mean if that is less) plus a log-normal part; mean as set."""
        mean = self.params.freeze_mean_duration_s
        shortest = min(MIN_FREEZE_S, 0.5 * mean)
        sd = FREEZE_DURATION_LOG_SD
        median = (mean - shortest) * math.exp(-0.5 * sd**2)
        return shortest + median * float(np.exp(sd * self._freeze_rng.standard_normal()))

    def _draw_freeze(self, start_s: float) -> FreezeEpisode:
        rng = self._freeze_rng
        end_s = start_s + self._draw_freeze_duration_s()
        kind = FREEZE_KINDS[int(rng.choice(len(FREEZE_KINDS), p=FREEZE_KIND_MIX))]
        return FreezeEpisode(start_s, end_s, kind, int(rng.integers(0, 2**31 - 1)))

    def _step_factor(self, side: Side) -> float:
        p = self.params
        if p.affected_side == Side.UNKNOWN:
            return 1.0
        return sms.step_time_factor(p.step_time_asymmetry_pct, side == p.affected_side)

    def _heard_asynchrony_s(self, ic_t_s: float) -> float | None:
        beats = self._beats
        if self.params.coupling <= 0 or not beats:
            return None
        i = bisect.bisect_left(beats, ic_t_s)
        gaps = [beats[j + 1] - beats[j] for j in (i - 1, i - 2, i) if 0 <= j < len(beats) - 1]
        # the shortest gap around the step: a silence (cues off, paused, a probe) is not an
        # interval of the cue, and a beat seconds away across it is not heard as this step's
        ioi_s = min(gaps) if gaps else self._period_s
        beat = sms.nearest_beat_s(ic_t_s, beats, 0.5 * ioi_s)
        return None if beat is None else ic_t_s - beat

    def _plan_until(self, until_t_s: float) -> None:
        self._max_until_s = max(self._max_until_s, until_t_s)
        while self._walking and (not self.steps_ or self.steps_[-1].ic_t_s < until_t_s):
            self._plan_next()

    def _stand(self, since_t_s: float) -> None:
        self._walking = False
        self._resume_t_s = None
        self._interrupted = {Side.LEFT: True, Side.RIGHT: True}
        self._max_until_s = max(self._max_until_s, since_t_s)

    def _plan_next(self) -> None:
        p = self.params
        rng = self._rng
        side = self.first_side if not self.steps_ else other_side(self.steps_[-1].side)
        factor = self._step_factor(side)
        period_s = self._period_s
        stride_nominal_s = 2.0 * period_s
        swing_s = (1.0 - p.stance_fraction) * stride_nominal_s
        asynchrony_s: float | None = None
        initiation = self._resume_t_s is not None
        if initiation:
            origin_s = float(self._resume_t_s)  # type: ignore[arg-type]
            if self._stop_t_s is not None and origin_s >= self._stop_t_s:
                self._stand(origin_s)
                return
            ic_t_s = origin_s + period_s * factor
            swing_s = min(swing_s, ic_t_s - origin_s - MIN_DOUBLE_SUPPORT_S)
            self._central_t_s = ic_t_s
        else:
            last_ic_s = self.steps_[-1].ic_t_s
            asynchrony_s = self._heard_asynchrony_s(last_ic_s)
            interval_s = sms.next_step_interval_s(
                period_s * factor,
                asynchrony_s,
                p.coupling * p.phase_correction_alpha,
                target_asynchrony_s=p.target_asynchrony_s,
                timekeeper_noise_s=float(rng.normal(0.0, self._sigma_t_s)),
            )
            motor_s = float(rng.normal(0.0, p.motor_noise_sd_s))
            min_interval_s = MIN_STEP_FRACTION * period_s
            central_s = self._central_t_s + max(interval_s, min_interval_s)
            ic_t_s = max(central_s + motor_s, last_ic_s + min_interval_s)
            self._period_s = sms.update_period_s(
                period_s,
                asynchrony_s,
                p.coupling * p.period_correction_beta,
                target_asynchrony_s=p.target_asynchrony_s,
                preferred_period_s=p.step_period_s,
                relaxation=p.uncued_period_relaxation,
            )
            self._period_s = min(max(self._period_s, 60.0 / 200.0), 60.0 / 20.0)
            swing_s = min(swing_s, ic_t_s - last_ic_s - MIN_DOUBLE_SUPPORT_S)
            freeze_due = self._next_freeze_t_s < ic_t_s
            if freeze_due and self._steps_since_freeze >= MIN_STEPS_BETWEEN_FREEZES:
                start_s = max(
                    self._next_freeze_t_s,
                    last_ic_s + FREEZE_AFTER_IC_S,
                    max(self._last_ms.values()) + MIN_DOUBLE_SUPPORT_S,
                )
                episode = self._draw_freeze(start_s)
                end_s = episode.end_t_s
                self.freeze_episodes_.append(episode)
                self._next_freeze_t_s = end_s + self._draw_freeze_wait_s()
                self._steps_since_freeze = 0
                self._resume_t_s = end_s
                self._interrupted = {Side.LEFT: True, Side.RIGHT: True}
                return
            if self._stop_t_s is not None and ic_t_s - swing_s >= self._stop_t_s:
                self._stand(max(last_ic_s, self._stop_t_s))
                return
            self._central_t_s = central_s
        swing_s = min(swing_s, ic_t_s - self._last_ms[side] - MIN_DOUBLE_SUPPORT_S)
        to_t_s = ic_t_s - swing_s
        self._resume_t_s = None
        step = PlannedStep(side, ic_t_s, to_t_s, period_s, initiation, asynchrony_s)
        self.steps_.append(step)
        self._steps_since_freeze += 1
        self._add_step_events(step, stride_nominal_s)

    def _add_step_events(self, step: PlannedStep, stride_nominal_s: float) -> None:
        p = self.params
        rng = self._rng
        side = step.side
        last_ic = self._last_ic[side]
        known = last_ic is not None and not self._interrupted[side] and not step.initiation
        stance_s = step.to_t_s - last_ic if known else None  # type: ignore[operator]
        stride_s = step.ic_t_s - last_ic if known else None  # type: ignore[operator]
        length_m = p.stride_length_m * (1.0 + p.stride_length_cv_pct / 100.0 * rng.normal())
        length_m = max(0.05, length_m) * (0.5 if step.initiation else 1.0)
        clearance_m = max(0.005, p.clearance_m * (1.0 + 0.1 * rng.normal()))
        index = self._stride_index[side]
        swing_s = step.ic_t_s - step.to_t_s
        ms_t_s = step.ic_t_s + MID_STANCE_FRACTION * p.stance_fraction * stride_nominal_s
        for event in (
            GaitEvent(side, StepKind.TOE_OFF, step.to_t_s, index, stance_time_s=stance_s),
            GaitEvent(side, StepKind.MID_SWING, step.to_t_s + 0.5 * swing_s, index),
            GaitEvent(
                side,
                StepKind.INITIAL_CONTACT,
                step.ic_t_s,
                index + 1,
                stride_time_s=stride_s,
                stance_time_s=stance_s,
                stride_length_m=length_m,
                clearance_m=clearance_m,
            ),
            GaitEvent(side, StepKind.MID_STANCE, ms_t_s, index + 1),
        ):
            i = bisect.bisect_right(self._event_t, event.t_s)
            self._event_t.insert(i, event.t_s)
            self.events_.insert(i, event)
        self._stride_index[side] = index + 1
        self._last_ic[side] = step.ic_t_s
        self._last_ms[side] = ms_t_s
        self._interrupted[side] = False

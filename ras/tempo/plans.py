"""Tempo plans: what tempo the next beat interval should have.

A plan is asked once per beat, when the scheduler decides the next beat, with a
:class:`PlanContext`; it returns ``(new_tempo_bpm, reason)`` to change the tempo, or None to
keep it. Plans are consulted only while the cue is audible (never during an uncued probe or a
pause).

:class:`IsoRampPlan` — iso-principle ramp (Thaut; clinical.md). It starts at the measured
baseline cadence and advances by one step of ``step_pct`` % (default 2 %, well below the ~12 %
that is consciously noticed) toward the target only when, at a beat decision, all hold:

- at least ``step_interval_s`` seconds or ``step_interval_beats`` beats since the last tempo
  change (any source);
- **entrained**: the mean resultant length R of the relative phases of the last
  ``sync_window_steps`` ICs since the last tempo change (each IC to its nearest audible beat,
  ``φ = 2π (t_IC − t_beat) / inter-beat interval``) is ≥ ``min_r`` (default 0.7, "strong" in
  clinical.md), with all ``sync_window_steps`` ICs available; and
- ``|cadence − tempo| / tempo ≤ max_cadence_error_pct`` % (default 1 %, half a default ramp
  step: a walker who did not follow the last step is out; at 2 % a walker who ignores the cue
  passed about half the time by noise alone and the ramp crept 5 % past his cadence),
  with the mean cadence over those same ICs, ``60 · k / (t_last − t_first)``
  (:func:`ras.tempo.sync.span_cadence_spm`; a phase-locked walker matches the tempo closely).

The measure must hold at ``confirm_beats`` (default 12) consecutive beat decisions (sustained
entrainment, not a lucky window); then one step is taken. Otherwise it holds (``status_`` says
why). A step is ``tempo · (1 ± step_pct/100)`` clamped to
the target, so it never exceeds ``step_pct`` and never overshoots. If the therapist changes the
tempo, the ramp continues from there toward the same target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ras.errors import UserInputError
from ras.validate import check_range

__all__ = ["FixedPlan", "IsoRampPlan", "PlanContext", "entrainment_ok", "ramp_step_bpm"]


@dataclass(frozen=True, slots=True)
class PlanContext:
    """What a plan sees when the next beat is decided.

    Attributes
    ----------
    t_s : float
        Time of the last decided beat (the boundary where a change takes effect), s.
    beat_index : int
        Index of that beat.
    tempo_bpm : float
        Tempo in force.
    cadence_spm, cadence_confidence : float
        From the cadence estimator (NaN / 0 when undefined).
    sync_cadence_spm : float
        Mean cadence over the ICs of ``sync_r``
        (:func:`ras.tempo.sync.span_cadence_spm`; NaN if fewer than 3).
    sync_r : float
        R over the recent ICs since the last tempo change (NaN if none).
    sync_n : int
        Number of ICs in ``sync_r``.
    beats_since_change : int
        Beats decided since the last tempo change.
    s_since_change : float
        Time since the last tempo change took effect, s.
    """

    t_s: float
    beat_index: int
    tempo_bpm: float
    cadence_spm: float
    cadence_confidence: float
    sync_cadence_spm: float
    sync_r: float
    sync_n: int
    beats_since_change: int
    s_since_change: float


def ramp_step_bpm(tempo_bpm: float, target_bpm: float, step_pct: float) -> float:
    """One ramp step from ``tempo_bpm`` toward ``target_bpm``: ±``step_pct`` %, not past it."""
    if tempo_bpm < target_bpm:
        return min(target_bpm, tempo_bpm * (1.0 + step_pct / 100.0))
    if tempo_bpm > target_bpm:
        return max(target_bpm, tempo_bpm * (1.0 - step_pct / 100.0))
    return tempo_bpm


def entrainment_ok(
    sync_r: float,
    sync_n: int,
    cadence_spm: float,
    tempo_bpm: float,
    *,
    min_r: float = 0.7,
    n_required: int = 20,
    max_cadence_error_pct: float = 2.0,
) -> tuple[bool, str]:
    """(entrained?, one-line reason) by the rule in the module docstring."""
    if sync_n < n_required:
        return False, f"waiting for steps: {sync_n}/{n_required} since the last change"
    if math.isnan(sync_r) or sync_r < min_r:
        return False, f"not entrained: R={sync_r:.2f} < {min_r:g}"
    if math.isnan(cadence_spm):
        return False, "cadence not established"
    error_pct = 100.0 * abs(cadence_spm - tempo_bpm) / tempo_bpm
    if error_pct > max_cadence_error_pct:
        return False, (
            f"cadence {cadence_spm:.1f} steps/min is {error_pct:.1f} % off the tempo "
            f"{tempo_bpm:.1f} bpm (allowed {max_cadence_error_pct:g} %)"
        )
    return True, f"entrained: R={sync_r:.2f}, cadence {cadence_spm:.1f} steps/min"


class FixedPlan:
    """Keep one tempo (the therapist may still change it)."""

    def __init__(self, tempo_bpm: float) -> None:
        self.start_bpm = check_range("tempo_bpm", tempo_bpm, 1.0, 400.0, "bpm")
        self.status_ = "fixed"

    def decide(self, ctx: PlanContext) -> tuple[float, str] | None:
        """Never changes the tempo."""
        return None


class IsoRampPlan:
    """Iso-principle ramp from the baseline cadence toward a target (see module docstring).

    Parameters
    ----------
    baseline_spm : float
        Measured uncued cadence; the ramp starts here.
    target_bpm, target_pct : float
        Target tempo, absolute or in % of the baseline (e.g. 10 = baseline + 10 %); give one.
    step_pct : float
        Size of one step, % (0.1–10).
    step_interval_s, step_interval_beats : float, int
        Least time or beats between steps; give at most one (default 20 beats).
    sync_window_steps, min_r, max_cadence_error_pct
        The entrainment measure.
    confirm_beats : int
        The measure must hold at this many consecutive beat decisions before a step.
    """

    def __init__(
        self,
        baseline_spm: float,
        *,
        target_bpm: float | None = None,
        target_pct: float | None = None,
        step_pct: float = 2.0,
        step_interval_s: float | None = None,
        step_interval_beats: int | None = None,
        sync_window_steps: int = 20,
        min_r: float = 0.7,
        max_cadence_error_pct: float = 1.5,
        confirm_beats: int = 12,
    ) -> None:
        self.baseline_spm = check_range("baseline_spm", baseline_spm, 20.0, 250.0, "steps/min")
        if (target_bpm is None) == (target_pct is None):
            raise UserInputError("give exactly one of target_bpm or target_pct")
        if target_pct is not None:
            check_range("target_pct", target_pct, -50.0, 50.0, "%")
            target_bpm = self.baseline_spm * (1.0 + target_pct / 100.0)
        self.target_bpm = check_range("target_bpm", target_bpm, 20.0, 250.0, "bpm")
        self.step_pct = check_range("step_pct", step_pct, 0.1, 10.0, "%")
        if step_interval_s is not None and step_interval_beats is not None:
            raise UserInputError("give at most one of step_interval_s or step_interval_beats")
        if step_interval_s is None and step_interval_beats is None:
            step_interval_beats = 20
        self.step_interval_s = (
            None
            if step_interval_s is None
            else check_range("step_interval_s", step_interval_s, 1.0, 3600.0, "s")
        )
        self.step_interval_beats = (
            None
            if step_interval_beats is None
            else int(check_range("step_interval_beats", step_interval_beats, 1, 10000, "beats"))
        )
        self.sync_window_steps = int(check_range("sync_window_steps", sync_window_steps, 2, 200))
        self.min_r = check_range("min_r", min_r, 0.0, 1.0)
        self.max_cadence_error_pct = check_range(
            "max_cadence_error_pct", max_cadence_error_pct, 0.1, 50.0, "%"
        )
        self.confirm_beats = int(check_range("confirm_beats", confirm_beats, 1, 1000, "beats"))
        self.start_bpm = self.baseline_spm
        self.status_ = "starting"
        self._entrained_run = 0

    @property
    def done_(self) -> bool:
        return self.status_ == "at target"

    def decide(self, ctx: PlanContext) -> tuple[float, str] | None:
        """One step toward the target if the interval has passed and the patient is entrained."""
        if math.isclose(ctx.tempo_bpm, self.target_bpm, rel_tol=0.0, abs_tol=1e-9):
            self.status_ = "at target"
            return None
        if self.step_interval_beats is not None and ctx.beats_since_change < (
            self.step_interval_beats
        ):
            self.status_ = f"holding: {ctx.beats_since_change}/{self.step_interval_beats} beats"
            return None
        if self.step_interval_s is not None and ctx.s_since_change < self.step_interval_s:
            self.status_ = f"holding: {ctx.s_since_change:.0f}/{self.step_interval_s:g} s"
            return None
        ok, why = entrainment_ok(
            ctx.sync_r,
            ctx.sync_n,
            ctx.sync_cadence_spm,
            ctx.tempo_bpm,
            min_r=self.min_r,
            n_required=self.sync_window_steps,
            max_cadence_error_pct=self.max_cadence_error_pct,
        )
        if not ok:
            self._entrained_run = 0
            self.status_ = f"holding: {why}"
            return None
        self._entrained_run += 1
        if self._entrained_run < self.confirm_beats:
            self.status_ = f"confirming: {self._entrained_run}/{self.confirm_beats} beats, {why}"
            return None
        self._entrained_run = 0
        new_bpm = ramp_step_bpm(ctx.tempo_bpm, self.target_bpm, self.step_pct)
        self.status_ = "stepping"
        return new_bpm, f"iso-ramp step toward {self.target_bpm:.1f} bpm ({why})"

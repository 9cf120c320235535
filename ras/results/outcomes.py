"""Outcome measures of a session per phase, from ``analysis.phases`` (never recomputed here).

This module only turns the stored session into the inputs of
:func:`analysis.phases.summarise_phases` and keeps its results, with the reason when a figure is
not available. NaN means "not measured" and is shown that way, never as a number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ras.protocol.messages import Side
from ras.results.session_data import SessionData

__all__ = [
    "CUED_END_LABEL",
    "CUED_END_S",
    "CUED_PHASES",
    "MEASURES",
    "Measure",
    "PhaseOutcome",
    "SessionOutcomes",
    "session_outcomes",
]

#: Phases in which the cue is meant to sound; synchronisation is only reported for these
#: (beats already scheduled when a phase ends may still sound at the start of the next one).
CUED_PHASES = ("cued",)
_SYNC = ("sync_r", "mean_asynchrony_ms", "within_window_pct")
#: "Cadence at the end of cueing" is the mean over this last stretch of the cued phase (s).
CUED_END_S = 30.0
CUED_END_LABEL = f"Cadence over the last {CUED_END_S:.0f} s of cueing"


@dataclass(frozen=True)
class Measure:
    """An outcome measure: ``key`` of ``PhaseSummary.measures()``, label, unit, number format.

    ``comparable``: False for a figure that grows with the phase's length (a count), whose
    difference between phases of different lengths would mislead; no change is shown for it.
    """

    key: str
    label: str
    unit: str
    fmt: str
    comparable: bool = True


MEASURES: tuple[Measure, ...] = (
    Measure("gait_speed_m_per_s", "Gait speed", "m/s", ".2f"),
    Measure("cadence_spm", "Cadence", "steps/min", ".1f"),
    Measure("stride_length_m", "Stride length", "m", ".2f"),
    Measure("step_time_si_pct", "Step-time symmetry index", "%", "+.1f"),
    Measure("stride_time_cv_pct", "Stride-time variability (CV)", "%", ".1f"),
    Measure("pci_pct", "Phase coordination index", "%", ".1f"),
    Measure("sync_r", "Synchronisation R", "", ".2f"),
    Measure("mean_asynchrony_ms", "Mean asynchrony", "ms", "+.0f"),
    Measure("within_window_pct", "Steps within ±10 % window", "%", ".0f"),
    Measure("n_freezing_episodes", "Freezing episodes", "", ".0f", comparable=False),
    Measure("frozen_pct", "Time frozen", "%", ".1f"),
)
MEASURE_BY_KEY = {m.key: m for m in MEASURES}


@dataclass(frozen=True, eq=False)
class PhaseOutcome:
    """Outcomes of one phase: ``summary`` is analysis' PhaseSummary (None if the phase had no
    events); ``values[key]`` NaN = not measured and ``reasons[key]`` says why."""

    phase: str
    start_t_s: float
    end_t_s: float
    n_steps: int
    values: dict[str, float]
    reasons: dict[str, str] = field(default_factory=dict)
    summary: Any = None

    def value(self, key: str) -> float:
        """The value of measure ``key`` (NaN if not measured)."""
        return float(self.values.get(key, math.nan))


@dataclass(frozen=True, eq=False)
class SessionOutcomes:
    """Per-phase outcomes and the per-step series the report's figures show.

    ``steps_*``: the valid steps of each phase (analysis/spatiotemporal: end time s, step time
    s, side code 1 left / 2 right); ``sync_*``: each cued step's time (s) and relative phase to
    its beat (°, analysis/synchronisation). ``cued_end_cadence_spm``: cadence (steps/min) over
    the last :data:`CUED_END_S` s of the cued phase (NaN, with ``cued_end_reason``, if the
    session has no cued phase or too few steps in it).
    """

    phases: list[PhaseOutcome]
    si_basis: str
    steps_end_t_s: np.ndarray
    steps_time_s: np.ndarray
    steps_side: np.ndarray
    sync_steps_t_s: np.ndarray
    sync_phases_deg: np.ndarray
    notes: list[str] = field(default_factory=list)
    cued_end_cadence_spm: float = math.nan
    cued_end_reason: str = "no cued phase"

    def phase(self, name: str) -> PhaseOutcome | None:
        """The outcome of phase ``name`` (None if the session did not have it)."""
        return next((p for p in self.phases if p.phase == name), None)


def _unique_sorted(t: np.ndarray) -> np.ndarray:
    """Indices of ``t`` in time order, dropping repeated times (analysis needs strict order)."""
    order = np.argsort(t, kind="stable")
    ts = t[order]
    keep = np.ones(ts.size, dtype=bool)
    keep[1:] = np.diff(ts) > 0
    return order[keep]


def _affected(data: SessionData) -> str | None:
    side = (data.patient.affected_side or "").lower()
    return side if side in ("left", "right") else None


def _imu_stretches(chunks: list[Any]) -> list[list[Any]]:
    """Chunks split where samples are missing: by the sensor's own clock, not the session clock.

    A chunk continues the previous one when its device time is where the previous one's samples
    end (within 1.5 samples) at the same rate. The session-clock times cannot say this: the
    clock-sync mapping moves by tens of ms while it settles, which is no missing sample.
    """
    stretches: list[list[Any]] = []
    for c in chunks:
        if stretches:
            last = stretches[-1][-1]
            rate = float(last.sample_rate_hz)
            end_us = last.device_first_t_us + len(last.samples_si) / rate * 1e6
            if c.sample_rate_hz == last.sample_rate_hz and abs(c.device_first_t_us - end_us) <= (
                1.5e6 / rate
            ):
                stretches[-1].append(c)
                continue
        stretches.append([c])
    return stretches


def _acc_signal(data: SessionData) -> tuple[np.ndarray, float, float, str]:
    """Horizontal forward acceleration of one foot (the affected one, else the left) for freezing.

    The forward axis, not the vertical: on the foot the vertical axis carries the heel-strike
    impact and gravity swinging with the foot's pitch, whose stride harmonics reach the 3–8 Hz
    band in steady walking (analysis/freezing.py). Returns (acc m/s², rate Hz, first sample time
    s, note). Evenly sampled data are needed, so where samples are missing (a gap in the sensor's
    clock) only the longest stretch is analysed; the note says so, and phases it does not cover
    get no freezing count (analysis.freezing.clip_freezing says why). Sample times follow the
    sensor's clock, placed on the session clock by the median offset over the stretch.
    """
    from analysis.errors import AnalysisInputError
    from analysis.freezing import horizontal_forward

    if not data.imu:
        return np.zeros(0), math.nan, math.nan, ""
    want = Side.RIGHT if _affected(data) == "right" else Side.LEFT
    chunks = [c for c in data.imu if int(c.side) == int(want)] or list(data.imu)
    stretches = _imu_stretches(chunks)
    best = max(stretches, key=lambda st: sum(len(c.samples_si) for c in st))
    rate = float(best[0].sample_rate_hz)
    offset_s = float(np.median([c.first_t_s - c.device_first_t_us * 1e-6 for c in best]))
    first_t_s = best[0].device_first_t_us * 1e-6 + offset_s
    note = ""
    if len(stretches) > 1:
        end_t_s = first_t_s + sum(len(c.samples_si) for c in best) / rate
        note = (
            f"raw IMU has {len(stretches) - 1} gap(s); freezing analysed on its longest stretch, "
            f"{first_t_s:.1f}–{end_t_s:.1f} s"
        )
    try:
        acc = horizontal_forward(
            np.concatenate([np.asarray(c.samples_si, dtype=float)[:, :3] for c in best])
        )
    except AnalysisInputError as exc:
        return np.zeros(0), math.nan, math.nan, f"freezing not analysed: {exc}"
    return acc, rate, first_t_s, note


def _intervals(data: SessionData) -> list[tuple[str, float, float]]:
    """Phase intervals; a phase that never ended (interrupted session) ends at the last event."""
    last = float(data.steps["t_s"].max()) + 1e-3 if len(data.steps) else 0.0
    out = []
    for name, start, end in data.phases:
        stop = last if end is None else end
        if stop > start:
            out.append((name, float(start), float(stop)))
    return out


def _reasons(summary: Any, values: dict[str, float], name: str, no_acc: str) -> dict[str, str]:
    st = summary.spatiotemporal
    why: dict[str, str] = {}
    if not math.isfinite(values["stride_length_m"]):
        why["stride_length_m"] = why["gait_speed_m_per_s"] = "no stride length from the sensors"
    for key, reason in (
        ("cadence_spm", st.reason),
        ("step_time_si_pct", summary.symmetry.reason),
        ("stride_time_cv_pct", summary.variability.reason),
        ("pci_pct", summary.pci.reason),
    ):
        if reason:
            why[key] = reason
    if name not in CUED_PHASES:
        why.update(dict.fromkeys(_SYNC, "uncued phase"))
    elif summary.synchronisation is None or summary.synchronisation.reason:
        r = summary.synchronisation.reason if summary.synchronisation else "no beats recorded"
        why.update(dict.fromkeys(_SYNC, r))
    if summary.freezing is None:
        why["n_freezing_episodes"] = why["frozen_pct"] = no_acc
    elif summary.freezing.reason:
        why["n_freezing_episodes"] = why["frozen_pct"] = summary.freezing.reason
    return {k: v for k, v in why.items() if not math.isfinite(values.get(k, math.nan))}


def _cued_end_cadence(events: Any, intervals: list[tuple[str, float, float]]) -> tuple[float, str]:
    """Cadence (steps/min, analysis/spatiotemporal) over the last CUED_END_S s of the cued
    phase, and why it is NaN if it is."""
    from analysis.spatiotemporal import spatiotemporal_parameters

    cued = [(a, b) for name, a, b in intervals if name in CUED_PHASES]
    if not cued:
        return math.nan, "no cued phase"
    start, end = cued[-1]
    st = spatiotemporal_parameters(events.within(max(start, end - CUED_END_S), end))
    return st.cadence_spm, st.reason if not math.isfinite(st.cadence_spm) else ""


def session_outcomes(data: SessionData) -> SessionOutcomes:
    """Outcomes per phase (as recorded) and the figures' series, from analysis.phases."""
    from analysis.events import gait_events_from_steps
    from analysis.phases import summarise_phases

    beats = data.cues["t_s"][_unique_sorted(data.cues["t_s"])] if len(data.cues) else None
    acc, rate, first, acc_note = _acc_signal(data)
    kwargs: dict[str, Any] = {}
    if acc.size:
        kwargs = {"acc_mps2": acc, "sampling_rate_hz": rate, "acc_first_t_s": first}
    no_acc = acc_note or "needs raw IMU (record the session with --imu-rate)"
    intervals = _intervals(data)
    events = gait_events_from_steps(data.steps)
    summaries = summarise_phases(
        intervals,
        events,
        beat_t_s=beats if beats is not None and beats.size else None,
        affected_side=_affected(data),
        **kwargs,
    )
    phases, st_t, st_time, st_side, sy_t, sy_ph = [], [], [], [], [], []
    basis = "right vs left (no affected side recorded)"
    for summary in summaries:
        measures = summary.measures()
        values = {m.key: float(measures[m.key]) for m in MEASURES}
        if summary.name not in CUED_PHASES:
            values.update(dict.fromkeys(_SYNC, math.nan))
        reasons = _reasons(summary, values, summary.name, no_acc)
        st = summary.spatiotemporal
        phases.append(
            PhaseOutcome(
                summary.name, summary.start_s, summary.end_s, st.n_steps, values, reasons, summary
            )
        )
        st_t.append(st.steps_end_t_s)
        st_time.append(st.steps_time_s)
        st_side.append(st.steps_side)
        if summary.name in CUED_PHASES and summary.synchronisation is not None:
            sy_t.append(summary.synchronisation.steps_t_s)
            sy_ph.append(summary.synchronisation.phases_deg)
        if summary.symmetry.paretic_side:
            basis = f"non-paretic vs paretic ({summary.symmetry.paretic_side}) side"
    notes = [] if intervals else ["no protocol phases were recorded"]
    if acc_note:
        notes.append(acc_note)

    end_spm, end_why = _cued_end_cadence(events, intervals)

    def cat(parts: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0)

    return SessionOutcomes(
        phases=phases,
        si_basis=basis,
        steps_end_t_s=cat(st_t),
        steps_time_s=cat(st_time),
        steps_side=cat(st_side),
        sync_steps_t_s=cat(sy_t),
        sync_phases_deg=cat(sy_ph),
        notes=notes,
        cued_end_cadence_spm=end_spm,
        cued_end_reason=end_why,
    )

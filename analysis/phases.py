"""Per-phase summaries of every gait measure, and change against a reference summary.

A session has phases (clinical.md RAS protocol): ``baseline`` (uncued), ``cued``, ``probe``
(uncued carry-over check). Given phase intervals ``[(name, start_s, end_s), ...]`` each phase is
summarised from the events with ``start_s <= t < end_s`` only — a step or stride spanning a
phase boundary belongs to neither. Per phase: spatio-temporal parameters, symmetry, variability,
PCI, synchronisation to the audible beats (when beats are given) and freezing of gait (when an
acceleration signal is given: detected once over the recording, episodes counted in the phase
where they start). :func:`compare_summaries` gives the change of every headline
measure versus a reference summary (the baseline phase, or a previous session's) and flags the
gait-speed change against the MCIDs of :mod:`analysis.mcid`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from analysis.checks import check_event_times_s
from analysis.errors import AnalysisInputError
from analysis.events import GaitEvents
from analysis.freezing import FreezingResult, clip_freezing, freezing_of_gait
from analysis.mcid import (
    COMMUNITY_AMBULATION_M_PER_S,
    RESPONDER_GAIN_M_PER_S,
    McidFlag,
    classify_gait_speed_change,
)
from analysis.pci import PciResult, phase_coordination_index
from analysis.spatiotemporal import (
    DEFAULT_MAX_STEP_FACTOR,
    DEFAULT_MAX_STEP_TIME_S,
    DEFAULT_MIN_STEP_FACTOR,
    SpatioTemporalResult,
    spatiotemporal_parameters,
)
from analysis.symmetry import SymmetryResult, affected_side_name, gait_symmetry
from analysis.synchronisation import (
    DEFAULT_WINDOW_FRACTION,
    SynchronisationResult,
    synchronisation,
)
from analysis.variability import VariabilityResult, gait_variability

__all__ = [
    "MeasureChange",
    "PhaseSummary",
    "SummaryChange",
    "compare_summaries",
    "summarise_phases",
]

Phase = tuple[str, float, float]


@dataclass(frozen=True, eq=False)
class PhaseSummary:
    """All measures of one phase; ``synchronisation`` / ``freezing`` are None without input."""

    name: str
    start_s: float
    end_s: float
    spatiotemporal: SpatioTemporalResult
    symmetry: SymmetryResult
    variability: VariabilityResult
    pci: PciResult
    synchronisation: SynchronisationResult | None
    freezing: FreezingResult | None

    def measures(self) -> dict[str, float]:
        """Headline measures by name (units in the names; NaN where not computable)."""
        st, sy, va, pc = self.spatiotemporal, self.symmetry, self.variability, self.pci
        nan = math.nan
        sync, frz = self.synchronisation, self.freezing
        return {
            "duration_s": self.end_s - self.start_s,
            "n_steps": float(st.n_steps),
            "n_strides": float(st.n_strides),
            "cadence_spm": st.cadence_spm,
            "step_time_s": st.step_time_s.both,
            "stride_time_s": st.stride_time_s.both,
            "stance_pct": st.stance_pct.both,
            "swing_time_s": st.swing_time_s.both,
            "double_support_pct": st.double_support_pct.both,
            "stride_length_m": st.stride_length_m.both,
            "gait_speed_m_per_s": st.gait_speed_m_per_s.both,
            "step_time_si_pct": sy.step_time_si_pct,
            "stance_time_si_pct": sy.stance_time_si_pct,
            "swing_time_si_pct": sy.swing_time_si_pct,
            "step_length_si_pct": sy.step_length_si_pct,
            "stride_time_cv_pct": va.stride_time_cv_pct.both,
            "step_time_cv_pct": va.step_time_cv_pct.both,
            "pci_pct": pc.pci_pct,
            "sync_r": sync.resultant_length_r if sync is not None else nan,
            "mean_asynchrony_ms": sync.mean_asynchrony_ms if sync is not None else nan,
            "within_window_pct": sync.within_window_pct if sync is not None else nan,
            "frozen_pct": frz.frozen_pct if frz is not None and not frz.reason else nan,
            "n_freezing_episodes": (
                float(frz.n_episodes) if frz is not None and not frz.reason else nan
            ),
        }


def _check_phases(phases: Sequence[Phase]) -> list[Phase]:
    out = []
    for k, ph in enumerate(phases):
        try:
            name, start, end = ph
            start, end = float(start), float(end)
        except (TypeError, ValueError) as exc:
            raise AnalysisInputError(
                f"phases[{k}] must be (name, start_s, end_s), got {ph!r}"
            ) from exc
        if not (math.isfinite(start) and math.isfinite(end) and start < end):
            raise AnalysisInputError(
                f"phases[{k}] ({name!r}) needs finite start_s < end_s, got {start} .. {end}"
            )
        out.append((str(name), start, end))
    return out


def summarise_phases(
    phases: Sequence[Phase],
    events: GaitEvents,
    *,
    beat_t_s: Any = None,
    beat_audible: Any = None,
    acc_mps2: Any = None,
    sampling_rate_hz: float | None = None,
    acc_first_t_s: float = 0.0,
    affected_side: Any = None,
    max_step_time_s: float = DEFAULT_MAX_STEP_TIME_S,
    max_step_factor: float = DEFAULT_MAX_STEP_FACTOR,
    min_step_factor: float = DEFAULT_MIN_STEP_FACTOR,
    window_fraction: float = DEFAULT_WINDOW_FRACTION,
) -> tuple[PhaseSummary, ...]:
    """One :class:`PhaseSummary` per phase interval (events with start_s <= t < end_s).

    Parameters
    ----------
    phases : sequence of (name, start_s, end_s)
        Phase intervals on the session clock (s).
    events : GaitEvents
        The whole session's gait events (:func:`~analysis.events.gait_events_from_steps` makes
        them from stored steps).
    beat_t_s, beat_audible : array_like, optional
        Beat onsets (s) and audibility, as :func:`~analysis.synchronisation.synchronisation`.
    acc_mps2, sampling_rate_hz, acc_first_t_s : optional
        One acceleration axis of one foot (the forward axis for a foot sensor), m/s², its rate
        (Hz) and first sample time (s), for freezing of gait
        (:func:`~analysis.freezing.freezing_of_gait`, analysed once over the whole recording
        with the ICs of both feet, then counted per phase by episode start; a phase the signal
        does not cover gets NaN and a reason).
    affected_side : {"left", "right", None}
        Paretic side for the symmetry measures.
    """
    ph = _check_phases(phases)
    side = affected_side_name(affected_side)
    beats = audible = None
    if beat_t_s is not None:
        beats = check_event_times_s(beat_t_s, "beat_t_s")
        audible = (
            np.ones(beats.size, dtype=bool) if beat_audible is None else np.asarray(beat_audible)
        )
        if audible.shape != beats.shape or audible.dtype != bool:
            raise AnalysisInputError(
                f"beat_audible must be {beats.size} booleans (one per beat), got {audible.shape}"
            )
    whole_frz = None
    if acc_mps2 is not None:
        if sampling_rate_hz is None:
            raise AnalysisInputError("sampling_rate_hz is required with acc_mps2")
        # once over the whole recording (no half windows lost at phase boundaries), with the
        # ICs of both feet so that walking is never counted as freezing; then cut per phase
        whole_frz = freezing_of_gait(
            acc_mps2=acc_mps2,
            sampling_rate_hz=sampling_rate_hz,
            first_t_s=acc_first_t_s,
            ic_t_s=events.ic_t_s,
        )
    limits = {
        "max_step_time_s": max_step_time_s,
        "max_step_factor": max_step_factor,
        "min_step_factor": min_step_factor,
    }

    out = []
    for name, start, end in ph:
        phase_events = events.within(start, end)
        st = spatiotemporal_parameters(phase_events, **limits)
        pci = phase_coordination_index(phase_events, **limits)
        sync = None
        if beats is not None and audible is not None:
            b = (beats >= start) & (beats < end)
            sync = synchronisation(
                step_t_s=phase_events.ic_t_s,
                beat_t_s=beats[b],
                beat_audible=audible[b],
                window_fraction=window_fraction,
            )
        frz = None if whole_frz is None else clip_freezing(whole_frz, start, end)
        out.append(
            PhaseSummary(
                name=name,
                start_s=start,
                end_s=end,
                spatiotemporal=st,
                symmetry=gait_symmetry(st, side),
                variability=gait_variability(st),
                pci=pci,
                synchronisation=sync,
                freezing=frz,
            )
        )
    return tuple(out)


# --- change against a reference --------------------------------------------------------------


@dataclass(frozen=True)
class MeasureChange:
    """One measure: reference, current, change = current − reference, and change in %."""

    name: str
    reference: float
    current: float
    change: float
    change_pct: float


@dataclass(frozen=True, eq=False)
class SummaryChange:
    """Change of every headline measure, with gait speed flagged against the MCIDs.

    ``community_ambulation``: current gait speed ≥ 0.8 m/s; ``responder``: InTandem's definition
    (gain > 0.16 m/s and reaching ≥ 0.8 m/s).
    """

    phase: str
    reference_phase: str
    changes: Mapping[str, MeasureChange]
    gait_speed: McidFlag
    community_ambulation: bool
    responder: bool
    reason: str


def compare_summaries(
    current: PhaseSummary, reference: PhaseSummary, *, diagnosis: str | None = None
) -> SummaryChange:
    """Change of ``current`` versus ``reference`` (baseline, or a previous session's summary).

    Parameters
    ----------
    current, reference : PhaseSummary
    diagnosis : {"parkinson", "stroke", "older_adults", "unknown", None}
        Selects the MCID table entry (:data:`analysis.mcid.GAIT_SPEED_MCID`).
    """
    cur, ref = current.measures(), reference.measures()
    changes = {}
    for k, c in cur.items():
        r = ref[k]
        d = c - r if math.isfinite(c) and math.isfinite(r) else math.nan
        pct = d / abs(r) * 100.0 if math.isfinite(d) and r != 0 else math.nan
        changes[k] = MeasureChange(k, r, c, d, pct)
    speed = changes["gait_speed_m_per_s"]
    flag = classify_gait_speed_change(speed.change, diagnosis)
    community = math.isfinite(speed.current) and speed.current >= COMMUNITY_AMBULATION_M_PER_S
    responder = community and math.isfinite(speed.change) and speed.change > RESPONDER_GAIN_M_PER_S
    reason = "" if math.isfinite(speed.change) else "gait speed unknown in one of the summaries"
    return SummaryChange(
        phase=current.name,
        reference_phase=reference.name,
        changes=MappingProxyType(changes),
        gait_speed=flag,
        community_ambulation=community,
        responder=responder,
        reason=reason,
    )

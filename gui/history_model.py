"""Per-patient session history for the history screen, read from the store (no Qt here).

No gait arithmetic here: each session's per-phase outcomes come from
:func:`ras.results.outcomes.session_outcomes`, which hands the stored events to
:func:`analysis.phases.summarise_phases` — the same figures the PDF reports show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from analysis.errors import AnalysisInputError
from ras.errors import RasError
from ras.store.store import SessionInfo, Store

__all__ = ["GAIT_SPEED_MISSING", "PhaseFigures", "SessionRow", "patient_history"]

GAIT_SPEED_MISSING = (
    "Gait speed needs stride lengths and stride times from the sensors; none reported yet."
)


@dataclass(frozen=True)
class PhaseFigures:
    """Outcomes of one phase (NaN where not measured; ``reasons`` says why)."""

    cadence_spm: float = math.nan
    step_time_si_pct: float = math.nan
    gait_speed_mps: float = math.nan
    reasons: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SessionRow:
    """One session of a patient, for the history table and trends."""

    session_id: int
    started_utc: str
    status: str
    plan: str
    n_steps: int
    baseline: PhaseFigures
    cued: PhaseFigures
    probe: PhaseFigures


def _phase(outcomes: object, name: str) -> PhaseFigures:
    p = outcomes.phase(name) if outcomes is not None else None  # type: ignore[attr-defined]
    if p is None:
        return PhaseFigures(reasons={"all": f"no {name} phase"})
    return PhaseFigures(
        cadence_spm=p.value("cadence_spm"),
        step_time_si_pct=p.value("step_time_si_pct"),
        gait_speed_mps=p.value("gait_speed_m_per_s"),
        reasons=dict(p.reasons),
    )


def _session_row(store: Store, info: SessionInfo) -> SessionRow:
    from ras.results.outcomes import session_outcomes
    from ras.results.session_data import load_session

    outcomes = None
    n_steps = 0
    try:
        data = load_session(store, info.id)
        n_steps = len(data.steps)
        outcomes = session_outcomes(data)
    except (RasError, AnalysisInputError):  # e.g. an empty session: listed, no figures
        pass
    return SessionRow(
        session_id=info.id,
        started_utc=info.started_utc,
        status=info.status,
        plan=str(info.settings.get("plan", "")),
        n_steps=n_steps,
        baseline=_phase(outcomes, "baseline"),
        cued=_phase(outcomes, "cued"),
        probe=_phase(outcomes, "probe"),
    )


def patient_history(db: str | None, patient_id: str) -> list[SessionRow]:
    """Every session of a patient, oldest first, with per-phase outcomes."""
    with Store(db) as store:
        store.get_patient(patient_id)
        return [_session_row(store, s) for s in store.list_sessions(patient_id)]

"""A patient's history for the history screen: table cells and trend series (no Qt here).

No gait arithmetic here: each session comes from :func:`ras.report.progress.patient_course`
(local start, training dose, per-phase outcomes of :mod:`ras.results.outcomes`), the same
figures the progress report shows; this module only says which of them the screen shows, and
how they read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ras.report.compare import format_value
from ras.report.progress import CourseSession, patient_course
from ras.store.store import Store

__all__ = [
    "COLUMNS",
    "DOSE_KEY",
    "GAIT_SPEED_MISSING",
    "TRENDS",
    "UNCUED",
    "Column",
    "Trend",
    "patient_history",
    "trend_series",
]

#: Why gait speed is blank while no sensor reports stride lengths (also the live page's hint).
GAIT_SPEED_MISSING = (
    "Gait speed needs stride lengths and stride times from the sensors; none reported yet."
)
#: The walks whose figures the table and trends show, side by side: before and after the cue.
UNCUED = ("baseline", "probe")
#: The trend whose bars are the training dose, not a measure.
DOSE_KEY = "cued_min"


@dataclass(frozen=True)
class Column:
    """One column of the history table: its title, the cell text and why a cell is blank."""

    title: str
    text: Callable[[CourseSession], str]
    why: Callable[[CourseSession], str] = lambda s: ""


def _figure(value: float, key: str) -> str:
    text = format_value(key, value)
    return "—" if text == "not measured" else text


@dataclass(frozen=True)
class Trend:
    """One trend plot: measure ``key`` of the uncued walks, or the dose (:data:`DOSE_KEY`)."""

    key: str
    title: str
    unit: str
    short: str  # the table's column title
    min_span: float = 0.0  # the y axis spans at least this much, so noise does not look like change


TRENDS: tuple[Trend, ...] = (
    Trend("gait_speed_m_per_s", "Gait speed", "m/s", "Speed m/s", 0.5),
    Trend("cadence_spm", "Cadence", "steps/min", "Cadence /min", 10.0),
    Trend("stride_length_m", "Stride length", "m", "Stride m", 0.2),
    Trend("step_time_si_pct", "Step-time symmetry", "%", "SI %", 10.0),
    Trend("stride_time_cv_pct", "Stride-time CV", "%", "CV %", 4.0),
    Trend(DOSE_KEY, "Training dose (minutes cued)", "min", "Cued min"),
)


def _walks(trend: Trend) -> Column:
    """Baseline → probe of one measure in one cell."""
    key = trend.key
    return Column(
        trend.short,
        lambda s: " → ".join(_figure(s.value(ph, key), key) for ph in UNCUED),
        lambda s: "; ".join(f"{ph}: {r}" for ph in UNCUED if (r := s.reason(ph, key))),
    )


#: The table's columns, left to right (measures: baseline → probe).
COLUMNS: tuple[Column, ...] = (
    Column("Date (local)", lambda s: s.started_local),
    Column("Session", lambda s: f"#{s.info.id}"),
    Column("Status", lambda s: s.info.status),
    Column("Plan", lambda s: s.plan or "—"),
    Column("Steps", lambda s: str(s.dose.n_steps)),
    Column("Cued min", lambda s: f"{s.dose.cued_min:.1f}"),
    *(_walks(t) for t in TRENDS if t.key != DOSE_KEY),
)


def patient_history(db: str | None, patient_id: str) -> list[CourseSession]:
    """Every session of a patient, oldest first, with dose and per-phase outcomes."""
    with Store(db) as store:
        return patient_course(store, patient_id)


def trend_series(course: list[CourseSession], trend: Trend) -> dict[str, list[float]]:
    """The points of one trend per session: ``{walk: values}`` (NaN = not measured), or
    ``{"dose": minutes cued}`` for the dose."""
    if trend.key == DOSE_KEY:
        return {"dose": [s.dose.cued_min for s in course]}
    return {ph: [s.value(ph, trend.key) for s in course] for ph in UNCUED}

"""A patient's history for the history screen: the record read, table cells and trend series
(no Qt here).

No gait arithmetic here: each session comes from :func:`ras.report.progress.patient_course`
(local start, training dose, per-phase outcomes of :mod:`ras.results.outcomes`), the same
figures the progress report shows; this module only says which of them the screen shows, and
how they read. The record is :func:`ras.clinic.records.open_records`': the clinic server when
one is configured (a patient trained on two laptops has one history), else this laptop's file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from ras.clinic.config import configured_server, server_label
from ras.clinic.records import open_records
from ras.errors import RasError
from ras.report.builder import Report
from ras.report.compare import format_value
from ras.report.progress import CourseSession, build_progress_report, patient_course
from ras.store.store import Store, StoreReader

__all__ = [
    "COLUMNS",
    "DOSE_KEY",
    "GAIT_SPEED_MISSING",
    "TRENDS",
    "UNCUED",
    "Column",
    "HistoryLoad",
    "HistoryRecord",
    "Trend",
    "record_name",
    "record_to_read",
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


def record_name(store: StoreReader) -> str:
    """Which record ``store`` is, in the screen's words (never with credentials)."""
    if isinstance(store, Store):
        return f"this laptop ({store.path})"
    return str(store.path)  # "clinic server host:port/database"


def record_to_read() -> str:
    """The record a page is about to read: the configured clinic server, else this laptop."""
    try:
        url = configured_server()
    except RasError:
        return "the record"  # the read itself says what is wrong with the setting
    return "this laptop" if url is None else f"clinic server {server_label(url)}"


@dataclass(frozen=True)
class HistoryLoad:
    """What the history screen shows after opening the record.

    ``record`` says which record was read, ``notice`` what :func:`open_records` said ('' if
    nothing; ``fallback``: the server was unreachable and this laptop's file was read instead),
    ``error`` why the chosen patient's sessions could not be read ('' if they were).
    """

    record: str
    notice: str
    fallback: bool
    patients: list[str]
    patient: str | None
    course: list[CourseSession]
    error: str = ""


class HistoryRecord:
    """The record one visit of the history screen reads, open from :meth:`open` to
    :meth:`close`.

    Every read of a visit (another patient, the progress report) goes to the record the
    sessions were listed from, so a session id shown is always read where it was listed (a
    server's id never against this laptop's file, or the other way round). Not thread-safe:
    use it from one thread (the history screen's worker).
    """

    def __init__(self, db: str | os.PathLike[str] | None) -> None:
        self.db = db
        self.name = ""
        self._store: StoreReader | None = None

    def open(self, patient: str | None) -> HistoryLoad:
        """(Re)open the record, after pushing this laptop's pending sessions if a server is
        configured; list the patients and read ``patient``'s course (else the first's).

        Raises ServerError or RasError (one line) if no record can be read.
        """
        self.close()
        records = open_records(self.db)
        self._store, self.name = records.store, record_name(records.store)
        patients = [p.pseudo_id for p in records.store.list_patients()]
        chosen = patient if patient in patients else (patients[0] if patients else None)
        course: list[CourseSession] = []
        error = ""
        if chosen is not None:
            try:
                course = self.course(chosen)
            except RasError as err:
                error = str(err)
        fallback = bool(records.notice) and isinstance(records.store, Store)
        return HistoryLoad(self.name, records.notice, fallback, patients, chosen, course, error)

    def _opened(self) -> StoreReader:
        if self._store is None:
            raise RasError("no record is open; open the patient history again")
        return self._store

    def course(self, patient: str) -> list[CourseSession]:
        """Every session of ``patient`` in this record, oldest first, with dose and outcomes."""
        return patient_course(self._opened(), patient)

    def progress_report(self, patient: str) -> Report:
        """The progress report of ``patient`` from this record (render it with gui.report)."""
        return build_progress_report(self._opened(), patient)

    def close(self) -> None:
        """Close the record (idempotent)."""
        store, self._store = self._store, None
        if store is not None:
            store.close()


def trend_series(course: list[CourseSession], trend: Trend) -> dict[str, list[float]]:
    """The points of one trend per session: ``{walk: values}`` (NaN = not measured), or
    ``{"dose": minutes cued}`` for the dose."""
    if trend.key == DOSE_KEY:
        return {"dose": [s.dose.cued_min for s in course]}
    return {ph: [s.value(ph, trend.key) for s in course] for ph in UNCUED}

"""Which record the summary page reads its session from: this laptop's file, or the clinic
server once the session is pushed there (no Qt here).

The session was just recorded on this laptop, so the page first reads it there, with this
laptop's id. With a clinic server configured, the push after the session
(:func:`ras.clinic.records.push_session`) gives the session's id on the server, and
:func:`check_clinic_record` reads the same session there, so its previous comparable session
(and the session report's previous and first) are the whole record's: a patient trained on two
laptops is compared with the session they really had last. A :class:`SessionRecord` is one
record with that record's own id: a server's id is never read against this laptop's file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from analysis.errors import AnalysisInputError
from gui.summary_figures import SessionFigures, read_figures
from ras.clinic.records import ServerStore, push_session
from ras.errors import RasError
from ras.export.api import export_session
from ras.report.builder import Report
from ras.report.session import build_session_report
from ras.store.patients import VIRTUAL_PATIENT_PREFIX
from ras.store.store import Store, StoreReader

__all__ = [
    "LAPTOP_ONLY",
    "ClinicCheck",
    "SessionRecord",
    "check_clinic_record",
    "export_record",
    "record_report",
]

#: Said near the comparison when a clinic server is configured but was not read.
LAPTOP_ONLY = "Compared with this laptop's sessions only: the clinic record could not be read."


@dataclass(frozen=True)
class SessionRecord:
    """One session in one record: this laptop's file ``db``, or the clinic server at ``url``.

    ``session_id`` is that record's id of the session.
    """

    session_id: int
    db: str | os.PathLike[str] | None = None
    url: str | None = field(default=None, repr=False)  # may hold a password

    @property
    def on_server(self) -> bool:
        """Whether this is the clinic server's record."""
        return self.url is not None

    def open(self) -> StoreReader:
        """The record, open (close it after use); ServerError (one line) if the server cannot
        be used."""
        return ServerStore(self.url) if self.url is not None else Store(self.db)


@dataclass(frozen=True)
class ClinicCheck:
    """What the push after a session gave the summary page.

    ``line`` is the push's line ('' without a server); ``record`` and ``figures`` the session
    on the server and its figures read there (None: the page keeps this laptop's);
    ``laptop_only`` the line to show near the comparison ('' if none).
    """

    line: str
    record: SessionRecord | None = None
    figures: SessionFigures | None = None
    laptop_only: str = ""


def check_clinic_record(
    db: str | os.PathLike[str] | None, session_id: int | None, *, patient: str, read: bool
) -> ClinicCheck:
    """Push the session just recorded and, once it is on the server, read its figures there.

    ``read`` is whether the page has figures to compare (False: push only). It talks to the
    server: run it off the GUI thread. Never raises for the server.
    """
    pushed = push_session(db, session_id)
    if not read or not pushed.line or patient.startswith(VIRTUAL_PATIENT_PREFIX):
        return ClinicCheck(pushed.line)  # no server; a virtual patient's session stays here
    if pushed.url is None or pushed.server_id is None:
        return ClinicCheck(pushed.line, laptop_only=LAPTOP_ONLY)
    record = SessionRecord(pushed.server_id, url=pushed.url)
    try:
        with record.open() as store:
            figures = read_figures(store, record.session_id)
    except (RasError, AnalysisInputError) as exc:
        line = f"{pushed.line}; reading it back failed: {exc}"
        return ClinicCheck(line, laptop_only=LAPTOP_ONLY)
    return ClinicCheck(pushed.line, record, figures)


def record_report(record: SessionRecord) -> Report:
    """The session report of ``record``'s session, its earlier sessions read there too."""
    with record.open() as store:
        return build_session_report(store, record.session_id)


def export_record(record: SessionRecord, fmt: str, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Export ``record``'s session as ``fmt`` into ``out_dir``; the files written."""
    with record.open() as store:
        return export_session(store, record.session_id, fmt, out_dir)

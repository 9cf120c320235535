"""Qt rendering of ras reports (the content is assembled in ``ras.report``, without Qt).

:func:`export_session_report`, :func:`export_progress_report` and :func:`save_pdf` are what the
GUI's screens call: they build the report (or take one built) and hand it this package's PDF
renderer. A session report reads this laptop's file (the summary's session was just recorded
there, with this laptop's id); a progress report reads the record
:func:`ras.clinic.records.open_records` opens: the clinic server when one is configured.
"""

from __future__ import annotations

import os
from pathlib import Path

from gui.report.pdf import render_pdf
from ras.clinic.records import open_records
from ras.report.builder import Report
from ras.report.progress import build_progress_report
from ras.report.session import build_session_report
from ras.store.store import Store

__all__ = ["export_progress_report", "export_session_report", "save_pdf"]


def save_pdf(report: Report, pdf_path: str | os.PathLike[str]) -> Path:
    """Render a built report to a PDF at ``pdf_path``; return its path (UserInputError, one
    line, if it cannot be written)."""
    return report.save(pdf_path, renderer=render_pdf)


def export_session_report(
    db_path: str | os.PathLike[str] | None,
    session_id: int,
    pdf_path: str | os.PathLike[str],
    *,
    with_names: bool = False,
) -> Path:
    """Write the PDF report of one session of this laptop's file; return its path.

    Raises ``ras.errors.UserInputError`` (one line, for a message box) for an unknown or empty
    session or a path that cannot be written.
    """
    with Store(db_path) as store:
        report = build_session_report(store, int(session_id), with_names=with_names)
    return save_pdf(report, pdf_path)


def export_progress_report(
    db_path: str | os.PathLike[str] | None,
    patient: str,
    pdf_path: str | os.PathLike[str],
    *,
    with_names: bool = False,
) -> Path:
    """Write the PDF progress report of one patient across sessions; return its path.

    Read from the clinic server when one is configured (every laptop's sessions), else from
    ``db_path``; ServerError (one line) if the server refuses (an unreachable one is not an
    error: this laptop's sessions are reported).
    """
    with open_records(db_path).store as store:
        report = build_progress_report(store, patient, with_names=with_names)
    return save_pdf(report, pdf_path)

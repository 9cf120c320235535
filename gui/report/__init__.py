"""Qt rendering of ras reports (the content is assembled in ``ras.report``, without Qt).

:func:`export_session_report` and :func:`export_progress_report` are what the GUI's screens
call: they build the report and hand it this package's PDF renderer.
"""

from __future__ import annotations

import os
from pathlib import Path

from gui.report.pdf import render_pdf
from ras.report.progress import build_progress_report
from ras.report.session import build_session_report
from ras.store.store import Store

__all__ = ["export_progress_report", "export_session_report"]


def export_session_report(
    db_path: str | os.PathLike[str] | None,
    session_id: int,
    pdf_path: str | os.PathLike[str],
    *,
    with_names: bool = False,
) -> Path:
    """Write the PDF report of one session; return its path.

    Raises ``ras.errors.UserInputError`` (one line, for a message box) for an unknown or empty
    session or a path that cannot be written.
    """
    with Store(db_path) as store:
        report = build_session_report(store, int(session_id), with_names=with_names)
    return report.save(pdf_path, renderer=render_pdf)


def export_progress_report(
    db_path: str | os.PathLike[str] | None,
    patient: str,
    pdf_path: str | os.PathLike[str],
    *,
    with_names: bool = False,
) -> Path:
    """Write the PDF progress report of one patient across sessions; return its path."""
    with Store(db_path) as store:
        report = build_progress_report(store, patient, with_names=with_names)
    return report.save(pdf_path, renderer=render_pdf)

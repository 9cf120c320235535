"""`ras report SESSION --pdf FILE` and `ras report --patient ID --pdf FILE` (progress)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ras.commands.options import add_stored_session_options
from ras.errors import UserInputError

if TYPE_CHECKING:
    from ras.report.builder import Renderer

__all__ = ["COMMAND_NAMES", "PDF_NEEDS_PYSIDE6", "add_parser", "pdf_renderer", "run"]

COMMAND_NAMES = ("report",)
PDF_NEEDS_PYSIDE6 = (
    "the PDF report needs PySide6: pip install 'ras[gui]' (or pip install PySide6-Essentials)"
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``ras report`` (argparse only; the work is imported in :func:`run`)."""
    p = sub.add_parser(
        "report",
        help="PDF report of a session, or of a patient's progress across sessions",
        description="An A4 PDF: a session report (outcomes per phase, changes against baseline "
        "and the previous session with MCID flags, figures), or with --patient a progress "
        "report across the patient's sessions. Pseudonymous unless --with-names. "
        "See docs/reports.md.",
    )
    p.add_argument("session", nargs="?", metavar="SESSION", help="session id (see `ras sessions`)")
    p.add_argument("--patient", metavar="ID", help="progress report of this patient instead")
    p.add_argument("--pdf", required=True, metavar="FILE", help="PDF file to write (0600)")
    add_stored_session_options(p, "show the patient's name (default: pseudonymous id only)")


def pdf_renderer() -> Renderer:
    """The Qt PDF renderer this front-end hands to the report (``gui.report.pdf.render_pdf``).

    Imported only here, when a PDF is asked for, as ``ras gui`` imports the GUI. Raises
    UserInputError (one line: what is missing, how to install it) without PySide6.
    """
    try:
        from gui.report.pdf import render_pdf
    except ImportError as exc:
        why = "" if isinstance(exc, ModuleNotFoundError) else f" ({exc})"
        raise UserInputError(PDF_NEEDS_PYSIDE6 + why) from None
    return render_pdf


def run(args: argparse.Namespace) -> int:
    """Write the report; print its path only once it is written whole.

    UserInputError (exit 2) for bad input, a PDF that cannot be written (nothing is left
    behind then; an existing file stays as it was) or no PySide6 to draw it.
    """
    from ras.clinic.records import read_records
    from ras.commands.options import say_on_stderr
    from ras.results.files import prepare_out_file
    from ras.results.session_data import parse_session_id
    from ras.text import terminal_safe

    if (args.session is None) == (args.patient is None):
        raise UserInputError(
            "give either a SESSION id (session report) or --patient ID (progress report)"
        )
    if not str(args.pdf).strip():
        raise UserInputError("--pdf must not be empty; give the PDF file to write")
    prepare_out_file(args.pdf, "the report")
    renderer = pdf_renderer()
    with read_records(args.db, tell=say_on_stderr) as store:
        if args.patient is not None:
            from ras.report.progress import build_progress_report

            report = build_progress_report(store, args.patient, with_names=args.with_names)
            what = f"progress report of {args.patient}"
        else:
            from ras.report.session import build_session_report

            session_id = parse_session_id(args.session)
            report = build_session_report(store, session_id, with_names=args.with_names)
            what = f"report of session {session_id}"
    path = report.save(args.pdf, renderer=renderer)
    print(terminal_safe(f"wrote {what} to {path}"))
    return 0

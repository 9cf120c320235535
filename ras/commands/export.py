"""`ras export SESSION --format csv|json|bids --out DIR`: a session's data for other tools."""

from __future__ import annotations

import argparse

from ras.commands.options import add_stored_session_options

__all__ = ["COMMAND_NAMES", "add_parser", "run"]

COMMAND_NAMES = ("export",)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``ras export`` (argparse only; the work is imported in :func:`run`)."""
    p = sub.add_parser(
        "export",
        help="export a session as CSV, JSON or Motion-BIDS (pseudonymous by default)",
        description="Export one session's events, cues, tempo changes, markers, phases and "
        "per-phase parameters (csv, json), or its raw IMU and gait events as Motion-BIDS (bids). "
        "Files are owner-only. See docs/exports.md.",
    )
    p.add_argument("session", metavar="SESSION", help="session id (see `ras sessions`)")
    p.add_argument(
        "--format",
        dest="fmt",
        required=True,
        metavar="FORMAT",
        help="csv, json or bids",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (created 0700)")
    add_stored_session_options(p, "include the patient's name (default: pseudonymous id only)")


def run(args: argparse.Namespace) -> int:
    """Export; print where the files went. UserInputError for bad input (exit 2).

    Each file is written atomically; if one cannot be written, the command stops with one
    line naming it (files already written stay whole) and prints no success line.
    """
    from ras.clinic.records import read_records
    from ras.commands.options import say_on_stderr
    from ras.errors import UserInputError
    from ras.export.api import EXPORT_FORMATS, export_session
    from ras.results.session_data import parse_session_id
    from ras.text import terminal_safe
    from ras.validate import check_choice

    fmt = check_choice("export format", str(args.fmt).lower(), EXPORT_FORMATS)
    session_id = parse_session_id(args.session)
    if not str(args.out).strip():
        raise UserInputError("--out must not be empty; give the directory to export into")
    with read_records(args.db, tell=say_on_stderr) as store:
        files = export_session(store, session_id, fmt, args.out, with_names=args.with_names)
        status = store.get_session(session_id).status
    note = "" if status == "complete" else f" (session {status}: the export says so)"
    print(
        terminal_safe(
            f"exported session {session_id} as {fmt}: {len(files)} files in {args.out}{note}"
        )
    )
    return 0

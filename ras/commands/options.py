"""Options that several commands share (argparse only, no heavy imports)."""

from __future__ import annotations

import argparse

__all__ = ["DB_HELP", "add_stored_session_options"]

#: Help of a command's --db option.
DB_HELP = "database file (default: $RAS_DB or per-user)"


def add_stored_session_options(parser: argparse.ArgumentParser, with_names_help: str) -> None:
    """--db (the database) and --with-names (the patient's name instead of only the
    pseudonymous id; ``with_names_help`` says what the command does with it)."""
    parser.add_argument("--db", metavar="PATH", help=DB_HELP)
    parser.add_argument("--with-names", action="store_true", help=with_names_help)


def say_on_stderr(line: str) -> None:
    """A notice for the user beside a command's output (one line, terminal-safe)."""
    import sys

    from ras.text import terminal_safe

    print(terminal_safe(line), file=sys.stderr)

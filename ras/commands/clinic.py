"""`ras config`, `ras push` and `ras server`: a clinic's shared record on PostgreSQL."""

from __future__ import annotations

import argparse
import os
import sys

from ras.commands.options import DB_HELP
from ras.errors import UserInputError
from ras.validate import nonempty_arg

__all__ = ["COMMAND_NAMES", "add_parser", "run"]

COMMAND_NAMES = ("config", "push", "server")

_NO_SERVER = (
    "no clinic server is configured: set one with `ras config --server postgresql://USER@HOST"
    "/DATABASE` or $RAS_SERVER"
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the three commands (argparse only; the work is imported in :func:`run`)."""
    config = sub.add_parser(
        "config",
        help="show or set this user's ras settings (the clinic server)",
        description="Without options: show the settings. The clinic server is a PostgreSQL"
        " connection URL; TLS parameters in it (sslmode=verify-full, sslrootcert=...) are"
        " honoured. Passwords are never stored: put them in ~/.pgpass or $PGPASSWORD."
        " $RAS_SERVER, when set, is used instead (RAS_SERVER= for none).",
    )
    what = config.add_mutually_exclusive_group()
    what.add_argument("--server", type=nonempty_arg, metavar="URL", help="use this clinic server")
    what.add_argument("--no-server", action="store_true", help="forget the clinic server")
    push = sub.add_parser(
        "push",
        help="push this laptop's ended sessions to the clinic server",
        description="Sends every ended session not yet on the clinic server (or changed since"
        " it was sent), resuming where a cut-off push stopped, and copies down the server's"
        " patients this laptop lacks (without names). Sessions are also pushed after each"
        " session and before history, reports and exports are read.",
    )
    push.add_argument("--db", type=nonempty_arg, metavar="PATH", help=DB_HELP)
    server = sub.add_parser(
        "server",
        help="the clinic server's state (schema, patients, sessions); --upgrade its schema",
    )
    server.add_argument(
        "--upgrade",
        action="store_true",
        help="bring the server's schema up to this ras's (once every laptop runs this ras)",
    )


def run(args: argparse.Namespace) -> int:
    from ras.clinic.config import (
        SERVER_ENV_VAR,
        config_path,
        configured_server,
        redacted,
        save_server,
    )
    from ras.text import terminal_safe

    if args.command == "config":
        if args.server or args.no_server:
            path = save_server(None if args.no_server else args.server)
            said = "forgotten" if args.no_server else f"set to {redacted(args.server)}"
            print(terminal_safe(f"clinic server {said} (in {path})"))
            return 0
        url = configured_server()
        where = "$RAS_SERVER" if SERVER_ENV_VAR in os.environ else str(config_path())
        shown = redacted(url) if url else "none (sessions stay on this laptop)"
        print(terminal_safe(f"clinic server: {shown} (from {where})"))
        return 0
    url = configured_server()
    if url is None:
        raise UserInputError(_NO_SERVER)
    if args.command == "push":
        from ras.clinic.push import SessionPusher
        from ras.clinic.records import sync

        def progress(table: str, done: int, total: int) -> None:
            line = f"  pushing {table}: {done}/{total} rows"
            print(f"\r{line:<60}", end="", file=sys.stderr, flush=True)

        live = sys.stderr.isatty()  # a progress line that rewrites itself, on a terminal only
        result = sync(args.db, url, pusher=SessionPusher(on_progress=progress if live else None))
        if live:
            print(f"\r{'':<60}\r", end="", file=sys.stderr, flush=True)
        print(terminal_safe(result.text()))
        return 1 if result.failed else 0
    from ras.clinic.server import connect_server, ensure_schema, server_schema_version
    from ras.store.schema import SCHEMA_VERSION

    conn = connect_server(url)
    try:
        applied = ensure_schema(conn, upgrade=args.upgrade)
        version = server_schema_version(conn)
        patients = conn.execute("SELECT count(*) FROM patients").fetchone()[0]
        sessions = conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
    finally:
        conn.close()
    line = (
        f"clinic server {conn.label}: schema version {version} (this ras {SCHEMA_VERSION}),"
        f" {patients} patients, {sessions} sessions"
    )
    if applied:
        line += f"; {applied} migration(s) applied"
    print(terminal_safe(line))
    return 0

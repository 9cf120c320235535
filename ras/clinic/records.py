"""Reading the record: the clinic server when one is configured, else this laptop's file.

:func:`open_records` is what history, progress reports and exports open. With a server, it
first pushes this laptop's ended sessions that are not there yet (so nothing recorded here is
missing from what is read) and copies down the server's patients this laptop lacks; if the
server cannot be reached, it reads the laptop's file and says so in one line.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable

from ras.clinic.config import configured_server, server_label
from ras.clinic.push import SessionPusher, pending_sessions, pull_patients
from ras.clinic.server import (
    ServerConnection,
    ServerUnavailableError,
    connect_server,
    ensure_schema,
)
from ras.errors import RasError
from ras.store.store import Store, StoreReader

__all__ = [
    "Records",
    "ServerStore",
    "SessionPush",
    "open_records",
    "push_after_session",
    "push_session",
    "read_records",
    "sync",
]


class ServerStore(StoreReader):
    """The clinic server's record, read like a laptop's :class:`~ras.store.store.Store`.

    Session ids are the server's own (``ras sessions`` lists them). Read-only: sessions get
    there by being pushed (:mod:`ras.clinic.push`).
    """

    def __init__(self, url: str, *, connection: ServerConnection | None = None) -> None:
        conn = connection if connection is not None else connect_server(url)
        try:
            ensure_schema(conn)
        except BaseException:
            conn.close()
            raise
        super().__init__(conn, f"clinic server {conn.label}")


@dataclasses.dataclass(frozen=True)
class Records:
    """What :func:`open_records` opened, and what a front-end should tell the user (or '')."""

    store: StoreReader
    notice: str


@dataclasses.dataclass(frozen=True)
class SyncResult:
    """What :func:`sync` did: sessions pushed, ended sessions still waiting, patients pulled."""

    server: str
    pushed: int
    rows: int
    waiting: int
    patients_pulled: list[str]
    failed: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    #: local session id -> the server's id of it, for the sessions pushed
    server_ids: dict[int, int] = dataclasses.field(default_factory=dict)

    def text(self) -> str:
        """One line for the user."""
        line = f"clinic server {self.server}: pushed {self.pushed} session(s), {self.rows} rows"
        if self.failed:
            sid, why = self.failed[0]
            line += f"; {len(self.failed)} not pushed (session {sid}: {why})"
        if self.waiting:
            line += f"; {self.waiting} waiting"
        if self.patients_pulled:
            line += f"; {len(self.patients_pulled)} patient(s) added here from the server"
        return line


def sync(
    db: str | os.PathLike[str] | None,
    url: str,
    *,
    pusher: SessionPusher | None = None,
    connection: ServerConnection | None = None,
) -> SyncResult:
    """Push the laptop's pending sessions to the server at ``url`` and pull its patients.

    ServerError (one line) if the server cannot be used; what was pushed before stays pushed.
    """
    pusher = pusher if pusher is not None else SessionPusher()
    server = connection if connection is not None else connect_server(url)
    try:
        ensure_schema(server)
        with Store(db) as store:
            local = store.connection
            try:
                pusher.push(local=local, server=server)
            finally:
                waiting = len(getattr(pusher, "waiting_", []))
            pulled = pull_patients(local, server)
    finally:
        if connection is None:
            server.close()
    return SyncResult(
        server.label,
        len(pusher.pushed_),
        sum(r.total_rows for r in pusher.pushed_),
        waiting,
        pulled,
        list(pusher.failed_),
        {r.session_id: r.server_session_id for r in pusher.pushed_},
    )


def open_records(db: str | os.PathLike[str] | None = None) -> Records:
    """The record to read: the configured clinic server (after a :func:`sync`), else ``db``.

    An unreachable server is not an error: the laptop's own file is read, and ``notice`` says
    so. Other server errors (wrong credentials, a schema of another version) are raised.
    """
    url = configured_server()
    if url is None:
        return Records(Store(db), "")
    try:
        conn = connect_server(url)
    except ServerUnavailableError as exc:
        return Records(Store(db), f"{exc}; showing this laptop's sessions only")
    try:
        synced = sync(db, url, connection=conn)
        store = ServerStore(url, connection=conn)
    except ServerUnavailableError as exc:  # went away while pushing: what is here stays here
        conn.close()
        return Records(Store(db), f"{exc}; showing this laptop's sessions only")
    except BaseException:  # a server error, or this laptop's file unusable: raised, conn closed
        conn.close()
        raise
    notice = synced.text() if synced.pushed or synced.patients_pulled else ""
    return Records(store, notice)


def read_records(db: str | os.PathLike[str] | None, *, tell: Callable[[str], None]) -> StoreReader:
    """:func:`open_records`, giving its notice (if any) to ``tell``; the store to read."""
    records = open_records(db)
    if records.notice:
        tell(records.notice)
    return records.store


@dataclasses.dataclass(frozen=True)
class SessionPush:
    """What :func:`push_session` did: the line to show, and where the session is now.

    ``url`` is the server reached (None: none configured, or the push failed) and
    ``server_id`` the session's id there (None: not pushed by this push).
    """

    line: str
    url: str | None = dataclasses.field(default=None, repr=False)  # may hold a password
    server_id: int | None = None


def push_session(db: str | os.PathLike[str] | None, session_id: int | None = None) -> SessionPush:
    """Push what a session just recorded, if a server is configured (see
    :func:`push_after_session`), and say where session ``session_id`` now is on the server.

    Never raises for the server: the session is safe on the laptop whatever happens here.
    """
    try:
        url = configured_server()
        if url is None:
            return SessionPush("")
        result = sync(db, url)
    except RasError as exc:
        return SessionPush(
            f"{exc}; the session stays on this laptop and is pushed by `ras push` or after the"
            " next session"
        )
    line = result.text()
    server_id = None
    if session_id is not None:
        server_id = result.server_ids.get(session_id)
        if server_id is None and session_id not in dict(result.failed):
            server_id = _pushed_before(db, session_id, server_label(url))
    if server_id is not None:
        line += f"; session {session_id} is #{server_id} on the server"
    return SessionPush(line, url, server_id)


def _pushed_before(db: str | os.PathLike[str] | None, session_id: int, server: str) -> int | None:
    """The server's id of a session another push already sent as it is now, else None."""
    with Store(db) as store:
        local = store.connection
        if session_id in pending_sessions(local, server):
            return None
        row = local.execute(
            "SELECT server_session_id FROM server_pushes WHERE session_id = ? AND server = ?",
            (session_id, server),
        ).fetchone()
    return None if row is None else int(row[0])


def push_after_session(db: str | os.PathLike[str] | None, session_id: int | None = None) -> str:
    """Push what a session just recorded, if a server is configured: one line to show, or ''.

    With ``session_id``, the line says which id the session has on the server (history,
    reports and exports name it so once they read the server). Never raises for the server:
    the session is safe on the laptop whatever happens here.
    """
    return push_session(db, session_id).line

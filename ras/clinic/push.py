"""Pushing a laptop's ended sessions to the clinic server: idempotent and resumable.

A session is known everywhere by its ``uid``, a patient by its pseudonymous id, so a session
pushed twice, or by two processes at once, is one session on the server. Events are appended
table by table in transactions of at most ``chunk_rows`` rows, each under a lock on the
session's server row: a push cut off at any point (the server stopped, the network gone) has
committed whole chunks only, and the next push counts what the server holds and goes on from
there. Recorded events are only ever appended on a laptop (phases, whose end is written later,
are replaced whole), so counting is exact. Only ended sessions are pushed; one changed after
its push (a marker added, a late end) is pushed again, for what changed.

Nothing leaves the laptop that is not pseudonymous: a patient's name stays local.
"""

from __future__ import annotations

import dataclasses
import hashlib
import sqlite3
from collections.abc import Callable
from typing import Any

from ras.clinic.server import ServerConnection, ServerError, ServerUnavailableError
from ras.store.declaration import Table, server_tables, table
from ras.store.patients import VIRTUAL_PATIENT_PREFIX
from ras.store.schema import immediate
from ras.store.store import utc_now_iso

__all__ = [
    "EVENT_TABLES",
    "PushResult",
    "SessionPusher",
    "pending_sessions",
    "rows_fingerprint",
    "session_fingerprint",
    "sessions_grown_since",
    "table_marks",
]

#: Tables holding a session's events, in the order they are pushed.
EVENT_TABLES: tuple[Table, ...] = tuple(
    t for t in server_tables() if any(c.name == "session_id" for c in t.columns)
)
#: Event tables whose rows change after they are written: replaced whole on each push.
REPLACED = ("phases",)
#: Patient columns that go to the server (not ``id``, not ``name``).
PATIENT_COLUMNS = tuple(c for c in table("patients").data_columns if c != "name")
#: Session columns that go to the server (``patient_id`` is the server's own).
SESSION_COLUMNS = tuple(c for c in table("sessions").data_columns if c != "patient_id")
#: Session columns a later push may change.
SESSION_UPDATED = ("settings_json", "status", "ended_utc", "notes", "heartbeat_utc", "end_reason")

ProgressFn = Callable[[str, int, int], None]


def _event_columns(t: Table) -> tuple[str, ...]:
    return tuple(c for c in t.data_columns if c != "session_id")


def session_fingerprint(local: sqlite3.Connection, session_id: int) -> str:
    """What of a session can change in place: its row, its patient, its phases (sha256 hex).

    Rows appended to its other tables are found by :func:`sessions_grown_since` and told by
    :func:`rows_fingerprint`.
    """
    h = hashlib.sha256()
    row = local.execute(
        f"SELECT {', '.join(SESSION_COLUMNS)}, patient_id FROM sessions WHERE id = ?",
        (session_id,),
    ).fetchone()
    h.update(repr(row).encode())
    patient = local.execute(
        f"SELECT {', '.join(PATIENT_COLUMNS)} FROM patients WHERE id = ?", (row[-1],)
    ).fetchone()
    h.update(repr(patient).encode())
    for name in REPLACED:
        what = local.execute(
            f"SELECT * FROM {name} WHERE session_id = ? ORDER BY id", (session_id,)
        ).fetchall()
        h.update(f"{name}:{what!r};".encode())
    return h.hexdigest()


def rows_fingerprint(local: sqlite3.Connection, session_id: int) -> str:
    """How many rows a session has in each appended table, and the last (sha256 hex).

    Counts every row of the session: used only for sessions with rows above the marks.
    """
    h = hashlib.sha256()
    for t in EVENT_TABLES:
        if t.name not in REPLACED:
            what = local.execute(
                f"SELECT count(*), max(id) FROM {t.name} WHERE session_id = ?", (session_id,)
            ).fetchone()
            h.update(f"{t.name}:{what!r};".encode())
    return h.hexdigest()


def _ledger_entry(local: sqlite3.Connection, session_id: int) -> str:
    """What the laptop records of a session it pushed: both fingerprints."""
    return f"{session_fingerprint(local, session_id)}:{rows_fingerprint(local, session_id)}"


def table_marks(local: sqlite3.Connection) -> dict[str, int]:
    """The highest row id of each appended event table now (0 if empty)."""
    return {
        t.name: int(local.execute(f"SELECT coalesce(max(id), 0) FROM {t.name}").fetchone()[0])
        for t in EVENT_TABLES
        if t.name not in REPLACED
    }


def sessions_grown_since(local: sqlite3.Connection, marks: dict[str, int]) -> set[int]:
    """Sessions with rows above ``marks`` (a table without a mark: every session in it)."""
    grown: set[int] = set()
    for name in table_marks(local):
        grown.update(
            r[0]
            for r in local.execute(
                # NOT INDEXED: by row id from the mark on (the planner would otherwise read the
                # whole (session_id, t_s) index for the DISTINCT)
                f"SELECT DISTINCT session_id FROM {name} NOT INDEXED WHERE id > ?",
                (marks.get(name, 0),),
            )
        )
    return grown


def saved_marks(local: sqlite3.Connection, server: str) -> dict[str, int]:
    """The marks saved at the last whole push to ``server``."""
    return dict(
        local.execute("SELECT table_name, max_id FROM push_marks WHERE server = ?", (server,))
    )


def save_marks(local: sqlite3.Connection, server: str, marks: dict[str, int]) -> None:
    local.executemany(
        "INSERT OR REPLACE INTO push_marks (server, table_name, max_id) VALUES (?,?,?)",
        [(server, name, max_id) for name, max_id in marks.items()],
    )


def pending_sessions(local: sqlite3.Connection, server: str) -> list[int]:
    """Ended sessions not on ``server`` (a label) as they are now, oldest first.

    A session is pending if it was never pushed there, if its row, patient or phases changed
    since (:func:`session_fingerprint`), or if rows were appended to it since: its rows are
    counted (:func:`rows_fingerprint`) only if it has rows above the marks saved at the last
    whole push (:func:`sessions_grown_since`). Sessions of the virtual patients
    (:data:`VIRTUAL_PATIENT_PREFIX`) are never pushed.
    """
    ended = local.execute(
        "SELECT s.id, p.fingerprint FROM sessions s JOIN patients pt ON pt.id = s.patient_id"
        " LEFT JOIN server_pushes p ON p.session_id = s.id AND p.server = ?"
        " WHERE s.status != 'running' AND substr(pt.pseudo_id, 1, ?) != ?"
        " ORDER BY s.started_utc, s.id",
        (server, len(VIRTUAL_PATIENT_PREFIX), VIRTUAL_PATIENT_PREFIX),
    ).fetchall()
    grown = sessions_grown_since(local, saved_marks(local, server))

    def changed(sid: int, pushed: str | None) -> bool:
        if pushed is None:
            return True
        in_place, _, rows = pushed.partition(":")
        if in_place != session_fingerprint(local, sid):
            return True
        return sid in grown and rows != rows_fingerprint(local, sid)

    return [sid for sid, pushed in ended if changed(sid, pushed)]


@dataclasses.dataclass(frozen=True)
class PushResult:
    """One session pushed: its local and server ids and the rows appended per table."""

    session_id: int
    server_session_id: int
    rows_added: dict[str, int]

    @property
    def total_rows(self) -> int:
        return sum(self.rows_added.values())


class SessionPusher:
    """Push ended sessions from a laptop's database to a clinic server.

    Parameters
    ----------
    chunk_rows : int
        Most rows committed in one server transaction (the most a cut-off push redoes).
    on_progress : callable, optional
        Called ``(table, rows_on_server, rows_in_session)`` after each committed chunk.

    Attributes
    ----------
    pushed_ : list of PushResult
        The sessions pushed by the last :meth:`push`.
    waiting_ : list of int
        Local ids of ended sessions still not on the server (the push stopped before them).
    failed_ : list of (int, str)
        Sessions the server refused, with the one-line reason; the others were pushed.
    """

    def __init__(self, chunk_rows: int = 5000, on_progress: ProgressFn | None = None) -> None:
        if chunk_rows < 1:
            raise ValueError(f"chunk_rows must be at least 1, got {chunk_rows}")
        self.chunk_rows = int(chunk_rows)
        self.on_progress = on_progress

    def push(
        self,
        *,
        local: sqlite3.Connection,
        server: ServerConnection,
        session_ids: list[int] | None = None,
    ) -> SessionPusher:
        """Push ``session_ids`` (default: every pending one); ServerError stops the push.

        The sessions pushed before the error are in :attr:`pushed_`, the rest in
        :attr:`waiting_`; nothing on the laptop is changed but its record of what was pushed.
        """
        marks = table_marks(local)  # before looking: rows written meanwhile count as new
        todo = pending_sessions(local, server.label) if session_ids is None else session_ids
        self.pushed_: list[PushResult] = []
        self.failed_: list[tuple[int, str]] = []
        self.waiting_: list[int] = list(todo)
        for sid in todo:
            try:
                self.pushed_.append(self._push_one(local, server, sid))
            except ServerUnavailableError:
                raise  # the server went away: the rest wait for the next push
            except ServerError as exc:  # this session only (e.g. the server holds more rows)
                self.failed_.append((sid, str(exc)))
            self.waiting_.remove(sid)
        if session_ids is None:  # every pending session was looked at: later looks start here
            save_marks(local, server.label, marks)
        return self

    # ---- one session ----------------------------------------------------------------------

    def _push_one(
        self, local: sqlite3.Connection, server: ServerConnection, sid: int
    ) -> PushResult:
        fingerprint = _ledger_entry(local, sid)
        server_sid = self._upsert_session(local, server, sid)
        added: dict[str, int] = {}
        for t in EVENT_TABLES:
            if t.name in REPLACED:
                added[t.name] = self._replace(local, server, t, sid, server_sid)
            else:
                added[t.name] = self._append(local, server, t, sid, server_sid)
        self._check_complete(local, server, sid, server_sid)
        local.execute(
            "INSERT OR REPLACE INTO server_pushes (session_id, server, server_session_id,"
            " fingerprint, pushed_utc) VALUES (?,?,?,?,?)",
            (sid, server.label, server_sid, fingerprint, utc_now_iso()),
        )
        return PushResult(sid, server_sid, added)

    def _upsert_session(self, local: sqlite3.Connection, server: ServerConnection, sid: int) -> int:
        row = local.execute(
            f"SELECT {', '.join(SESSION_COLUMNS)}, patient_id FROM sessions WHERE id = ?", (sid,)
        ).fetchone()
        if row is None:
            raise ServerError(f"no session {sid} on this laptop to push")
        session = dict(zip(SESSION_COLUMNS, row[:-1], strict=True))
        patient = dict(
            zip(
                PATIENT_COLUMNS,
                local.execute(
                    f"SELECT {', '.join(PATIENT_COLUMNS)} FROM patients WHERE id = ?", (row[-1],)
                ).fetchone(),
                strict=True,
            )
        )
        keep = ("pseudo_id", "created_utc")
        with server.transaction():
            server_pid = server.execute(
                f"INSERT INTO patients ({', '.join(patient)})"
                f" VALUES ({', '.join('?' * len(patient))})"
                " ON CONFLICT (pseudo_id) DO UPDATE SET "
                + ", ".join(
                    f"{k} = COALESCE(EXCLUDED.{k}, patients.{k})" for k in patient if k not in keep
                )
                + ", created_utc = LEAST(patients.created_utc, EXCLUDED.created_utc)"
                " RETURNING id",
                tuple(patient.values()),
            ).fetchone()[0]
            cols = ("patient_id", *session)
            return int(
                server.execute(
                    f"INSERT INTO sessions ({', '.join(cols)})"
                    f" VALUES ({', '.join('?' * len(cols))})"
                    " ON CONFLICT (uid) DO UPDATE SET "
                    + ", ".join(f"{k} = EXCLUDED.{k}" for k in SESSION_UPDATED)
                    + " RETURNING id",
                    (server_pid, *session.values()),
                ).fetchone()[0]
            )

    @staticmethod
    def _lock(server: ServerConnection, server_sid: int) -> None:
        """Hold the session's server row till the end of the transaction (pushers queue)."""
        server.execute("SELECT id FROM sessions WHERE id = ? FOR UPDATE", (server_sid,))

    def _replace(
        self,
        local: sqlite3.Connection,
        server: ServerConnection,
        t: Table,
        sid: int,
        server_sid: int,
    ) -> int:
        cols = _event_columns(t)
        rows = local.execute(
            f"SELECT {', '.join(cols)} FROM {t.name} WHERE session_id = ? ORDER BY id", (sid,)
        ).fetchall()
        with server.transaction():
            self._lock(server, server_sid)
            server.execute(f"DELETE FROM {t.name} WHERE session_id = ?", (server_sid,))
            server.copy_rows(t.name, ("session_id", *cols), [(server_sid, *r) for r in rows])
        self._progress(t.name, len(rows), len(rows))
        return len(rows)

    def _append(
        self,
        local: sqlite3.Connection,
        server: ServerConnection,
        t: Table,
        sid: int,
        server_sid: int,
    ) -> int:
        cols = _event_columns(t)
        total = local.execute(
            f"SELECT count(*) FROM {t.name} WHERE session_id = ?", (sid,)
        ).fetchone()[0]
        added = 0
        after = (-1, -1)  # (rows on the server, local id of the last of them) after a chunk
        while True:
            with server.transaction():
                self._lock(server, server_sid)
                have = self._count(server, t.name, server_sid)
                if have > total:
                    raise ServerError(
                        f"clinic server {server.label} holds {have} {t.name} rows of session"
                        f" {sid}, this laptop {total}: not pushed (a different session with the"
                        " same uid?)"
                    )
                if have == after[0]:  # as this push left it: go on from the last row's id
                    where, start = "id > ?", (after[1],)
                else:  # first chunk, or another pusher went on: skip what the server holds
                    where, start = "1", ()
                rows = local.execute(
                    f"SELECT id, {', '.join(cols)} FROM {t.name} WHERE session_id = ? AND {where}"
                    " ORDER BY id LIMIT ? OFFSET ?",
                    (sid, *start, self.chunk_rows, 0 if start else have),
                ).fetchall()
                if not rows:
                    break
                server.copy_rows(
                    t.name, ("session_id", *cols), [(server_sid, *r[1:]) for r in rows]
                )
            after = (have + len(rows), rows[-1][0])
            added += len(rows)
            self._progress(t.name, have + len(rows), total)
        return added

    @staticmethod
    def _count(server: ServerConnection, name: str, server_sid: int) -> int:
        return int(
            server.execute(
                f"SELECT count(*) FROM {name} WHERE session_id = ?", (server_sid,)
            ).fetchone()[0]
        )

    def _check_complete(
        self, local: sqlite3.Connection, server: ServerConnection, sid: int, server_sid: int
    ) -> None:
        for t in EVENT_TABLES:
            mine = local.execute(
                f"SELECT count(*) FROM {t.name} WHERE session_id = ?", (sid,)
            ).fetchone()[0]
            theirs = self._count(server, t.name, server_sid)
            if mine != theirs:
                raise ServerError(
                    f"clinic server {server.label} holds {theirs} {t.name} rows of session {sid}"
                    f" after the push, this laptop {mine}; it will be pushed again"
                )

    def _progress(self, name: str, done: int, total: int) -> None:
        if self.on_progress is not None:
            self.on_progress(name, done, total)


def local_patients_missing(local: sqlite3.Connection, server: ServerConnection) -> list[Any]:
    """Patients on the server this laptop does not have (rows of :data:`PATIENT_COLUMNS`)."""
    mine = {r[0] for r in local.execute("SELECT pseudo_id FROM patients")}
    theirs = server.execute(
        f"SELECT {', '.join(PATIENT_COLUMNS)} FROM patients ORDER BY pseudo_id"
    ).fetchall()
    return [r for r in theirs if r[0] not in mine]


def pull_patients(local: sqlite3.Connection, server: ServerConnection) -> list[str]:
    """Copy the server's patients this laptop lacks (so a session can start for them here).

    Returns their pseudonymous ids. Names are never on the server, so none comes down.
    """
    missing = local_patients_missing(local, server)
    if missing:
        with immediate(local):
            local.executemany(
                f"INSERT OR IGNORE INTO patients ({', '.join(PATIENT_COLUMNS)})"
                f" VALUES ({', '.join('?' * len(PATIENT_COLUMNS))})",
                [tuple(r) for r in missing],
            )
    return [r[0] for r in missing]

"""The session database: patients, sessions, and reading a session back for reports."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import math
import os
import socket
import sqlite3
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ras.errors import UserInputError
from ras.events import (
    ActionEvent,
    CueModeEvent,
    CueStateEvent,
    ImuEvent,
    LinkEvent,
    MarkerEvent,
    SensorStatusEvent,
    SongEvent,
    TempoChangeEvent,
)
from ras.store import rows
from ras.store.patients import (
    AFFECTED_SIDES,
    COLUMNS,
    PatientInfo,
    check_details,
    patient_from_row,
)
from ras.store.schema import END_STATUSES, connect, immediate
from ras.store.songs import SongStore
from ras.validate import check_choice, check_pseudo_id

__all__ = [
    "AFFECTED_SIDES",
    "PatientInfo",
    "SessionInfo",
    "Store",
    "StoreReader",
    "utc_now_iso",
]

_PATIENT_COLUMNS = ", ".join(COLUMNS)

#: A session from another host whose heartbeat is older than this is taken as interrupted (s).
STALE_HEARTBEAT_S = 120.0


def _age_s(utc_iso: str | None, now: dt.datetime) -> float:
    """Seconds from an ISO UTC time stamp to ``now`` (infinite if missing or unreadable)."""
    try:
        then = dt.datetime.fromisoformat(str(utc_iso).replace("Z", "+00:00"))
    except ValueError:
        return math.inf
    if then.tzinfo is None:
        then = then.replace(tzinfo=dt.timezone.utc)
    return (now - then).total_seconds()


def utc_now_iso() -> str:
    """Current wall time, UTC, ISO 8601 with seconds (e.g. ``2025-01-31T09:15:02Z``)."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclasses.dataclass(frozen=True)
class SessionInfo:
    """One recorded session."""

    id: int
    patient_id: str
    started_utc: str
    status: str
    ended_utc: str | None
    settings: dict[str, Any]
    notes: str | None
    end_reason: str | None = None  # why it ended as it did (e.g. "disk full: ..."), if said


def _json_default(obj: Any) -> Any:
    if isinstance(obj, enum.Enum):
        return obj.value
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"cannot store a {type(obj).__name__} in session settings")


def _settings_json(settings: Mapping[str, Any] | Any) -> str:
    if dataclasses.is_dataclass(settings) and not isinstance(settings, type):
        settings = dataclasses.asdict(settings)
    try:
        return json.dumps(dict(settings), sort_keys=True, default=_json_default, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise UserInputError(f"session settings cannot be saved: {exc}") from None


def _pid_alive(pid: int) -> bool:
    """True if process ``pid`` exists on this host and is not a zombie."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


_Reader = TypeVar("_Reader", bound="StoreReader")


class StoreReader:
    """Reading patients and sessions back, from this laptop's file or a clinic server.

    ``conn`` runs SQL with ``?`` parameters and returns rows (a :class:`sqlite3.Connection`,
    or :class:`ras.clinic.server.ServerConnection` on PostgreSQL); ``path`` names where the
    data is in messages (a file, or a server without its credentials).
    """

    def __init__(self, conn: Any, path: Any) -> None:
        self._conn = conn
        self.path = path

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._conn.close()

    def __enter__(self: _Reader) -> _Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def mark_interrupted(self, stale_after_s: float = STALE_HEARTBEAT_S) -> list[int]:
        """Sessions taken as interrupted: none where nothing records (see :class:`Store`)."""
        return []

    # ---- patients -------------------------------------------------------------------------

    def get_patient(self, pseudo_id: str) -> PatientInfo:
        """The patient with this pseudonymous id (archived or not); UserInputError if none."""
        row = self._conn.execute(
            f"SELECT {_PATIENT_COLUMNS} FROM patients WHERE pseudo_id = ?", (pseudo_id,)
        ).fetchone()
        if row is None:
            raise self._unknown_patient(pseudo_id)
        return patient_from_row(row)

    def list_patients(self, *, include_archived: bool = False) -> list[PatientInfo]:
        """The patients, by pseudonymous id; archived ones only if ``include_archived``."""
        where = "" if include_archived else " WHERE archived = 0"
        rs = self._conn.execute(
            f"SELECT {_PATIENT_COLUMNS} FROM patients{where} ORDER BY pseudo_id"
        )
        return [patient_from_row(r) for r in rs]

    def _unknown_patient(self, pseudo_id: str) -> UserInputError:
        known = [p.pseudo_id for p in self.list_patients(include_archived=True)]
        shown = ", ".join(known[:10]) + (", ..." if len(known) > 10 else "")
        known_txt = f"known: {shown}" if known else "no patients yet"
        return UserInputError(
            f"unknown patient {pseudo_id!r} ({known_txt}); add the patient first "
            f"(`ras patients --add {pseudo_id}`, or the set-up page) in {self.path}"
        )

    def _patient_rowid(self, pseudo_id: str) -> int:
        row = self._conn.execute(
            "SELECT id FROM patients WHERE pseudo_id = ?", (pseudo_id,)
        ).fetchone()
        if row is None:
            raise self._unknown_patient(pseudo_id)
        return int(row[0])

    # ---- sessions -------------------------------------------------------------------------

    def get_session(self, session_id: int) -> SessionInfo:
        """One session; UserInputError if there is none with that id."""
        found = self._sessions("WHERE s.id = ?", (int(session_id),))
        if not found:
            raise UserInputError(f"no session {session_id} in {self.path}")
        return found[0]

    def list_sessions(self, patient: str | None = None) -> list[SessionInfo]:
        """Sessions, oldest first; of one patient if ``patient`` is given."""
        if patient is None:
            return self._sessions("", ())
        return self._sessions("WHERE s.patient_id = ?", (self._patient_rowid(patient),))

    def _sessions(self, where: str, params: tuple[Any, ...]) -> list[SessionInfo]:
        rs = self._conn.execute(
            "SELECT s.id, p.pseudo_id, s.started_utc, s.status, s.ended_utc, s.settings_json,"
            f" s.notes, s.end_reason FROM sessions s JOIN patients p ON p.id = s.patient_id"
            f" {where} ORDER BY s.started_utc, s.id",
            params,
        )
        return [
            SessionInfo(i, p, st, status, en, json.loads(js), n, why)
            for i, p, st, status, en, js, n, why in rs
        ]

    # ---- reading back ---------------------------------------------------------------------

    def steps(self, session_id: int) -> np.ndarray:
        """Steps as a structured array (fields of ``rows.STEP_DTYPE``), in time order."""
        return rows.read_steps(self._conn, session_id)

    def cues(self, session_id: int) -> np.ndarray:
        """Cue onsets as a structured array (fields of ``rows.CUE_DTYPE``), in time order."""
        return rows.read_cues(self._conn, session_id)

    def tempo_changes(self, session_id: int) -> list[TempoChangeEvent]:
        return rows.read_records(self._conn, TempoChangeEvent, session_id)

    def markers(self, session_id: int) -> list[MarkerEvent]:
        """Therapist notes and clinical events (falls, freezing seen, ...), in time order."""
        return rows.read_records(self._conn, MarkerEvent, session_id)

    def cue_states(self, session_id: int) -> list[CueStateEvent]:
        """Every start, stop, off, on, pause and resume of the cue, in time order."""
        return rows.read_records(self._conn, CueStateEvent, session_id)

    def cue_modes(self, session_id: int) -> list[CueModeEvent]:
        """Every switch of the cue's sound (metronome, music, music+click), in time order."""
        return rows.read_records(self._conn, CueModeEvent, session_id)

    def song_events(self, session_id: int) -> list[SongEvent]:
        """Every start, stop and stretch change of a song played as the cue, in time order."""
        return rows.read_records(self._conn, SongEvent, session_id)

    def actions(self, session_id: int) -> list[ActionEvent]:
        """Every therapist action with what became of it, in time order."""
        return rows.read_records(self._conn, ActionEvent, session_id)

    def phases(self, session_id: int) -> list[rows.PhaseSpan]:
        """``(name, start_t_s, end_t_s)`` per phase; ``end_t_s`` None if never ended."""
        return rows.read_phases(self._conn, session_id)

    def link_events(self, session_id: int) -> list[LinkEvent]:
        return rows.read_records(self._conn, LinkEvent, session_id)

    def sensor_status(self, session_id: int) -> list[SensorStatusEvent]:
        return rows.read_records(self._conn, SensorStatusEvent, session_id)

    def imu_chunks(self, session_id: int, sensor_id: int | None = None) -> list[ImuEvent]:
        """Raw IMU chunks (float32 samples, shape (n, 6)) in time order."""
        return rows.read_imu(self._conn, session_id, sensor_id)


class Store(StoreReader):
    """The session database (one SQLite file; see :mod:`ras.store.paths` for where).

    Parameters
    ----------
    path : str or Path, optional
        Database file; default ``$RAS_DB`` or the per-user data directory.

    Notes
    -----
    Opening marks sessions left 'running' by a process that no longer exists as
    'incomplete'. Use as a context manager or call :meth:`close`.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        conn, db_path = connect(path)
        super().__init__(conn, db_path)
        try:
            self.mark_interrupted()
        except BaseException:
            self._conn.close()
            raise

    # ---- lifetime -------------------------------------------------------------------------

    @property
    def connection(self) -> sqlite3.Connection:
        """The underlying autocommit connection (for exports and tests)."""
        return self._conn

    @property
    def songs(self) -> SongStore:
        """The music library of this database (:mod:`ras.store.songs`)."""
        return SongStore(self._conn, self.path, self._patient_rowid)

    def integrity_ok(self) -> bool:
        """True if ``PRAGMA integrity_check`` reports ``ok``."""
        return self._conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]

    # ---- patients -------------------------------------------------------------------------

    def add_patient(
        self,
        pseudo_id: str,
        *,
        name: str | None = None,
        diagnosis: str | None = None,
        affected_side: str | None = None,
        diagnosis_note: str | None = None,
        birth_year: int | None = None,
        sex: str | None = None,
        height_m: float | None = None,
        leg_length_m: float | None = None,
    ) -> PatientInfo:
        """Add a patient known by a pseudonymous id (letters, digits, '.', '_', '-').

        The details are checked by :func:`~ras.store.patients.check_details` (text is one
        line of at most :data:`~ras.text.MAX_NAME_CHARS` / :data:`~ras.text.MAX_DIAGNOSIS_CHARS`
        characters; height, leg length and year of birth within plausible ranges).
        """
        pseudo_id = check_pseudo_id(pseudo_id)
        details = check_details(
            {
                k: v
                for k, v in {
                    "name": name,
                    "diagnosis": diagnosis,
                    "affected_side": affected_side,
                    "diagnosis_note": diagnosis_note,
                    "birth_year": birth_year,
                    "sex": sex,
                    "height_m": height_m,
                    "leg_length_m": leg_length_m,
                }.items()
                if v is not None
            }
        )
        row = {**details, "pseudo_id": pseudo_id, "created_utc": utc_now_iso()}
        try:
            self._conn.execute(
                f"INSERT INTO patients ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                tuple(row.values()),
            )
        except sqlite3.IntegrityError:
            raise UserInputError(f"patient {pseudo_id!r} already exists") from None
        return self.get_patient(pseudo_id)

    def edit_patient(self, pseudo_id: str, **changes: object) -> PatientInfo:
        """Change some of a patient's details (names of :data:`~ras.store.patients.EDITABLE`;
        None clears one); the others are kept. Returns the patient as now stored."""
        details = check_details(changes)
        rowid = self._patient_rowid(pseudo_id)
        if details:
            self._conn.execute(
                f"UPDATE patients SET {', '.join(f'{k} = ?' for k in details)} WHERE id = ?",
                (*details.values(), rowid),
            )
        return self.get_patient(pseudo_id)

    def archive_patient(self, pseudo_id: str, archived: bool = True) -> PatientInfo:
        """Hide a patient from the lists (``archived=False`` shows it again); nothing is
        deleted, the sessions stay."""
        rowid = self._patient_rowid(pseudo_id)
        self._conn.execute("UPDATE patients SET archived = ? WHERE id = ?", (int(archived), rowid))
        return self.get_patient(pseudo_id)

    # ---- sessions -------------------------------------------------------------------------

    def begin_session(self, patient_id: str, settings: Mapping[str, Any] | Any = ()) -> int:
        """Start a session for a patient; returns its id. It stays 'running' until ended."""
        rowid = self._patient_rowid(patient_id)
        cur = self._conn.execute(
            "INSERT INTO sessions (patient_id, started_utc, settings_json, status, writer_pid,"
            " writer_host, uid) VALUES (?,?,?,'running',?,?,?)",
            (
                rowid,
                utc_now_iso(),
                _settings_json(settings),
                os.getpid(),
                socket.gethostname(),
                uuid.uuid4().hex,
            ),
        )
        return int(cur.lastrowid)

    def end_session(
        self,
        session_id: int,
        *,
        status: str = "complete",
        notes: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Mark a session ended ('complete', 'incomplete' or 'degraded'), optionally with notes
        and the reason it ended so."""
        check_choice("session status", status, END_STATUSES)
        self.get_session(session_id)
        self._conn.execute(
            "UPDATE sessions SET status = ?, ended_utc = ?, notes = COALESCE(?, notes),"
            " end_reason = COALESCE(?, end_reason) WHERE id = ?",
            (status, utc_now_iso(), notes, reason, session_id),
        )

    def discard_session(self, session_id: int) -> bool:
        """Remove a session that never started (no phase recorded) with all it holds.

        For a session whose sensors or sound never came up: it must not stay in the history.
        Returns True if removed; False (nothing changed) if a phase was recorded or there is no
        such session.
        """
        with immediate(self._conn):
            cur = self._conn.execute(
                "DELETE FROM sessions WHERE id = ? AND NOT EXISTS"
                " (SELECT 1 FROM phases WHERE session_id = ?)",
                (int(session_id), int(session_id)),
            )  # foreign keys are on: its events go with it (ON DELETE CASCADE)
        return cur.rowcount == 1

    def mark_interrupted(self, stale_after_s: float = STALE_HEARTBEAT_S) -> list[int]:
        """Mark sessions left 'running' by a process that has ended as 'incomplete'.

        On this host: the writing process no longer exists. From another host (a shared
        database): its recorder's heartbeat (every 5 s) is older than ``stale_after_s``, by
        this host's UTC clock; the margin absorbs clock differences between hosts, and a
        session wrongly marked is set right when its recorder closes it.

        Returns the ids marked.
        """
        host = socket.gethostname()
        now = dt.datetime.now(dt.timezone.utc)
        running = self._conn.execute(
            "SELECT id, writer_pid, writer_host, COALESCE(heartbeat_utc, started_utc)"
            " FROM sessions WHERE status = 'running'"
        ).fetchall()
        dead = [
            sid
            for sid, pid, whost, beat in running
            if (whost == host and pid != os.getpid() and not _pid_alive(int(pid or 0)))
            or (whost != host and _age_s(beat, now) > stale_after_s)
        ]
        if dead:
            with immediate(self._conn):
                self._conn.executemany(
                    "UPDATE sessions SET status = 'incomplete', notes = COALESCE(notes,"
                    " 'recording process ended without closing the session')"
                    " WHERE id = ? AND status = 'running'",
                    [(sid,) for sid in dead],
                )
        return dead

    # ---- writing events directly (the Recorder does this on its own thread) ---------------

    def record(self, session_id: int, events: Iterable[Any]) -> int:
        """Write events of recorded types in one transaction; returns how many were written."""
        self.get_session(session_id)
        n = 0
        with immediate(self._conn):
            for e in events:
                n += rows.write_event(self._conn, int(session_id), e)
        return n

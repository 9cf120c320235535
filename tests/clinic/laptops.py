"""Laptops for the clinic tests: real simulated sessions, copies of them, and row comparisons."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from ras.clinic.push import EVENT_TABLES, SESSION_COLUMNS
from ras.events import PhaseEvent
from ras.store import Store
from ras.store.rows import cue_events, step_events
from tests.conftest import run_simulated

#: Short phases, raw IMU on (so sessions carry IMU blobs): about 2 s each at 25x.
PHASES = ("--baseline", "12", "--cued", "24", "--probe", "8")


def simulated_session(db: Path, patient: str, *, seed: int, preset: str = "parkinson") -> None:
    """A real `ras run --simulate` session of ``patient`` on the laptop file ``db``."""
    run_simulated(db, preset, "--patient", patient, *PHASES, speed=25, seed=seed)


def copy_session(src: Path, session_id: int, dst: Path, patient: str) -> int:
    """A new session on ``dst`` holding what session ``session_id`` of ``src`` holds."""
    with Store(src) as a:
        info = a.get_session(session_id)
        events: list[Any] = [*step_events(a.steps(session_id)), *cue_events(a.cues(session_id))]
        for read in (
            a.tempo_changes,
            a.markers,
            a.cue_states,
            a.cue_modes,
            a.song_events,
            a.actions,
            a.link_events,
            a.sensor_status,
            a.imu_chunks,
        ):
            events += read(session_id)
        for name, start, end in a.phases(session_id):
            events.append(PhaseEvent(start, name, "start"))
            if end is not None:
                events.append(PhaseEvent(end, name, "end"))
    with Store(dst) as b:
        sid = b.begin_session(patient, info.settings)
        b.record(sid, events)
        b.end_session(sid, status=info.status)
    return sid


def local_rows(db: Path, table: str, session_id: int) -> list[tuple[Any, ...]]:
    """A session's rows of one event table on a laptop, in the order written."""
    t = next(t for t in EVENT_TABLES if t.name == table)
    cols = [c for c in t.data_columns if c != "session_id"]
    with sqlite3.connect(db) as conn:
        return conn.execute(
            f"SELECT {', '.join(cols)} FROM {table} WHERE session_id = ? ORDER BY id",
            (session_id,),
        ).fetchall()


def server_rows(conn: Any, table: str, server_session_id: int) -> list[tuple[Any, ...]]:
    """The same from a psycopg connection to the server."""
    t = next(t for t in EVENT_TABLES if t.name == table)
    cols = [c for c in t.data_columns if c != "session_id"]
    return [
        tuple(bytes(v) if isinstance(v, memoryview) else v for v in r)
        for r in conn.execute(
            f"SELECT {', '.join(cols)} FROM {table} WHERE session_id = %s ORDER BY id",
            (server_session_id,),
        ).fetchall()
    ]


def uid_of(db: Path, session_id: int) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT uid FROM sessions WHERE id = ?", (session_id,)).fetchone()[0]


def assert_on_server_as_on_laptop(db: Path, session_id: int, server: Any) -> None:
    """Every row of the session is on the server once, equal, in order; the session once."""
    uid = uid_of(db, session_id)
    found = server.execute("SELECT id FROM sessions WHERE uid = %s", (uid,)).fetchall()
    assert len(found) == 1, f"session {uid} on the server {len(found)} times"
    server_sid = found[0][0]
    cols = [c for c in SESSION_COLUMNS]
    with sqlite3.connect(db) as conn:
        mine = conn.execute(
            f"SELECT {', '.join(cols)} FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
    theirs = server.execute(
        f"SELECT {', '.join(cols)} FROM sessions WHERE id = %s", (server_sid,)
    ).fetchone()
    assert tuple(theirs) == tuple(mine)
    for t in EVENT_TABLES:
        assert server_rows(server, t.name, server_sid) == local_rows(db, t.name, session_id), t.name

"""Schema v3 (a 'degraded' status and an end reason) rebuilds the sessions table: nothing lost."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ras.events import PhaseEvent, StepEvent
from ras.protocol.messages import Side, StepKind
from ras.store import Store, rows
from ras.store.schema import MIGRATIONS, connect, migrate, schema_version

CHILD_TABLES = ("phases", "markers", "steps")


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in CHILD_TABLES}


def _v2_database(db: Path, n_steps: int) -> dict[str, int]:
    """A database as schema v2 left it (foreign keys on, as ras opens it), holding a session."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    migrate(conn, db, MIGRATIONS[:2])
    conn.execute("INSERT INTO patients (pseudo_id, created_utc) VALUES ('P1', '2026-01-01')")
    for status in ("complete", "incomplete"):
        conn.execute(
            "INSERT INTO sessions (patient_id, started_utc, status, notes, heartbeat_utc)"
            " VALUES (1, '2026-01-01', ?, 'walked', '2026-01-01T00:01:00Z')",
            (status,),
        )
    # a marker row as v2 wrote it (markers gained a kind in v5)
    conn.execute("INSERT INTO markers (session_id, t_s, note) VALUES (1, 1.0, 'm')")
    events: list[object] = [PhaseEvent(0.0, "baseline", "start")]
    events += [
        StepEvent(
            sensor_id=1,
            side=Side.LEFT if i % 2 else Side.RIGHT,
            kind=StepKind.INITIAL_CONTACT,
            t_s=0.5 * i,
            device_t_us=500_000 * i,
            received_t_s=0.5 * i,
            seq=i,
            stride_index=i // 2,
        )
        for i in range(n_steps)
    ]
    conn.execute("BEGIN")
    for event in events:
        assert rows.write_event(conn, 1, event)  # the recorder's row writer, on v2
    conn.execute("COMMIT")
    counts = _counts(conn)
    conn.close()
    return counts


def test_v2_database_keeps_every_session_and_event_through_the_rebuild(tmp_path: Path) -> None:
    db = tmp_path / "v2.db"
    before = _v2_database(db, n_steps=50)
    assert before == {"phases": 1, "markers": 1, "steps": 50}
    with Store(db) as store:
        assert [s.status for s in store.list_sessions()] == ["complete", "incomplete"]
        assert [s.notes for s in store.list_sessions()] == ["walked", "walked"]
        assert _counts(store.connection) == before
        assert len(store.steps(1)) == 50
        assert store.integrity_ok()
        assert store.connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.connection.execute("PRAGMA foreign_key_check").fetchall() == []
        store.end_session(2, status="degraded", reason="cues skipped: 3")
        info = store.get_session(2)
        assert (info.status, info.end_reason) == ("degraded", "cues skipped: 3")
        assert store.get_session(1).end_reason is None
        # the foreign keys still hold on the rebuilt table: deleting a session cascades
        store.connection.execute("DELETE FROM sessions WHERE id = 1")
        assert _counts(store.connection) == {"phases": 0, "markers": 0, "steps": 0}
    conn, _ = connect(db)
    try:
        assert schema_version(conn) == len(MIGRATIONS)
        heartbeat = conn.execute("SELECT heartbeat_utc FROM sessions WHERE id = 2").fetchone()
        assert heartbeat == ("2026-01-01T00:01:00Z",)
    finally:
        conn.close()


def test_status_check_still_refuses_unknown_values(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        store.add_patient("P1")
        sid = store.begin_session("P1")
        with pytest.raises(sqlite3.IntegrityError):
            store.connection.execute("UPDATE sessions SET status = 'done' WHERE id = ?", (sid,))


def test_migration_that_breaks_a_reference_rolls_back(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        steps = (
            "CREATE TABLE p (id INTEGER PRIMARY KEY);"
            " CREATE TABLE c (p_id INTEGER REFERENCES p(id));"
            " INSERT INTO p VALUES (1); INSERT INTO c VALUES (1);",
            "DELETE FROM p;",
        )
        with pytest.raises(sqlite3.IntegrityError, match="broke 1 references"):
            migrate(conn, "m.db", steps)
        assert schema_version(conn) == 1
        assert conn.execute("SELECT COUNT(*) FROM p").fetchone()[0] == 1
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        conn.close()

"""Schema v4 adds a tempo change's effective beat: a v3 file keeps everything, old rows read NaN."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

from ras.events import MarkerEvent, PhaseEvent, TempoChangeEvent
from ras.store import Store
from ras.store.schema import MIGRATIONS, connect, migrate, schema_version


def _v3_database(db: Path) -> None:
    """A database as schema v3 left it, with a session holding a tempo change (v3 columns)."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn, db, MIGRATIONS[:3])
        conn.execute("INSERT INTO patients (pseudo_id, created_utc) VALUES ('P1', '2026-01-01')")
        conn.execute(
            "INSERT INTO sessions (patient_id, started_utc, status) VALUES (1, '2026-01-01', ?)",
            ("complete",),
        )
        conn.execute(
            "INSERT INTO tempo_changes (session_id, t_s, old_bpm, new_bpm, source, reason)"
            " VALUES (1, 30.0, NULL, 96.0, 'plan', 'start')"
        )
        conn.execute("INSERT INTO phases (session_id, name, start_t_s) VALUES (1, 'baseline', 0)")
    finally:
        conn.close()


def test_v3_database_gains_effective_t_s_and_keeps_its_rows(tmp_path: Path) -> None:
    db = tmp_path / "v3.db"
    _v3_database(db)
    with Store(db) as store:
        (old,) = store.tempo_changes(1)
        assert (old.t_s, old.old_bpm, old.new_bpm, old.source, old.reason) == (
            30.0,
            None,
            96.0,
            "plan",
            "start",
        )
        assert math.isnan(old.effective_t_s)
        assert store.phases(1) == [("baseline", 0.0, None)]
        new = TempoChangeEvent(40.0, 96.0, 100.0, "therapist", "+4", effective_t_s=40.5)
        events = [new, MarkerEvent(41.0, "m"), PhaseEvent(50.0, "baseline", "end")]
        assert store.record(1, events) == 3
        assert store.tempo_changes(1)[1] == new
        assert store.phases(1) == [("baseline", 0.0, 50.0)]
        assert store.integrity_ok()
    conn, _ = connect(db)
    try:
        assert schema_version(conn) == len(MIGRATIONS)
    finally:
        conn.close()

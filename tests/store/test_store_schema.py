"""Schema versions and migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ras.errors import UserInputError
from ras.store import SCHEMA_VERSION, Store
from ras.store.schema import MIGRATIONS, connect, migrate, schema_version

TABLES = {
    "patients",
    "sessions",
    "phases",
    "markers",
    "steps",
    "cues",
    "tempo_changes",
    "link_events",
    "sensor_status",
    "imu_chunks",
}


def _tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {r[0] for r in rows}


def test_migrates_empty_database_to_current_version(tmp_path: Path) -> None:
    conn, _ = connect(tmp_path / "s.db")
    try:
        assert schema_version(conn) == SCHEMA_VERSION == len(MIGRATIONS)
        assert _tables(conn) >= TABLES
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        indexed = {
            r[0] for r in conn.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'index'")
        }
        assert TABLES - {"patients", "sessions"} <= indexed
    finally:
        conn.close()


def test_reopen_is_idempotent_and_keeps_data(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with Store(db) as store:
        store.add_patient("P1", diagnosis="PD")
    conn, _ = connect(db)
    try:
        assert migrate(conn, db) == 0
        assert schema_version(conn) == SCHEMA_VERSION
    finally:
        conn.close()
    with Store(db) as store:
        assert store.get_patient("P1").diagnosis == "parkinson"  # "PD" names it
        assert store.integrity_ok()


def test_migrations_apply_in_order_and_failed_one_rolls_back(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    try:
        steps = ("CREATE TABLE a (x);", "CREATE TABLE b (y);")
        assert migrate(conn, "m.db", steps) == 2
        assert schema_version(conn) == 2
        broken = (*steps, "CREATE TABLE c (z); CREATE TABLE a (again);")
        with pytest.raises(sqlite3.OperationalError):
            migrate(conn, "m.db", broken)
        assert not conn.in_transaction
        assert schema_version(conn) == 2
        assert "c" not in _tables(conn)
        fixed = (*steps, "CREATE TABLE c (z);")
        assert migrate(conn, "m.db", fixed) == 1
        assert schema_version(conn) == 3
    finally:
        conn.close()


def test_newer_schema_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with Store(db):
        pass
    conn = sqlite3.connect(db)
    try:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
        conn.commit()
    finally:
        conn.close()
    with pytest.raises(UserInputError, match="newer than this ras") as err:
        Store(db)
    assert str(db) in str(err.value)


def test_a_version_1_database_gains_the_heartbeat_and_keeps_its_sessions(tmp_path: Path) -> None:
    db = tmp_path / "v1.db"
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, db, MIGRATIONS[:1])  # as the first release left it
    conn.execute("INSERT INTO patients (pseudo_id, created_utc) VALUES ('P1', '2026-01-01')")
    conn.execute(
        "INSERT INTO sessions (patient_id, started_utc, status)"
        " VALUES (1, '2026-01-01', 'complete')"
    )
    conn.close()
    with Store(db) as store:
        assert store.get_session(1).status == "complete"
    conn, _ = connect(db)
    try:
        assert schema_version(conn) == SCHEMA_VERSION
        cols = {r[1] for r in conn.execute("PRAGMA table_info(sessions)")}
        assert "heartbeat_utc" in cols
    finally:
        conn.close()

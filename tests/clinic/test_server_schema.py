"""The server's schema comes from the same declaration as the laptop's, and so do migrations."""

from __future__ import annotations

import sqlite3
import threading

import psycopg
import pytest

import ras.clinic.server as server_module
from ras.clinic.server import (
    SchemaMismatchError,
    connect_server,
    ensure_schema,
    server_schema_version,
)
from ras.store.declaration import AddColumn, Col, CreateIndex, Index, Migration, migration_sql
from ras.store.declaration import server_tables as declared_server_tables
from ras.store.schema import MIGRATIONS, SCHEMA_VERSION, migrate, schema_version

PG_TYPES = {"id": "bigint", "int": "bigint", "real": "double precision", "text": "text"}
PG_TYPES["blob"] = "bytea"


def server_columns(url: str) -> dict[str, list[tuple[str, str, bool]]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT table_name, column_name, data_type, is_nullable = 'NO'"
            " FROM information_schema.columns WHERE table_schema = 'public'"
            " ORDER BY table_name, ordinal_position"
        ).fetchall()
    out: dict[str, list[tuple[str, str, bool]]] = {}
    for t, c, kind, not_null in rows:
        out.setdefault(t, []).append((c, kind, not_null))
    return out


def test_an_empty_database_gets_the_declared_schema(clinic_url) -> None:
    conn = connect_server(clinic_url)
    try:
        assert server_schema_version(conn) is None
        assert ensure_schema(conn) == 0
        assert server_schema_version(conn) == SCHEMA_VERSION
    finally:
        conn.close()
    found = server_columns(clinic_url)
    assert found.pop("ras_schema") == [("version", "bigint", True)]
    expected = {
        t.name: [(c.name, PG_TYPES[c.type], c.not_null or c.type == "id") for c in t.columns]
        for t in declared_server_tables()
    }
    assert found == expected


def test_two_laptops_creating_the_schema_at_once_make_one(clinic_url) -> None:
    errors: list[BaseException] = []

    def create() -> None:
        try:
            conn = connect_server(clinic_url)
            try:
                ensure_schema(conn)
            finally:
                conn.close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    with psycopg.connect(clinic_url) as conn:
        assert conn.execute("SELECT count(*) FROM ras_schema").fetchone()[0] == 1


def test_one_declared_migration_moves_both_engines(clinic_url, tmp_path, monkeypatch) -> None:
    """A next schema version, declared once, applies to a laptop file and to the server."""
    nxt = Migration(
        SCHEMA_VERSION + 1,
        "a test: the room a session was recorded in",
        (
            AddColumn("sessions", Col("room", "text", not_null=True, default="''")),
            CreateIndex(Index("sessions_room", "sessions", ("room",))),
        ),
    )
    conn = connect_server(clinic_url)
    try:
        ensure_schema(conn)
        monkeypatch.setattr(server_module, "DECLARED_MIGRATIONS", (nxt,))
        monkeypatch.setattr(server_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
        with pytest.raises(SchemaMismatchError, match="ras server --upgrade"):
            ensure_schema(conn)
        assert ensure_schema(conn, upgrade=True) == 1
        assert server_schema_version(conn) == SCHEMA_VERSION + 1
    finally:
        conn.close()
    cols = {c for c, _, _ in server_columns(clinic_url)["sessions"]}
    assert "room" in cols
    db = tmp_path / "laptop.db"
    local = sqlite3.connect(db, isolation_level=None)
    try:
        scripts = (*MIGRATIONS, ";\n".join(migration_sql(nxt, "sqlite")) + ";")
        assert migrate(local, db, scripts) == len(scripts)
        assert schema_version(local) == SCHEMA_VERSION + 1
        assert "room" in {r[1] for r in local.execute("PRAGMA table_info(sessions)")}
    finally:
        local.close()

"""The declared schema (ras.store.declaration) is exactly what the released migrations built."""

from __future__ import annotations

import sqlite3

import pytest

from ras.store.declaration import (
    DECLARED_MIGRATIONS,
    FIRST_DECLARED,
    SCHEMA,
    Col,
    Table,
    create_sql,
    migration_sql,
    server_tables,
)
from ras.store.schema import MIGRATIONS, SCHEMA_VERSION, connect, schema_version
from ras.store.tables import TABLES


def checks_of(sql: str) -> list[str]:
    """The CHECK expressions in a CREATE TABLE, whitespace normalised, sorted."""
    out, i = [], 0
    while (i := sql.find("CHECK (", i)) >= 0:
        depth, j = 0, i + len("CHECK ")
        for j in range(i + len("CHECK "), len(sql)):
            depth += {"(": 1, ")": -1}.get(sql[j], 0)
            if depth == 0:
                break
        out.append(" ".join(sql[i + len("CHECK (") : j].split()))
        i = j
    return sorted(out)


def describe(conn: sqlite3.Connection) -> dict[str, dict[str, object]]:
    """Every table's columns, keys, references, indexes and checks, as SQLite reports them."""
    out: dict[str, dict[str, object]] = {}
    tables = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
    ).fetchall()
    for name, sql in tables:
        indexes = {
            row[1]: (row[2], [c[2] for c in conn.execute(f"PRAGMA index_info({row[1]})")])
            for row in conn.execute(f"PRAGMA index_list({name})")
            if row[3] == "c"  # made by CREATE INDEX (UNIQUE constraints are in the columns)
        }
        out[name] = {
            "columns": [r[1:] for r in conn.execute(f"PRAGMA table_xinfo({name})")],
            "references": sorted(
                (r[3], r[2], r[4], r[6]) for r in conn.execute(f"PRAGMA foreign_key_list({name})")
            ),
            "unique": sorted(
                tuple(c[2] for c in conn.execute(f"PRAGMA index_info({r[1]})"))
                for r in conn.execute(f"PRAGMA index_list({name})")
                if r[3] == "u"
            ),
            "indexes": indexes,
            "checks": checks_of(sql),
        }
    return out


def built_by_migrations() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    for script in MIGRATIONS:
        conn.executescript(script)
    return conn


def built_from_declaration() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    for statement in create_sql("sqlite"):
        conn.execute(statement)
    return conn


def test_migrations_build_what_is_declared() -> None:
    old, new = describe(built_by_migrations()), describe(built_from_declaration())
    assert sorted(old) == sorted(new) == sorted(t.name for t in SCHEMA)
    for name in old:
        assert old[name] == new[name], name


def test_a_wrong_declaration_is_caught() -> None:
    """The comparison sees a changed check, default, type or column order."""
    good = describe(built_from_declaration())
    patients = next(t for t in SCHEMA if t.name == "patients")
    changes = [
        Col("sex", "text", check="sex IN ('female', 'male')"),
        Col("sex", "text", default="'other'", check="sex IN ('female', 'male', 'other')"),
        Col("sex", "int", check="sex IN ('female', 'male', 'other')"),
    ]
    for changed in changes:
        cols = tuple(changed if c.name == "sex" else c for c in patients.columns)
        conn = sqlite3.connect(":memory:")
        conn.execute(Table("patients", cols).sql("sqlite"))
        assert describe(conn)["patients"] != good["patients"], changed


def test_versions_line_up() -> None:
    assert len(MIGRATIONS) == SCHEMA_VERSION
    assert [m.to_version for m in DECLARED_MIGRATIONS] == list(
        range(FIRST_DECLARED, SCHEMA_VERSION + 1)
    )


def test_event_tables_hold_their_records() -> None:
    """Each recorded event's table has one column per field, of the field's SQL type."""
    declared = {t.name: t for t in SCHEMA}
    kinds = {"REAL": "real", "INTEGER": "int", "TEXT": "text"}
    for table in TABLES.values():
        cols = {c.name: c for c in declared[table.name].columns}
        assert set(cols) == {"id", "session_id", *table.column_names}
        for c in table.columns:
            assert cols[c.name].type == kinds[c.sql_type], (table.name, c.name)


def test_the_server_gets_no_local_table() -> None:
    names = {t.name for t in server_tables()}
    assert "server_pushes" not in names
    assert {"patients", "sessions", "steps", "imu_chunks"} <= names
    assert not any("server_pushes" in s for s in create_sql("postgresql"))
    pg = "\n".join(create_sql("postgresql"))
    assert "BLOB" not in pg and " REAL" not in pg and "INTEGER PRIMARY KEY" not in pg
    for m in DECLARED_MIGRATIONS:
        assert all("server_pushes" not in s for s in migration_sql(m, "postgresql"))


@pytest.mark.parametrize("start", [1, 5, 8])
def test_an_old_file_migrates_and_gets_uids(tmp_path, start: int) -> None:
    """A file of an old release opens at the current version; its sessions get distinct uids."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for script in MIGRATIONS[:start]:
        conn.executescript(script)
    conn.execute(f"PRAGMA user_version = {start}")
    conn.execute("INSERT INTO patients (pseudo_id, created_utc) VALUES ('P1', 'x')")
    for _ in range(3):
        conn.execute("INSERT INTO sessions (patient_id, started_utc) VALUES (1, 'x')")
    conn.close()
    conn, _ = connect(path)
    assert schema_version(conn) == SCHEMA_VERSION
    uids = [r[0] for r in conn.execute("SELECT uid FROM sessions")]
    assert len(set(uids)) == 3 and all(len(u) == 32 for u in uids)
    conn.close()

"""The clinic server through the real `ras` command: a laptop offline for a week, bad input in
one line (unreachable server, wrong credentials, schema of another version, a bad URL) with
nothing recorded locally lost, TLS honoured, credentials never shown."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.clinic.laptops import assert_on_server_as_on_laptop, copy_session, simulated_session
from tests.clinic.pg_server import PgServer, free_port
from tests.conftest import add_patient, assert_one_line_error

PATIENT = "P-WEEK-3"


def ras(*argv: str, server: str | None, home: Path) -> subprocess.CompletedProcess[str]:
    """`ras argv` in a subprocess with ``server`` as $RAS_SERVER and its own config home."""
    env = {**os.environ, "XDG_CONFIG_HOME": str(home / "config")}
    env.pop("PGPASSWORD", None)
    env["RAS_SERVER"] = server or ""
    return subprocess.run(
        [sys.executable, "-m", "ras", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def local_state(db: Path) -> list[tuple]:
    """Every session row and every table's row count on the laptop."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT * FROM sessions ORDER BY id").fetchall()
        counts = [
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()
            for t in ("steps", "cues", "imu_chunks", "phases", "markers")
        ]
    return rows + counts


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A laptop that recorded one real session (more are copied from it)."""
    db = tmp_path_factory.mktemp("week") / "ras.sqlite3"
    add_patient(db, PATIENT, "--diagnosis", "stroke", "--affected-side", "left")
    simulated_session(db, PATIENT, seed=5, preset="stroke")
    return db


def test_a_laptop_offline_for_a_week_pushes_everything_when_back(tmp_path, week) -> None:
    db = tmp_path / "ras.sqlite3"
    db.write_bytes(week.read_bytes())
    server = PgServer()
    try:
        url = server.url("postgres")
        # Monday: the session ends while the server is down; it is complete on the laptop
        run = ras(
            *("run", "--simulate", "stroke", "--audio", "none", "--speed", "25", "--db", str(db)),
            *("--patient", PATIENT, "--baseline", "8", "--cued", "12", "--probe", "6"),
            server=url,
            home=tmp_path,
        )
        assert run.returncode == 0, run.stderr
        assert "is unreachable" in run.stderr and "stays on this laptop" in run.stderr
        assert server.password not in run.stdout + run.stderr
        # the rest of the week: five more sessions, still no server
        for _day in range(5):
            copy_session(week, 1, db, PATIENT)
        before = local_state(db)
        listed = ras("sessions", "--db", str(db), server=url, home=tmp_path)
        assert listed.returncode == 0
        assert "showing this laptop's sessions only" in listed.stderr
        assert len(listed.stdout.splitlines()) == 7
        # back online
        server.start()
        pushed = ras("push", "--db", str(db), server=url, home=tmp_path)
        assert pushed.returncode == 0, pushed.stderr
        assert "pushed 7 session(s)" in pushed.stdout
        assert local_state(db) == before
        with psycopg.connect(url) as conn:
            for sid in range(1, 8):
                assert_on_server_as_on_laptop(db, sid, conn)
        listed = ras("sessions", "--db", str(db), server=url, home=tmp_path)
        assert listed.returncode == 0 and listed.stderr == ""
        assert len(listed.stdout.splitlines()) == 7
        again = ras("push", "--db", str(db), server=url, home=tmp_path)
        assert "pushed 0 session(s), 0 rows" in again.stdout
        exported = ras(
            *("export", "7", "--format", "csv", "--out", str(tmp_path / "out"), "--db", str(db)),
            server=url,
            home=tmp_path,
        )
        assert exported.returncode == 0, exported.stderr
        assert "exported session 7" in exported.stdout
    finally:
        server.remove()


def test_bad_input_is_one_line_and_nothing_local_is_lost(tmp_path, week, pg_server) -> None:
    db = tmp_path / "ras.sqlite3"
    db.write_bytes(week.read_bytes())
    before = local_state(db)
    good = pg_server.create_database("bad_input")
    cases = [
        (f"postgresql://ras_admin:pw@127.0.0.1:{free_port()}/clinic", ("is unreachable",)),
        (pg_server.url("bad_input", password="not-the-password"), ("refused the credentials",)),
        ("http://example.org/clinic", ("not a PostgreSQL connection URL",)),
        ("postgresql://ras_admin@127.0.0.1:port/clinic", ("port that is not a number",)),
    ]
    for url, needles in cases:
        proc = ras("push", "--db", str(db), server=url, home=tmp_path)
        line = assert_one_line_error(proc, *needles)
        assert "not-the-password" not in line and ":pw@" not in line
        assert local_state(db) == before
    # a schema of another version, either way
    assert ras("server", server=good, home=tmp_path).returncode == 0
    with psycopg.connect(good, autocommit=True) as conn:
        conn.execute("UPDATE ras_schema SET version = version + 90")
    proc = ras("push", "--db", str(db), server=good, home=tmp_path)
    assert_one_line_error(proc, "newer than this ras understands", "upgrade ras")
    with psycopg.connect(good, autocommit=True) as conn:
        conn.execute("UPDATE ras_schema SET version = 1")
    proc = ras(
        "report",
        "--patient",
        PATIENT,
        "--pdf",
        str(tmp_path / "p.pdf"),
        "--db",
        str(db),
        server=good,
        home=tmp_path,
    )
    assert_one_line_error(proc, "older than this ras", "ras server --upgrade")
    assert not (tmp_path / "p.pdf").exists()
    assert local_state(db) == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM server_pushes").fetchone()[0] == 0
    # ras config keeps no password and shows none
    assert_one_line_error(
        ras("config", "--server", pg_server.url("bad_input"), server=None, home=tmp_path),
        "does not store passwords",
    )
    saved = ras("config", "--server", pg_server.url("x", password=""), server=None, home=tmp_path)
    assert saved.returncode == 0
    config = tmp_path / "config" / "ras" / "config.json"
    assert oct(config.stat().st_mode & 0o777) == "0o600"
    assert pg_server.password not in config.read_text()


def test_tls_is_honoured(tmp_path, week) -> None:
    server = PgServer(ssl=True)
    server.start()
    try:
        cert = server.certificate
        verified = server.url("postgres", sslmode="verify-full", sslrootcert=str(cert)).replace(
            "127.0.0.1", "localhost"
        )
        status = ras("server", server=verified, home=tmp_path)
        assert status.returncode == 0, status.stderr
        assert "schema version" in status.stdout
        from ras.clinic.server import connect_server

        conn = connect_server(verified)
        try:
            assert (
                conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()[
                    0
                ]
                is True
            )
        finally:
            conn.close()
        # the certificate names localhost, not 127.0.0.1: verify-full refuses, in one line
        wrong_host = server.url("postgres", sslmode="verify-full", sslrootcert=str(cert))
        assert_one_line_error(ras("server", server=wrong_host, home=tmp_path), "TLS failed")
    finally:
        server.remove()


def test_tls_required_but_not_offered_is_one_line(tmp_path, pg_server) -> None:
    url = pg_server.url("postgres", sslmode="require")
    assert_one_line_error(ras("server", server=url, home=tmp_path), "TLS failed")

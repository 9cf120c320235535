"""Pushing sessions to a real PostgreSQL: two laptops, one patient, one history; pushes that are
cut off resume without losing or doubling a row."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import psycopg
import pytest

from ras.clinic.config import server_label
from ras.clinic.push import (
    EVENT_TABLES,
    SessionPusher,
    pending_sessions,
    saved_marks,
    sessions_grown_since,
)
from ras.clinic.records import ServerStore, open_records, sync
from ras.clinic.server import ServerUnavailableError, connect_server, ensure_schema
from ras.report.progress import patient_course
from tests.clinic.laptops import (
    assert_on_server_as_on_laptop,
    copy_session,
    simulated_session,
    uid_of,
)
from tests.clinic.pg_server import PgServer, free_port
from tests.conftest import add_patient

PATIENT = "P-CLINIC-7"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A laptop file with two real simulated sessions of PATIENT (copied for each test)."""
    db = tmp_path_factory.mktemp("template") / "ras.sqlite3"
    add_patient(db, PATIENT, "--diagnosis", "parkinson", "--name", "Never Uploaded")
    simulated_session(db, PATIENT, seed=3)
    simulated_session(db, PATIENT, seed=4)
    return db


def laptop(tmp_path: Path, recorded: Path, name: str) -> Path:
    """A laptop of its own: PATIENT and two sessions (new uids) copied from the template."""
    db = tmp_path / name / "ras.sqlite3"
    db.parent.mkdir()
    add_patient(db, PATIENT, "--diagnosis", "parkinson", "--name", "Never Uploaded")
    for sid in (1, 2):
        copy_session(recorded, sid, db, PATIENT)
    return db


def test_two_laptops_one_history(tmp_path, recorded, clinic_url, monkeypatch) -> None:
    a, b = laptop(tmp_path, recorded, "room2"), laptop(tmp_path, recorded, "room5")
    results, errors = {}, []

    def push(name: str, db: Path) -> None:
        try:
            results[name] = sync(db, clinic_url, pusher=SessionPusher(chunk_rows=300))
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=push, args=x) for x in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert results["a"].pushed == results["b"].pushed == 2
    with psycopg.connect(clinic_url) as server:
        assert server.execute("SELECT count(*) FROM sessions").fetchone()[0] == 4
        assert server.execute("SELECT count(*) FROM patients").fetchone()[0] == 1
        name = server.execute("SELECT name FROM patients").fetchone()[0]
        assert name is None  # names stay on the laptop
        for db in (a, b):
            for sid in (1, 2):
                assert_on_server_as_on_laptop(db, sid, server)
    # both again: nothing new, nothing doubled
    assert sync(a, clinic_url).pushed == 0 and sync(b, clinic_url).pushed == 0
    monkeypatch.setenv("RAS_SERVER", clinic_url)
    for db in (a, b):
        records = open_records(db)
        with records.store as store:
            assert isinstance(store, ServerStore)
            course = patient_course(store, PATIENT)
            uids = [uid_of(x, s) for x in (a, b) for s in (1, 2)]
            assert len(course) == 4
            steps = [len(store.steps(s.id)) for s in store.list_sessions(PATIENT)]
        with sqlite3.connect(db) as conn:
            assert pending_sessions(conn, server_label(clinic_url)) == []
    with psycopg.connect(clinic_url) as server:
        assert sorted(r[0] for r in server.execute("SELECT uid FROM sessions")) == sorted(uids)
    assert all(n > 50 for n in steps)


def test_a_session_changed_after_its_push_is_pushed_again(tmp_path, recorded, clinic_url):
    db = laptop(tmp_path, recorded, "room3")
    assert sync(db, clinic_url).pushed == 2
    from ras.events import MarkerEvent, MarkerKind
    from ras.store import Store

    label = server_label(clinic_url)
    with sqlite3.connect(db) as conn:
        assert sessions_grown_since(conn, saved_marks(conn, label)) == set()
        assert pending_sessions(conn, label) == []
    with Store(db) as store:
        store.record(1, [MarkerEvent(99.0, "seen after the walk", MarkerKind.NOTE)])
        store.end_session(2, status="complete", notes="reviewed")
    with sqlite3.connect(db) as conn:
        assert sessions_grown_since(conn, saved_marks(conn, label)) == {1}
        assert pending_sessions(conn, label) == [1, 2]
    assert sync(db, clinic_url).pushed == 2
    assert sync(db, clinic_url).pushed == 0
    with psycopg.connect(clinic_url) as server:
        assert server.execute("SELECT count(*) FROM sessions").fetchone()[0] == 2
        for sid in (1, 2):
            assert_on_server_as_on_laptop(db, sid, server)
        notes = server.execute("SELECT notes FROM sessions WHERE uid = %s", (uid_of(db, 2),))
        assert notes.fetchone()[0] == "reviewed"


@pytest.mark.parametrize("stop_after_chunks", [1, 7, "in the second session"])
def test_a_push_cut_off_by_stopping_the_server_resumes(tmp_path, recorded, stop_after_chunks):
    """The server is stopped (immediately, as a crash) between chunks; pushed again after it
    is back, every row is there once, and a session pushed whole before the cut is not
    pushed again."""
    db = laptop(tmp_path, recorded, "room9")
    server = PgServer()
    server.start()
    try:
        url = server.create_database("clinic")
        chunks = []

        def stop_now(table: str, done: int, total: int) -> None:
            chunks.append(table)
            if stop_after_chunks == "in the second session":
                stop = table == "steps" and chunks.count("phases") == 2
            else:
                stop = len(chunks) == stop_after_chunks
            if stop:
                server.stop(immediate=True)

        with pytest.raises(ServerUnavailableError, match=r"unreachable"):
            sync(db, url, pusher=SessionPusher(chunk_rows=100, on_progress=stop_now))
        server.start()
        with psycopg.connect(url) as conn:
            partial = conn.execute("SELECT count(*) FROM steps").fetchone()[0]
        result = sync(db, url, pusher=SessionPusher(chunk_rows=100))
        whole_before = 1 if stop_after_chunks == "in the second session" else 0
        assert result.pushed == 2 - whole_before and result.waiting == 0
        with psycopg.connect(url) as conn:
            for sid in (1, 2):
                assert_on_server_as_on_laptop(db, sid, conn)
            total = sum(
                conn.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0] for t in EVENT_TABLES
            )
        assert partial < total
    finally:
        server.remove()


def test_the_virtual_patients_sessions_stay_on_the_laptop(tmp_path, recorded, clinic_url):
    db = laptop(tmp_path, recorded, "demo")
    add_patient(db, "sim-parkinson", "--diagnosis", "parkinson")
    demo = copy_session(recorded, 1, db, "sim-parkinson")
    assert sync(db, clinic_url).pushed == 2
    with psycopg.connect(clinic_url) as server:
        uids = {r[0] for r in server.execute("SELECT uid FROM sessions")}
        patients = [r[0] for r in server.execute("SELECT pseudo_id FROM patients")]
    assert uid_of(db, demo) not in uids and patients == [PATIENT]


def test_a_session_the_server_refuses_does_not_stop_the_others(tmp_path, recorded, clinic_url):
    """The server holds more rows of a session than the laptop (a laptop restored from an
    older backup): that session is listed as not pushed, with its reason; the next is pushed."""
    from ras.events import MarkerEvent, MarkerKind
    from ras.store import Store

    db = laptop(tmp_path, recorded, "restored")
    assert (
        sync(
            db,
            clinic_url,
            pusher=SessionPusher(),
        ).pushed
        == 2
    )
    with psycopg.connect(clinic_url, autocommit=True) as server:
        sid = server.execute("SELECT id FROM sessions WHERE uid = %s", (uid_of(db, 1),))
        server.execute(
            "INSERT INTO markers (session_id, t_s, note, kind) VALUES (%s, 1, 'x', 'note')"
            " , (%s, 2, 'y', 'note')",
            (sid.fetchone()[0],) * 2,
        )
    with Store(db) as store:
        for s in (1, 2):
            store.record(s, [MarkerEvent(50.0, "after review", MarkerKind.NOTE)])
    result = sync(db, clinic_url)
    assert result.pushed == 1 and [s for s, _ in result.failed] == [1]
    assert "holds 2 markers rows of session 1, this laptop 1" in result.text()
    with psycopg.connect(clinic_url) as server:
        assert_on_server_as_on_laptop(db, 2, server)


def test_a_connection_cut_in_the_middle_of_a_chunk_loses_and_doubles_nothing(
    tmp_path, recorded, clinic_url
) -> None:
    """The server ends the push's connection while a chunk is half written (a trigger
    terminates its own backend at the 250th step row it sees): that chunk is rolled back,
    the next push sends it again, and every row is there once."""
    db = laptop(tmp_path, recorded, "cut")
    conn = connect_server(clinic_url)
    try:
        ensure_schema(conn)
    finally:
        conn.close()
    with psycopg.connect(clinic_url, autocommit=True) as admin:
        admin.execute("CREATE SEQUENCE steps_seen")
        admin.execute(
            "CREATE FUNCTION cut_once() RETURNS trigger AS $$ BEGIN"
            " IF nextval('steps_seen') = 250 THEN PERFORM pg_terminate_backend(pg_backend_pid());"
            " END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        admin.execute(
            "CREATE TRIGGER cut BEFORE INSERT ON steps FOR EACH ROW EXECUTE FUNCTION cut_once()"
        )
    with pytest.raises(ServerUnavailableError):
        sync(db, clinic_url, pusher=SessionPusher(chunk_rows=100))
    with psycopg.connect(clinic_url) as server:
        assert server.execute("SELECT count(*) FROM steps").fetchone()[0] == 200
    assert sync(db, clinic_url, pusher=SessionPusher(chunk_rows=100)).pushed == 2
    with psycopg.connect(clinic_url) as server:
        for sid in (1, 2):
            assert_on_server_as_on_laptop(db, sid, server)


def test_after_a_session_the_line_names_its_id_on_the_server(
    tmp_path, recorded, clinic_url, monkeypatch
) -> None:
    from ras.clinic.records import push_after_session

    monkeypatch.setenv("RAS_SERVER", clinic_url)
    first = laptop(tmp_path, recorded, "room1")
    assert "pushed 2 session(s)" in push_after_session(first, 2)
    other = tmp_path / "room4.sqlite3"
    add_patient(other, PATIENT)
    sid = copy_session(recorded, 1, other, PATIENT)
    line = push_after_session(other, sid)
    assert line.endswith(f"session {sid} is #3 on the server"), line
    monkeypatch.setenv("RAS_SERVER", "")
    assert push_after_session(other, sid) == ""


def test_push_session_says_where_the_session_is_on_the_server(
    tmp_path, recorded, clinic_url, pg_server, monkeypatch
) -> None:
    from ras.clinic.records import SessionPush, push_session

    monkeypatch.setenv("RAS_SERVER", clinic_url)
    db = laptop(tmp_path, recorded, "room3")
    pushed = push_session(db, 2)
    assert pushed.url == clinic_url and pushed.line.endswith(
        f"is #{pushed.server_id} on the server"
    )
    assert pg_server.password not in repr(pushed)
    with psycopg.connect(clinic_url) as server:
        uid = server.execute("SELECT uid FROM sessions WHERE id = %s", (pushed.server_id,))
        assert uid.fetchone()[0] == uid_of(db, 2)
    # already there, sent by an earlier push (another process): its id all the same
    label = server_label(clinic_url)
    assert push_session(db, 2) == SessionPush(
        f"clinic server {label}: pushed 0 session(s), 0 rows; session 2 is"
        f" #{pushed.server_id} on the server",
        clinic_url,
        pushed.server_id,
    )
    monkeypatch.setenv("RAS_SERVER", f"postgresql://ras@127.0.0.1:{free_port()}/clinic")
    offline = push_session(db, 2)
    assert offline.url is None and offline.server_id is None
    assert "is unreachable" in offline.line and "stays on this laptop" in offline.line
    monkeypatch.setenv("RAS_SERVER", "")
    assert push_session(db, 2) == SessionPush("")

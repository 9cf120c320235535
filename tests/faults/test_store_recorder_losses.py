"""Every way the recorder can lose an event is counted, and a full disk is never retried."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ras.events import MarkerEvent
from ras.session.live import session_outcome
from ras.session.runner import SessionSummary
from ras.store import recorder as recorder_module
from ras.store.recorder import Recorder, RecorderStats, is_disk_full
from ras.store.store import Store


@pytest.fixture
def session(tmp_path: Path) -> tuple[Path, int]:
    db = tmp_path / "ras.sqlite3"
    with Store(db) as store:
        store.add_patient("P1")
        return db, store.begin_session("P1")


def test_puts_past_the_bound_and_after_close_are_lost(session, monkeypatch) -> None:
    db, sid = session
    monkeypatch.setattr(recorder_module, "MAX_QUEUED", 0)  # every put finds the queue full
    rec = Recorder(db, sid)
    rec.put(MarkerEvent(3.0, "a"))
    rec.put(MarkerEvent(2.0, "b"))
    stats = rec.close(status="incomplete", reason="test")
    rec.put(MarkerEvent(9.0, "late"))
    assert (stats.events_lost, stats.first_lost_t_s, stats.events_written) == (2, 2.0, 0)
    assert rec.stats.events_lost == 3 and rec.stats.failed
    with Store(db) as store:
        assert store.markers(sid) == []
        assert store.get_session(sid).end_reason == "test"


def test_disk_full_is_given_up_at_once_not_retried(session, monkeypatch) -> None:
    db, sid = session
    calls = []

    def full(conn: sqlite3.Connection, session_id: int, event: object) -> bool:
        calls.append(event)
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(recorder_module.rows, "write_event", full)
    rec = Recorder(db, sid, commit_interval_s=0.01)
    for i in range(5):
        rec.put(MarkerEvent(float(i), "x"))
    stats = rec.close(status="incomplete")
    assert stats.disk_full and stats.events_lost == 5 and stats.first_lost_t_s == 0.0
    assert len(calls) <= 5  # each batch tried once: no retries of a full disk
    status, reason = session_outcome(SessionSummary(completed=True), stats)
    assert status == "incomplete"
    assert reason == "disk full: recording stopped at 0.0 s; 5 events not saved"


def test_disk_full_is_recognised_by_code_message_and_errno() -> None:
    assert is_disk_full(sqlite3.OperationalError("database or disk is full"))
    assert is_disk_full(OSError(28, "No space left on device"))
    assert not is_disk_full(sqlite3.OperationalError("database is locked"))
    assert not is_disk_full(OSError(13, "Permission denied"))


def test_status_follows_the_agreed_rules() -> None:
    clean = RecorderStats(10, 1, 0, 0, 0, None)
    done = SessionSummary(completed=True)
    assert session_outcome(done, clean) == ("complete", "")
    skipped = SessionSummary(completed=True)
    skipped.cues_skipped = 3
    assert session_outcome(skipped, clean) == ("degraded", "3 cues skipped")
    stopped = SessionSummary(completed=False, reason="stopped with Ctrl-C")
    assert session_outcome(stopped, clean) == ("incomplete", "stopped with Ctrl-C")
    lost = RecorderStats(10, 1, 0, 1, 4, "commit failed: busy")
    assert session_outcome(done, lost) == (
        "incomplete",
        "4 events not saved (commit failed: busy)",
    )
    assert session_outcome(None, clean) == ("incomplete", "the session did not run to its end")

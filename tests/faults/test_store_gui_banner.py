"""The live view says at once when recording stops: a real recorder on a disk that fills."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from ras.events import MarkerEvent
from ras.store import recorder as recorder_module
from ras.store.recorder import Recorder
from ras.store.store import Store


def test_disk_full_shows_a_red_banner_in_the_live_view(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gui.live_view import AUDIO_HELP, LivePage
    from ras.session.host import recording_problem
    from ras.session.snapshot import LiveSnapshot

    db = tmp_path / "ras.sqlite3"
    with Store(db) as store:
        store.add_patient("P-GUI")
        sid = store.begin_session("P-GUI")
    real_write = recorder_module.rows.write_event

    def write_event(conn: sqlite3.Connection, session_id: int, event: object) -> bool:
        if getattr(event, "t_s", 0.0) >= 12.0:
            raise sqlite3.OperationalError("database or disk is full")
        return real_write(conn, session_id, event)

    monkeypatch.setattr(recorder_module.rows, "write_event", write_event)
    rec = Recorder(db, sid, commit_interval_s=0.01)
    try:
        assert recording_problem(rec.health()) == ""
        deadline = time.monotonic() + 10.0
        rec.put(MarkerEvent(5.0, "kept"))
        while rec.health().events_written < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        rec.put(MarkerEvent(12.3, "lost"))
        while not rec.health().disk_full and time.monotonic() < deadline:
            time.sleep(0.01)
        problem = recording_problem(rec.health())
    finally:
        stats = rec.close(status="incomplete")
    assert problem == "Recording stopped: disk full at 12.3 s — data after that is not saved"
    assert stats.disk_full and stats.events_lost == 1 and stats.events_written == 1

    page = LivePage()
    qtbot.addWidget(page)
    page.show()
    assert not page.audio_banner.isVisible()
    page.show_state(LiveSnapshot(state="running", recording_problem=problem))
    assert page.audio_banner.isVisible()
    assert page.audio_banner.text() == f"⚠ {problem}"
    page.show_state(
        LiveSnapshot(state="running", recording_problem=problem, audio_problem="it failed 2 times")
    )
    assert page.audio_banner.text().splitlines() == [
        f"⚠ {problem}",
        f"⚠ Sound: it failed 2 times. {AUDIO_HELP}",
    ]

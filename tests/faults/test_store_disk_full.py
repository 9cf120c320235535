"""The disk fills mid-session: recording stops cleanly, nothing before it is lost, nothing claimed.

A real session (virtual patient on ptys, raw IMU at 100 Hz, no audio) on a real SQLite file. As
root, where ``mount`` works, the database lives on a 400 KB tmpfs that fills about half-way
through; elsewhere the same body runs with SQLite's own disk-full error injected at the
recorder's write call once the session is 25 s in.
"""

from __future__ import annotations

import math
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from ras.audio.backends import parse_audio_spec
from ras.bus import SessionBus
from ras.events import StepEvent
from ras.session.live import begin_session, run_live_session
from ras.session.request import SimulatedSensors
from ras.session.runner import SessionRunner
from ras.session.settings import SessionSettings
from ras.session_clock import SessionClock
from ras.store import recorder as recorder_module
from ras.store.store import Store

SPEED = 8.0
TMPFS_SIZE = "640k"  # fills about 30 s into the session
INJECT_AFTER_S = 25.0  # session time the injected disk-full starts


@pytest.fixture(params=["tmpfs", "injected"])
def small_disk(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tmpfs
) -> Iterator[tuple[Path, str]]:
    """A folder whose disk fills during the session: a tiny tmpfs (where it can be mounted;
    else, and for the 'injected' case always, SQLite's disk-full error injected)."""
    where = tmp_path / "small"
    if request.param == "tmpfs":
        with tmpfs(where, f"size={TMPFS_SIZE},mode=0700") as mounted:
            if mounted:
                yield where, "tmpfs"
                return
    where.mkdir(exist_ok=True)
    real_write = recorder_module.rows.write_event

    def write_event(conn: sqlite3.Connection, session_id: int, event: object) -> bool:
        t_s = getattr(event, "t_s", getattr(event, "first_t_s", 0.0))
        if t_s >= INJECT_AFTER_S:
            raise sqlite3.OperationalError("database or disk is full")
        return real_write(conn, session_id, event)

    monkeypatch.setattr(recorder_module.rows, "write_event", write_event)
    yield where, "injected"


@pytest.mark.slow
@pytest.mark.timing  # injected: the failed batch starts within 0.5 s real of the injection
def test_disk_full_ends_the_session_incomplete_and_keeps_everything_before(small_disk) -> None:
    folder, how = small_disk
    db = str(folder / "ras.sqlite3")
    with Store(db) as store:
        store.add_patient("P-FULL")
    db_path, session_id, side = begin_session(db, "P-FULL", {})
    published: list[StepEvent] = []
    messages: list[str] = []
    bus = SessionBus()
    bus.add_listener(lambda e: published.append(e) if isinstance(e, StepEvent) else None)

    def tick(runner: SessionRunner) -> None:
        while not runner.messages.empty():
            messages.append(runner.messages.get())

    result = run_live_session(
        db_path=db_path,
        session_id=session_id,
        settings=SessionSettings(baseline_s=20.0, cued_s=60.0, probe_s=20.0, plan="fixed"),
        sensors=SimulatedSensors(seed=3, imu_rate_hz=100),
        audio=parse_audio_spec("none"),
        clock=SessionClock(speed=SPEED),
        bus=bus,
        affected_side=side,
        on_tick=tick,
    )
    stats = result.recorder_stats
    failed_at_s = stats.first_lost_t_s
    assert stats.disk_full, (how, stats)
    assert result.status == "incomplete"
    assert result.reason.startswith("disk full: recording stopped at "), result.reason
    assert result.lost_events == stats.events_lost > 0
    assert 0.0 < failed_at_s < 100.0
    # the session ended early, soon after recording stopped (not at its planned 100 s)
    assert result.summary.end_t_s < 100.0 and not result.summary.completed
    # one live message said so while the session ran
    said = [m for m in messages if m.startswith("recording stopped: disk full")]
    assert len(said) == 1, messages
    with Store(db) as store:
        info = store.get_session(session_id)
        assert info.status == "incomplete"
        assert info.end_reason is not None and "disk full" in info.end_reason
        saved = store.steps(session_id)
        assert store.integrity_ok()
    # the room the recorder kept to close the session with is given back
    assert not [n for n in os.listdir(os.path.dirname(db)) if ".reserve-" in n]
    before = sorted(e.t_s for e in published if e.t_s < failed_at_s)
    assert len(before) >= 10  # the test means something: steps were recorded before
    kept = sorted(float(t) for t in saved["t_s"] if t < failed_at_s)
    assert kept == pytest.approx(before)  # every step before the failure is in the database
    assert not math.isnan(failed_at_s)
    if how == "injected":  # the failure came where injected (its whole batch rolled back)
        assert INJECT_AFTER_S - 0.5 * SPEED <= failed_at_s <= INJECT_AFTER_S

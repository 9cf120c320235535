"""Recording every event type through the writer thread and reading it back."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from ras.bus import SessionBus
from ras.errors import UserInputError
from ras.events import ImuEvent, LinkEvent, LinkState, SensorStatusEvent, StepEvent
from ras.protocol.messages import Side, StepKind
from ras.store import (
    CueEvent,
    MarkerEvent,
    PhaseEvent,
    Recorder,
    Store,
    TempoChangeEvent,
)
from ras.store.rows import cue_events, step_events


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "s.db"
    with Store(path) as store:
        store.add_patient("P1")
    return path


def _begin(db: Path) -> int:
    with Store(db) as store:
        return store.begin_session("P1", {"tempo_bpm": 96})


def _steps() -> list[StepEvent]:
    return [
        StepEvent(1, Side.LEFT, StepKind.INITIAL_CONTACT, 1.0, 1_000_000, 1.02, 7, 0),
        StepEvent(
            2, Side.RIGHT, StepKind.TOE_OFF, 1.5, 2**40, 1.51, 8, 3, 0.002, 1.1, 0.7, 1.2, 0.03
        ),
    ]


def _imu() -> ImuEvent:
    samples = np.arange(60, dtype=np.float64).reshape(10, 6) / 7.0
    return ImuEvent(1, Side.LEFT, 0.5, 100.0, 123456, samples)


def _others() -> list[object]:
    return [
        LinkEvent(0.1, "/dev/ttyACM0", LinkState.CONNECTED, 1, Side.LEFT, "HELLO v1"),
        LinkEvent(0.2, "sim:0", LinkState.DISCONNECTED),
        SensorStatusEvent(2.0, 1, Side.LEFT, 3900, 80, 0, 1, 2, 3, 4, 0.0005, -12.5),
        SensorStatusEvent(3.0, 2, Side.RIGHT, 3700, None, 1, 0, 0, 0, 0, float("nan"), 3.0),
        CueEvent(1.25, 0, 96.0, Side.LEFT, True, 48000),
        CueEvent(1.875, 1, 96.0),
        TempoChangeEvent(0.0, None, 96.0, "plan", "start"),
        TempoChangeEvent(30.0, 96.0, 100.5, "adaptive", "cadence rose"),
        MarkerEvent(12.0, "freezing episode"),
        PhaseEvent(0.0, "baseline"),
        PhaseEvent(60.0, "cued"),
        PhaseEvent(120.0, "cued", "end"),
        PhaseEvent(130.0, "probe"),
    ]


def _same_step(a: StepEvent, b: StepEvent) -> bool:
    def eq(x: float | None, y: float | None) -> bool:
        if x is None or y is None:
            return x is y
        return (math.isnan(x) and math.isnan(y)) or x == y

    return all(
        eq(getattr(a, f), getattr(b, f))
        if isinstance(getattr(a, f), float | None)
        else getattr(a, f) == getattr(b, f)
        for f in a.__slots__
    )


def test_round_trip_of_every_event_type(db: Path) -> None:
    sid = _begin(db)
    rec = Recorder(db, sid)
    events = [*_steps(), _imu(), *_others(), "not an event"]
    for e in events:
        rec.put(e)
    stats = rec.close()
    assert stats.errors == 0 and stats.events_lost == 0
    assert stats.events_written == len(events) - 1 and stats.ignored == 1
    with Store(db) as store:
        assert store.get_session(sid).status == "complete"
        steps = store.steps(sid)
        assert steps.dtype.names[0] == "t_s"
        np.testing.assert_array_equal(steps["t_s"], [1.0, 1.5])
        assert all(_same_step(a, b) for a, b in zip(step_events(steps), _steps(), strict=True))
        (chunk,) = store.imu_chunks(sid)
        assert chunk.samples_si.dtype == np.float32 and chunk.samples_si.shape == (10, 6)
        np.testing.assert_array_equal(chunk.samples_si, _imu().samples_si.astype(np.float32))
        assert (chunk.sensor_id, chunk.side, chunk.first_t_s) == (1, Side.LEFT, 0.5)
        assert (chunk.sample_rate_hz, chunk.device_first_t_us) == (100.0, 123456)
        assert store.imu_chunks(sid, sensor_id=2) == []
        others = _others()
        assert store.link_events(sid) == others[0:2]
        status = store.sensor_status(sid)
        assert status[0] == others[2]
        assert math.isnan(status[1].clock_residual_s) and status[1].battery_pct is None
        assert cue_events(store.cues(sid)) == others[4:6]
        assert store.cues(sid)["sample_index"].tolist() == [48000, -1]
        assert store.tempo_changes(sid) == others[6:8]
        assert store.markers(sid) == others[8:9]
        assert store.phases(sid) == [
            ("baseline", 0.0, 60.0),
            ("cued", 60.0, 120.0),
            ("probe", 130.0, None),
        ]


def test_bad_events_are_counted_and_do_not_stop_the_writer(db: Path) -> None:
    sid = _begin(db)
    rec = Recorder(db, sid)
    rec.put(TempoChangeEvent(1.0, 90.0, 95.0, "guess"))  # type: ignore[arg-type]
    rec.put(ImuEvent(1, Side.LEFT, 0.0, 100.0, 0, np.zeros((4, 3))))
    rec.put(PhaseEvent(0.0, "warmup"))  # type: ignore[arg-type]
    rec.put(MarkerEvent(2.0, "still recorded"))
    rec.check()
    stats = rec.close()
    assert stats.errors == 3 and stats.events_written == 1
    assert "guess" in rec.error_messages[0]
    with Store(db) as store:
        assert store.markers(sid) == [MarkerEvent(2.0, "still recorded")]


def test_records_from_the_bus_and_drops_after_close(db: Path) -> None:
    sid = _begin(db)
    bus = SessionBus()
    rec = Recorder(db, sid, commit_interval_s=0.05)
    rec.attach(bus)
    for i in range(200):
        bus.publish(MarkerEvent(float(i), f"m{i}"))
    stats = rec.close()
    assert stats.events_written == 200 and stats.commits >= 1
    bus.publish(MarkerEvent(999.0))
    assert rec.stats.events_lost == 1
    with Store(db) as store:
        assert [m.note for m in store.markers(sid)] == [f"m{i}" for i in range(200)]


def test_context_manager_marks_incomplete_on_error(db: Path) -> None:
    sid = _begin(db)
    with pytest.raises(RuntimeError), Recorder(db, sid) as rec:
        rec.put(MarkerEvent(1.0))
        raise RuntimeError("boom")
    with Store(db) as store:
        assert store.get_session(sid).status == "incomplete"
        assert len(store.markers(sid)) == 1


def test_recorder_rejects_unknown_or_ended_session_and_bad_interval(db: Path) -> None:
    with pytest.raises(UserInputError, match="no session 42"):
        Recorder(db, 42)
    sid = _begin(db)
    with Store(db) as store:
        store.end_session(sid)
    with pytest.raises(UserInputError, match="already complete"):
        Recorder(db, sid)
    with pytest.raises(UserInputError, match="commit interval"):
        Recorder(db, sid, commit_interval_s=2.0)


def test_store_record_writes_directly(db: Path) -> None:
    sid = _begin(db)
    with Store(db) as store:
        assert store.record(sid, [*_steps(), MarkerEvent(1.0), 3]) == 3
        assert len(store.steps(sid)) == 2


def _session_row(db: Path, session_id: int) -> tuple:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT status, writer_host, heartbeat_utc FROM sessions WHERE id = ?",
            (session_id,),
        ).fetchone()
    finally:
        conn.close()


def test_recorder_beats_and_another_hosts_silent_session_is_marked_incomplete(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket
    import sqlite3
    import time

    import ras.store.recorder as recorder_module

    monkeypatch.setattr(recorder_module, "HEARTBEAT_S", 0.2)
    sid = _begin(db)
    rec = Recorder(db, sid, commit_interval_s=0.1)
    status, host, first_beat = _session_row(db, sid)
    assert (status, host) == ("running", socket.gethostname()) and first_beat
    deadline = time.monotonic() + 10.0
    while _session_row(db, sid)[2] == first_beat and time.monotonic() < deadline:
        time.sleep(0.1)  # stamps have 1 s resolution
    assert _session_row(db, sid)[2] > first_beat, "the heartbeat never moved"
    rec.close()

    # two sessions "written from another host": one beat 10 minutes ago, one just now
    silent, alive = _begin(db), _begin(db)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "UPDATE sessions SET writer_host = 'ward-laptop', writer_pid = 1,"
            " heartbeat_utc = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?) WHERE id = ?",
            ("-600 seconds", silent),
        )
        conn.execute(
            "UPDATE sessions SET writer_host = 'ward-laptop', writer_pid = 1,"
            " heartbeat_utc = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
            (alive,),
        )
    conn.close()
    with Store(db) as store:  # opening the store checks
        assert store.get_session(silent).status == "incomplete"
        assert store.get_session(alive).status == "running"
        assert store.get_session(sid).status == "complete"

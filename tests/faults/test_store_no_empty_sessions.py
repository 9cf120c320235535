"""A session that never started leaves nothing in the history; free space is checked first."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ras.audio.backends import AudioUnavailableError, parse_audio_spec
from ras.bus import SessionBus
from ras.errors import UserInputError
from ras.session.live import begin_session, planned_session_bytes, run_live_session
from ras.session.request import SensorPorts, SensorSpec, SimulatedSensors
from ras.session.settings import SessionSettings
from ras.session_clock import SessionClock
from ras.store import space
from ras.store.store import Store


def _run(db: str, sensors: SensorSpec, audio: str) -> None:
    db_path, session_id, side = begin_session(db, "P-NONE", {})
    with Store(db) as store:
        assert [s.id for s in store.list_sessions()] == [session_id]
    run_live_session(
        db_path=db_path,
        session_id=session_id,
        settings=SessionSettings(baseline_s=5.0, cued_s=0.0, probe_s=0.0),
        sensors=sensors,
        audio=parse_audio_spec(audio),
        clock=SessionClock(),
        bus=SessionBus(),
        affected_side=side,
    )


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "ras.sqlite3")
    with Store(path) as store:
        store.add_patient("P-NONE")
    return path


def test_a_port_that_is_not_a_sensor_leaves_no_session(db: str, tmp_path: Path) -> None:
    master, slave = os.openpty()  # a real serial port on which nothing answers
    try:
        args = SensorPorts((os.ttyname(slave),))
        for _ in range(2):
            with pytest.raises(UserInputError, match="does not answer as a ras sensor"):
                _run(db, args, "none")
    finally:
        os.close(master)
        os.close(slave)
    with Store(db) as store:
        assert store.list_sessions() == []
        assert store.connection.execute("SELECT COUNT(*) FROM link_events").fetchone() == (0,)


def test_sound_that_never_starts_leaves_no_session(db: str, tmp_path: Path) -> None:
    args = SimulatedSensors()
    with pytest.raises(AudioUnavailableError):
        _run(db, args, f"wav:{tmp_path / 'no-such-folder' / 'cues.wav'}")
    with Store(db) as store:
        assert store.list_sessions() == []


def test_a_session_with_a_phase_is_never_discarded(db: str) -> None:
    with Store(db) as store:
        started = store.begin_session("P-NONE")
        store.connection.execute(
            "INSERT INTO phases (session_id, name, start_t_s) VALUES (?, 'baseline', 0.0)",
            (started,),
        )
        never = store.begin_session("P-NONE")
        assert not store.discard_session(started)
        assert store.discard_session(never)
        assert [s.id for s in store.list_sessions()] == [started]


def test_too_little_free_space_refuses_before_the_session_row(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sensors = SimulatedSensors(imu_rate_hz=100)
    needed = planned_session_bytes(SessionSettings(), sensors)
    # 7 min planned at 100 Hz on two feet: the measured rates, well above the events alone
    assert needed == space.estimate_session_bytes(420.0, 100.0, 2)
    assert needed > space.estimate_session_bytes(420.0, 0.0, 2) + 420 * 100 * 2 * 24
    monkeypatch.setattr(space, "_free_bytes", lambda path: needed - 1)
    with pytest.raises(UserInputError, match="not enough free space for this session"):
        begin_session(db, "P-NONE", {}, needed_bytes=needed)
    warnings: list[str] = []
    monkeypatch.setattr(space, "_free_bytes", lambda path: int(1.5 * needed))
    begin_session(db, "P-NONE", {}, needed_bytes=needed, warn=warnings.append)
    assert len(warnings) == 1 and "little free space" in warnings[0]
    monkeypatch.setattr(space, "_free_bytes", lambda path: 3 * needed)
    begin_session(db, "P-NONE", {}, needed_bytes=needed, warn=warnings.append)
    assert len(warnings) == 1
    with Store(db) as store:
        assert len(store.list_sessions()) == 2  # the refused one never got a row


def test_ras_run_refuses_a_session_with_no_room_before_its_row(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ras.cli import main

    monkeypatch.setattr(space, "_free_bytes", lambda path: 1000)
    code = main(["run", "--simulate", "healthy", "--audio", "none", "--db", db])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "not enough free space" in err[0], err
    with Store(db) as store:
        assert store.list_sessions() == []

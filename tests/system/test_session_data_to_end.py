"""Nothing the sensors sent is lost at the end of a session.

A short session at 25x real time whose virtual sensors stream IMU at 400 Hz: their threads
cannot render samples as fast as the clock runs, so they lag the clock, as sensors do on a
loaded machine at ``--speed 25`` (and every sensor's last batch leaves it ``IMU_LOOKAHEAD_S``
after its samples, well over one batch). When the last phase ends, the recorded raw IMU of
each foot must still reach its end (within one batch), every IMU batch and step the sensors
delivered up to then must be in the database, and the links' CLOSED events must say so.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ras.audio.backends import parse_audio_spec
from ras.bus import SessionBus
from ras.events import LinkState
from ras.link.serial_link import DrainResult
from ras.protocol.messages import MAX_IMU_SAMPLES, Imu, MsgType, Side, Step
from ras.session.live import LiveParts, begin_session, data_end_marker, run_live_session
from ras.session.request import SimulatedSensors
from ras.session.settings import SessionSettings
from ras.session_clock import SessionClock
from ras.sim.sensor import VirtualFootSensor
from ras.store.store import Store

SPEED = 25.0
IMU_RATE_HZ = 400
BATCH_S = MAX_IMU_SAMPLES / IMU_RATE_HZ
U32 = 2**32


def _sample_t_s(sensor: VirtualFootSensor, device_us: int) -> float:
    """Session time of a device time of ``sensor`` (no reboot in this session)."""
    device_s = ((device_us - round(sensor.boot_offset_s * 1e6)) % U32) * 1e-6
    return device_s / (1.0 + sensor.drift_ppm * 1e-6)


def test_imu_and_steps_reach_the_end_of_a_fast_session(tmp_path: Any) -> None:
    db = str(tmp_path / "ras.sqlite3")
    with Store(db) as store:
        store.add_patient("P-END")
    db_path, session_id, side = begin_session(db, "P-END", {})
    parts: list[LiveParts] = []
    result = run_live_session(
        db_path=db_path,
        session_id=session_id,
        settings=SessionSettings(
            baseline_s=5.0, cued_s=2.0, probe_s=2.0, plan="fixed", tempo_bpm=100.0
        ),
        sensors=SimulatedSensors(seed=3, imu_rate_hz=IMU_RATE_HZ),
        audio=parse_audio_spec("none"),
        clock=SessionClock(speed=SPEED),
        bus=SessionBus(),
        affected_side=side,
        on_started=parts.append,
    )
    assert result.summary.completed
    with Store(db) as store:
        end_t_s = max(end for _, _, end in store.phases(session_id))
        chunks = store.imu_chunks(session_id)
        steps = store.steps(session_id)
        closed = [e for e in store.link_events(session_id) if e.state is LinkState.CLOSED]
        markers = store.markers(session_id)
    assert end_t_s == result.summary.end_t_s
    for sensor in parts[0].rig.sensors:
        mine = [c for c in chunks if c.side == sensor.side]
        imu_end_t_s = max(c.first_t_s + len(c.samples_si) / c.sample_rate_hz for c in mine)
        assert imu_end_t_s >= end_t_s - BATCH_S, (sensor.side, imu_end_t_s, end_t_s)
        # every batch and step it delivered up to the end is recorded
        truth = [r for r in sensor.truth_log if r.delivered_intact]
        sent_imu = {
            r.message.first_t_us
            for r in truth
            if isinstance(r.message, Imu) and _sample_t_s(sensor, r.message.first_t_us) < end_t_s
        }
        kept_imu = {c.device_first_t_us % U32 for c in mine}
        assert sent_imu and sent_imu <= kept_imu, len(sent_imu - kept_imu)
        sent_steps = {
            (int(r.message.kind), r.message.event_t_us)
            for r in truth
            if r.msg_type is MsgType.STEP and r.event_t_s < end_t_s
        }
        assert all(isinstance(r.message, Step) for r in truth if r.msg_type is MsgType.STEP)
        mine_steps = steps[steps["side"] == int(sensor.side)]
        kept_steps = {
            (int(k), int(t) % U32)
            for k, t in zip(mine_steps["kind"], mine_steps["device_t_us"], strict=True)
        }
        assert sent_steps and sent_steps <= kept_steps, len(sent_steps - kept_steps)
    # the record says each sensor's data was complete, and no marker says otherwise
    assert len(closed) == 2 and all("complete to the session's end" in e.detail for e in closed)
    assert not [m for m in markers if "sensor" in m.note]


def test_a_sensor_that_stopped_short_gets_a_marker_saying_where_and_why() -> None:
    short = DrainResult(
        "port", 0x5A500001, Side.LEFT, 182.8, 171.0, 170.1, "the sensor sent no more raw IMU"
    )
    marker = data_end_marker(short)
    assert marker is not None and marker.t_s == 170.1
    assert "left sensor" in marker.note and "12.7 s before" in marker.note
    assert "sent no more raw IMU" in marker.note
    assert "short of the session's end at 182.80 s" in short.describe()
    complete = DrainResult("port", 0x5A500001, Side.LEFT, 182.8, 183.0, 183.1)
    assert data_end_marker(complete) is None
    never = DrainResult("port", None, Side.UNKNOWN, 182.8, np.nan, None, "no HELLO came")
    assert data_end_marker(never) is None

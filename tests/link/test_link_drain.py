"""A link's data up to the session's end: a virtual sensor finishes, the link drains.

Real ptys, a real virtual sensor (IMU at 100 Hz) and a real SensorLink with pyserial: when the
session ends, what the sensor sent up to the end reaches the bus before the link closes; a
sensor that stopped sending leaves a result, a CLOSED event and a marker saying where its data
ends and why.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from ras.bus import SessionBus
from ras.events import ImuEvent, LinkEvent, LinkState
from ras.link.serial_link import SensorLink
from ras.protocol.messages import MAX_IMU_SAMPLES, Side
from ras.session.live import data_end_marker
from ras.session_clock import SessionClock
from ras.sim.patient import VirtualPatient
from ras.sim.presets import HEALTHY
from ras.sim.sensor import VirtualFootSensor

SPEED = 10.0
IMU_RATE_HZ = 100
HANG_GUARD_REAL_S = 30.0  # hang guard only; nothing asserts on durations


def _sensor(clock: SessionClock) -> VirtualFootSensor:
    patient = VirtualPatient(HEALTHY, seed=2)
    return VirtualFootSensor(
        patient, Side.LEFT, clock, sensor_id=0xABCD0002, seed=2, imu_rate_hz=IMU_RATE_HZ
    )


def _imu_end_t_s(events: list[object]) -> float:
    imu = [e for e in events if isinstance(e, ImuEvent)]
    return max(e.first_t_s + len(e.samples_si) / e.sample_rate_hz for e in imu)


def _walk_until(clock: SessionClock, link: SensorLink, t_s: float) -> None:
    deadline = time.monotonic() + HANG_GUARD_REAL_S
    while clock.now_s() < t_s or link.state is not LinkState.CONNECTED:
        assert time.monotonic() < deadline, "the link never connected"
        time.sleep(0.01)


@contextlib.contextmanager
def _linked_sensor() -> Iterator[tuple[SessionClock, VirtualFootSensor, SensorLink, list[object]]]:
    """A started virtual sensor and a link to it on a sped-up clock; every bus event in a list."""
    clock, bus = SessionClock(speed=SPEED), SessionBus()
    seen: list[object] = []
    bus.add_listener(seen.append)
    sensor = _sensor(clock)
    sensor.start()
    try:
        with SensorLink(sensor.port, bus, clock) as link:
            yield clock, sensor, link, seen
    finally:
        sensor.stop()


def test_what_the_sensor_sent_up_to_the_end_is_published_before_close() -> None:
    with _linked_sensor() as (clock, sensor, link, seen):
        _walk_until(clock, link, 4.0)  # past the first clock sync: nothing held
        end_t_s = clock.now_s()
        sensor.finish(end_t_s)
        drained = link.drain(end_t_s)
        published = list(seen)
    assert drained.complete and drained.reason == ""
    assert drained.sensor_id == 0xABCD0002 and drained.side is Side.LEFT
    assert drained.imu_until_t_s >= end_t_s and drained.sensor_t_s >= end_t_s
    # the bus had the samples to the end when drain returned, before the link closed
    assert _imu_end_t_s(published) >= end_t_s
    closed = [e for e in seen if isinstance(e, LinkEvent) and e.state is LinkState.CLOSED]
    assert len(closed) == 1 and "complete to the session's end" in closed[0].detail
    assert data_end_marker(drained) is None


def test_a_sensor_unplugged_before_the_end_is_given_up_with_where_and_why() -> None:
    with _linked_sensor() as (clock, sensor, link, seen):
        _walk_until(clock, link, 2.0)
        sensor.unplug()
        end_t_s = clock.now_s() + 1.0
        clock.sleep_until(end_t_s)
        drained = link.drain(end_t_s, quiet_s=0.3)
    assert not drained.complete and "port was lost" in drained.reason
    # where its raw IMU ends: the last batch it delivered (one batch of slack for clock sync)
    assert abs(drained.imu_until_t_s - _imu_end_t_s(seen)) < MAX_IMU_SAMPLES / IMU_RATE_HZ
    assert drained.imu_until_t_s < end_t_s
    closed = [e for e in seen if isinstance(e, LinkEvent) and e.state is LinkState.CLOSED]
    assert "short of the session's end" in closed[0].detail and "port was lost" in closed[0].detail
    marker = data_end_marker(drained)
    assert marker is not None and marker.t_s == drained.imu_until_t_s
    assert "left sensor" in marker.note and "port was lost" in marker.note

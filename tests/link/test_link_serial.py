"""SensorLink over real ptys and real pyserial, against a fake sensor thread."""

import os

import numpy as np
import pytest

from ras.errors import UserInputError
from ras.events import LinkEvent, LinkState, StepEvent
from ras.link import LinkManager, SensorLink
from ras.protocol import Capability, Hello, Side, Step, StepKind, encode_frame
from ras.session_clock import SessionClock
from tests.link.link_fakes import wait_for


def is_state(state):
    return lambda e: isinstance(e, LinkEvent) and e.state is state


def is_step(index):
    return lambda e: isinstance(e, StepEvent) and e.stride_index == index


def repoint(link_path, target):
    """Point the symlink ``link_path`` at ``target`` atomically."""
    tmp = link_path.with_name(link_path.name + ".new")
    tmp.symlink_to(target)
    os.replace(tmp, link_path)


def steps_in(events):
    return [e for e in events if isinstance(e, StepEvent)]


def test_steps_arrive_exactly_once_and_lost_frames_are_counted_exactly(bus, make_sensor):
    clock = SessionClock()
    sensor = make_sensor(clock)
    sub = bus.subscribe("test")
    with SensorLink(sensor.path, bus, clock, ping_interval_s=0.05) as link:
        seen = wait_for(sub, is_state(LinkState.CONNECTED))
        assert [e.state for e in seen if isinstance(e, LinkEvent)] == [
            LinkState.CONNECTING,
            LinkState.CONNECTED,
        ]
        assert seen[-1].sensor_id == 7 and seen[-1].side is Side.LEFT
        dropped = {3, 7, 8, 15}
        for i in range(20):
            sensor.step(clock.now_s() - 0.01, i, lost=i in dropped)
        events = wait_for(sub, is_step(19))
        stats = link.stats()
    got = [e.stride_index for e in steps_in(events)]
    assert got == [i for i in range(20) if i not in dropped]
    assert stats.lost_frames == len(dropped)
    assert stats.connected and stats.hello.sensor_id == 7 and stats.reboots == 0
    assert stats.decoder["frames_rejected"] == 0
    assert sub.drain()[-1].state is LinkState.CLOSED


def test_synced_step_times_match_a_drifting_offset_clock_within_their_bound(bus, make_sensor):
    # 10x faster than real time: 30 session seconds; the sensor's clock runs 100 ppm fast and
    # is 2**32 - 5 s at the start, so it wraps during the test
    clock = SessionClock(speed=10.0)
    sensor = make_sensor(clock, drift_ppm=100.0, boot_us=2**32 - 5_000_000)
    sub = bus.subscribe("test", accept=lambda e: isinstance(e, StepEvent))
    truth = {}
    with SensorLink(sensor.path, bus, clock, ping_interval_s=0.2) as link:
        i = 0
        t_end = clock.now_s() + 30.0
        while clock.now_s() < t_end:
            clock.sleep_until(clock.now_s() + 0.5)
            truth[i] = clock.now_s() - 0.2  # event 0.2 s before it is reported
            sensor.step(truth[i], i)
            i += 1
        events = wait_for(sub, is_step(i - 1))
        stats = link.stats()
    assert [e.stride_index for e in events] == list(range(i))
    device_t_us = np.array([e.device_t_us for e in events])
    assert np.all(np.diff(device_t_us) > 0) and device_t_us[-1] > 2**32  # unwrapped
    errors_s = np.array([e.t_s - truth[e.stride_index] for e in events])
    synced = np.array([np.isfinite(e.clock_error_s) for e in events])
    late = errors_s[len(errors_s) // 2 :]
    print(
        f"clock: residual {stats.clock_residual_s * 1e6:.0f} us, drift {stats.clock_drift_ppm:.1f}"
    )
    print(f"  step errors (late half) max {np.abs(late).max() * 1e6:.0f} us")
    assert stats.clock_synced and synced[len(synced) // 4 :].all()
    bounds_s = np.array([e.clock_error_s for e in events])
    # every synced step within the error bound it carries (clock sync's own estimate)
    assert np.all(np.abs(errors_s[synced]) <= bounds_s[synced])
    assert stats.clock_drift_ppm == pytest.approx(100.0, abs=50.0)
    # everything before sync still got a time (arrival-based)
    assert np.all(np.isfinite(errors_s)) and np.max(np.abs(errors_s)) < 50e-3


def test_a_reboot_is_recognised_and_not_counted_as_loss(bus, make_sensor):
    clock = SessionClock()
    sensor = make_sensor(clock, boot_us=600_000_000)
    sub = bus.subscribe("test")
    with SensorLink(sensor.path, bus, clock, ping_interval_s=0.05) as link:
        wait_for(sub, is_state(LinkState.CONNECTED))
        sensor.step(clock.now_s(), 0)
        wait_for(sub, is_step(0))
        sensor.reboot()
        sensor.step(clock.now_s() - 0.005, 1)
        events = wait_for(sub, is_step(1))
        stats = link.stats()
    assert any(isinstance(e, LinkEvent) and e.state is LinkState.REBOOTED for e in events)
    assert stats.reboots == 1 and stats.lost_frames == 0
    assert events[-1].device_t_us < 10_000_000  # device time restarted
    assert abs(events[-1].t_s - (events[-1].received_t_s - 0.005)) < 5e-3


def test_unplug_then_replug_at_the_same_path_reconnects_and_counts_the_gap(
    bus, make_sensor, tmp_path
):
    clock = SessionClock()
    # no PONGs: a PONG written just before the unplug would (rightly) count as lost
    sensor = make_sensor(clock, answer_pings=False)
    link_path = tmp_path / "ras-sensor"
    link_path.symlink_to(sensor.path)
    sub = bus.subscribe("test")
    link = SensorLink(str(link_path), bus, clock, reconnect_interval_s=0.02)
    with link:
        wait_for(sub, is_state(LinkState.CONNECTED))
        sensor.step(clock.now_s(), 0)
        wait_for(sub, is_step(0))
        sensor.unplug()
        wait_for(sub, is_state(LinkState.DISCONNECTED))
        sensor.step(clock.now_s(), 1, lost=True)  # sent while unplugged: lost, and counted
        sensor.plug()
        repoint(link_path, sensor.path)  # the device comes back at the same path
        wait_for(sub, is_state(LinkState.CONNECTED))
        sensor.step(clock.now_s(), 2)
        wait_for(sub, is_step(2))
        stats = link.stats()
    assert stats.reconnects == 1 and stats.lost_frames == 1 and stats.reboots == 0


def test_find_sensor_locates_the_sensor_at_another_path(bus, make_sensor, tmp_path):
    clock = SessionClock()
    sensor = make_sensor(clock)
    other = make_sensor(clock, sensor_id=8)  # a different sensor, never the answer
    asked = []

    def find_sensor(sensor_id):
        asked.append(sensor_id)
        return sensor.path if sensor_id == sensor.hello.sensor_id else other.path

    link_path = tmp_path / "ras-sensor"
    link_path.symlink_to(sensor.path)
    sub = bus.subscribe("test")
    link = SensorLink(
        str(link_path),
        bus,
        clock,
        reconnect_interval_s=0.02,
        find_sensor=find_sensor,
        hello_timeout_s=0.2,
    )
    with link:
        wait_for(sub, is_state(LinkState.CONNECTED))
        sensor.unplug()
        wait_for(sub, is_state(LinkState.DISCONNECTED))
        # a silent device appears at the old path; the sensor comes back elsewhere
        silent = make_sensor(clock, sensor_id=50, answer=False)
        repoint(link_path, silent.path)
        sensor.plug()
        seen = wait_for(sub, is_state(LinkState.CONNECTED))
        sensor.step(clock.now_s(), 0)
        wait_for(sub, is_step(0))
    assert asked and set(asked) == {7}
    assert seen[-1].port == sensor.path and seen[-1].sensor_id == 7


def test_a_different_sensor_at_the_path_is_not_accepted(bus, make_sensor, tmp_path):
    clock = SessionClock()
    sensor = make_sensor(clock)
    intruder = make_sensor(clock, sensor_id=99)
    link_path = tmp_path / "ras-sensor"
    link_path.symlink_to(sensor.path)
    sub = bus.subscribe("test", accept=lambda e: isinstance(e, LinkEvent))
    with SensorLink(str(link_path), bus, clock, reconnect_interval_s=0.02):
        wait_for(sub, is_state(LinkState.CONNECTED))
        sensor.unplug()
        wait_for(sub, is_state(LinkState.DISCONNECTED))
        repoint(link_path, intruder.path)
        ev = wait_for(sub, lambda e: "answers as sensor 99" in e.detail)[-1]
    assert ev.state is LinkState.DISCONNECTED


def test_loop_url_works(bus):
    clock = SessionClock()
    sub = bus.subscribe("test")
    with SensorLink("loop://", bus, clock) as link:
        # a sensor without PING: its steps are timed from arrivals at once
        link.send_bytes(encode_frame(Hello(5, Side.RIGHT, capabilities=Capability.STEPS), 0, 1_000))
        link.send_bytes(encode_frame(Step(StepKind.TOE_OFF, 1_500, 500, 4), 1, 2_000))
        events = wait_for(sub, is_step(4))
        stats = link.stats()
    assert events[-1].sensor_id == 5 and events[-1].kind is StepKind.TOE_OFF
    assert stats.lost_frames == 0 and stats.connected


def test_link_manager_runs_one_link_per_port(bus, make_sensor):
    clock = SessionClock()
    left = make_sensor(clock, sensor_id=1, side=Side.LEFT)
    right = make_sensor(clock, sensor_id=2, side=Side.RIGHT)
    sub = bus.subscribe("test")
    with LinkManager([left.path, right.path], bus, clock) as manager:
        wait_for(sub, lambda e: all(s.connected for s in manager.stats()))
        left.step(clock.now_s(), 0)
        right.step(clock.now_s(), 1)
        events = wait_for(sub, is_step(1))
        if not any(is_step(0)(e) for e in events):
            events += wait_for(sub, is_step(0))
    sides = {e.stride_index: e.side for e in steps_in(events)}
    assert sides == {0: Side.LEFT, 1: Side.RIGHT}
    with pytest.raises(UserInputError):
        LinkManager([left.path, "/dev/ras-no-such-port"], bus, clock).start()


def test_a_missing_port_is_a_one_line_user_error(bus):
    with pytest.raises(UserInputError, match=r"^serial port /dev/ttyUSB9 does not exist") as err:
        SensorLink("/dev/ttyUSB9", bus, SessionClock()).start()
    assert "\n" not in str(err.value)

"""Frames -> events without any I/O: identity, loss, reboot, units, clock sync."""

import numpy as np
import pytest

from ras.events import ImuEvent, LinkEvent, LinkState, SensorStatusEvent, StepEvent
from ras.link.convert import imu_to_si, stride_figures_si
from ras.link.processor import FrameProcessor
from ras.protocol import (
    Frame,
    Hello,
    HelloRequest,
    Imu,
    Ping,
    Pong,
    Side,
    Status,
    Step,
    StepFlag,
    StepKind,
    StreamDecoder,
)

HELLO = Hello(3, Side.RIGHT, (1, 0, 0), "IMU", 100, 8, 1000)


def step(idx, event_us, **kw):
    return Step(StepKind.INITIAL_CONTACT, event_us, 0, idx, **kw)


def test_frames_before_hello_are_held_then_replayed_in_order():
    p = FrameProcessor(port="p", max_hold_s=0.0)
    assert p.process(Frame(10, 1_000_000, step(0, 990_000)), 1.0) == []
    assert p.process(Frame(11, 1_100_000, step(1, 1_090_000)), 1.1) == []
    events = p.process(Frame(12, 1_150_000, HELLO), 1.15)
    assert isinstance(events[0], LinkEvent) and events[0].state is LinkState.CONNECTED
    steps = [e for e in events if isinstance(e, StepEvent)]
    assert [s.stride_index for s in steps] == [0, 1]
    assert all(s.sensor_id == 3 and s.side is Side.RIGHT for s in steps)
    # arrival-based estimate before any PONG: within the arrival delay of the truth
    assert steps[0].t_s == pytest.approx(0.99, abs=1e-9)
    assert np.isnan(steps[0].clock_error_s)


def test_loss_duplicates_and_reboot():
    p = FrameProcessor(port="p", max_hold_s=0.0)
    p.process(Frame(0, 1_000, HELLO), 0.0)
    p.process(Frame(1, 2_000, step(0, 1_500)), 0.001)
    p.process(Frame(1, 2_000, step(0, 1_500)), 0.001)  # duplicate: dropped
    events = p.process(Frame(4, 5_000_000, step(1, 4_900_000)), 5.0)  # 2 lost
    assert len(events) == 1
    assert p.sequence.lost_frames_ == 2 and p.sequence.duplicates_ == 1
    events = p.process(Frame(0, 300, HELLO), 6.0)  # rebooted
    assert [e.state for e in events] == [LinkState.REBOOTED]
    events = p.process(Frame(1, 100_300, step(0, 100_000)), 6.1)
    assert events[0].device_t_us == 100_000
    assert events[0].t_s == pytest.approx(6.1 - 0.0003, abs=1e-9)
    assert p.sequence.lost_frames_ == 2 and p.sequence.reboots_ == 1


def test_a_reboot_whose_hello_was_lost_is_seen_from_the_device_clock():
    p = FrameProcessor(port="p", max_hold_s=0.0)
    p.process(Frame(0, 50_000_000, HELLO), 50.0)
    p.process(Frame(1, 60_000_000, step(0, 59_000_000)), 60.0)
    events = p.process(Frame(1, 20_000, step(0, 10_000)), 61.0)
    assert [type(e) for e in events] == [LinkEvent, StepEvent]
    assert p.sequence.lost_frames_ == 0


def test_wrong_sensor_after_reconnect_is_flagged():
    p = FrameProcessor(port="a")
    p.process(Frame(0, 1_000, HELLO), 0.0)
    p.begin_connection("b")
    p.process(Frame(5, 2_000, step(0, 1_500)), 0.5)
    assert p.process(Frame(6, 2_100, Hello(99, Side.LEFT)), 0.6) == []
    assert p.wrong_hello_.sensor_id == 99 and not p.identified_


def test_held_events_are_released_after_max_hold_s_or_on_flush():
    p = FrameProcessor(port="p", max_hold_s=2.0)
    p.process(Frame(0, 0, HELLO), 0.0)
    assert p.process(Frame(1, 1_000_000, step(0, 900_000)), 1.0) == []
    assert p.process(Frame(2, 1_500_000, step(1, 1_400_000)), 1.5) == []
    released = p.release_due(3.0)
    assert [e.stride_index for e in released] == [0, 1]
    assert released[0].t_s == pytest.approx(0.9)  # arrival-based
    assert p.process(Frame(3, 3_500_000, step(2, 3_400_000)), 3.5) == []
    assert [e.stride_index for e in p.flush()] == [2]


def test_host_frames_looped_back_are_ignored():
    p = FrameProcessor(port="loop://")
    p.process(Frame(0, 0, HelloRequest()), 0.0)
    p.process(Frame(0, 1_000, HELLO), 0.0)
    p.process(Frame(1, 0, Ping(5)), 0.0)
    assert p.unexpected_ == 2 and p.sequence.lost_frames_ == 0


def test_imu_status_and_stride_figures_in_si_units():
    p = FrameProcessor(port="p", max_hold_s=0.0)
    p.process(Frame(0, 1_000, HELLO), 0.0)
    raw = np.array([[16384, -16384, 0, 32767, 0, -32768]], dtype=np.int16)
    (imu,) = p.process(Frame(1, 2_000, Imu(1_000, 100, raw)), 0.002)
    assert isinstance(imu, ImuEvent)
    assert imu.samples_si[0, :3] == pytest.approx([4 * 9.80665, -4 * 9.80665, 0.0])
    assert imu.samples_si[0, 3:] == pytest.approx([1000 * 32767 / 32768, 0.0, -1000.0])
    assert imu.device_first_t_us == 1_000
    (st,) = p.process(Frame(2, 3_000, Status(3700, 255, 0, 1, 2, 3)), 0.003)
    assert isinstance(st, SensorStatusEvent)
    assert st.battery_pct is None and st.dropped_frames == 2 and st.lost_frames == 0
    s = step(0, 0, flags=StepFlag.STRIDE_TIME | StepFlag.CLEARANCE, stride_time_us=1_100_000)
    s = Step(s.kind, 0, 0, 0, s.flags, 1_100_000, 600_000, 1200, 25)
    fig = stride_figures_si(s)
    assert fig["stride_time_s"] == pytest.approx(1.1) and fig["clearance_m"] == pytest.approx(0.025)
    assert fig["stance_time_s"] is None and fig["stride_length_m"] is None
    assert imu_to_si(np.zeros((0, 6)), acc_range_g=2, gyr_range_dps=250).shape == (0, 6)


def test_pongs_sync_the_clock_and_unknown_pongs_are_counted():
    p = FrameProcessor(port="p", max_hold_s=20.0)
    p.process(Frame(0, 0, HELLO), 2.0)
    # a step before any PONG waits for the clock sync (at most max_hold_s)
    assert p.process(Frame(1, 900_000, step(0, 500_000)), 2.95) == []
    assert p.release_due(2.95 + 0.5 * p.max_hold_s) == []
    # device time = (session - 2 s) * 1e6, 1 ms each way
    seq = 2
    events = []
    for k in range(10):
        t1 = 3.0 + k
        ping_id, data = p.ping_frame()
        p.ping_sent(ping_id, t1)
        (ping,) = StreamDecoder().feed(data)
        rx_us = round((t1 + 1e-3 - 2.0) * 1e6)
        events += p.process(Frame(seq, rx_us + 50, Pong(ping.message.ping_id, rx_us)), t1 + 2.05e-3)
        seq += 1
    (held,) = events  # released, with the synced clock, once synced
    assert held.t_s == pytest.approx(2.5, abs=1e-6) and held.received_t_s == 2.95
    p.process(Frame(seq, 13_000_000, Pong(12345, 12_999_000)), 15.0)
    assert p.clock.is_synced and p.unmatched_pongs_ == 1
    (ev,) = p.process(Frame(seq + 1, 14_000_000, step(0, 13_000_000)), 16.5)
    assert ev.t_s == pytest.approx(15.0, abs=1e-6)
    assert p.clock.error_bound_s == pytest.approx(1e-3, rel=0.1)  # half the 2 ms round trip
    # the step's own bound adds the slope's uncertainty over its distance from the round trips
    assert ev.clock_error_s == p.clock.error_bound_at(13_000_000) > p.clock.error_bound_s

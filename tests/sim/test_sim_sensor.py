"""A virtual foot sensor over a real pty, read with pyserial like hardware."""

from __future__ import annotations

import itertools
import os
import time

import pytest
import serial

from ras.errors import UserInputError
from ras.protocol import (
    Capability,
    MsgType,
    Ping,
    Side,
    StepKind,
    StreamDecoder,
    decode_frame,
)
from ras.protocol.messages import HelloRequest
from ras.session_clock import SessionClock
from ras.sim.imu import GRAVITY_MPS2
from ras.sim.patient import VirtualPatient
from ras.sim.presets import HEALTHY
from ras.sim.sensor import VirtualFootSensor

HANG_GUARD_REAL_S = 30.0  # hang guard only; nothing asserts on durations

U32 = 0xFFFFFFFF
SPEED = 20.0


def wait_until(condition) -> None:
    deadline = time.monotonic() + HANG_GUARD_REAL_S
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.001)


@pytest.fixture
def make_sensor():
    """Factory for started sensors on a fast session clock; all stopped at teardown."""
    sensors: list[VirtualFootSensor] = []

    def _make(**kwargs) -> VirtualFootSensor:
        clock = kwargs.pop("clock", None) or SessionClock(speed=SPEED)
        patient = kwargs.pop("patient", None) or VirtualPatient(HEALTHY, seed=1)
        kwargs.setdefault("sensor_id", 0xABCD0001)
        sensor = VirtualFootSensor(patient, kwargs.pop("side", Side.LEFT), clock, **kwargs)
        sensors.append(sensor)
        sensor.start()
        return sensor

    yield _make
    for sensor in sensors:
        sensor.stop()


def test_hello_step_status_frames_match_the_truth(make_sensor, open_host):
    sensor = make_sensor()
    assert os.path.islink(sensor.port) and os.readlink(sensor.port) == sensor.pts_path
    host = open_host(sensor.port)
    host.send(HelloRequest())
    hello = host.read_until(lambda f: f.message.msg_type == MsgType.HELLO).message
    assert hello.sensor_id == 0xABCD0001 and hello.side == Side.LEFT
    host.read_until(lambda f: f.message.msg_type == MsgType.STATUS)
    kinds = set()
    while len(kinds) < 4:
        frame = host.read_until(lambda f: f.message.msg_type == MsgType.STEP)
        kinds.add(frame.message.kind)
    truth = {(r.boot_index, r.seq): r for r in sensor.truth_log}
    steps = [f for f in host.frames if f.message.msg_type == MsgType.STEP]
    assert len(steps) >= 4
    latency_us = {k: HEALTHY.detection_latency_s(k) * 1e6 for k in StepKind}
    for frame in host.frames:
        record = truth[(0, frame.seq)]
        assert record.message == frame.message and record.device_t_us == frame.t_us
    for frame in steps:
        step, record = frame.message, truth[(0, frame.seq)]
        assert frame.t_us == (step.event_t_us + step.latency_us) & U32
        assert step.event_t_us == sensor.device_t_us(record.event_t_s)
        assert step.latency_us >= latency_us[step.kind] - 2
    status = [f.message for f in host.frames if f.message.msg_type == MsgType.STATUS]
    assert all(0 < s.battery_pct <= 100 and s.battery_mv > 3300 for s in status)


def test_ping_is_answered_with_pong_stamped_on_receipt_and_send(make_sensor, open_host):
    sensor = make_sensor()
    host = open_host(sensor.port)
    before_us = sensor.device_t_us(sensor.clock.now_s())
    host.send(Ping(0xC0FFEE))
    pong = host.read_until(lambda f: f.message.msg_type == MsgType.PONG)
    after_us = sensor.device_t_us(sensor.clock.now_s())
    assert pong.message.ping_id == 0xC0FFEE
    assert before_us <= pong.message.rx_t_us <= pong.t_us <= after_us


def test_with_byte_faults_every_intact_frame_decodes(make_sensor, open_host):
    sensor = make_sensor(corrupt_byte_prob=0.003, drop_byte_prob=0.002, imu_rate_hz=200, seed=5)
    host = open_host(sensor.port)
    host.send(HelloRequest())
    host.read_until(lambda f: len(host.frames) >= 150)
    snapshot = [r for r in sensor.truth_log if r.t_s >= 0]
    last_us = snapshot[-1].device_t_us
    host.read_until(lambda f: f.t_us > last_us)  # frames arrive in order
    # keep only frames generated after the host opened the port (the open flushes earlier ones)
    first_seq = host.frames[0].seq
    considered = [r for r in snapshot if r.seq >= first_seq]
    intact = [r for r in considered if r.delivered_intact]
    damaged = [r for r in considered if not r.delivered_intact]
    assert len(intact) > 50 and damaged, "faults should damage some frames"
    decoded = {f.seq: f for f in host.frames}
    for record in intact:
        assert record.seq in decoded
        assert decoded[record.seq].message == record.message
    assert host.decoder.counters.frames_rejected > 0
    assert sensor.bytes_corrupted > 0 and sensor.bytes_dropped > 0
    assert sensor.frames_delivered_intact < sensor.frames_generated


def test_unplug_fails_the_host_read_and_replug_works_on_the_stable_path(make_sensor, open_host):
    sensor = make_sensor()
    port = sensor.port
    old_pts = sensor.pts_path
    host = open_host(port)
    host.read_until(lambda f: f.message.msg_type == MsgType.STEP)
    sensor.unplug()
    assert sensor.port is None and not os.path.lexists(port)
    with pytest.raises(serial.SerialException):
        host.read_until(lambda f: False)
    generated = sensor.frames_generated
    wait_until(lambda: sensor.frames_generated > generated + 3)
    while_unplugged = sensor.truth_log[generated:]
    assert not any(r.delivered_intact for r in while_unplugged)
    sensor.replug()
    assert sensor.port == port and os.readlink(port) == sensor.pts_path != old_pts
    host2 = open_host(port)
    host2.send(HelloRequest())
    hello = host2.read_until(lambda f: f.message.msg_type == MsgType.HELLO)
    assert hello.message.sensor_id == sensor.sensor_id
    host2.read_until(lambda f: f.message.msg_type == MsgType.STEP)


def test_replug_on_a_new_path(make_sensor, open_host):
    sensor = make_sensor()
    first = sensor.port
    sensor.unplug()
    sensor.replug(new_path=True)
    assert sensor.port != first and not os.path.lexists(first)
    host = open_host(sensor.port)
    host.send(HelloRequest())
    hello = host.read_until(lambda f: f.message.msg_type == MsgType.HELLO)
    assert hello.message.sensor_id == sensor.sensor_id


def test_reboot_restarts_sequence_and_device_clock(make_sensor, open_host):
    sensor = make_sensor()
    host = open_host(sensor.port)
    host.read_until(lambda f: f.seq > 20)
    sensor.reboot()
    hello = host.read_until(lambda f: f.message.msg_type == MsgType.HELLO and f.seq == 0)
    assert hello.t_us < 1_000_000
    rebooted = [r for r in sensor.truth_log if r.boot_index == 1]
    assert rebooted[0].msg_type == MsgType.HELLO and rebooted[0].seq == 0


def test_device_clock_wraps_at_2_to_the_32_us(make_sensor, open_host):
    wrap_s = 2**32 / 1e6
    sensor = make_sensor(boot_offset_s=wrap_s - 1.0, drift_ppm=50.0)
    host = open_host(sensor.port)
    host.read_until(lambda f: f.message.msg_type == MsgType.STEP and f.t_us < 10_000_000)
    for frame in host.frames:
        if frame.message.msg_type == MsgType.STEP:
            assert frame.t_us == (frame.message.event_t_us + frame.message.latency_us) & U32
    t_s = 3.0
    expected = round((t_s * (1 + 50e-6) + wrap_s - 1.0) * 1e6) & U32
    assert sensor.device_t_us(t_s) == expected < 10_000_000


def test_imu_batches_decode_to_gait_signals(make_sensor, open_host):
    sensor = make_sensor(imu_rate_hz=400)
    host = open_host(sensor.port)
    host.send(HelloRequest())
    hello = host.read_until(lambda f: f.message.msg_type == MsgType.HELLO).message
    assert hello.sample_rate_hz == 400

    def imu_batches():
        return [f.message for f in host.frames if f.message.msg_type == MsgType.IMU]

    host.read_until(lambda f: len(imu_batches()) * 19 >= 400 * 3)
    batches = imu_batches()
    first = batches[0]
    for prev, cur in itertools.pairwise(batches):
        step_us = (cur.first_t_us - prev.first_t_us) & U32
        assert step_us == pytest.approx(len(prev.samples) * 1e6 / 400, abs=1)
    acc_scale = hello.acc_range_g * GRAVITY_MPS2 / 32768
    gyr_scale = hello.gyr_range_dps / 32768
    acc_z = [s * acc_scale for b in batches for s in b.samples[:, 2]]
    gyr_y = [s * gyr_scale for b in batches for s in b.samples[:, 4]]
    assert min(gyr_y) < -150 and max(gyr_y) > 150  # swings happened
    assert min(acc_z) < GRAVITY_MPS2 < max(acc_z)
    assert first.sample_rate_hz == 400


def test_frames_use_a_leading_delimiter(make_sensor, open_host):
    sensor = make_sensor()
    host = open_host(sensor.port)
    raw = b""
    while raw.count(b"\x00") < 6:
        raw += host.serial.read(256)
    blocks = raw.split(b"\x00")
    # between two frames there is an empty block: ...frame\x00\x00frame...
    assert b"" in blocks[1:-1]
    frames = [decode_frame(b) for b in blocks[1:-1] if b]
    assert frames and StreamDecoder().feed(raw)


def test_without_on_device_detection_it_streams_imu_but_sends_no_steps(make_sensor, open_host):
    sensor = make_sensor(imu_rate_hz=100, on_device_steps=False)
    host = open_host(sensor.port)
    host.send(HelloRequest())
    hello = host.read_until(lambda f: f.message.msg_type == MsgType.HELLO).message
    assert hello.capabilities & Capability.IMU_STREAM and hello.capabilities & Capability.PING
    assert not hello.capabilities & (Capability.STEPS | Capability.STRIDE_FIGURES)
    host.read_until(lambda f: f.message.msg_type == MsgType.IMU)
    wait_until(lambda: sum(e.kind == StepKind.INITIAL_CONTACT for e in sensor.true_events) >= 3)
    host.read_until(lambda f: f.t_us > sensor.device_t_us(sensor.true_events[-1].t_s))
    assert not [f for f in host.frames if f.message.msg_type == MsgType.STEP]
    assert not [r for r in sensor.truth_log if r.msg_type == MsgType.STEP]
    kinds = {e.kind for e in sensor.true_events}
    assert kinds == set(StepKind) and all(e.side == Side.LEFT for e in sensor.true_events)


def test_a_sensor_without_on_device_detection_needs_an_imu_stream():
    patient = VirtualPatient(HEALTHY, seed=1)
    with pytest.raises(UserInputError, match="IMU stream"):
        VirtualFootSensor(patient, Side.LEFT, SessionClock(), sensor_id=1, on_device_steps=False)

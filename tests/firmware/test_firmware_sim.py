"""ras.sim with the firmware's C core (ctypes, firmware/build/libras_core.so)."""

from __future__ import annotations

import time

import numpy as np
import pytest
import serial
from firmware_helpers import RATE_HZ, gyr_columns, make

from analysis.causal_events import run_causal
from ras.protocol import Side, StepKind, StreamDecoder, encode_frame
from ras.protocol.messages import HelloRequest, Step, StepFlag
from ras.session_clock import SessionClock
from ras.sim.firmware_core import FirmwareDetector, load_core
from ras.sim.imu import ImuSynth
from ras.sim.patient import VirtualPatient
from ras.sim.presets import HEALTHY
from ras.sim.sensor import VirtualFootSensor

HANG_GUARD_REAL_S = 30.0
SPEED = 10.0


@pytest.fixture(scope="module", autouse=True)
def core_library():
    make("libcore")  # rebuilt if the C sources changed
    return load_core()


def test_ctypes_core_gives_the_python_causal_events(imu_table):
    _, cols = gyr_columns("right")
    det = FirmwareDetector(RATE_HZ, gyr_range_dps=2000)
    events = det.run(imu_table[:, cols])
    py = run_causal(imu_table[:, cols], RATE_HZ)
    for kind in StepKind:
        idx = np.array([e.idx for e in events if e.kind is kind])
        assert len(idx) == len(py[int(kind)]) > 25
        assert np.abs(idx - py[int(kind)][:, 0]).max() < 1e-3
    assert det.stats["samples"] == len(imu_table) and det.stats["resets"] == 0


def test_ctypes_core_survives_bad_input():
    # a patient standing still, with a faulty sensor: NaNs, pinned at full scale, a time jump
    det = FirmwareDetector(200.0, gyr_range_dps=2000)
    rng = np.random.default_rng(3)
    gyr = rng.normal(0.0, 2.0, size=(4000, 3))
    gyr[100:300] = np.nan
    gyr[500:900] = [-2000.0, -2000.0, -2000.0]  # pinned at negative full scale for 2 s
    t_us = np.arange(4000) * 5000
    t_us[2000:] += 7_000_000  # the clock jumps 7 s
    events = det.run(gyr, t_us)
    assert not any(e.kind is StepKind.INITIAL_CONTACT for e in events)  # no false step
    stats = det.stats
    assert stats["non_finite"] == 200 and stats["stuck"] > 0 and stats["saturated"] >= 400
    assert stats["time_jumps"] == 1


def test_virtual_sensor_with_the_c_core_emits_the_patients_steps():
    clock = SessionClock(speed=SPEED)
    patient = VirtualPatient(HEALTHY, seed=1)
    sensor = VirtualFootSensor(
        patient,
        Side.LEFT,
        clock,
        sensor_id=0xF1,
        imu_rate_hz=200,
        drift_ppm=30.0,
        firmware_core=True,
    )
    sensor.start()
    port = serial.serial_for_url(sensor.port, timeout=0.01)
    decoder = StreamDecoder()
    frames = []
    try:
        port.write(encode_frame(HelloRequest(), 0, 0, leading_delimiter=True))
        deadline = time.monotonic() + HANG_GUARD_REAL_S
        while clock.now_s() < 15.0:
            assert time.monotonic() < deadline
            frames += decoder.feed(port.read(4096))
    finally:
        port.close()
        sensor.stop()
    steps = [f.message for f in frames if isinstance(f.message, Step)]
    ics = [m for m in steps if m.kind is StepKind.INITIAL_CONTACT]
    model = [
        e
        for e in patient.events_between(0.0, 15.0, Side.LEFT)
        if e.kind is StepKind.INITIAL_CONTACT
    ]
    assert decoder.counters.frames_rejected == 0
    assert len(ics) >= 10 and abs(len(ics) - len(model)) <= 1
    assert {m.kind for m in steps} == set(StepKind)
    # each IC the core found sits on a landing of the model: the end of the swing rotation (the
    # sagittal gyro's zero rise) or the ground contact (the model's IC); the synthetic IMU puts
    # them a person-specific 5-55 ms apart (ras.sim.imu), like real recordings
    synth = ImuSynth(HEALTHY, Side.LEFT, 200.0, seed=sensor.seed)  # the sensor's own draws
    landings = synth.landings(patient.events_between(0.0, 16.0, Side.LEFT))
    landmarks = [t for land in landings for t in (land.zero_rise_t_s, land.contact_t_s)]
    model_us = np.array([sensor.device_t_us(t) for t in landmarks], dtype=np.int64)
    for m in ics:
        err_us = ((m.event_t_us - model_us + 2**31) % 2**32) - 2**31
        assert np.abs(err_us).min() < 10_000
    assert [m.stride_index for m in ics] == list(
        range(ics[0].stride_index, ics[0].stride_index + len(ics))
    )
    assert all(m.flags & StepFlag.STRIDE_TIME for m in ics[1:])
    # the truth log records the firmware's steps too
    truth = [r for r in sensor.truth_log if r.msg_type == Step.msg_type]
    assert len(truth) == len(steps)

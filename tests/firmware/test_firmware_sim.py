"""ras.sim with the firmware's C core (ctypes, firmware/build/libras_core.so)."""

from __future__ import annotations

import time

import numpy as np
import pytest
import serial

from analysis.causal_events import run_causal
from ras.protocol import Side, StepKind, StreamDecoder, encode_frame
from ras.protocol.messages import HelloRequest, Step, StepFlag
from ras.session_clock import SessionClock
from ras.sim.firmware_core import FirmwareDetector, load_core
from ras.sim.imu import ImuSynth
from ras.sim.patient import VirtualPatient
from ras.sim.presets import HEALTHY
from ras.sim.sensor import VirtualFootSensor
from tests.firmware.firmware_helpers import RATE_HZ, as_float32, imu_columns, make

HANG_GUARD_REAL_S = 30.0
SPEED = 10.0


@pytest.fixture(scope="module", autouse=True)
def core_library():
    make("libcore")  # rebuilt if the C sources changed
    return load_core()


def test_ctypes_core_gives_the_python_causal_events(imu_table):
    x = as_float32(imu_table[:, imu_columns("right")])  # what the core gets: float32
    det = FirmwareDetector(RATE_HZ, gyr_range_dps=2000, acc_range_mps2=16 * 9.80665)
    events = det.run(x[:, :3], x[:, 3:])
    py = run_causal(x[:, :3], x[:, 3:], RATE_HZ)
    for kind in StepKind:
        ours = [e for e in events if e.kind is kind]
        assert len(ours) == len(py[int(kind)]) > 25
        assert np.abs(np.array([e.idx for e in ours]) - py[int(kind)][:, 0]).max() < 1e-3
        assert [e.detected_idx for e in ours] == py[int(kind)][:, 1].astype(int).tolist()
    # the event's device time is its fractional index at the nominal period
    t_us = np.array([e.t_us for e in events])
    assert np.abs(t_us - np.array([e.idx for e in events]) * 1e6 / RATE_HZ).max() <= 1.0
    assert det.stats["samples"] == len(imu_table) and det.stats["resets"] == 0


def test_ctypes_core_survives_bad_input():
    # a patient standing still, with a faulty sensor: NaNs, pinned at full scale, samples lost,
    # a clock jump
    det = FirmwareDetector(200.0, gyr_range_dps=2000)
    rng = np.random.default_rng(3)
    gyr = rng.normal(0.0, 2.0, size=(5000, 3))
    acc = np.array([0.0, 0.0, 9.81]) + rng.normal(0.0, 0.05, size=(5000, 3))
    gyr[100:300] = np.nan
    gyr[500:900] = [-2000.0, -2000.0, -2000.0]  # pinned at negative full scale for 2 s
    t_us = np.arange(5000) * 5000
    t_us[2000:] += 7_000_000  # the clock jumps 7 s (samples lost)
    t_us[4000:] -= 60_000_000  # and back a minute
    events = det.run(acc, gyr, t_us)
    # no false step: the pinned samples look like a swing until the stuck guard (0.5 s) acts,
    # so the standing period's MS and TO may come, but no landing and no IC
    assert not any(e.kind in (StepKind.INITIAL_CONTACT, StepKind.MID_SWING) for e in events)
    stats = det.stats
    assert stats["non_finite"] == 200 and stats["stuck"] > 0 and stats["saturated"] >= 400
    assert stats["gaps"] == 1 and stats["time_jumps"] == 1 and stats["resets"] == 4


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
    # each IC the core found is the onset of a heel-strike impact of the model: from half a
    # sample before its ground contact (the model's IC, where the impact starts) to 15 ms after
    # (where the impact's jerk reaches a tenth of its peak: 11 ms at most over 790 ICs of
    # simulate_walk at 200 Hz), not the gyro's zero rise 5-55 ms before contact
    synth = ImuSynth(HEALTHY, Side.LEFT, 200.0, seed=sensor.seed)  # the sensor's own draws
    landings = synth.landings(patient.events_between(0.0, 16.0, Side.LEFT))
    contact_us = np.array([sensor.device_t_us(land.contact_t_s) for land in landings])
    for m in ics:
        err_us = ((m.event_t_us - contact_us + 2**31) % 2**32) - 2**31
        nearest = err_us[np.abs(err_us).argmin()]
        assert -2_500 <= nearest <= 15_000, nearest
    assert [m.stride_index for m in ics] == list(
        range(ics[0].stride_index, ics[0].stride_index + len(ics))
    )
    assert all(m.flags & StepFlag.STRIDE_TIME for m in ics[1:])
    # the truth log records the firmware's steps too
    # (the sensor may have sent a few more after the reading stopped: they are not compared)
    truth = [r.message for r in sensor.truth_log if r.msg_type == Step.msg_type]
    assert truth[: len(steps)] == steps and len(truth) - len(steps) <= 4

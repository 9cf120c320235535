"""Steps of an IMU-only sensor detected on the host: frames -> StepEvents, no I/O.

A simulated walk (``simulate_walk``) is cut into IMU frames as a sensor without on-device
detection sends them (HELLO without STEPS); the host's events are checked against the walk's
true events and against the live detector run on the whole signal at once.
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis.causal_events import EVENT_IC, CausalGaitEventDetector
from analysis.gait_events import match_events
from ras.events import LinkEvent, LinkState, StepEvent
from ras.link.convert import imu_to_si
from ras.link.host_steps import HostStepDetector, StepSource, step_source
from ras.link.processor import FrameProcessor
from ras.protocol import Capability, Frame, Hello, Imu, Side, Step, StepKind
from ras.sim.presets import make_params
from ras.sim.recording import simulate_walk
from ras.sim.sensor import ACC_RANGE_G, GYR_RANGE_DPS, imu_to_raw

RATE_HZ = 100
BATCH = 10
BOOT_US = 7_000_000
#: the issue's targets for live initial contacts: within 50 ms, F1 >= 0.98
IC_TOLERANCE_S = 0.05
MIN_F1 = 0.98
IMU_ONLY = Capability.IMU_STREAM | Capability.PING


def hello(caps: int = IMU_ONLY, sensor_id: int = 0x51) -> Hello:
    return Hello(
        sensor_id, Side.LEFT, (0, 1, 0), "imu-only", RATE_HZ, ACC_RANGE_G, GYR_RANGE_DPS, caps
    )


@pytest.fixture(scope="module")
def walk():
    return simulate_walk(
        make_params("healthy", freeze_rate_per_min=0),
        duration_s=40.0,
        sampling_rate_hz=RATE_HZ,
        seed=3,
    )


def raw_left(walk) -> np.ndarray:
    foot = walk.feet["left"]
    return imu_to_raw(np.hstack([foot.acc_mps2, foot.gyr_dps]), ACC_RANGE_G, GYR_RANGE_DPS)


def batches(n_samples: int) -> list[tuple[int, int] | None]:
    """(first sample, count) of each IMU frame of a recording, in order."""
    return [(start, min(BATCH, n_samples - start)) for start in range(0, n_samples, BATCH)]


def sensor_frames(
    raw: np.ndarray,
    *,
    sent: list[tuple[int, int] | None] | None = None,
    boot_us: int = BOOT_US,
    seq0: int = 1,
    caps: int = IMU_ONLY,
    t0_s: float = 0.0,
) -> list[tuple[Frame, float]]:
    """(frame, arrival session s) of a sensor streaming ``raw``: HELLO, then IMU frames.

    ``sent`` lists each IMU frame's (first sample, count), None for a frame lost on the way
    (its sequence number is used up); default: every sample once, in order. Sample ``i`` is
    taken at device time ``boot_us + i * 1e6 / rate`` (u32), i.e. session time
    ``t0_s + i / rate``; a frame is sent 1 ms after its newest sample and arrives 4 ms later.
    """
    out = [(Frame(seq0 - 1, boot_us & 0xFFFFFFFF, hello(caps)), t0_s)]
    sent_s = 0.0
    for k, batch in enumerate(batches(len(raw)) if sent is None else sent):
        if batch is None:
            continue
        start, n = batch
        sent_s = max(sent_s, (start + n - 1) / RATE_HZ + 0.001)
        first_us = boot_us + start * 1_000_000 // RATE_HZ
        header_us = boot_us + round(sent_s * 1e6)
        imu = Imu(first_us & 0xFFFFFFFF, RATE_HZ, raw[start : start + n])
        frame = Frame((seq0 + k) & 0xFFFF, header_us & 0xFFFFFFFF, imu)
        out.append((frame, t0_s + sent_s + 0.004))
    return out


def run(frames, processor: FrameProcessor | None = None) -> tuple[FrameProcessor, list]:
    p = processor or FrameProcessor(port="p", max_hold_s=0.0)
    events = []
    for frame, arrival_s in frames:
        events += p.process(frame, arrival_s)
    return p, events + p.flush()


def steps_of(events, kind=StepKind.INITIAL_CONTACT) -> list[StepEvent]:
    return [e for e in events if isinstance(e, StepEvent) and e.kind == kind]


def test_an_imu_only_sensor_gets_its_steps_from_the_host(walk):
    frames = sensor_frames(raw_left(walk))
    p, events = run(frames)
    assert p.step_source is StepSource.HOST
    connected = [e for e in events if isinstance(e, LinkEvent)]
    assert connected[0].state is LinkState.CONNECTED and "on the host" in connected[0].detail
    ics = steps_of(events)
    truth_s = walk.ic_t_s["left"]
    device_s = np.array([(e.device_t_us - BOOT_US) * 1e-6 for e in ics])
    m = match_events(device_s, truth_s, IC_TOLERANCE_S)
    assert m["f1"] >= MIN_F1 and m["fp"] == 0, m
    # session times through the (arrival-based) clock map: as close as the arrival delay
    session_err = np.array([e.t_s for e in ics]) - device_s
    assert np.all(np.abs(session_err) < 0.01)
    # every kind of event, with the firmware's stride bookkeeping
    kinds = {e.kind for e in events if isinstance(e, StepEvent)}
    assert kinds == set(StepKind)
    assert [e.stride_index for e in ics] == list(range(len(ics)))
    assert ics[0].stride_time_s is None
    stride_s = np.diff([e.device_t_us for e in ics]) * 1e-6
    assert [e.stride_time_s for e in ics[1:]] == pytest.approx(stride_s, abs=2e-6)
    assert all(e.stride_length_m is None and e.clearance_m is None for e in ics)
    to = steps_of(events, StepKind.TOE_OFF)
    assert any(e.stance_time_s is not None for e in to)
    # seq and arrival of the IMU frame that completed the event
    arrivals = {f.seq: a for f, a in frames}
    assert all(e.received_t_s == arrivals[e.seq] >= e.t_s for e in ics)


def test_host_events_are_those_of_the_live_detector_on_the_whole_signal(walk):
    raw = raw_left(walk)
    _, events = run(sensor_frames(raw, boot_us=2**32 - 5_000_000))  # wraps after 5 s
    si = imu_to_si(raw, acc_range_g=ACC_RANGE_G, gyr_range_dps=GYR_RANGE_DPS)
    expected = CausalGaitEventDetector(RATE_HZ).process(si)
    got = [e for e in events if isinstance(e, StepEvent)]
    assert [int(e.kind) for e in got] == [e.kind for e in expected]
    device_us = [2**32 - 5_000_000 + e.idx * 1e6 / RATE_HZ for e in expected]
    assert [e.device_t_us for e in got] == pytest.approx(device_us, abs=1)
    assert sum(e.kind == EVENT_IC for e in expected) > 30


def test_lost_repeated_and_overlapping_batches_make_no_phantom_or_double_steps(walk):
    raw = raw_left(walk)
    sent = batches(len(raw))
    sent[199:214] = [None] * 15  # 15 frames (1.5 s of samples) lost
    gap_s = (199 * BATCH / RATE_HZ, 214 * BATCH / RATE_HZ)
    sent[100:100] = [sent[98], sent[99]]  # two batches sent again, late
    start, n = sent[300]
    sent[300] = (start - 5, n + 5)  # a batch that repeats the previous one's last 5 samples
    frames = sensor_frames(raw, sent=sent)
    frames.insert(50, frames[49])  # an exact duplicate frame
    p, events = run(frames)
    assert p.sequence.lost_frames_ == 15 and p.sequence.duplicates_ == 1
    ics = steps_of(events)
    device_s = np.array([(e.device_t_us - BOOT_US) * 1e-6 for e in ics])
    assert np.all(np.diff(device_s) > 0.3), "an IC twice"
    truth_s = walk.ic_t_s["left"]
    m = match_events(device_s, truth_s, IC_TOLERANCE_S)
    assert m["fp"] == 0, m
    near_gap = (truth_s > gap_s[0]) & (truth_s < gap_s[1] + 1.5)
    assert m["fn"] <= near_gap.sum(), m  # missed only where samples were lost
    det = p.host_steps_
    assert det.detectors_started_ == 2 and det.gaps_ == 1
    assert det.repeated_samples_ == 2 * BATCH + 5
    after = [e for e in ics if (e.device_t_us - BOOT_US) * 1e-6 > gap_s[1]]
    assert after[0].stride_time_s is None  # no stride spans the gap
    assert after[1].stride_time_s is not None


def test_reboot_and_reconnect_restart_the_detector(walk):
    raw = raw_left(walk)
    first, second = raw[:2000], raw[2000:]
    p, events = run(sensor_frames(first))
    before = steps_of(events)
    det = p.host_steps_
    p.begin_connection("p2")  # unplugged and plugged in again: samples were lost
    assert not det.running
    # it rebooted meanwhile: sequence and device time from 0
    _, events = run(sensor_frames(second, boot_us=600, seq0=1, t0_s=25.0), p)
    states = [e.state for e in events if isinstance(e, LinkEvent)]
    assert states == [LinkState.CONNECTED, LinkState.REBOOTED]
    after = steps_of(events)
    assert p.host_steps_ is not det and p.host_steps_.detectors_started_ == 1
    assert after[0].stride_index == 0 and after[0].device_t_us < 30_000_000  # the new boot
    assert len(before) + len(after) >= len(walk.ic_t_s["left"]) - 3


def test_a_sensor_that_sends_steps_is_not_detected_again(walk):
    raw = raw_left(walk)[:1000]
    both = Capability.STEPS | IMU_ONLY
    frames = sensor_frames(raw, caps=both)
    step = Step(StepKind.INITIAL_CONTACT, BOOT_US + 1_500_000, 4_000, 1)
    frames.append((Frame(len(frames), BOOT_US + 1_504_000, step), 11.0))
    p, events = run(frames)
    assert p.step_source is StepSource.SENSOR and p.host_steps_ is None
    assert [e.device_t_us for e in steps_of(events)] == [BOOT_US + 1_500_000]
    # the other way round: STEP frames of a sensor whose HELLO says it sends none are ignored
    p, events = run([*sensor_frames(raw), (Frame(200, BOOT_US + 1_504_000, step), 11.0)])
    assert p.ignored_steps_ == 1
    assert BOOT_US + 1_500_000 not in [e.device_t_us for e in steps_of(events)]


def test_step_source_from_hello_and_unsupported_rates():
    assert step_source(None) is None
    assert step_source(hello(Capability.STEPS)) is StepSource.SENSOR
    assert step_source(hello(IMU_ONLY)) is StepSource.HOST
    assert step_source(hello(Capability.PING)) is StepSource.NONE
    det = HostStepDetector()
    assert det.feed(first_us=0, sample_rate_hz=25, samples_si=np.zeros((10, 6))) == []
    assert det.unsupported_batches_ == 1 and not det.running

"""Host latency of a step event: STEP frame written to a pty -> event available to a consumer.

A writer thread plays one sensor on a real pty: STEP frames every 20 ms among raw IMU batches
(400 Hz, 10 samples a frame) and STATUS, answering HELLO_REQUEST and PING like firmware. The time
of each STEP write is taken just before ``os.write``; the consumer takes its time when the event
comes out of its bus queue (blocking get, as the engine will). Two host sides are measured in one
run on the same traffic:

- ``raw``: the floor — a bare thread reading the port with pyserial and decoding frames
  (no sequence tracking, clock sync, events or bus);
- ``link``: ras's real path — ``SensorLink`` reader thread -> session bus -> consumer thread.

With ``--imu-only-neighbour HZ`` it measures instead whether an IMU-only sensor beside it (its
own process and pty, walking IMU at HZ, HELLO without STEPS, so the host runs the live step
detector on its reader thread) delays this sensor's STEP events: rounds alternate the link
alone and the link with the neighbour.

Usage: python benchmarks/step_latency.py [--seconds S] [--rounds N] [--imu-only-neighbour HZ]
[--write]
"""

from __future__ import annotations

import argparse
import json
import os
import select
import subprocess
import sys
import threading
import time
import tty

import numpy as np
import serial

from ras.bus import SessionBus
from ras.events import StepEvent
from ras.link.serial_link import SensorLink
from ras.protocol import (
    Capability,
    Hello,
    HelloRequest,
    Imu,
    Side,
    Status,
    Step,
    StepKind,
    StreamDecoder,
    encode_frame,
    sensor_reply,
)
from ras.session_clock import SessionClock

STEP_EVERY_S = 0.02
IMU_RATE_HZ = 400
IMU_BATCH = 10
SENSOR_ID = 0xBE4C0001
NEIGHBOUR_ID = 0xBE4C0002


class PtySensor:
    """One fake sensor on a pty; records perf_counter just before each STEP write, by seq."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.t0 = time.perf_counter()
        self.seq = 0
        self.step_write_perf_s: dict[int, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._stream, daemon=True),
            threading.Thread(target=self._answer, daemon=True),
        ]

    def device_us(self) -> int:
        return int((time.perf_counter() - self.t0) * 1e6) & 0xFFFFFFFF

    def send(self, message, *, record: bool = False) -> None:
        with self._lock:
            seq = self.seq
            self.seq = (seq + 1) & 0xFFFF
            wire = encode_frame(message, seq, self.device_us(), leading_delimiter=True)
            if record:
                self.step_write_perf_s[seq] = time.perf_counter()
            os.write(self.master, wire)

    def hello(self) -> Hello:
        caps = Capability.STEPS | Capability.PING | Capability.IMU_STREAM
        return Hello(SENSOR_ID, Side.LEFT, (0, 1, 0), "bench", IMU_RATE_HZ, 16, 2000, caps)

    def _stream(self) -> None:
        rng = np.random.default_rng(0)
        next_step = next_imu = next_status = time.perf_counter()
        while not self._stop.is_set():
            now = time.perf_counter()
            if now >= next_imu:
                samples = rng.integers(-3000, 3000, size=(IMU_BATCH, 6), dtype=np.int16)
                self.send(Imu(self.device_us(), IMU_RATE_HZ, samples))
                next_imu += IMU_BATCH / IMU_RATE_HZ
            if now >= next_status:
                self.send(Status(3900, 80))
                next_status += 1.0
            if now >= next_step:
                t_us = self.device_us()
                self.send(Step(StepKind.INITIAL_CONTACT, t_us - 100_000, 100_000), record=True)
                next_step += STEP_EVERY_S
            time.sleep(max(0.0, min(next_step, next_imu) - time.perf_counter()))

    def _answer(self) -> None:
        decoder = StreamDecoder()
        while not self._stop.is_set():
            readable, _, _ = select.select([self.master], [], [], 0.05)
            if not readable:
                continue
            try:
                data = os.read(self.master, 4096)
            except OSError:
                return
            for frame in decoder.feed(data):
                reply = sensor_reply(frame.message, self.hello(), self.device_us())
                if reply is not None:
                    self.send(reply)

    def start(self) -> None:
        self.send(self.hello())
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join()
        os.close(self.master)
        os.close(self.slave)


class ImuOnlySensor(PtySensor):
    """An IMU-only sensor (HELLO without STEPS) streaming a simulated walk, looped, at a rate."""

    def __init__(self, rate_hz: int) -> None:
        super().__init__()
        from ras.sim.presets import make_params
        from ras.sim.recording import simulate_walk
        from ras.sim.sensor import imu_to_raw

        walk = simulate_walk(make_params("healthy"), duration_s=30.0, sampling_rate_hz=rate_hz)
        foot = walk.feet["right"]
        self.rate_hz = rate_hz
        self.raw = imu_to_raw(np.hstack([foot.acc_mps2, foot.gyr_dps]), 16, 2000)

    def hello(self) -> Hello:
        caps = Capability.PING | Capability.IMU_STREAM
        return Hello(NEIGHBOUR_ID, Side.RIGHT, (0, 1, 0), "imu-only", self.rate_hz, 16, 2000, caps)

    def _stream(self) -> None:
        k = 0
        next_imu = next_status = time.perf_counter()
        t0_us = self.device_us()
        while not self._stop.is_set():
            now = time.perf_counter()
            if now >= next_imu:
                start = k % (len(self.raw) - IMU_BATCH)
                first_us = (t0_us + round(k * 1e6 / self.rate_hz)) & 0xFFFFFFFF
                self.send(Imu(first_us, self.rate_hz, self.raw[start : start + IMU_BATCH]))
                k += IMU_BATCH
                next_imu += IMU_BATCH / self.rate_hz
            if now >= next_status:
                self.send(Status(3900, 80))
                next_status += 1.0
            time.sleep(max(0.0, next_imu - time.perf_counter()))


def run_sensor_child(seconds: float, imu_only_hz: int = 0) -> None:
    """Child process: play the sensor for ``seconds``; print its path, then its write times."""
    sensor = ImuOnlySensor(imu_only_hz) if imu_only_hz else PtySensor()
    print(sensor.path, flush=True)
    sys.stdin.readline()  # the host has opened the port
    sensor.start()
    time.sleep(seconds)
    sensor.stop()
    print(json.dumps(sensor.step_write_perf_s), flush=True)


class SensorProcess:
    """The fake sensor in its own process, so it never competes with the host for the GIL."""

    def __init__(self, seconds: float, imu_only_hz: int = 0) -> None:
        child = ["--sensor-child", str(seconds), "--child-imu-only", str(imu_only_hz)]
        self.proc = subprocess.Popen(
            [sys.executable, __file__, *child],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.path = self.proc.stdout.readline().strip()

    def go(self) -> None:
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def write_times(self) -> dict[int, float]:
        out = json.loads(self.proc.stdout.readline())
        self.proc.wait()
        return {int(k): v for k, v in out.items()}


def measure_raw(seconds: float) -> np.ndarray:
    """Latencies (s) of a bare pyserial read + decode thread."""
    sensor = SensorProcess(seconds)
    got: dict[int, float] = {}
    stop = threading.Event()
    ser = serial.serial_for_url(sensor.path, timeout=0.02)
    ser.write(encode_frame(HelloRequest(), 0, 0))

    def read() -> None:
        decoder = StreamDecoder()
        while not stop.is_set():
            try:
                data = ser.read(max(1, ser.in_waiting))
            except serial.SerialException:
                return  # the sensor process closed its end
            now = time.perf_counter()
            for frame in decoder.feed(data):
                if isinstance(frame.message, Step):
                    got[frame.seq] = now

    reader = threading.Thread(target=read)
    reader.start()
    sensor.go()
    written = sensor.write_times()
    stop.set()
    reader.join()
    ser.close()
    return _latencies(written, got)


#: Steps of the first seconds may wait for the clock sync: only the steady state is measured.
SKIP_S = 2.0
#: The shortest run that leaves a steady state to measure, s.
MIN_SECONDS = 5.0


def _is_step(event: object) -> bool:
    return isinstance(event, StepEvent) and event.sensor_id == SENSOR_ID


def measure_link(seconds: float, neighbour_hz: int = 0) -> tuple[np.ndarray, np.ndarray, dict]:
    """Latencies (s) through SensorLink to the bus (available), and on to a consumer thread.

    With ``neighbour_hz``, an IMU-only sensor streams beside it on its own link.
    """
    sensor = SensorProcess(seconds)
    neighbour = SensorProcess(seconds, neighbour_hz) if neighbour_hz else None
    clock = SessionClock()
    bus = SessionBus()
    sub = bus.subscribe("bench", accept=_is_step)
    got: dict[int, float] = {}
    published: dict[int, float] = {}
    stop = threading.Event()

    def stamp(event: object) -> None:  # runs on the reader thread as the event is published
        if _is_step(event):
            published[event.seq] = time.perf_counter()

    bus.add_listener(stamp)

    def consume() -> None:
        while not stop.is_set():
            event = sub.get(timeout_s=0.05)
            if event is not None:
                got[event.seq] = time.perf_counter()

    consumer = threading.Thread(target=consume)
    link = SensorLink(sensor.path, bus, clock)
    link.start()
    other = None
    if neighbour is not None:
        other = SensorLink(neighbour.path, bus, clock)
        other.start()
        neighbour.go()
    consumer.start()
    sensor.go()
    written = sensor.write_times()
    stats = link.stats()
    link.close()
    host_steps = 0
    if other is not None:
        neighbour.write_times()
        detector = other.processor.host_steps_
        host_steps = 0 if detector is None else detector.strides.stride_index
        other.close()
    stop.set()
    consumer.join()
    # steps published before the clock was synced may wait for it; measure the steady state
    return (
        _latencies(written, published, skip_s=SKIP_S),
        _latencies(written, got, skip_s=SKIP_S),
        {
            "lost": stats.lost_frames,
            "frames": stats.frames_ok,
            "neighbour_strides": host_steps,
        },
    )


def _latencies(written: dict[int, float], got: dict[int, float], skip_s: float = 0.5) -> np.ndarray:
    t_first = min(written.values())
    return np.array([got[s] - w for s, w in written.items() if s in got and w - t_first >= skip_s])


def _row(name: str, lat_s: np.ndarray) -> str:
    med, p99, worst = np.percentile(lat_s, [50, 99, 100]) * 1e3
    return f"| {name} | {len(lat_s)} | {med:.3f} | {p99:.3f} | {worst:.3f} |"


def neighbour_main(args: argparse.Namespace) -> int:
    """Step latency of one sensor with and without an IMU-only sensor beside it."""
    hz = args.imu_only_neighbour
    rounds = []  # alone and beside the neighbour alternate, on the same noisy machine
    for _ in range(args.rounds):
        rounds.append((measure_link(args.seconds), measure_link(args.seconds, hz)))
    alone = np.concatenate([r[0][0] for r in rounds])
    beside = np.concatenate([r[1][0] for r in rounds])
    alone_c = np.concatenate([r[0][1] for r in rounds])
    beside_c = np.concatenate([r[1][1] for r in rounds])
    strides = sum(r[1][2]["neighbour_strides"] for r in rounds)
    per_round = ", ".join(
        f"{np.percentile(b[0], 99) * 1e3:.2f} ({np.percentile(a[0], 99) * 1e3:.2f})"
        for a, b in rounds
    )
    d_med = (np.median(beside) - np.median(alone)) * 1e3
    d_p99 = (np.percentile(beside, 99) - np.percentile(alone, 99)) * 1e3
    body = "\n".join(
        [
            "The sensor of *Step latency* (STEP every"
            f" {STEP_EVERY_S * 1e3:.0f} ms among {IMU_RATE_HZ} Hz IMU), alone and with an IMU-only"
            f" sensor beside it (its own process and pty; simulated walking IMU at {hz} Hz,"
            f" {IMU_BATCH} samples a frame, HELLO without STEPS, so the host runs the live step"
            " detector on that link's reader thread). Rounds alternate the two;"
            f" {args.rounds} round(s) of {args.seconds:.0f} s each, steady state, pooled.",
            "",
            "| first sensor's STEP events | steps | median ms | p99 ms | max ms |",
            "| --- | --- | --- | --- | --- |",
            _row("alone: published on the bus (available)", alone),
            _row("beside the IMU-only sensor: available", beside),
            _row("alone: a consumer thread woken by its queue", alone_c),
            _row("beside the IMU-only sensor: consumer", beside_c),
            "",
            f"- added by the neighbour's host-side detection: median {d_med:+.3f} ms,"
            f" p99 {d_p99:+.3f} ms",
            f"- p99 of each round, available, beside (alone) ms: {per_round}",
            f"- the host detected the neighbour's steps: {strides} strides counted",
        ]
    )
    print(body)
    if args.write:
        from _report import write_section

        write_section(
            "Step latency beside an IMU-only sensor",
            body,
            f".venv/bin/python benchmarks/step_latency.py --seconds {args.seconds:g}"
            f" --rounds {args.rounds} --imu-only-neighbour {hz} --write",
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=1, help="alternating raw/ras rounds")
    parser.add_argument(
        "--imu-only-neighbour",
        type=int,
        default=0,
        metavar="HZ",
        help="measure beside an IMU-only sensor streaming at HZ (host-side step detection)",
    )
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md")
    parser.add_argument("--sensor-child", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--child-imu-only", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sensor_child is None and not args.seconds >= MIN_SECONDS:
        parser.error(
            f"--seconds must be at least {MIN_SECONDS:g}: the first {SKIP_S:g} s (before the"
            " clock is synced) are not measured"
        )
    if args.sensor_child is not None:
        run_sensor_child(args.sensor_child, args.child_imu_only)
        return 0
    if args.imu_only_neighbour:
        return neighbour_main(args)
    rounds = []  # raw and ras alternate, so that both see the same spells of a noisy machine
    for _ in range(args.rounds):
        raw_k = measure_raw(args.seconds)
        rounds.append((raw_k, *measure_link(args.seconds)))
    raw = np.concatenate([r[0] for r in rounds])
    available = np.concatenate([r[1] for r in rounds])
    link = np.concatenate([r[2] for r in rounds])
    info = {k: sum(r[3][k] for r in rounds) for k in ("frames", "lost")}
    per_round = ", ".join(
        f"{np.percentile(r[1], 99) * 1e3:.2f} ({np.percentile(r[0], 99) * 1e3:.2f})" for r in rounds
    )
    n_met = sum(np.percentile(r[1], 99) < 2e-3 for r in rounds)
    ratio_med = np.median(available) / np.median(raw)
    ratio_p99 = np.percentile(available, 99) / np.percentile(raw, 99)
    p99_ms = np.percentile(available, 99) * 1e3
    body = "\n".join(
        [
            "One sensor (its own process) on a pty:"
            f" STEP every {STEP_EVERY_S * 1e3:.0f} ms among raw IMU ({IMU_RATE_HZ} Hz,"
            f" {IMU_BATCH} samples a frame) and STATUS; {args.rounds} round(s) of"
            f" {args.seconds:.0f} s per host side, steady state (after the first 2 s), pooled."
            " Latency = event out of the consumer's queue minus the moment before the STEP"
            " frame's os.write.",
            "",
            "| host side | steps | median ms | p99 ms | max ms |",
            "| --- | --- | --- | --- | --- |",
            _row("raw: pyserial read + decode thread (floor)", raw),
            _row("ras: SensorLink -> published on the bus (available)", available),
            _row("ras: ... -> a consumer thread woken by its queue", link),
            "",
            f"- ras available / raw: median {ratio_med:.2f}x, p99 {ratio_p99:.2f}x",
            f"- target p99 < 2 ms: **{'met' if p99_ms < 2 else 'NOT met'}** ({p99_ms:.3f} ms);"
            f" frames {info['frames']}, lost {info['lost']}",
            f"- p99 of each round, ras available (raw floor) ms: {per_round};"
            f" met in {n_met} of {len(rounds)} rounds",
            "- the raw row is the floor of this machine (pty hand-over and thread wake-up on a"
            " shared 2-core VM): when its p99 is above 2 ms, no host code can meet the target in"
            " that run; compare the ratios. The consumer row adds one more thread wake-up, which"
            " costs about as much as the pty hand-over on this VM.",
        ]
    )
    print(body)
    if args.write:
        from _report import write_section

        write_section(
            "Step latency (pty -> consumer)",
            body,
            f".venv/bin/python benchmarks/step_latency.py --seconds {args.seconds:g}"
            f" --rounds {args.rounds} --write",
        )
    return 0 if p99_ms < 2 else 1


if __name__ == "__main__":
    sys.exit(main())

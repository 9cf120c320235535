"""Host latency of a step event: STEP frame written to a pty -> event available to a consumer.

A writer thread plays one sensor on a real pty: STEP frames every 20 ms among raw IMU batches
(400 Hz, 10 samples a frame) and STATUS, answering HELLO_REQUEST and PING like firmware. The time
of each STEP write is taken just before ``os.write``; the consumer takes its time when the event
comes out of its bus queue (blocking get, as the engine will). Two host sides are measured in one
run on the same traffic:

- ``raw``: the floor — a bare thread reading the port with pyserial and decoding frames
  (no sequence tracking, clock sync, events or bus);
- ``link``: ras's real path — ``SensorLink`` reader thread -> session bus -> consumer thread.

Usage: python benchmarks/step_latency.py [--seconds S] [--rounds N] [--write]
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
    Ping,
    Pong,
    Side,
    Status,
    Step,
    StepKind,
    StreamDecoder,
    encode_frame,
)
from ras.session_clock import SessionClock

STEP_EVERY_S = 0.02
IMU_RATE_HZ = 400
IMU_BATCH = 10


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
        return Hello(0xBE4C0001, Side.LEFT, (0, 1, 0), "bench", IMU_RATE_HZ, 16, 2000, caps)

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
                if isinstance(frame.message, Ping):
                    rx = self.device_us()
                    self.send(Pong(frame.message.ping_id, rx))
                elif isinstance(frame.message, HelloRequest):
                    self.send(self.hello())

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


def run_sensor_child(seconds: float) -> None:
    """Child process: play the sensor for ``seconds``; print its path, then its write times."""
    sensor = PtySensor()
    print(sensor.path, flush=True)
    sys.stdin.readline()  # the host has opened the port
    sensor.start()
    time.sleep(seconds)
    sensor.stop()
    print(json.dumps(sensor.step_write_perf_s), flush=True)


class SensorProcess:
    """The fake sensor in its own process, so it never competes with the host for the GIL."""

    def __init__(self, seconds: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--sensor-child", str(seconds)],
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


def measure_link(seconds: float) -> tuple[np.ndarray, np.ndarray, dict]:
    """Latencies (s) through SensorLink to the bus (available), and on to a consumer thread."""
    sensor = SensorProcess(seconds)
    clock = SessionClock()
    bus = SessionBus()
    sub = bus.subscribe("bench", accept=lambda e: isinstance(e, StepEvent))
    got: dict[int, float] = {}
    published: dict[int, float] = {}
    stop = threading.Event()

    def stamp(event: object) -> None:  # runs on the reader thread as the event is published
        if isinstance(event, StepEvent):
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
    consumer.start()
    sensor.go()
    written = sensor.write_times()
    stats = link.stats()
    link.close()
    stop.set()
    consumer.join()
    # steps published before the clock was synced may wait for it; measure the steady state
    return (
        _latencies(written, published, skip_s=2.0),
        _latencies(written, got, skip_s=2.0),
        {
            "lost": stats.lost_frames,
            "frames": stats.frames_ok,
        },
    )


def _latencies(written: dict[int, float], got: dict[int, float], skip_s: float = 0.5) -> np.ndarray:
    t_first = min(written.values())
    return np.array([got[s] - w for s, w in written.items() if s in got and w - t_first >= skip_s])


def _row(name: str, lat_s: np.ndarray) -> str:
    med, p99, worst = np.percentile(lat_s, [50, 99, 100]) * 1e3
    return f"| {name} | {len(lat_s)} | {med:.3f} | {p99:.3f} | {worst:.3f} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=1, help="alternating raw/ras rounds")
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md")
    parser.add_argument("--sensor-child", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sensor_child is not None:
        run_sensor_child(args.sensor_child)
        return 0
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

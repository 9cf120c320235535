"""Throughput of the StreamDecoder on a realistic two-sensor stream, against 200x real time.

The stream: two foot sensors, each sending raw IMU at 400 Hz in batches of 10 samples, STEP
events (initial contact and toe-off) at a cadence of 105 steps/min, STATUS and PONG once a
second and HELLO every 5 s, all with leading delimiters as the firmware sends them. The decoder
must keep up with 200 times that byte rate (a reader thread has to spend well under 1 % of a
core on decoding, and recordings must replay fast). A naive byte-at-a-time framing loop, using
the same ``decode_frame``, is measured in the same run as a baseline.

Usage::

    .venv/bin/python benchmarks/decoder_throughput.py [--stream-s 60] [--runs 7] [--no-report]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

from ras.protocol import (
    Frame,
    FrameError,
    Hello,
    Imu,
    Message,
    Pong,
    Side,
    Status,
    Step,
    StepKind,
    StreamDecoder,
    decode_frame,
    encode_frame,
)
from ras.protocol.frame import MAX_ENCODED_FRAME_BYTES

IMU_RATE_HZ = 400
IMU_BATCH_SAMPLES = 10
CADENCE_SPM = 105.0
REQUIRED_SPEEDUP = 200.0
ACC_RANGE_G = 16
GYR_RANGE_DPS = 2000


def _imu_raw(rng: np.random.Generator, t_s: np.ndarray, phase_s: float) -> np.ndarray:
    """Gait-like foot IMU signals as int16 raw values (foot frame: x forward, y left, z up)."""
    stride_hz = CADENCE_SPM / 120.0
    w = 2 * np.pi * stride_hz * (t_s + phase_s)
    acc_g = np.stack(
        [
            0.8 * np.sin(w) + 0.3 * np.sin(2 * w),
            0.15 * np.sin(w + 1.0),
            1.0 + 0.9 * np.maximum(np.sin(w), 0) ** 4,
        ],
        axis=1,
    )
    gyr_dps = np.stack(
        [20 * np.sin(w + 0.5), 350 * np.sin(w) + 80 * np.sin(3 * w), 15 * np.sin(2 * w)], axis=1
    )
    acc_g += rng.normal(0, 0.02, acc_g.shape)
    gyr_dps += rng.normal(0, 2.0, gyr_dps.shape)
    raw = np.concatenate([acc_g / ACC_RANGE_G, gyr_dps / GYR_RANGE_DPS], axis=1) * 32768
    return np.clip(np.round(raw), -32768, 32767).astype(np.int16)


def build_stream(stream_s: float, seed: int = 1) -> tuple[bytes, int]:
    """Interleaved wire bytes of two sensors over ``stream_s`` seconds, and its frame count."""
    rng = np.random.default_rng(seed)
    timed: list[tuple[float, int, Message]] = []  # (time s, sensor index, message)
    for sensor, (side, phase_s) in enumerate([(Side.LEFT, 0.0), (Side.RIGHT, 0.571)]):
        batch_s = IMU_BATCH_SAMPLES / IMU_RATE_HZ
        for k in range(int(stream_s / batch_s)):
            t0_s = k * batch_s
            t_s = t0_s + np.arange(IMU_BATCH_SAMPLES) / IMU_RATE_HZ
            samples = _imu_raw(rng, t_s, phase_s)
            timed.append((t0_s + batch_s, sensor, Imu(int(t0_s * 1e6), IMU_RATE_HZ, samples)))
        stride_s = 120.0 / CADENCE_SPM
        for k in range(int(stream_s / stride_s)):
            ic_s = k * stride_s + phase_s
            for kind, ev_s in [(StepKind.INITIAL_CONTACT, ic_s), (StepKind.TOE_OFF, ic_s + 0.7)]:
                step = Step(kind, int(ev_s * 1e6), 30_000, k, 0x03, int(stride_s * 1e6), 700_000)
                timed.append((ev_s + 0.03, sensor, step))
        for k in range(int(stream_s)):
            timed.append((k + 0.5, sensor, Status(3900, 80, 0, 0, 0, 0)))
            timed.append((k + 0.2, sensor, Pong(k, int((k + 0.2) * 1e6) - 50)))
            if k % 5 == 0:
                hello = Hello(1000 + sensor, side, (1, 0, 0), "BMI270", IMU_RATE_HZ)
                timed.append((k + 0.1, sensor, hello))
    timed.sort(key=lambda item: item[0])
    seqs = [0, 0]
    wire = bytearray()
    for t_s, sensor, message in timed:
        wire += encode_frame(message, seqs[sensor], int(t_s * 1e6), leading_delimiter=True)
        seqs[sensor] += 1
    return bytes(wire), len(timed)


def decode_stream(stream: bytes, read_bytes: int) -> int:
    """Frames recovered by StreamDecoder from ``stream`` read ``read_bytes`` at a time."""
    decoder = StreamDecoder()
    n_frames = 0
    for start in range(0, len(stream), read_bytes):
        n_frames += len(decoder.feed(stream[start : start + read_bytes]))
    return n_frames


def decode_stream_naive(stream: bytes, read_bytes: int) -> int:
    """Baseline: a byte-at-a-time framing loop calling the same ``decode_frame``."""
    frames: list[Frame] = []
    block = bytearray()
    for start in range(0, len(stream), read_bytes):
        for byte in stream[start : start + read_bytes]:
            if byte:
                if len(block) <= MAX_ENCODED_FRAME_BYTES:
                    block.append(byte)
            elif block:
                if len(block) <= MAX_ENCODED_FRAME_BYTES:
                    with contextlib.suppress(FrameError):
                        frames.append(decode_frame(bytes(block)))
                block.clear()
    return len(frames)


def median_seconds(fn: Callable[[], int], runs: int, expected_frames: int) -> float:
    """Median wall time of ``runs`` calls of ``fn``, each checked to recover every frame."""
    times_s = []
    for _ in range(runs):
        t0 = time.perf_counter()
        n = fn()
        times_s.append(time.perf_counter() - t0)
        if n != expected_frames:
            raise RuntimeError(f"decoded {n} frames, expected {expected_frames}")
    return statistics.median(times_s)


def main(argv: list[str] | None = None) -> int:
    """Measure, print, and record the figures in docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stream-s", type=float, default=60.0, help="seconds of stream")
    parser.add_argument("--runs", type=int, default=7, help="timed runs (median reported)")
    parser.add_argument("--no-report", action="store_true", help="do not write docs/benchmarks.md")
    args = parser.parse_args(argv)

    stream, n_frames = build_stream(args.stream_s)
    stream_rate_bps = len(stream) / args.stream_s
    stream_frames_per_s = n_frames / args.stream_s
    required_bps = REQUIRED_SPEEDUP * stream_rate_bps

    rows = []
    for read_bytes in (4096, 64):
        fast_s = median_seconds(
            lambda rb=read_bytes: decode_stream(stream, rb), args.runs, n_frames
        )
        naive_s = median_seconds(
            lambda rb=read_bytes: decode_stream_naive(stream, rb), args.runs, n_frames
        )
        rows.append((read_bytes, fast_s, naive_s))

    lines = [
        f"Stream: 2 sensors, IMU {IMU_RATE_HZ} Hz in batches of {IMU_BATCH_SAMPLES}, STEP (IC+TO) "
        f"at {CADENCE_SPM:g} steps/min, STATUS and PONG 1/s, HELLO every 5 s, leading delimiters; "
        f"{args.stream_s:g} s = {len(stream):,} bytes, {n_frames:,} frames.",
        "",
        f"- byte rate of the two-sensor stream: **{stream_rate_bps:,.0f} B/s** "
        f"({stream_frames_per_s:.1f} frames/s)",
        f"- required: {REQUIRED_SPEEDUP:g} x that = **{required_bps / 1e6:.2f} MB/s** "
        f"({REQUIRED_SPEEDUP * stream_frames_per_s:,.0f} frames/s)",
        "",
        "| read size | StreamDecoder MB/s | frames/s | x real time | vs required 200x "
        "| naive byte loop MB/s | StreamDecoder / naive |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for read_bytes, fast_s, naive_s in rows:
        fast_bps = len(stream) / fast_s
        lines.append(
            f"| {read_bytes} B | {fast_bps / 1e6:.2f} | {n_frames / fast_s:,.0f} "
            f"| {fast_bps / stream_rate_bps:,.0f} | {fast_bps / required_bps:.1f}x "
            f"| {len(stream) / naive_s / 1e6:.2f} | {naive_s / fast_s:.1f}x |"
        )
    lines.append("")
    lines.append(f"Median of {args.runs} runs each; every run recovered all {n_frames:,} frames.")
    body = "\n".join(lines)
    print(body)
    if not args.no_report:
        from _report import write_section

        command = (
            "python benchmarks/decoder_throughput.py"
            + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
        )
        write_section("Decoder throughput", body, ".venv/bin/" + command)
    worst_bps = min(len(stream) / fast_s for _, fast_s, _ in rows)
    return 0 if worst_bps >= required_bps else 1


if __name__ == "__main__":
    sys.exit(main())

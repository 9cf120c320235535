"""Fuzz the stream decoder with 120,000 random and mutated streams (seeded, a few seconds).

Valid streams are built with leading delimiters and each frame's span ``0x00 block 0x00`` is
tracked through the mutations; a frame whose span no mutation touched is *intact* and must come
out of the decoder, whatever happened around it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import pytest

from ras.protocol import (
    MAX_ENCODED_FRAME_BYTES,
    MAX_IMU_SAMPLES,
    Frame,
    Hello,
    HelloRequest,
    Imu,
    Message,
    Ping,
    Pong,
    Side,
    Status,
    Step,
    StepKind,
    StreamDecoder,
    encode_frame,
)

N_MUTATED_STREAMS_PER_SEED = 25_000
MUTATED_SEEDS = [11, 12, 13, 14]
N_RANDOM_STREAMS = 20_000


@dataclass(frozen=True, slots=True)
class PoolFrame:
    frame: Frame
    wire: bytes  # 0x00 + COBS block + 0x00
    block_bytes: int


def _pool(
    seed: int, n_frames: int = 400
) -> tuple[list[PoolFrame], dict[tuple[int, int], PoolFrame]]:
    """Varied valid frames with unique (seq, t_us); small ones are the most common."""
    rng = np.random.default_rng(seed)
    pool: list[PoolFrame] = []
    for i in range(n_frames):
        seq, t_us = i * 163 % 65536, int(rng.integers(0, 2**32))
        pick = i % 8
        message: Message
        if pick == 0:
            n = int(rng.integers(0, MAX_IMU_SAMPLES + 1)) if i % 16 else MAX_IMU_SAMPLES
            samples = rng.normal(0, 3000, (n, 6)).clip(-32768, 32767).astype(np.int16)
            message = Imu(t_us, 400, samples)
        elif pick in (1, 2):
            kind = StepKind(int(rng.integers(1, 5)))
            message = Step(kind, t_us - 5000, 5000, i, int(rng.integers(0, 16)), 1_000_000)
        elif pick == 3:
            message = Status(int(rng.integers(3000, 4200)), int(rng.integers(0, 101)), 0, i)
        elif pick == 4:
            message = Hello(int(rng.integers(0, 2**32)), Side(i % 3), (1, 2, 3), "LSM6DSO", 400)
        elif pick == 5:
            message = Pong(i, t_us - 100)
        elif pick == 6:
            message = Ping(int(rng.integers(0, 2**32)))
        else:
            message = HelloRequest()
        wire = encode_frame(message, seq, t_us, leading_delimiter=True)
        pool.append(PoolFrame(Frame(seq, t_us, message), wire, len(wire) - 2))
    by_key = {(p.frame.seq, p.frame.t_us): p for p in pool}
    assert len(by_key) == len(pool)
    return pool, by_key


POOL, POOL_BY_KEY = _pool(2024)
#: byte tables mapping a share of byte values to 0x00 (to vary zero density cheaply)
ZERO_TABLES = [bytes(b if b < limit else 0 for b in range(256)) for limit in (255, 192, 16)]


def _garbage(r: random.Random) -> bytes:
    """Junk between frames: random bytes, repeated delimiters, or an oversized run."""
    kind = r.randrange(3)
    if kind == 0:
        return r.randbytes(r.randint(1, 40))
    if kind == 1:
        return b"\x00" * r.randint(1, 4)
    return bytes([r.randint(1, 255)]) * r.randint(MAX_ENCODED_FRAME_BYTES + 1, 700)


def _mutated_stream(r: random.Random) -> tuple[bytearray, list[PoolFrame], list[bool], bool]:
    """A valid stream, then 0-4 mutations; returns bytes, frames, touched flags, pristine."""
    buf = bytearray()
    entries: list[PoolFrame] = []
    spans: list[list[int]] = []  # [first, last] index of each frame's 0x00 block 0x00
    pristine = True
    for _ in range(r.randint(0, 5)):
        if r.random() < 0.15:
            buf += _garbage(r)
            pristine = False
        entry = POOL[r.randrange(len(POOL))]
        spans.append([len(buf), len(buf) + len(entry.wire) - 1])
        buf += entry.wire
        entries.append(entry)
    touched = [False] * len(entries)
    n_mutations = r.choice((0, 1, 1, 1, 2, 2, 3, 4))
    for _ in range(n_mutations):
        pristine = False
        kind = r.randrange(8)
        if kind <= 2 and buf:  # bit flip, byte replacement, duplicated delimiter
            p = r.randrange(len(buf))
            if kind == 0:
                buf[p] ^= 1 << r.randrange(8)
            elif kind == 1:
                buf[p] = r.randrange(256)
            else:
                p = buf.find(0, p)
                if p < 0:
                    continue
                buf.insert(p, 0)
                for i, (first, last) in enumerate(spans):
                    if first < p <= last:
                        touched[i] = True
                    elif first >= p:
                        spans[i] = [first + 1, last + 1]
                continue
            for i, (first, last) in enumerate(spans):
                if first <= p <= last:
                    touched[i] = True
        elif kind in (3, 4, 5):  # insertion: junk, an oversized run, or garbage between frames
            if kind == 5 and spans:
                p = spans[r.randrange(len(spans))][0]
                junk = _garbage(r)
            else:
                p = r.randint(0, len(buf))
                junk = r.randbytes(r.randint(1, 8)) if kind == 3 else _garbage(r)
            buf[p:p] = junk
            for i, (first, last) in enumerate(spans):
                if first < p <= last:
                    touched[i] = True
                elif first >= p:
                    spans[i] = [first + len(junk), last + len(junk)]
        elif kind == 6 and buf:  # deletion
            p = r.randrange(len(buf))
            m = r.randint(1, 8)
            del buf[p : p + m]
            for i, (first, last) in enumerate(spans):
                if first < p + m and p <= last:
                    touched[i] = True
                elif first >= p + m:
                    spans[i] = [first - m, last - m]
        elif kind == 7:  # truncation
            p = r.randint(0, len(buf))
            del buf[p:]
            for i, (_, last) in enumerate(spans):
                if last >= p:
                    touched[i] = True
    return buf, entries, touched, pristine


def _decode(r: random.Random, stream: bytes | bytearray) -> tuple[StreamDecoder, list[Frame]]:
    """Feed the stream in 1-4 random chunks, checking bounded memory after each."""
    decoder = StreamDecoder()
    got: list[Frame] = []
    cuts = sorted(r.randint(0, len(stream)) for _ in range(r.randrange(4)))
    start = 0
    for stop in [*cuts, len(stream)]:
        got += decoder.feed(stream[start:stop])
        assert decoder.buffered_bytes <= MAX_ENCODED_FRAME_BYTES
        start = stop
    return decoder, got


def _check_counters(decoder: StreamDecoder, stream: bytes | bytearray, got: list[Frame]) -> bool:
    """Check counter identities; False if a frame came out that is not in the pool (spurious)."""
    c = decoder.counters
    assert c.bytes_in == len(stream)
    assert c.frames_ok == len(got)
    assert c.internal == 0
    # each block ends at a delimiter, except a final oversized run still being skipped
    assert c.frames_ok + c.frames_rejected <= stream.count(0) + 1
    ok_block_bytes = 0
    for frame in got:
        entry = POOL_BY_KEY.get((frame.seq, frame.t_us))
        if entry is None or entry.frame != frame:
            return False
        ok_block_bytes += entry.block_bytes
    # every byte is a delimiter, part of a good block, discarded, or still buffered
    assert c.bytes_in == (
        stream.count(0) + ok_block_bytes + c.bytes_discarded + decoder.buffered_bytes
    )
    return True


@pytest.mark.slow
@pytest.mark.parametrize("seed", MUTATED_SEEDS)
def test_fuzz_mutated_streams_recover_every_intact_frame(seed):
    r = random.Random(seed)
    totals = dict.fromkeys(("cobs", "short", "crc", "oversized"), 0)
    n_intact = n_touched = n_spurious = 0
    for _ in range(N_MUTATED_STREAMS_PER_SEED):
        stream, entries, touched, pristine = _mutated_stream(r)
        decoder, got = _decode(r, stream)
        intact = [e.frame for e, t in zip(entries, touched, strict=True) if not t]
        j = 0
        for frame in got:
            if j < len(intact) and frame == intact[j]:
                j += 1
        assert j == len(intact), (seed, stream.hex(), touched)
        if not _check_counters(decoder, stream, got):
            n_spurious += 1
        if pristine:
            assert got == intact and decoder.counters.frames_rejected == 0
            assert decoder.counters.bytes_discarded == 0
        n_intact += len(intact)
        n_touched += len(entries) - len(intact)
        for name in totals:
            totals[name] += getattr(decoder.counters, name)
    # the fuzz really exercised both sides, and false accepts (CRC collisions) stay rare
    assert n_intact > 20_000 and n_touched > 10_000
    assert all(count > 100 for count in totals.values()), totals
    assert n_spurious < N_MUTATED_STREAMS_PER_SEED // 1000


@pytest.mark.slow
def test_fuzz_random_streams_never_raise_and_stay_bounded():
    r = random.Random(99)
    n_frames_out = 0
    for i in range(N_RANDOM_STREAMS):
        stream = r.randbytes(r.randint(0, 700)).translate(ZERO_TABLES[i % 3])
        decoder, got = _decode(r, stream)
        _check_counters(decoder, stream, got)
        n_frames_out += len(got)
    assert n_frames_out <= 2  # random bytes almost never pass COBS, length, CRC and layout

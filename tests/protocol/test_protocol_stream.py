"""StreamDecoder: the same frames and counters whatever the chunking; bounded memory."""

import numpy as np
import pytest

from ras.protocol import (
    MAX_ENCODED_FRAME_BYTES,
    Frame,
    Imu,
    Ping,
    Side,
    Status,
    Step,
    StepKind,
    StreamDecoder,
    encode_frame,
)
from ras.protocol.messages import Hello


def _stream(seed: int, n_frames: int = 300) -> tuple[bytes, list[Frame]]:
    """A stream of varied frames with garbage, empty blocks and an oversized run mixed in."""
    rng = np.random.default_rng(seed)
    wire = bytearray()
    frames: list[Frame] = []
    for i in range(n_frames):
        t_us = int(rng.integers(0, 2**32))
        pick = int(rng.integers(0, 5))
        if pick == 0:
            n = int(rng.integers(0, 20))
            message = Imu(t_us, 400, rng.integers(-32768, 32768, (n, 6)).astype(np.int16))
        elif pick == 1:
            message = Step(StepKind(int(rng.integers(1, 5))), t_us, int(rng.integers(0, 10**5)))
        elif pick == 2:
            message = Status(int(rng.integers(0, 5000)), 50, 0, i, 0, 0)
        elif pick == 3:
            message = Hello(int(rng.integers(0, 2**32)), Side.LEFT, (1, 0, 0), "BMI270", 400)
        else:
            message = Ping(i)
        seq = i & 0xFFFF
        wire += encode_frame(message, seq, t_us, leading_delimiter=bool(i % 2))
        frames.append(Frame(seq, t_us, message))
        if i % 17 == 0:
            wire += b"\x00\x00"  # empty blocks: ignored
        if i % 29 == 0:
            wire += b"\x00" + rng.integers(1, 256, 40, dtype=np.uint8).tobytes() + b"\x00"
        if i % 53 == 0:
            wire += b"\x00" + b"\x7e" * 700 + b"\x00"
    return bytes(wire), frames


def _feed_in_chunks(wire: bytes, cuts: list[int]) -> tuple[list[Frame], dict[str, int]]:
    decoder = StreamDecoder()
    out: list[Frame] = []
    for a, b in zip([0, *cuts], [*cuts, len(wire)], strict=True):
        out += decoder.feed(wire[a:b])
        assert decoder.buffered_bytes <= MAX_ENCODED_FRAME_BYTES
    return out, decoder.counters.as_dict()


def test_whole_stream_gives_every_frame_and_counts_the_garbage():
    wire, frames = _stream(1)
    got, counts = _feed_in_chunks(wire, [])
    assert got == frames
    assert counts["frames_ok"] == len(frames)
    assert counts["oversized"] == len(range(0, 300, 53))
    assert counts["frames_rejected"] >= counts["oversized"] + 1
    assert counts["internal"] == 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_any_chunking_gives_the_same_frames_and_counters(seed):
    wire, frames = _stream(seed, n_frames=120)
    whole, whole_counts = _feed_in_chunks(wire, [])
    assert whole == frames
    one_byte, one_byte_counts = _feed_in_chunks(wire, list(range(1, len(wire))))
    assert one_byte == frames and one_byte_counts == whole_counts
    rng = np.random.default_rng(seed)
    for max_chunk in [2, 7, 64, 300, 4096]:
        cuts = np.cumsum(rng.integers(0, max_chunk + 1, len(wire)))  # includes empty chunks
        got, counts = _feed_in_chunks(wire, [int(c) for c in cuts[cuts < len(wire)]])
        assert got == frames
        assert counts == whole_counts


def test_feed_accepts_bytearray_and_memoryview():
    wire, frames = _stream(4, n_frames=20)
    assert StreamDecoder().feed(bytearray(wire)) == frames
    assert StreamDecoder().feed(memoryview(wire)) == frames


@pytest.mark.parametrize("leading_delimiter", [False, True])
def test_a_long_run_without_delimiter_is_dropped_with_bounded_memory(leading_delimiter):
    decoder = StreamDecoder()
    for _ in range(100):
        assert decoder.feed(b"\x55" * 97) == []
        assert decoder.buffered_bytes <= MAX_ENCODED_FRAME_BYTES
    wire = encode_frame(Ping(7), 1, 2, leading_delimiter=leading_delimiter)
    got = decoder.feed(wire)
    assert decoder.counters.oversized == 1
    if leading_delimiter:  # the garbage ends at the leading delimiter: the frame survives
        assert [f.message for f in got] == [Ping(7)]
        assert decoder.counters.bytes_discarded == 9700
    else:  # without it the frame is swallowed by the damaged run before it
        assert got == []
        assert decoder.counters.bytes_discarded == 9700 + len(wire) - 1
    assert [f.message for f in decoder.feed(wire)] == [Ping(7)]


def test_block_of_exactly_the_maximum_size_is_not_oversized():
    decoder = StreamDecoder()
    decoder.feed(b"\x01" * MAX_ENCODED_FRAME_BYTES)
    assert decoder.buffered_bytes == MAX_ENCODED_FRAME_BYTES
    decoder.feed(b"\x00")
    assert decoder.counters.oversized == 0
    assert decoder.counters.crc == 1  # 250 zero bytes: a frame of the right size, wrong CRC


def test_reset_drops_a_partial_frame():
    wire = encode_frame(Ping(1), 1, 2)
    decoder = StreamDecoder()
    assert decoder.feed(wire[:5]) == []
    decoder.reset()
    assert decoder.buffered_bytes == 0
    assert decoder.feed(wire[5:]) == []
    assert decoder.feed(wire) != []
    assert decoder.counters.bytes_discarded == len(wire) - 1

"""Streaming frame decoder: bytes in any chunking -> every intact frame, damage counted.

Never raises on input and keeps at most one maximal frame of bytes buffered.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from ras.protocol.frame import MAX_ENCODED_FRAME_BYTES, Frame, FrameError, decode_frame

__all__ = ["DecoderCounters", "StreamDecoder"]


@dataclass(slots=True)
class DecoderCounters:
    """What a :class:`StreamDecoder` has seen (all cumulative)."""

    bytes_in: int = 0
    frames_ok: int = 0
    #: bytes discarded as part of damaged, oversized or unknown frames
    bytes_discarded: int = 0
    cobs: int = 0
    short: int = 0
    crc: int = 0
    version: int = 0
    unknown_type: int = 0
    bad_payload: int = 0
    oversized: int = 0
    internal: int = 0

    @property
    def frames_rejected(self) -> int:
        """Damaged or not-understood frames skipped."""
        return (
            self.cobs
            + self.short
            + self.crc
            + self.version
            + self.unknown_type
            + self.bad_payload
            + self.oversized
            + self.internal
        )

    def as_dict(self) -> dict[str, int]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["frames_rejected"] = self.frames_rejected
        return d


class StreamDecoder:
    """Recover frames from a byte stream.

    Parameters
    ----------
    max_block_bytes : int
        Longest COBS block accepted; longer runs without a delimiter are counted as
        ``oversized`` and skipped up to the next delimiter.
    """

    def __init__(self, max_block_bytes: int = MAX_ENCODED_FRAME_BYTES) -> None:
        self.max_block_bytes = max_block_bytes
        self.counters = DecoderCounters()
        self._pending = bytearray()
        self._skipping = False  # inside an oversized run, until the next delimiter

    @property
    def buffered_bytes(self) -> int:
        """Bytes held waiting for a delimiter (never more than ``max_block_bytes``)."""
        return len(self._pending)

    def reset(self) -> None:
        """Drop any partial frame (e.g. after the port was reopened)."""
        self.counters.bytes_discarded += len(self._pending)
        self._pending.clear()
        self._skipping = False

    def feed(self, data: bytes | bytearray | memoryview) -> list[Frame]:
        """Add bytes; return the frames completed by them, in order."""
        frames: list[Frame] = []
        c = self.counters
        n = len(data)
        c.bytes_in += n
        data = bytes(data)
        start = 0
        while start < n:
            end = data.find(b"\x00", start)
            if end < 0:
                self._append_partial(data, start, n)
                break
            if self._skipping:
                c.bytes_discarded += end - start
                self._skipping = False
            elif self._pending:
                room = self.max_block_bytes - len(self._pending)
                if end - start > room:
                    c.oversized += 1
                    c.bytes_discarded += len(self._pending) + end - start
                else:
                    self._pending += data[start:end]
                    self._decode_block(bytes(self._pending), frames)
                self._pending.clear()
            elif end > start:
                if end - start > self.max_block_bytes:
                    c.oversized += 1
                    c.bytes_discarded += end - start
                else:
                    self._decode_block(data[start:end], frames)
            start = end + 1
        return frames

    def _append_partial(self, data: bytes, start: int, stop: int) -> None:
        c = self.counters
        if self._skipping:
            c.bytes_discarded += stop - start
            return
        if len(self._pending) + stop - start > self.max_block_bytes:
            c.oversized += 1
            c.bytes_discarded += len(self._pending) + stop - start
            self._pending.clear()
            self._skipping = True
            return
        self._pending += data[start:stop]

    def _decode_block(self, block: bytes, frames: list[Frame]) -> None:
        c = self.counters
        try:
            frames.append(decode_frame(block))
            c.frames_ok += 1
        except FrameError as err:
            setattr(c, err.reason, getattr(c, err.reason) + 1)
            c.bytes_discarded += len(block)
        except Exception:  # defensive net: a reader thread must never die on input
            c.internal += 1
            c.bytes_discarded += len(block)

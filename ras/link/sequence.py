"""Sequence numbers and device times of one sensor: loss counting, reboots, u32 wrap.

Each sensor numbers its frames with a u16 sequence and stamps them with a u32 device time in
microseconds (wraps every 2**32 us, about 71.6 min). On reboot both restart near 0. The arithmetic
is in plain functions; :class:`SequenceTracker` and :class:`DeviceTimeUnwrapper` keep the state.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = [
    "SEQ_MODULUS",
    "U32_MODULUS",
    "DeviceTimeUnwrapper",
    "SeqKind",
    "SeqUpdate",
    "SequenceTracker",
    "is_reboot",
    "lost_in_gap",
    "seq_delta",
    "u32_delta",
    "unwrap_u32",
]

SEQ_MODULUS = 1 << 16
U32_MODULUS = 1 << 32


def seq_delta(prev_seq: int, seq: int) -> int:
    """Signed distance from ``prev_seq`` to ``seq`` on the u16 circle, in [-32768, 32767]."""
    d = (seq - prev_seq) % SEQ_MODULUS
    return d - SEQ_MODULUS if d >= SEQ_MODULUS // 2 else d


def u32_delta(prev_raw_us: int, raw_us: int) -> int:
    """Signed distance (us) from ``prev_raw_us`` to ``raw_us`` on the u32 circle."""
    d = (raw_us - prev_raw_us) % U32_MODULUS
    return d - U32_MODULUS if d >= U32_MODULUS // 2 else d


def unwrap_u32(raw_us: int, ref_us: int) -> int:
    """The unwrapped time congruent to ``raw_us`` (mod 2**32) that is nearest to ``ref_us``.

    Parameters
    ----------
    raw_us : int
        u32 device time (us) as sent on the wire.
    ref_us : int
        An unwrapped device time (us) close to the true value, e.g. the newest header time.
    """
    return ref_us + u32_delta(ref_us % U32_MODULUS, raw_us)


def lost_in_gap(delta: int, *, elapsed_s: float | None = None, frames_per_s: float = 0.0) -> int:
    """Frames missing between two received frames whose sequences differ by ``delta``.

    ``delta`` is known only modulo 2**16. When the device time between the two frames
    (``elapsed_s``) at the sensor's frame rate (``frames_per_s``) covers more than a quarter of the
    sequence circle, the number of whole turns is estimated from it; otherwise ``delta`` must be
    positive and ``delta - 1`` frames are missing.
    """
    fwd = delta % SEQ_MODULUS
    if elapsed_s is not None and frames_per_s > 0 and elapsed_s * frames_per_s > SEQ_MODULUS / 4:
        turns = round((elapsed_s * frames_per_s - fwd) / SEQ_MODULUS)
        return max(fwd + max(turns, 0) * SEQ_MODULUS - 1, 0)
    return max(fwd - 1, 0)


def is_reboot(delta: int | None, seq: int, *, is_hello: bool, clock_went_back: bool) -> bool:
    """Whether a frame shows that its sensor restarted.

    Parameters
    ----------
    delta : int or None
        :func:`seq_delta` from the previous frame (None for the first frame).
    seq : int
        The frame's sequence number.
    is_hello : bool
        The frame is a HELLO (sent at boot with sequence 0).
    clock_went_back : bool
        The frame's device time is earlier than the previous frame's (beyond jitter).
    """
    if delta is None:
        return False
    if clock_went_back:  # (a duplicate has the same device time)
        return True
    if not is_hello:
        return False
    return delta < 0 or (seq == 0 and delta != 1 and delta != 0)


class SeqKind(Enum):
    """How a frame's sequence number relates to the previous one."""

    FIRST = "first"
    NEXT = "next"
    GAP = "gap"  # frames are missing before this one
    DUPLICATE = "duplicate"  # same sequence as the previous frame: drop it
    BACKWARD = "backward"  # older than the previous frame, not a reboot: keep, do not advance
    REBOOT = "reboot"


@dataclass(frozen=True, slots=True)
class SeqUpdate:
    """Result of :meth:`SequenceTracker.update` for one frame."""

    kind: SeqKind
    lost: int = 0
    prev_seq: int | None = None


class SequenceTracker:
    """Follows one sensor's u16 frame sequence: counts lost frames exactly and spots reboots.

    Parameters
    ----------
    min_rate_span_s : float
        Device time (s) of a boot after which its frame rate is trusted to resolve gaps longer
        than a quarter of the sequence circle (long disconnections).

    Attributes
    ----------
    last_seq_ : int or None
        Newest sequence number accepted.
    frames_, lost_frames_, duplicates_, backward_, reboots_ : int
        Cumulative counts (frames received, frames missing, duplicates dropped, backward jumps
        kept, reboots seen).
    """

    def __init__(self, *, min_rate_span_s: float = 5.0) -> None:
        self.min_rate_span_s = min_rate_span_s
        self.last_seq_: int | None = None
        self.frames_ = 0
        self.lost_frames_ = 0
        self.duplicates_ = 0
        self.backward_ = 0
        self.reboots_ = 0
        self._boot_frames = 0  # frames received or lost since this boot's first frame
        self._boot_span_s = 0.0  # device time covered by them

    @property
    def frames_per_s_(self) -> float:
        """This boot's frame rate (frames per device second; 0 until trusted)."""
        if self._boot_span_s < self.min_rate_span_s:
            return 0.0
        return self._boot_frames / self._boot_span_s

    def update(
        self,
        seq: int,
        *,
        is_hello: bool = False,
        clock_went_back: bool = False,
        elapsed_s: float | None = None,
    ) -> SeqUpdate:
        """Account for one received frame.

        Parameters
        ----------
        seq : int
            The frame's u16 sequence number.
        is_hello : bool
            The frame is a HELLO.
        clock_went_back : bool
            Its device time is earlier than the previous frame's (see :func:`is_reboot`).
        elapsed_s : float, optional
            Device time (s) since the previous frame, to resolve very long gaps.
        """
        prev = self.last_seq_
        self.frames_ += 1
        if prev is None:
            self._start_boot(seq)
            return SeqUpdate(SeqKind.FIRST)
        delta = seq_delta(prev, seq)
        if is_reboot(delta, seq, is_hello=is_hello, clock_went_back=clock_went_back):
            self.reboots_ += 1
            self._start_boot(seq)
            return SeqUpdate(SeqKind.REBOOT, prev_seq=prev)
        long_gap = (
            elapsed_s is not None
            and self.frames_per_s_ > 0
            and elapsed_s * self.frames_per_s_ > SEQ_MODULUS / 4
        )
        if delta == 0 and not long_gap:
            self.duplicates_ += 1
            return SeqUpdate(SeqKind.DUPLICATE, prev_seq=prev)
        if delta < 0 and not long_gap:
            self.backward_ += 1
            return SeqUpdate(SeqKind.BACKWARD, prev_seq=prev)
        lost = lost_in_gap(delta, elapsed_s=elapsed_s, frames_per_s=self.frames_per_s_)
        self.lost_frames_ += lost
        self.last_seq_ = seq
        self._boot_frames += lost + 1
        if elapsed_s is not None and elapsed_s > 0:
            self._boot_span_s += elapsed_s
        return SeqUpdate(SeqKind.GAP if lost else SeqKind.NEXT, lost, prev)

    def _start_boot(self, seq: int) -> None:
        self.last_seq_ = seq
        self._boot_frames = 0
        self._boot_span_s = 0.0


class DeviceTimeUnwrapper:
    """u32 device times (us) of one sensor boot -> monotonic unwrapped int us.

    Header times define the reference (:meth:`update`); times inside payloads (event times,
    PING arrival times, IMU first-sample times) may be slightly older and are unwrapped
    relative to it (:meth:`unwrap`). The first header of a boot is taken as it is (no turns).

    Attributes
    ----------
    reference_us_ : int or None
        Newest unwrapped header time (us).
    """

    def __init__(self) -> None:
        self.reference_us_: int | None = None

    def reset(self) -> None:
        """Forget the reference (the sensor rebooted)."""
        self.reference_us_ = None

    def delta_us(self, raw_us: int) -> int | None:
        """Signed device time (us) from the reference to ``raw_us``; None before any header."""
        if self.reference_us_ is None:
            return None
        return u32_delta(self.reference_us_ % U32_MODULUS, raw_us)

    def update(self, raw_us: int) -> int:
        """Unwrap a header time and move the reference forward to it (never backward)."""
        t_us = self.unwrap(raw_us)
        if self.reference_us_ is None or t_us > self.reference_us_:
            self.reference_us_ = t_us
        return t_us

    def unwrap(self, raw_us: int) -> int:
        """Unwrap a device time near the reference (within ±35 min) without moving it."""
        if self.reference_us_ is None:
            return raw_us % U32_MODULUS
        return unwrap_u32(raw_us, self.reference_us_)

"""Session time onto the LSL clock.

ras's one session clock is ``(time.perf_counter() - start) * speed``
(:class:`ras.session_clock.SessionClock`); LSL stamps samples with ``pylsl.local_clock()``.
On Linux both read CLOCK_MONOTONIC, but that is measured here rather than assumed: the offset
between the two is taken from the tightest of many back-to-back readings, so a session time
maps onto the LSL clock within a few microseconds.

A simulated session sped up ``speed`` times is mapped to the real instants its events happened
(``start + t_s / speed``): the mapping is exact, an inlet sees them when they occur, and the
stream metadata says the speed, so a lab can test its recording set-up on a fast simulation
and still read session time back (``(timestamp - session_start_lsl_s) * speed``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ras.session_clock import SessionClock

__all__ = ["LslClockMap", "measure_offset_s"]

#: Back-to-back readings taken to measure the offset between the two clocks.
N_READINGS = 200


def measure_offset_s(
    local_clock: Callable[[], float],
    perf_counter: Callable[[], float] = time.perf_counter,
    n_readings: int = N_READINGS,
) -> float:
    """``local_clock() - perf_counter()`` (s), from the reading bracketed most tightly.

    Each try reads ``perf_counter``, ``local_clock``, ``perf_counter``; the try with the
    shortest bracket (least preempted) gives the offset against the bracket's midpoint.
    """
    best_width_s = float("inf")
    best_offset_s = 0.0
    for _ in range(max(1, n_readings)):
        before_s = perf_counter()
        lsl_s = local_clock()
        after_s = perf_counter()
        if after_s - before_s < best_width_s:
            best_width_s = after_s - before_s
            best_offset_s = lsl_s - 0.5 * (before_s + after_s)
    return best_offset_s


def session_to_lsl_s(t_s: float, start_perf_s: float, speed: float, offset_s: float) -> float:
    """LSL time (s) of session time ``t_s`` (s) on a session clock started at ``start_perf_s``
    (``perf_counter`` s) running at ``speed`` session s per real s; ``offset_s`` is
    :func:`measure_offset_s`."""
    return start_perf_s + t_s / speed + offset_s


@dataclass(frozen=True, slots=True)
class LslClockMap:
    """One session's mapping from session time to ``pylsl.local_clock()``.

    Attributes
    ----------
    start_perf_s : float
        ``perf_counter`` value of session time 0.
    speed : float
        Session seconds per real second.
    offset_s : float
        ``local_clock() - perf_counter()`` (s), measured.
    """

    start_perf_s: float
    speed: float
    offset_s: float

    @classmethod
    def measure(cls, clock: SessionClock, local_clock: Callable[[], float]) -> LslClockMap:
        """The map of ``clock`` onto ``local_clock`` (``pylsl.local_clock``)."""
        return cls(clock.start_perf_s, clock.speed, measure_offset_s(local_clock))

    def lsl_s(self, t_s: float) -> float:
        """LSL time (s) of session time ``t_s`` (s)."""
        return session_to_lsl_s(t_s, self.start_perf_s, self.speed, self.offset_s)

    @property
    def session_start_lsl_s(self) -> float:
        """LSL time (s) of session time 0."""
        return self.lsl_s(0.0)

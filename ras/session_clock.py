"""The one session clock: seconds since the session started, on the host's monotonic clock.

Every time in a session (step events, cue onsets, tempo changes, link events) is on this clock.
A simulated session may run faster than real time: ``speed`` scales the clock, so simulated
sensors, the patient model and the host all agree on one time line.
"""

from __future__ import annotations

import time

__all__ = ["SessionClock"]


class SessionClock:
    """Session time in seconds.

    Parameters
    ----------
    speed : float
        Session seconds per real second (1 for a real session; > 1 only for simulations).
    start_perf_s : float, optional
        ``time.perf_counter()`` value of session time 0; default: now.
    """

    def __init__(self, speed: float = 1.0, start_perf_s: float | None = None) -> None:
        if not speed > 0:
            raise ValueError(f"clock speed must be > 0, got {speed}")
        self.speed = float(speed)
        self.start_perf_s = time.perf_counter() if start_perf_s is None else float(start_perf_s)

    def now_s(self) -> float:
        """Current session time (s)."""
        return (time.perf_counter() - self.start_perf_s) * self.speed

    def from_perf_s(self, perf_s: float) -> float:
        """Session time (s) of a ``time.perf_counter()`` reading."""
        return (perf_s - self.start_perf_s) * self.speed

    def to_perf_s(self, t_s: float) -> float:
        """``time.perf_counter()`` value at session time ``t_s``."""
        return self.start_perf_s + t_s / self.speed

    def sleep_until(self, t_s: float) -> None:
        """Sleep until session time ``t_s`` (returns at once if it has passed)."""
        delay = (t_s - self.now_s()) / self.speed
        if delay > 0:
            time.sleep(delay)

"""The one session clock: seconds since the session started, on the host's monotonic clock.

Every time in a session (step events, cue onsets, tempo changes, link events) is on this clock.
A simulated session may run faster than real time: ``speed`` scales the clock, so simulated
sensors, the patient model and the host all agree on one time line. The speed is bounded
(:data:`MIN_SPEED` to :data:`MAX_SPEED`, see :func:`check_speed`): at an unbounded speed every
thread that renders "everything due by now" would render without end.
"""

from __future__ import annotations

import math
import time

from ras.errors import UserInputError

__all__ = ["MAX_SPEED", "MIN_SPEED", "SessionClock", "check_speed"]

#: Fastest simulated session: session seconds per real second. benchmarks/speed_keepup.py
#: (docs/benchmarks.md, "Simulation speed: keeping up"): on this 2-core machine a 10-minute
#: session keeps every cue and every phase length at 60x when idle, and at 40x with 2 busy
#: processes (at 60x then, 15 % of the cues are skipped: counted, and the session ends
#: `degraded`). Faster gains nothing a test or demo needs and only skips more cues.
MAX_SPEED = 60.0
#: Slowest: a session runs at most 10x slower than real time.
MIN_SPEED = 0.1


def check_speed(speed: float, name: str = "--speed") -> float:
    """Return ``speed`` as a float if it is a finite clock speed the machine can keep.

    Parameters
    ----------
    speed : float
        Session seconds per real second.
    name : str
        What to call it in the error (the option or setting it came from).

    Raises
    ------
    UserInputError
        One line naming the allowed range, for NaN, infinities, 0, negatives and speeds above
        :data:`MAX_SPEED` (or below :data:`MIN_SPEED`).
    """
    try:
        value = float(speed)
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and MIN_SPEED <= value <= MAX_SPEED):
        raise UserInputError(
            f"{name} must be a number from {MIN_SPEED:g} to {MAX_SPEED:g} (session seconds per"
            f" real second; 1 = real time), got {speed!r}"
        )
    return value


class SessionClock:
    """Session time in seconds.

    Parameters
    ----------
    speed : float
        Session seconds per real second (1 for a real session; > 1 only for simulations),
        within :func:`check_speed`'s range (else :class:`UserInputError`).
    start_perf_s : float, optional
        ``time.perf_counter()`` value of session time 0; default: now.
    """

    def __init__(self, speed: float = 1.0, start_perf_s: float | None = None) -> None:
        # named as the user gives it: every front end's clock comes from --speed
        self.speed = check_speed(speed, "--speed")
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
        """Sleep until session time ``t_s`` (returns at once if it has passed; a time that is
        not finite is refused: it would sleep forever or not at all)."""
        if not math.isfinite(t_s):
            raise ValueError(f"sleep_until needs a finite session time, got {t_s}")
        delay = (t_s - self.now_s()) / self.speed
        if delay > 0:
            time.sleep(delay)

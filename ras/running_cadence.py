"""Running cadence from recent initial contacts (both feet), for live display.

cadence_spm = 60 / median step time over the last ``window_steps`` step times, where a step time
is the interval between consecutive initial contacts of alternating feet (clinical.md). Intervals
longer than ``max_step_s`` (the patient stopped) restart the window.
"""

from __future__ import annotations

import bisect

import numpy as np

__all__ = ["RunningCadence", "cadence_from_step_times_spm"]


def cadence_from_step_times_spm(step_times_s: np.ndarray) -> float:
    """Cadence (steps/min) = 60 / median step time (s); NaN for no steps."""
    step_times_s = np.asarray(step_times_s, dtype=float)
    if step_times_s.size == 0:
        return float("nan")
    return 60.0 / float(np.median(step_times_s))


class RunningCadence:
    """Cadence over the last few steps, updated on every initial contact.

    Initial contacts may arrive out of time order (two sensors, different latencies); they are
    kept sorted by time.

    Parameters
    ----------
    window_steps : int
        Number of recent step times used.
    max_step_s : float
        A longer gap between initial contacts means the patient stopped: earlier steps are not
        used.
    """

    def __init__(self, window_steps: int = 8, max_step_s: float = 2.0) -> None:
        self.window_steps = window_steps
        self.max_step_s = max_step_s
        self._ic_t_s: list[float] = []
        self.cadence_spm_ = float("nan")

    def update(self, *, ic_t_s: float) -> RunningCadence:
        """Add one initial contact at session time ``ic_t_s`` (s)."""
        bisect.insort(self._ic_t_s, ic_t_s)
        del self._ic_t_s[: -(self.window_steps + 1)]
        step_times_s = np.diff(np.asarray(self._ic_t_s))
        gaps = np.flatnonzero(step_times_s > self.max_step_s)
        if gaps.size:
            step_times_s = step_times_s[gaps[-1] + 1 :]
        self.cadence_spm_ = cadence_from_step_times_spm(step_times_s[step_times_s > 0])
        return self

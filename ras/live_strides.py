"""Live stride figures from the sensors' per-stride reports: stride length and gait speed.

A sensor that knows its strides sends stride time and stride length with its STEP events
(docs/protocol.md). This keeps the last few and gives their median stride length and median
gait speed, each stride's speed from :func:`analysis.spatiotemporal.stride_speeds_m_per_s`.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from analysis.spatiotemporal import stride_speeds_m_per_s
from ras.events import StepEvent
from ras.validate import check_range

__all__ = ["RecentStrides"]


class RecentStrides:
    """Median stride length and gait speed over the last ``window_strides`` reported strides.

    Parameters
    ----------
    window_strides : int
        Strides kept (both feet together).

    Attributes
    ----------
    stride_length_m_ : float
        Median recent stride length (m); NaN until a stride with a length arrives.
    gait_speed_m_per_s_ : float
        Median recent stride speed (m/s); NaN until a stride with length and time arrives.
    """

    def __init__(self, window_strides: int = 6) -> None:
        self.window_strides = int(check_range("window_strides", window_strides, 1, 100))
        self._strides: deque[tuple[float, float]] = deque(maxlen=self.window_strides)
        self.stride_length_m_ = math.nan
        self.gait_speed_m_per_s_ = math.nan

    def update(self, *, event: StepEvent) -> RecentStrides:
        """Take one step event; events without a stride length change nothing."""
        if event.stride_length_m is None or not math.isfinite(event.stride_length_m):
            return self
        time_s = event.stride_time_s if event.stride_time_s is not None else math.nan
        self._strides.append((float(event.stride_length_m), float(time_s)))
        length = np.array([s[0] for s in self._strides])
        speed = stride_speeds_m_per_s(length, np.array([s[1] for s in self._strides]))
        self.stride_length_m_ = float(np.median(length))
        speed = speed[np.isfinite(speed)]
        self.gait_speed_m_per_s_ = float(np.median(speed)) if speed.size else math.nan
        return self

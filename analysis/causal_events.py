"""Causal, sample-by-sample gait-event detector: the algorithm the firmware runs.

docs/gait-events.md is its specification (ported to C from there); keep them in sync. The state has
a fixed size (one ring buffer of ``W`` floats and a few scalars), each step is a handful of float
operations with no numpy, and the events are exactly those of
:func:`analysis.gait_events.detect_swings` with the same parameters (up to float rounding).

Events and when they are known (latency = detection sample minus event time):

- MS and TO are emitted at arming (``gyr_y`` falls below ``-arm_dps``): TO typically 25–30 ms
  late (up to 0.5 s after a slow push-off), MS 0.3–0.8 s late;
- MSW and IC are emitted at the zero rise of ``gyr_y``: IC less than one sample late, MSW
  0.1–0.3 s late (medians and maxima on the gaitmap example data, docs/gait-events.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analysis.errors import AnalysisInputError
from analysis.gait_events import window_samples

__all__ = [
    "EVENT_IC",
    "EVENT_MS",
    "EVENT_MSW",
    "EVENT_TO",
    "CausalEvent",
    "CausalGaitEventDetector",
    "run_causal",
]

#: Event kinds, numbered as STEP ``kind`` in docs/protocol.md.
EVENT_IC, EVENT_TO, EVENT_MSW, EVENT_MS = 1, 2, 3, 4


@dataclass(frozen=True)
class CausalEvent:
    """One detected event.

    Attributes
    ----------
    kind : int
        EVENT_IC, EVENT_TO, EVENT_MSW or EVENT_MS.
    idx : float
        When the event happened, in (fractional) samples since the detector started.
    detected_idx : int
        The sample at which it was emitted; latency = (detected_idx - idx) / sampling rate.
    """

    kind: int
    idx: float
    detected_idx: int


class CausalGaitEventDetector:
    """Per-sample detector with bounded state (see docs/gait-events.md for the exact steps).

    Parameters
    ----------
    sampling_rate_hz : float
        Fixed sampling rate, 50–1000 Hz.
    arm_dps : float
        Swing threshold on ``gyr_y`` (deg/s): falling below ``-arm_dps`` arms a swing.
    ms_window_s : float
        Mid-stance least-energy window, s (``W = max(2, round(ms_window_s * fs))`` samples).
    max_swing_s : float
        Arming with no zero rise within this time is dropped, s.
    ic_refractory_s : float
        No arming within this time after an IC, s.
    """

    def __init__(
        self,
        sampling_rate_hz: float,
        arm_dps: float = 50.0,
        ms_window_s: float = 0.1,
        max_swing_s: float = 1.5,
        ic_refractory_s: float = 0.2,
    ) -> None:
        if not 50.0 <= sampling_rate_hz <= 1000.0:
            raise AnalysisInputError(
                f"sampling rate {sampling_rate_hz} Hz is not allowed; use 50–1000 Hz"
            )
        self.sampling_rate_hz = float(sampling_rate_hz)
        self.arm_dps = float(arm_dps)
        self.w = window_samples(ms_window_s, sampling_rate_hz)
        self.max_swing_n = round(max_swing_s * sampling_rate_hz)
        self.refractory_n = round(ic_refractory_s * sampling_rate_hz)
        self.ic_i = -self.refractory_n  # sample at which the last IC was emitted
        self.ring = [0.0] * self.w
        self.ring_pos = 0
        self.run_sum = 0.0
        self.i = -1  # index of the last sample processed
        self.prev_s = 0.0
        self.armed = False
        self.arm_i = 0
        self.msw_min = 0.0
        self.msw_i = 0
        self._reset_stance()

    def _reset_stance(self) -> None:
        self.n_since_reset = 0
        self.e_min = math.inf
        self.ms_end = -1
        self.to_max = -math.inf
        self.to_i = -1

    def step(self, gx_dps: float, gy_dps: float, gz_dps: float) -> list[CausalEvent]:
        """Process one sample (foot frame, deg/s); returns the events emitted at this sample."""
        self.i += 1
        i = self.i
        s = gy_dps
        events: list[CausalEvent] = []
        # 1. energy of the last W samples (sum recomputed once per lap against float drift)
        en = gx_dps * gx_dps + gy_dps * gy_dps + gz_dps * gz_dps
        self.run_sum += en - self.ring[self.ring_pos]
        self.ring[self.ring_pos] = en
        self.ring_pos += 1
        if self.ring_pos == self.w:
            self.ring_pos = 0
            self.run_sum = sum(self.ring)
        self.n_since_reset += 1
        if self.armed:
            # 2a. swing: track the minimum; IC at the zero rise; drop the swing on timeout
            if self.prev_s < 0.0 <= s:
                ic = (i - 1) + (-self.prev_s) / (s - self.prev_s)
                events.append(CausalEvent(EVENT_MSW, float(self.msw_i), i))
                events.append(CausalEvent(EVENT_IC, ic, i))
                self.armed = False
                self.ic_i = i
                self._reset_stance()
            elif i - self.arm_i >= self.max_swing_n:
                self.armed = False
                self._reset_stance()
            elif s < self.msw_min:
                self.msw_min = s
                self.msw_i = i
        else:
            # 2b. stance: least-energy window, then the push-off peak after it; arm on a swing
            if self.n_since_reset >= self.w and self.run_sum < self.e_min:
                self.e_min = self.run_sum
                self.ms_end = i
                self.to_max = -math.inf
                self.to_i = -1
            elif s > self.to_max:
                self.to_max = s
                self.to_i = i
            if s < -self.arm_dps <= self.prev_s and i - self.ic_i >= self.refractory_n:
                if self.ms_end >= 0:
                    events.append(CausalEvent(EVENT_MS, self.ms_end - (self.w - 1) / 2.0, i))
                if self.to_i >= 0:
                    events.append(CausalEvent(EVENT_TO, float(self.to_i), i))
                self.armed = True
                self.arm_i = i
                self.msw_min = s
                self.msw_i = i
        self.prev_s = s
        return events

    def process(self, samples_si: np.ndarray) -> list[CausalEvent]:
        """Feed a block of samples, shape (n, 6): acc x, y, z (m/s²), gyr x, y, z (deg/s).

        Returns the events emitted in this block, in order; ``idx`` counts samples since the
        detector started.
        """
        events: list[CausalEvent] = []
        for row in np.asarray(samples_si, dtype=np.float64)[:, 3:6].tolist():
            events += self.step(*row)
        return events


def run_causal(
    gyr_dps: np.ndarray, sampling_rate_hz: float, **settings: float
) -> dict[int, np.ndarray]:
    """Feed ``gyr_dps`` (n, 3) sample by sample; returns ``{kind: (n_events, 2) array}``.

    Each row is (event index, detection index) in samples; settings go to the detector.
    """
    det = CausalGaitEventDetector(sampling_rate_hz, **settings)
    out: dict[int, list[tuple[float, int]]] = {
        EVENT_IC: [],
        EVENT_TO: [],
        EVENT_MSW: [],
        EVENT_MS: [],
    }
    for gx, gy, gz in np.asarray(gyr_dps, dtype=np.float64).tolist():
        for ev in det.step(gx, gy, gz):
            out[ev.kind].append((ev.idx, ev.detected_idx))
    return {k: np.asarray(v, dtype=np.float64).reshape(-1, 2) for k, v in out.items()}

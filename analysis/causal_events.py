"""Causal, sample-by-sample gait-event detector: the event model as the firmware runs it.

docs/gait-events.md is its specification (ported to C from there: ``firmware/core/ras_detector.c``);
keep the three in sync. The state has a fixed size (two ring buffers and a few scalars), each
sample costs a handful of float operations with no numpy, and the events are exactly those of
:func:`analysis.gait_events.detect_swings` with the same settings (up to float rounding).

The detector works one sample behind the input: the centred 3-sample median of the sagittal
gyro needs the next sample. Events and when they are emitted (``detected_idx``):

- MS and TO at the confirmation of the swing (``min_swing_s`` after arming);
- MSW at the landing (zero rise of ``s``);
- IC at the end of the impact search window (``impact_after_s`` after the landing), or at the
  landing with ``ic_landmark="gyro_zero"``;
each plus the one sample of the median.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analysis.checks import check_in_range
from analysis.errors import AnalysisInputError
from analysis.gait_events import (
    IMPACT_ONSET_SHARE,
    IMPACT_PROMINENCE,
    STRIDE_HISTORY,
    EventSettings,
    lockout_samples,
)

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

_STANCE, _TENTATIVE, _SWING, _LANDING = 0, 1, 2, 3


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
        The input sample at which it was emitted; latency = (detected_idx - idx) / rate.
    """

    kind: int
    idx: float
    detected_idx: int


class CausalGaitEventDetector:
    """Per-sample detector with bounded state (docs/gait-events.md gives the exact steps).

    Parameters
    ----------
    sampling_rate_hz : float
        Fixed sampling rate, 50–1000 Hz.
    **settings
        Any :class:`~analysis.gait_events.EventSettings` field.
    """

    def __init__(self, sampling_rate_hz: float, **settings: object) -> None:
        check_in_range(
            f"sampling rate {sampling_rate_hz} Hz", sampling_rate_hz, 50.0, 1000.0, "50–1000 Hz"
        )
        unknown = [k for k in settings if k not in EventSettings.names()]
        if unknown:
            raise AnalysisInputError(
                f"unknown event setting {unknown[0]!r}; allowed: {', '.join(EventSettings.names())}"
            )
        self.settings = EventSettings(**settings)  # type: ignore[arg-type]
        self.sampling_rate_hz = float(sampling_rate_hz)
        c = self.settings.counts(sampling_rate_hz)
        self.counts = c
        self.arm_dps = float(self.settings.arm_dps)
        self.landed = -float(self.settings.landing_dps)
        self.impact = self.settings.ic_landmark == "impact"
        self.to_zero = self.settings.to_landmark == "gyro_zero"
        self.lockout_pct = int(self.settings.lockout_stride_pct)
        # input, one sample ahead of the analysis
        self.i = -1  # index of the last input sample
        self.s_prev2 = 0.0  # raw gyr_y of the sample before the analysed one
        self.s_prev1 = 0.0  # raw gyr_y of the analysed sample
        self.g_prev1 = (0.0, 0.0, 0.0)  # gyr of the analysed sample
        self.a_prev1 = (0.0, 0.0, 0.0)  # acc of the analysed sample
        self.a_prev2 = (0.0, 0.0, 0.0)  # acc of the sample before it
        # analysis of sample p = i - 1
        self.ring = [0.0] * c.w  # gyro energies of the last W samples
        self.ring_pos = 0
        self.run_sum = 0.0
        # jerk² of the last samples: the impact window, and the swing's own before it
        # (the window reaches from before the swing's end to after the zero rise, which comes
        # at most impact_after_n after the end)
        self.jring = [0.0] * (c.impact_before_n + 2 * c.impact_after_n + 1)
        self.sm_prev = 0.0
        self.state = _STANCE
        self.fell = True  # a start mid-swing may arm (without MS, TO or MSW)
        self.earliest = 0
        self.arm_i = 0
        self.msw_min = 0.0
        self.msw_i = 0
        self.end_j = 0
        self.end = 0.0
        self.zero_j = 0
        self.zero = 0.0
        self.w1 = 0
        self.peak_j2 = 0.0  # largest jerk² in the impact window so far
        self.swing_j2 = 0.0  # largest jerk² of the swing before the window
        self.history: list[int] = []
        self.last_k: int | None = None
        self._reset_stance()

    def _reset_stance(self) -> None:
        self.n_since_reset = 0
        self.e_min = math.inf
        self.ms_end = -1
        self.to_max = -math.inf
        self.to_i = -1
        self.to_fall = -1.0  # the first fall of s through zero after the push-off peak

    def update(self, acc_mps2: tuple[float, ...], gyr_dps: tuple[float, ...]) -> list[CausalEvent]:
        """One input sample (foot frame: acc m/s², gyr deg/s); the events emitted at it."""
        self.i += 1
        ax, ay, az = acc_mps2
        gx, gy, gz = gyr_dps
        if self.i == 0:
            self.s_prev2 = self.s_prev1 = gy
            self.g_prev1 = (gx, gy, gz)
            self.a_prev2 = self.a_prev1 = (ax, ay, az)
            return []
        a, b, c = self.s_prev2, self.s_prev1, gy
        s = max(min(a, b), min(max(a, b), c))  # median of three
        events = self._analyse(self.i - 1, s, (a, b, c))
        self.s_prev2, self.s_prev1 = self.s_prev1, gy
        self.g_prev1 = (gx, gy, gz)
        self.a_prev2, self.a_prev1 = self.a_prev1, (ax, ay, az)
        return events

    def _analyse(self, p: int, s: float, raw: tuple[float, float, float]) -> list[CausalEvent]:
        """Analyse sample ``p``: median ``s``, raw gyr_y of ``p - 1, p, p + 1``; its gyr and acc
        are the ``*_prev1`` fields."""
        c = self.counts
        detected = p + 1
        events: list[CausalEvent] = []
        # 1. moving gyro energy of the last W samples (sum recomputed once per lap: no drift)
        gx, gy, gz = self.g_prev1
        en = gx * gx + gy * gy + gz * gz
        self.run_sum += en - self.ring[self.ring_pos]
        self.ring[self.ring_pos] = en
        self.ring_pos += 1
        if self.ring_pos == c.w:
            self.ring_pos = 0
            self.run_sum = sum(self.ring)
        # 2. jerk² of this sample
        if p == 0:
            j2 = 0.0
        else:
            (x1, y1, z1), (x0, y0, z0) = self.a_prev1, self.a_prev2
            j2 = (x1 - x0) ** 2 + (y1 - y0) ** 2 + (z1 - z0) ** 2
        self.jring[p % len(self.jring)] = j2
        # 3. stance trackers (everywhere but in a confirmed swing): least energy, then push-off
        state = self.state
        if state != _SWING:
            self.n_since_reset += 1
            if self.n_since_reset >= c.w and self.run_sum < self.e_min:
                self.e_min = self.run_sum
                self.ms_end = p
                self.to_max = -math.inf
                self.to_i = -1
                self.to_fall = -1.0
            elif raw[1] > self.to_max:  # the push-off peak on the raw gyr_y
                self.to_max = raw[1]
                self.to_i = p
                self.to_fall = -1.0
            elif self.to_fall < 0.0 and self.to_i >= 0 and self.sm_prev >= 0.0 > s:
                self.to_fall = (p - 1) + self.sm_prev / (self.sm_prev - s)
        # 4. the swing's state machine
        if state == _STANCE:
            if s >= -self.arm_dps:
                self.fell = True
            elif self.fell and p >= self.earliest:
                self.state = _TENTATIVE
                self.arm_i = p
                self.msw_min = s
                self.msw_i = p
                # the swing's own jerk² runs from the arming sample to the window's start
                self.swing_j2 = j2 if c.impact_before_n == 0 else 0.0
        elif state == _TENTATIVE:
            if s >= self.landed:  # too short a negative lobe: not a swing, the stance goes on
                self.state = _STANCE
                self.fell = True
            else:
                self._track_swing(p, s)
                if p - self.arm_i >= c.min_swing_n:  # a real swing: the stance is over
                    if self.arm_i > 0:  # (armed at the first sample: no stance was seen)
                        events += self._stance_events(detected)
                    self.state = _SWING
        elif state == _SWING:
            if s >= self.landed:  # the swing's end: s back above -landing_dps
                self.end_j = p
                self.end = (p - 1) + (self.landed - self.sm_prev) / (s - self.sm_prev)
                if self.arm_i > 0:
                    events.append(CausalEvent(EVENT_MSW, float(self.msw_i), detected))
                self.fell = True
                self.zero_j = -1
                self.state = _LANDING
                if self.impact:
                    self.peak_j2 = max(
                        self._ring_j2(k) for k in range(p - c.impact_before_n, p + 1)
                    )
                events += self._landing(p, s, detected)
            elif p - self.arm_i >= c.max_swing_n:  # no landing: drop the swing
                self.state = _STANCE
                self.fell = False
                self._reset_stance()
            else:
                self._track_swing(p, s)
        else:  # _LANDING: wait for the zero rise; the impact window
            if self.impact and j2 > self.peak_j2:
                self.peak_j2 = j2
            events += self._landing(p, s, detected)
        self.sm_prev = s
        return events

    def _stance_events(self, detected: int) -> list[CausalEvent]:
        """MS and TO of the stance that the confirmed swing ends."""
        out = []
        if self.ms_end >= 0:
            out.append(CausalEvent(EVENT_MS, self.ms_end - (self.counts.w - 1) / 2.0, detected))
        to = self.to_fall if self.to_zero else float(self.to_i)
        if self.to_i >= 0 and to >= 0.0:
            out.append(CausalEvent(EVENT_TO, to, detected))
        return out

    def _ring_j2(self, k: int) -> float:
        return self.jring[k % len(self.jring)]

    def _track_swing(self, p: int, s: float) -> None:
        """Mid-swing minimum, and the swing's largest jerk² up to before the impact window."""
        if s < self.msw_min:
            self.msw_min, self.msw_i = s, p
        k = p - self.counts.impact_before_n  # the window starts impact_before_n before landing
        if k >= self.arm_i:
            v = self._ring_j2(k)
            if v > self.swing_j2:
                self.swing_j2 = v

    def _landing(self, p: int, s: float, detected: int) -> list[CausalEvent]:
        """After the swing's end: the zero rise (or, after ``impact_after_n``, the end stands in
        for it), then the IC at once (gyro landmark) or at the end of the impact window."""
        c = self.counts
        if self.zero_j < 0:
            if s >= 0.0:
                self.zero_j = p
                self.zero = (p - 1) + (-self.sm_prev) / (s - self.sm_prev)
            elif p - self.end_j >= c.impact_after_n:
                self.zero_j, self.zero = p, self.end
            else:
                return []
            if not self.impact:
                return self._initial_contact(self.zero, self.zero_j, detected)
            self.w1 = self.zero_j + c.impact_after_n
        if p == self.w1:
            return self._impact(detected)
        return []

    def _impact(self, detected: int) -> list[CausalEvent]:
        """At the end of the window: the impact's onset, or the zero rise if it has none."""
        peak = self.peak_j2
        if peak > 0.0 and peak >= IMPACT_PROMINENCE * self.swing_j2:
            k = self.end_j - self.counts.impact_before_n
            while self._ring_j2(k) < IMPACT_ONSET_SHARE * peak:
                k += 1
            return self._initial_contact(k - 0.5, k, detected)
        return self._initial_contact(self.zero, self.zero_j, detected)

    def _initial_contact(self, ic: float, k: int, detected: int) -> list[CausalEvent]:
        """Emit the IC at ``ic``; the running stride and the lock-out move on (``k``: sample)."""
        c = self.counts
        if self.last_k is not None and k - self.last_k <= c.max_stride_n:
            self.history = [*self.history[-(STRIDE_HISTORY - 1) :], k - self.last_k]
        else:
            self.history = []
        self.last_k = k
        self.earliest = self.zero_j + lockout_samples(
            self.history, c.min_lockout_n, self.lockout_pct
        )
        self.state = _STANCE
        self._reset_stance()  # the next stance's MS and TO come after this IC
        return [CausalEvent(EVENT_IC, float(ic), detected)]

    def process(self, samples_si: np.ndarray) -> list[CausalEvent]:
        """Feed a block of samples, shape (n, 6): acc x, y, z (m/s²), gyr x, y, z (deg/s).

        Returns the events emitted in this block, in order; ``idx`` counts samples since the
        detector started.
        """
        x = np.asarray(samples_si, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != 6:
            raise AnalysisInputError(
                f"samples have shape {x.shape}; expected (n, 6): acc x, y, z then gyr x, y, z"
            )
        events: list[CausalEvent] = []
        update = self.update
        for row in x.tolist():
            events += update(row[:3], row[3:])
        return events


def run_causal(
    acc_mps2: np.ndarray, gyr_dps: np.ndarray, sampling_rate_hz: float, **settings: object
) -> dict[int, np.ndarray]:
    """Feed ``acc_mps2`` and ``gyr_dps`` ((n, 3) each) sample by sample.

    Returns ``{kind: (n_events, 2) array}``; each row is (event index, detection index) in
    samples. Settings go to the detector.
    """
    det = CausalGaitEventDetector(sampling_rate_hz, **settings)
    out: dict[int, list[tuple[float, int]]] = {
        EVENT_IC: [],
        EVENT_TO: [],
        EVENT_MSW: [],
        EVENT_MS: [],
    }
    for ev in det.process(np.hstack([np.asarray(acc_mps2), np.asarray(gyr_dps)])):
        out[ev.kind].append((ev.idx, ev.detected_idx))
    return {k: np.asarray(v, dtype=np.float64).reshape(-1, 2) for k, v in out.items()}

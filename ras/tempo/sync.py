"""Synchronisation of footfalls to the beat: relative phase, mean resultant length R, asynchrony.

As in clinical.md: the relative phase of a step to its nearest beat is
``φ = 2π · (t_step − t_beat) / inter-beat interval`` (the interval of the two beats around the
step); ``R = |mean(exp(iφ))|`` (0–1, > 0.7 strong); the asynchrony is ``t_step − t_beat``
(negative = step before the beat).
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analysis.synchronisation import mean_resultant_length

__all__ = [
    "PhaseSample",
    "SyncTracker",
    "mean_resultant_length",
    "relative_phase",
    "span_cadence_spm",
]


def relative_phase(
    t_s: float, beats_t_s: Sequence[float], last_interval_s: float
) -> tuple[float, float] | None:
    """Relative phase (rad, in [−π, π)) and asynchrony (s) of a step to its nearest beat.

    Parameters
    ----------
    t_s : float
        Step (IC) time, s.
    beats_t_s : sequence of float
        Beat times, sorted, s.
    last_interval_s : float
        Interval to use after the last beat (the next beat is not decided yet), s.

    Returns
    -------
    (phase_rad, asynchrony_s) or None
        None if there is no beat, or the step is more than one interval from every beat.
    """
    if not beats_t_s:
        return None
    i = bisect.bisect_right(beats_t_s, t_s)  # beats_t_s[i-1] <= t_s < beats_t_s[i]
    if i == 0:
        interval_s = beats_t_s[1] - beats_t_s[0] if len(beats_t_s) > 1 else last_interval_s
    elif i == len(beats_t_s):
        interval_s = last_interval_s
    else:
        interval_s = beats_t_s[i] - beats_t_s[i - 1]
    candidates = [beats_t_s[j] for j in (i - 1, i) if 0 <= j < len(beats_t_s)]
    nearest = min(candidates, key=lambda b: abs(b - t_s))
    asynchrony_s = t_s - nearest
    if abs(asynchrony_s) > interval_s:
        return None
    phase = 2.0 * math.pi * asynchrony_s / interval_s
    return (phase + math.pi) % (2.0 * math.pi) - math.pi, asynchrony_s


@dataclass(frozen=True, slots=True)
class PhaseSample:
    """Relative phase (rad) and asynchrony (s) of one IC at ``t_s``."""

    t_s: float
    phase_rad: float
    asynchrony_s: float


class SyncTracker:
    """Relative phases of the recent ICs; only those since :meth:`restart` count.

    Parameters
    ----------
    max_samples : int
        Samples kept.
    """

    def __init__(self, max_samples: int = 64) -> None:
        self.samples_: deque[PhaseSample] = deque(maxlen=max_samples)
        self.since_t_s_ = -math.inf

    def add(self, sample: PhaseSample) -> SyncTracker:
        """Record one IC's phase."""
        self.samples_.append(sample)
        return self

    def restart(self, *, since_t_s: float) -> SyncTracker:
        """Count only ICs at or after ``since_t_s`` (after a tempo change or a pause)."""
        self.since_t_s_ = since_t_s
        return self

    def recent(self, n: int) -> list[PhaseSample]:
        """The last ``n`` samples since the restart (fewer if not available)."""
        valid = [s for s in self.samples_ if s.t_s >= self.since_t_s_]
        return valid[-n:]

    def r(self, n: int) -> tuple[float, int]:
        """(R over the last ``n`` samples since the restart, number of samples used)."""
        recent = self.recent(n)
        return mean_resultant_length([s.phase_rad for s in recent]), len(recent)

    def cadence_spm(self, n: int) -> float:
        """Cadence over the last ``n`` ICs since the restart (see :func:`span_cadence_spm`)."""
        return span_cadence_spm(np.array([s.t_s for s in self.recent(n)]))


def span_cadence_spm(ic_t_s: np.ndarray) -> float:
    """Mean cadence over a run of ICs: ``60 · k / (t_last − t_first)``, steps/min.

    ``k = round((t_last − t_first) / median IC interval)`` steps, so one missed or extra IC does
    not bias it (``k = n − 1`` without such errors). NaN for fewer than 3 ICs.
    """
    t = np.sort(np.asarray(ic_t_s, dtype=float))
    if t.size < 3:
        return float("nan")
    span_s = float(t[-1] - t[0])
    k = round(span_s / float(np.median(np.diff(t))))
    return 60.0 * k / span_s if span_s > 0 and k > 0 else float("nan")

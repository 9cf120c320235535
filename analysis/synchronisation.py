"""Synchronisation of steps to the cue (clinical.md "Outcome measures").

For each step n (an IC of either foot) and its nearest beat j (session clock, s):

- asynchrony a_n = t_step − t_beat (reported in ms; negative = step before the beat)
- relative phase φ_n = 360° · (t_step − t_beat) / IBI_n, in [−180°, 180°]
- mean resultant length R = |mean(e^{iφ_n})| (0–1; > 0.7 strong), mean phase = arg mean(e^{iφ_n})
- % of steps within the window |t_step − t_beat| ≤ ``window_fraction`` · IBI_n (default 10 %)

IBI_n is the interval the step lies in: t_{j+1} − t_j for a step after its beat, t_j − t_{j−1}
for one before it (so the nearest beat is always within half of it). At the edges of the cue, or
next to a gap in the beats longer than ``max_ibi_s`` (cue stopped), the other adjacent interval
is used and the step only counts if it lies within half of it. Nearest beats are chosen among
all beats; only steps whose nearest beat was audible count (a silent beat of an intermittent
cue is not a cue), so audible beats are never paired across a silent one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.checks import check_event_times_s, check_setting
from analysis.errors import AnalysisInputError

__all__ = [
    "DEFAULT_WINDOW_FRACTION",
    "SynchronisationResult",
    "mean_resultant_length",
    "synchronisation",
]

DEFAULT_WINDOW_FRACTION = 0.10  # clinical.md: "e.g. ± 10 % of the interval"
DEFAULT_MAX_IBI_S = 2.0  # 30 beats/min; a longer gap between beats is a pause of the cue


def mean_resultant_length(phases_rad: Any) -> float:
    """``R = |mean(exp(iφ))|`` of relative phases (rad), 0–1; NaN for none.

    The one implementation: the live engine (:mod:`ras.tempo.sync`) calls it too.
    """
    phases = np.asarray(phases_rad, dtype=float)
    if phases.size == 0:
        return math.nan
    # |mean| of unit vectors is at most 1; rounding can give 1 + 2e-16 for equal phases
    return min(1.0, float(np.abs(np.mean(np.exp(1j * phases)))))


@dataclass(frozen=True, eq=False)
class SynchronisationResult:
    """Step-to-beat synchronisation; per-step arrays for counted steps only.

    ``reason`` says why the summary figures are NaN ("" if they are not).
    """

    steps_t_s: np.ndarray
    beats_t_s: np.ndarray
    asynchronies_ms: np.ndarray
    phases_deg: np.ndarray
    resultant_length_r: float
    mean_phase_deg: float
    mean_asynchrony_ms: float
    sd_asynchrony_ms: float
    within_window_pct: float
    window_fraction: float
    n_steps_counted: int
    n_steps_total: int
    n_beats_audible: int
    reason: str


def synchronisation(
    *,
    step_t_s: Any,
    beat_t_s: Any,
    beat_audible: Any = None,
    window_fraction: float = DEFAULT_WINDOW_FRACTION,
    max_ibi_s: float = DEFAULT_MAX_IBI_S,
) -> SynchronisationResult:
    """Relative phase, R, asynchrony and % within window (formulas in the module docstring).

    Parameters
    ----------
    step_t_s : array_like
        Step times (s): the ICs of both feet merged in time order, strictly increasing.
    beat_t_s : array_like
        Beat onset times (s) as played, strictly increasing.
    beat_audible : array_like of bool, optional
        Same length as ``beat_t_s``; False = silent beat (not counted). Default: all audible.
    window_fraction : float
        Half-width of the "within" window as a fraction of the IBI.
    max_ibi_s : float
        A longer interval between beats is a pause of the cue, not an IBI (s).
    """
    steps = check_event_times_s(step_t_s, "step_t_s")
    beats = check_event_times_s(beat_t_s, "beat_t_s")
    window_fraction = check_setting("window_fraction", window_fraction, 0.0, 0.5)
    max_ibi_s = check_setting("max_ibi_s", max_ibi_s, 0.05, 60.0, "s")
    if beat_audible is None:
        audible = np.ones(beats.size, dtype=bool)
    else:
        audible = np.asarray(beat_audible)
        if audible.shape != beats.shape or audible.dtype != bool:
            raise AnalysisInputError(
                f"beat_audible must be {beats.size} booleans (one per beat), "
                f"got shape {audible.shape} of {audible.dtype}"
            )
    n_audible = int(audible.sum())
    empty = np.zeros(0)

    def result(
        idx: np.ndarray, j: np.ndarray, ibi: np.ndarray, reason: str
    ) -> SynchronisationResult:
        d = steps[idx] - beats[j]
        phases = 360.0 * d / ibi
        n = int(idx.size)
        if n == 0:
            nan = math.nan
            r = mean_phase = mean_a = sd_a = within = nan
        else:
            z = np.exp(1j * np.deg2rad(phases)).mean()
            r = mean_resultant_length(np.deg2rad(phases))
            mean_phase = float(np.rad2deg(np.angle(z))) if r > 1e-12 else math.nan
            mean_a = float(d.mean() * 1000.0)
            sd_a = float(d.std(ddof=1) * 1000.0) if n >= 2 else math.nan
            within = float((np.abs(d) <= window_fraction * ibi + 1e-12).mean() * 100.0)
        return SynchronisationResult(
            steps_t_s=steps[idx],
            beats_t_s=beats[j],
            asynchronies_ms=d * 1000.0,
            phases_deg=phases,
            resultant_length_r=r,
            mean_phase_deg=mean_phase,
            mean_asynchrony_ms=mean_a,
            sd_asynchrony_ms=sd_a,
            within_window_pct=within,
            window_fraction=window_fraction,
            n_steps_counted=n,
            n_steps_total=int(steps.size),
            n_beats_audible=n_audible,
            reason=reason,
        )

    no = np.zeros(0, dtype=np.intp)
    if beats.size < 2 or steps.size == 0:
        why = "fewer than 2 beats (no inter-beat interval)" if beats.size < 2 else "no steps"
        return result(no, no, empty, why)

    # nearest beat j of every step
    k = np.searchsorted(beats, steps)  # beats[k - 1] < step <= beats[k]
    prev = np.clip(k - 1, 0, beats.size - 1)
    nxt = np.clip(k, 0, beats.size - 1)
    j = np.where(np.abs(steps - beats[prev]) <= np.abs(beats[nxt] - steps), prev, nxt)
    d = steps - beats[j]
    # interval on the step's side, else the other adjacent one
    ibis = np.diff(beats)
    ibi_ok = ibis <= max_ibi_s
    after = d >= 0

    def interval(start: np.ndarray) -> np.ndarray:
        """IBI beginning at beat ``start``; NaN where none or a pause."""
        out = np.full(start.size, np.nan)
        ok = (start >= 0) & (start < ibis.size)
        ok[ok] &= ibi_ok[start[ok]]
        out[ok] = ibis[start[ok]]
        return out

    own = interval(np.where(after, j, j - 1))
    other = interval(np.where(after, j - 1, j))
    ibi = np.where(np.isnan(own), other, own)
    keep = np.isfinite(ibi)
    keep[keep] &= np.abs(d[keep]) <= 0.5 * ibi[keep] + 1e-12
    keep &= audible[j]
    idx = np.flatnonzero(keep)
    reason = "" if idx.size else "no step near an audible beat"
    return result(idx, j[idx], ibi[idx], reason)

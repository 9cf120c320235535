"""Agreement of detected freezing episodes with true ones: per episode and per sample (time).

Per episode: **sensitivity** = share of true episodes overlapped by at least one detected
episode; **false alarms** = detected episodes overlapping no true episode, also per hour of
recording. Per sample: **sensitivity** = frozen time detected as frozen / true frozen time,
**specificity** = unfrozen time detected as unfrozen / true unfrozen time, both over the assessed
span. Per-sample figures are computed exactly on the intervals (the limit of a per-sample count
as the sampling rate grows), so they do not depend on a grid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.errors import AnalysisInputError

__all__ = [
    "EpisodeAgreement",
    "SampleAgreement",
    "episode_agreement",
    "sample_agreement",
]

_HOUR_S = 3600.0


@dataclass(frozen=True)
class EpisodeAgreement:
    """Per-episode agreement.

    Attributes
    ----------
    n_true, n_detected : int
        Episodes in the truth and in the detection.
    n_found : int
        True episodes overlapped by a detected one.
    n_false : int
        Detected episodes overlapping no true one (false alarms).
    sensitivity : float
        n_found / n_true (NaN without true episodes).
    false_per_hour : float
        n_false per hour of ``duration_s``.
    duration_s : float
        Length of the recording the false alarms are counted over, s.
    """

    n_true: int
    n_detected: int
    n_found: int
    n_false: int
    sensitivity: float
    false_per_hour: float
    duration_s: float


@dataclass(frozen=True)
class SampleAgreement:
    """Per-sample (per unit time) agreement over the assessed span.

    Attributes
    ----------
    sensitivity, specificity : float
        NaN when the span holds no true frozen / unfrozen time.
    true_frozen_s, detected_frozen_s, span_s : float
        True frozen time, detected frozen time and the span, s.
    """

    sensitivity: float
    specificity: float
    true_frozen_s: float
    detected_frozen_s: float
    span_s: float


def _intervals(x: Any, name: str) -> np.ndarray:
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise AnalysisInputError(f"{name} must be (start_s, end_s) pairs") from exc
    if a.size == 0:
        return np.zeros((0, 2))
    if a.ndim != 2 or a.shape[1] != 2:
        raise AnalysisInputError(f"{name} must have shape (n, 2) (start_s, end_s), got {a.shape}")
    if not np.isfinite(a).all():
        raise AnalysisInputError(f"{name} holds NaN/inf; episode times must be finite seconds")
    if (a[:, 1] < a[:, 0]).any():
        k = int(np.argmax(a[:, 1] < a[:, 0]))
        raise AnalysisInputError(f"{name}[{k}] ends before it starts: {a[k].tolist()}")
    return a[np.argsort(a[:, 0], kind="stable")]


def _union(a: np.ndarray) -> np.ndarray:
    """Disjoint sorted union of intervals (sorted by start)."""
    out: list[list[float]] = []
    for s, e in a:
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return np.asarray(out, dtype=float).reshape(-1, 2)


def _clip(a: np.ndarray, start: float, end: float) -> np.ndarray:
    lo = np.maximum(a[:, 0], start)
    hi = np.minimum(a[:, 1], end)
    keep = hi > lo
    return np.column_stack([lo[keep], hi[keep]]).reshape(-1, 2)


def _length(a: np.ndarray) -> float:
    return float((a[:, 1] - a[:, 0]).sum()) if a.size else 0.0


def _intersection_length(a: np.ndarray, b: np.ndarray) -> float:
    """Total length of the intersection of two disjoint sorted interval sets."""
    total, i, j = 0.0, 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i, 0], b[j, 0]), min(a[i, 1], b[j, 1])
        if hi > lo:
            total += hi - lo
        if a[i, 1] < b[j, 1]:
            i += 1
        else:
            j += 1
    return total


def _overlaps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each interval of ``a``: does it overlap (positive length or touching inside) any of b."""
    if a.size == 0 or b.size == 0:
        return np.zeros(len(a), dtype=bool)
    return ((a[:, None, 0] < b[None, :, 1]) & (a[:, None, 1] > b[None, :, 0])).any(axis=1)


def episode_agreement(
    *, detected_t_s: Any, true_t_s: Any, duration_s: float, tolerance_s: float = 0.0
) -> EpisodeAgreement:
    """Per-episode sensitivity and false alarms per hour.

    Parameters
    ----------
    detected_t_s, true_t_s : array_like, shape (n, 2)
        Episodes (start, end), s, on one clock.
    duration_s : float
        Length of the recording (or assessed span), s, for the rate of false alarms.
    tolerance_s : float
        Widen each true episode by this much on both sides before matching, s (0: overlap).
    """
    det = _intervals(detected_t_s, "detected_t_s")
    true = _intervals(true_t_s, "true_t_s")
    duration_s = float(duration_s)
    if not (math.isfinite(duration_s) and duration_s > 0):
        raise AnalysisInputError(f"duration_s must be a positive number of s, got {duration_s}")
    tol = float(tolerance_s)
    if not (math.isfinite(tol) and tol >= 0):
        raise AnalysisInputError(f"tolerance_s must be >= 0 s, got {tolerance_s!r}")
    widened = true + np.array([-tol, tol]) if true.size else true
    found = _overlaps(widened, det)
    false = ~_overlaps(det, widened)
    n_true = len(true)
    return EpisodeAgreement(
        n_true=n_true,
        n_detected=len(det),
        n_found=int(found.sum()),
        n_false=int(false.sum()),
        sensitivity=float(found.sum()) / n_true if n_true else math.nan,
        false_per_hour=float(false.sum()) / duration_s * _HOUR_S,
        duration_s=duration_s,
    )


def sample_agreement(
    *, detected_t_s: Any, true_t_s: Any, start_t_s: float, end_t_s: float
) -> SampleAgreement:
    """Per-sample sensitivity and specificity over ``[start_t_s, end_t_s)``.

    Parameters
    ----------
    detected_t_s, true_t_s : array_like, shape (n, 2)
        Episodes (start, end), s.
    start_t_s, end_t_s : float
        The assessed span, s (e.g. ``FreezingResult.analysed_t_s``).
    """
    start, end = float(start_t_s), float(end_t_s)
    if not (math.isfinite(start) and math.isfinite(end) and start < end):
        raise AnalysisInputError(f"need finite start_t_s < end_t_s, got {start_t_s}, {end_t_s}")
    det = _union(_clip(_intervals(detected_t_s, "detected_t_s"), start, end))
    true = _union(_clip(_intervals(true_t_s, "true_t_s"), start, end))
    span = end - start
    t_frozen, d_frozen = _length(true), _length(det)
    both = _intersection_length(det, true)
    t_free = span - t_frozen
    false_pos = d_frozen - both
    return SampleAgreement(
        sensitivity=both / t_frozen if t_frozen > 0 else math.nan,
        specificity=(t_free - false_pos) / t_free if t_free > 0 else math.nan,
        true_frozen_s=t_frozen,
        detected_frozen_s=d_frozen,
        span_s=span,
    )

"""Peaks of a 1-D signal by prominence and distance, as ``scipy.signal.find_peaks`` finds them.

Importing ``scipy.signal`` costs about 1.3 s (it loads every filter design and spectral
module), paid by each `ras analyse` process for one call of ``find_peaks`` in the alignment's
step finder. :func:`find_peaks` is the same rule in numpy, giving the same peaks for the
arguments used here (``distance`` and ``prominence``, no window): tests compare it with scipy
on noisy, smooth, flat-topped and tied signals.

The rule (SciPy's, Virtanen et al. 2020):

1. **local maxima**: a sample higher than the one before it and than the first differing one
   after it; a flat top is one peak at its middle sample (rounded down);
2. **distance**: from the highest peak down (ties in ``numpy.argsort`` order), every other peak
   closer than ``ceil(distance)`` samples to a peak kept is removed;
3. **prominence**: a peak's height above the higher of the lowest points between it and the
   nearest strictly higher sample on each side (or the signal's end); peaks below
   ``prominence`` are removed.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["find_peaks", "local_maxima", "peak_prominences", "select_by_distance"]


def local_maxima(x: np.ndarray) -> np.ndarray:
    """Indices of the local maxima of ``x`` (a flat top: its middle sample, rounded down)."""
    d = np.diff(x)
    moves = np.flatnonzero(d != 0)  # sample k -> k + 1 changes
    if moves.size < 2:
        return np.empty(0, dtype=np.intp)
    up = d[moves] > 0
    top = np.flatnonzero(up[:-1] & ~up[1:])
    left = moves[top] + 1
    right = moves[top + 1]
    return ((left + right) // 2).astype(np.intp)


def select_by_distance(peaks: np.ndarray, heights: np.ndarray, distance: float) -> np.ndarray:
    """Boolean mask of ``peaks`` kept when peaks closer than ``ceil(distance)`` samples to a
    higher one kept are removed."""
    n = peaks.size
    keep = np.ones(n, dtype=bool)
    gap = math.ceil(distance)
    order = np.argsort(heights)
    for j in order[::-1].tolist():
        if not keep[j]:
            continue
        lo = int(np.searchsorted(peaks, peaks[j] - gap, side="right"))
        hi = int(np.searchsorted(peaks, peaks[j] + gap, side="left"))
        keep[lo:j] = False
        keep[j + 1 : hi] = False
    return keep


def _nearest_higher(heights: np.ndarray) -> np.ndarray:
    """For each item, the index of the nearest earlier item strictly higher (-1: none)."""
    out = np.full(heights.size, -1, dtype=np.intp)
    stack: list[int] = []
    h = heights.tolist()
    for i, v in enumerate(h):
        while stack and h[stack[-1]] <= v:
            stack.pop()
        if stack:
            out[i] = stack[-1]
        stack.append(i)
    return out


def _range_min(x: np.ndarray, minima: np.ndarray, a: int, b: int) -> float:
    """min of x[a..b] (inclusive): at its ends or at one of the local ``minima`` inside."""
    lo = int(np.searchsorted(minima, a, side="left"))
    hi = int(np.searchsorted(minima, b, side="right"))
    inner = float(x[minima[lo:hi]].min()) if hi > lo else math.inf
    return min(float(x[a]), float(x[b]), inner)


def peak_prominences(x: np.ndarray, peaks: np.ndarray, maxima: np.ndarray) -> np.ndarray:
    """Prominence of each of ``peaks`` (a subset of ``maxima``, the local maxima of ``x``).

    The nearest strictly higher sample on a side lies on the slope of the nearest strictly
    higher local maximum (or the signal's end), and everything between it and that maximum is
    higher than the peak, so the lowest point up to that maximum is the lowest point scipy
    finds.
    """
    n = x.size
    hm = x[maxima]
    left_of = _nearest_higher(hm)
    right_of = _nearest_higher(hm[::-1])[::-1]
    right_of = np.where(right_of >= 0, maxima.size - 1 - right_of, -1)
    d = np.diff(x)
    moves = np.flatnonzero(d != 0)
    down = d[moves] < 0
    minima = moves[np.flatnonzero(down[:-1] & ~down[1:]) + 1]  # first sample of each valley
    where = np.searchsorted(maxima, peaks)
    out = np.empty(peaks.size)
    for k, (p, m) in enumerate(zip(peaks.tolist(), where.tolist(), strict=True)):
        a = int(maxima[left_of[m]]) if left_of[m] >= 0 else 0
        b = int(maxima[right_of[m]]) if right_of[m] >= 0 else n - 1
        out[k] = x[p] - max(_range_min(x, minima, a, p), _range_min(x, minima, p, b))
    return out


def find_peaks(
    x: np.ndarray, *, prominence: float | None = None, distance: float | None = None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Peaks of ``x`` (indices), as ``scipy.signal.find_peaks(x, prominence=, distance=)``.

    Parameters
    ----------
    x : ndarray, shape (n,)
        The signal (finite).
    prominence : float, optional
        Least prominence kept (units of ``x``).
    distance : float, optional
        Least distance between peaks kept, samples (>= 1).

    Returns
    -------
    peaks : ndarray of int
        Sample indices, increasing.
    properties : dict
        ``prominences`` when ``prominence`` is given.
    """
    x = np.asarray(x, dtype=np.float64)
    maxima = local_maxima(x)
    peaks = maxima
    if distance is not None and peaks.size:
        peaks = peaks[select_by_distance(peaks, x[peaks], distance)]
    props: dict[str, np.ndarray] = {}
    if prominence is not None:
        prom = peak_prominences(x, peaks, maxima)
        keep = prom >= prominence
        peaks = peaks[keep]
        props["prominences"] = prom[keep]
    return peaks, props

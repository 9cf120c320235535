"""Is it walking? Whether the strides a detector found repeat, as a walking foot's strides do.

A stride detector finds "strides" in anything that moves: white noise gives swings at random
times. What tells walking from that is not the number of strides nor their times (a slow,
irregular patient's stride times vary a lot) but that **a stride looks like its neighbour**: the
foot's angular speed over one stride repeats over the next (or the previous) stride. For each
detected stride (IC to next IC, ``T`` samples) the Pearson correlation of the gyro magnitude
``|gyr|`` (any sensor frame: it needs no alignment) over the stride with the ``T`` samples just
before it and just after it is computed, and the larger of the two kept (the first and last
stride of a walk have only one walking neighbour). Walking gives r near 0.9; noise gives r near
0 (±1/√T), whatever its amplitude. Freezing episodes and stops inside a walk only affect the
strides next to them, so the median over the strides is what is judged.

:data:`MIN_STRIDE_REPEAT_R` = 0.5 is the middle of the range between no repetition (0) and
exact repetition (1), not fitted to data; docs/benchmarks.md ("Walking or not") lists the
medians of real and virtual walks (all far above) and of noise (all far below).
"""

from __future__ import annotations

import numpy as np

from analysis.errors import AnalysisInputError

__all__ = ["MIN_STRIDE_REPEAT_R", "check_walking", "stride_repeat_r"]

#: Median stride-to-neighbour correlation of |gyr| below which the strides are not walking.
MIN_STRIDE_REPEAT_R = 0.5


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    den = float(np.sqrt(np.dot(a, a) * np.dot(b, b)))
    return float(np.dot(a, b) / den) if den > 0 else 0.0


def stride_repeat_r(gyr_dps: np.ndarray, ic_idx: np.ndarray, next_ic_idx: np.ndarray) -> np.ndarray:
    """Per stride, the correlation of ``|gyr|`` over the stride with its neighbour windows.

    Parameters
    ----------
    gyr_dps : ndarray, shape (n, 3)
        Angular velocity, deg/s (any frame).
    ic_idx, next_ic_idx : ndarray, shape (k,)
        Sample index (may be fractional) of each stride's IC and the next IC.

    Returns
    -------
    ndarray, shape (k,)
        max(r with the previous ``T`` samples, r with the next ``T`` samples), ``T`` the stride's
        length in samples; NaN for a stride with neither window inside the data or a bad index.
    """
    mag = np.linalg.norm(np.asarray(gyr_dps, dtype=np.float64), axis=1)
    n = mag.size
    a_all = np.asarray(ic_idx, dtype=np.float64)
    b_all = np.asarray(next_ic_idx, dtype=np.float64)
    out = np.full(a_all.shape, np.nan)
    for k, (a_f, b_f) in enumerate(zip(a_all, b_all, strict=True)):
        if not (np.isfinite(a_f) and np.isfinite(b_f)):
            continue
        a, b = round(a_f), round(b_f)
        length = b - a
        if length < 4 or a < 0 or b > n:
            continue
        own = mag[a:b]
        rs = []
        if a - length >= 0:
            rs.append(_pearson(own, mag[a - length : a]))
        if b + length <= n:
            rs.append(_pearson(own, mag[b : b + length]))
        if rs:
            out[k] = max(rs)
    return out


def check_walking(
    repeat_r: dict[str, np.ndarray],
    min_r: float = MIN_STRIDE_REPEAT_R,
    hints: dict[str, str] | None = None,
) -> dict[str, float]:
    """Raise a one-line AnalysisInputError when a foot's strides do not repeat like walking.

    Parameters
    ----------
    repeat_r : dict of str to ndarray
        Per foot, :func:`stride_repeat_r` of its strides (NaN ignored).
    min_r : float
        Smallest median correlation accepted as walking.
    hints : dict of str to str, optional
        Per foot, a likelier cause to name instead of "is this walking?" (e.g. a sensor frame
        that looks wrong: strides detected in the wrong frame do not repeat either).

    Returns
    -------
    dict of str to float
        Per foot with strides, the median correlation (feet without strides are left out: no
        strides claim nothing).
    """
    medians = {}
    for side, r in repeat_r.items():
        r = np.asarray(r, dtype=np.float64)
        r = r[np.isfinite(r)]
        if r.size:
            medians[side] = float(np.median(r))
    bad = {s: m for s, m in medians.items() if m < min_r}
    if bad:
        side, m = next(iter(bad.items()))
        n = int(np.isfinite(np.asarray(repeat_r[side], dtype=np.float64)).sum())
        hint = (hints or {}).get(side)
        what = (
            f"the {n} {side} 'strides' detected do not repeat like walking (median "
            f"stride-to-stride correlation of the gyro {m:.2f}; walking > {min_r:g})"
        )
        raise AnalysisInputError(f"{what}: {hint}" if hint else f"no walking found: {what}")
    return medians

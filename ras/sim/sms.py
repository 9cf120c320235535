"""Sensorimotor synchronisation (SMS): how a walker times footfalls to a beat.

Two-level timing model (Wing & Kristofferson 1973; Vorberg & Wing 1996) with linear phase and
period correction (Repp 2005; Repp & Keller 2004). For step ``k`` with initial contact (IC) at
``T_k`` and the nearest beat ``B_k``:

.. code-block:: text

    A_k     = T_k - B_k                                   asynchrony (negative = before the beat)
    C_{k+1} = C_k + r_k P_k - α (A_k - A*) + ε_k          central timekeeper, ε ~ N(0, σ_T²)
    P_{k+1} = P_k - β (A_k - A*)                          period correction
    T_{k+1} = C_{k+1} + M_{k+1}                            motor delay, M ~ N(0, σ_M²)

``P`` is the step period (60 / cadence), ``r_k`` the side's step-time factor (asymmetry),
``A*`` the asynchrony the walker settles at (slightly negative; Buhmann 2018), and α, β are the
phase and period correction gains, both multiplied by the patient's ``coupling`` (0 = no
correction at all: the walker keeps its own cadence and drifts relative to the beat). Without a
beat, ``A_k - A*`` is taken as 0 and the period relaxes toward the preferred one.

The uncued stride time (two steps) then has variance ``2 σ_T² + 2 σ_M²``, which fixes σ_T from
the stride-time CV (:func:`timekeeper_noise_sd_s`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = [
    "asynchronies_s",
    "nearest_beat_s",
    "next_step_interval_s",
    "step_time_factor",
    "timekeeper_noise_sd_s",
    "update_period_s",
]


def next_step_interval_s(
    period_s: float,
    asynchrony_s: float | None,
    alpha: float,
    *,
    target_asynchrony_s: float = 0.0,
    timekeeper_noise_s: float = 0.0,
) -> float:
    """Central (timekeeper) interval to the next footfall, s.

    ``period_s - alpha * (asynchrony_s - target_asynchrony_s) + timekeeper_noise_s``; an
    ``asynchrony_s`` of None (no beat heard) means no phase correction.
    """
    correction = 0.0 if asynchrony_s is None else alpha * (asynchrony_s - target_asynchrony_s)
    return period_s - correction + timekeeper_noise_s


def update_period_s(
    period_s: float,
    asynchrony_s: float | None,
    beta: float,
    *,
    target_asynchrony_s: float = 0.0,
    preferred_period_s: float | None = None,
    relaxation: float = 0.0,
) -> float:
    """Timekeeper period for the next step, s.

    With a beat: ``period_s - beta * (asynchrony_s - target_asynchrony_s)``. Without one
    (``asynchrony_s`` None): ``period_s + relaxation * (preferred_period_s - period_s)``.
    """
    if asynchrony_s is None:
        if preferred_period_s is None:
            return period_s
        return period_s + relaxation * (preferred_period_s - period_s)
    return period_s - beta * (asynchrony_s - target_asynchrony_s)


def timekeeper_noise_sd_s(
    stride_time_s: float, stride_time_cv_pct: float, motor_noise_sd_s: float
) -> float:
    """SD σ_T of the timekeeper noise per step giving the stride-time CV, s.

    Solves ``(CV/100 · stride)² = 2 σ_T² + 2 σ_M²``; 0 when the motor noise alone already gives
    that much variability.
    """
    total_var = (stride_time_cv_pct / 100.0 * stride_time_s) ** 2
    return math.sqrt(max(0.0, total_var / 2.0 - motor_noise_sd_s**2))


def step_time_factor(asymmetry_pct: float, affected: bool) -> float:
    """Step time of one side relative to the mean step period.

    ``1 + a/2`` for the affected side and ``1 - a/2`` for the other (a = pct / 100), so that
    ``(X_p - X_np) / (0.5 (X_p + X_np)) × 100 = asymmetry_pct`` (the negated symmetry index of
    clinical.md) and the stride time is unchanged.
    """
    half = asymmetry_pct / 200.0
    return 1.0 + half if affected else 1.0 - half


def nearest_beat_s(t_s: float, beats_s: Sequence[float], max_distance_s: float) -> float | None:
    """The beat time nearest to ``t_s`` within ``max_distance_s``, else None.

    ``beats_s`` must be sorted ascending.
    """
    if not beats_s:
        return None
    i = int(np.searchsorted(beats_s, t_s))
    best: float | None = None
    for j in (i - 1, i):
        if 0 <= j < len(beats_s):
            b = float(beats_s[j])
            if best is None or abs(b - t_s) < abs(best - t_s):
                best = b
    if best is None or abs(best - t_s) > max_distance_s:
        return None
    return best


def asynchronies_s(step_t_s: np.ndarray, beats_t_s: np.ndarray) -> np.ndarray:
    """Asynchrony of each step to its nearest beat, s (negative = step before the beat).

    Parameters
    ----------
    step_t_s, beats_t_s : ndarray
        Footfall (IC) and beat times on one clock, s; ``beats_t_s`` sorted, at least one beat.
    """
    step_t_s = np.asarray(step_t_s, dtype=float)
    beats_t_s = np.asarray(beats_t_s, dtype=float)
    i = np.clip(np.searchsorted(beats_t_s, step_t_s), 1, len(beats_t_s) - 1)
    if len(beats_t_s) == 1:
        return step_t_s - beats_t_s[0]
    before = beats_t_s[i - 1]
    after = beats_t_s[i]
    nearest = np.where(np.abs(step_t_s - before) <= np.abs(after - step_t_s), before, after)
    return step_t_s - nearest

"""Gait variability (clinical.md "Outcome measures"): coefficient of variation.

CV = SD / mean × 100 (%), SD the sample standard deviation (n − 1). Stride-time CV is typically
1–3 % in healthy adults and higher in Parkinson's disease (clinical.md). Only valid steps and
strides of :class:`~analysis.spatiotemporal.SpatioTemporalResult` enter (pauses and missed or
extra detections are already excluded there). Fewer than ``min_values`` values: NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from analysis.checks import check_finite_1d
from analysis.side_values import SideValues
from analysis.spatiotemporal import SpatioTemporalResult

__all__ = [
    "VariabilityResult",
    "coefficient_of_variation_pct",
    "gait_variability",
]


def coefficient_of_variation_pct(values: Any, *, min_values: int = 2) -> float:
    """CV = SD / mean × 100 (%), SD with n − 1; NaN if fewer than ``min_values`` or mean <= 0.

    Raises
    ------
    AnalysisInputError
        If ``values`` is not 1-D or holds NaN/inf.
    """
    x = check_finite_1d(
        values, "values", rule="NaN or inf is not allowed; drop unmeasured values first"
    )
    if x.size < max(2, min_values):
        return math.nan
    mean = float(x.mean())
    if mean <= 0:
        return math.nan
    return float(x.std(ddof=1)) / mean * 100.0


@dataclass(frozen=True)
class VariabilityResult:
    """CV (%) of each measure (stride and step time also per side); SD of stride, step time (s)."""

    stride_time_cv_pct: SideValues
    stride_time_sd_s: float
    step_time_cv_pct: SideValues
    step_time_sd_s: float
    stance_time_cv_pct: float
    swing_time_cv_pct: float
    stride_length_cv_pct: float
    gait_speed_cv_pct: float
    n_strides: int
    n_steps: int
    reason: str

    def values(self) -> dict[str, float]:
        """Every figure by name, per-side ones as ``stride_time_left_cv_pct``, ...."""
        out: dict[str, float] = {}
        for k, v in vars(self).items():
            if isinstance(v, SideValues):
                out |= v.named(k, "_cv_pct")
            elif isinstance(v, float):
                out[k] = v
        return out


def _finite(x: np.ndarray) -> np.ndarray:
    return x[np.isfinite(x)]


def _sd(x: np.ndarray, min_values: int) -> float:
    x = _finite(x)
    return float(x.std(ddof=1)) if x.size >= max(2, min_values) else math.nan


def gait_variability(parameters: SpatioTemporalResult, *, min_values: int = 2) -> VariabilityResult:
    """CVs of stride time, step time (combined and per side), stance, swing, length, speed."""

    def cv(x: np.ndarray) -> float:
        return coefficient_of_variation_pct(_finite(x), min_values=min_values)

    p = parameters
    out = VariabilityResult(
        stride_time_cv_pct=SideValues.per_side(cv, p.strides_time_s, p.strides_side),
        stride_time_sd_s=_sd(p.strides_time_s, min_values),
        step_time_cv_pct=SideValues.per_side(cv, p.steps_time_s, p.steps_side),
        step_time_sd_s=_sd(p.steps_time_s, min_values),
        stance_time_cv_pct=cv(p.strides_stance_time_s),
        swing_time_cv_pct=cv(p.strides_swing_time_s),
        stride_length_cv_pct=cv(p.strides_length_m),
        gait_speed_cv_pct=cv(p.strides_speed_m_per_s),
        n_strides=p.n_strides,
        n_steps=p.n_steps,
        reason="",
    )
    missing = [k for k, v in out.values().items() if math.isnan(v)]
    if not missing:
        return out
    need = max(2, min_values)
    reason = f"fewer than {need} valid values for: {', '.join(missing)}"
    return replace(out, reason=reason)

"""Gait variability (clinical.md "Outcome measures"): coefficient of variation.

CV = SD / mean × 100 (%), SD the sample standard deviation (n − 1). Stride-time CV is typically
1–3 % in healthy adults and higher in Parkinson's disease (clinical.md). Only valid steps and
strides of :class:`~analysis.spatiotemporal.SpatioTemporalResult` enter (pauses and missed or
extra detections are already excluded there). Fewer than ``min_values`` values: NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.errors import AnalysisInputError
from analysis.spatiotemporal import (
    SIDE_LEFT,
    SIDE_RIGHT,
    SpatioTemporalResult,
    check_setting,
)

__all__ = [
    "GaitVariability",
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
    try:
        x = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise AnalysisInputError(f"values must be numbers, got {type(values).__name__}") from exc
    if x.ndim != 1:
        raise AnalysisInputError(f"values must be a 1-D array, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise AnalysisInputError("values contain NaN or inf; drop unmeasured values first")
    if x.size < max(2, min_values):
        return math.nan
    mean = float(x.mean())
    if mean <= 0:
        return math.nan
    return float(x.std(ddof=1)) / mean * 100.0


@dataclass(frozen=True)
class VariabilityResult:
    """CV (%) of each measure, combined and per side; SD of stride and step time (s)."""

    stride_time_cv_pct: float
    stride_time_left_cv_pct: float
    stride_time_right_cv_pct: float
    stride_time_sd_s: float
    step_time_cv_pct: float
    step_time_left_cv_pct: float
    step_time_right_cv_pct: float
    step_time_sd_s: float
    stance_time_cv_pct: float
    swing_time_cv_pct: float
    stride_length_cv_pct: float
    gait_speed_cv_pct: float
    n_strides: int
    n_steps: int
    reason: str


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
    sl, sr = p.strides_side == SIDE_LEFT, p.strides_side == SIDE_RIGHT
    tl, tr = p.steps_side == SIDE_LEFT, p.steps_side == SIDE_RIGHT
    out = VariabilityResult(
        stride_time_cv_pct=cv(p.strides_time_s),
        stride_time_left_cv_pct=cv(p.strides_time_s[sl]),
        stride_time_right_cv_pct=cv(p.strides_time_s[sr]),
        stride_time_sd_s=_sd(p.strides_time_s, min_values),
        step_time_cv_pct=cv(p.steps_time_s),
        step_time_left_cv_pct=cv(p.steps_time_s[tl]),
        step_time_right_cv_pct=cv(p.steps_time_s[tr]),
        step_time_sd_s=_sd(p.steps_time_s, min_values),
        stance_time_cv_pct=cv(p.strides_stance_time_s),
        swing_time_cv_pct=cv(p.strides_swing_time_s),
        stride_length_cv_pct=cv(p.strides_length_m),
        gait_speed_cv_pct=cv(p.strides_speed_m_per_s),
        n_strides=p.n_strides,
        n_steps=p.n_steps,
        reason="",
    )
    missing = [k for k, v in vars(out).items() if isinstance(v, float) and math.isnan(v)]
    if not missing:
        return out
    need = max(2, min_values)
    reason = f"fewer than {need} valid values for: {', '.join(missing)}"
    return VariabilityResult(**{**vars(out), "reason": reason})


class GaitVariability:
    """Coefficients of variation (settings here, data in :meth:`calculate`).

    Parameters
    ----------
    min_values : int
        Fewest values for a CV (default 2; about 20 strides give a stable figure).

    Attributes
    ----------
    variability_ : VariabilityResult
    stride_time_cv_pct_ : float
    """

    def __init__(self, *, min_values: int = 2) -> None:
        self.min_values = int(check_setting("min_values", min_values, 2, 10_000))

    def calculate(self, *, parameters: SpatioTemporalResult) -> GaitVariability:
        """Compute from a :class:`SpatioTemporalResult`; returns self."""
        self.variability_ = gait_variability(parameters, min_values=self.min_values)
        self.stride_time_cv_pct_ = self.variability_.stride_time_cv_pct
        return self

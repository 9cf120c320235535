"""Gait symmetry (clinical.md): symmetry index and ratio."""

from __future__ import annotations

import math

__all__ = ["symmetry_index_pct", "symmetry_ratio"]


def symmetry_index_pct(x_non_paretic: float, x_paretic: float) -> float:
    """SI = (X_np - X_p) / (0.5 (X_np + X_p)) * 100; 0 = symmetric (NaN if undefined).

    Without an affected side, pass right as ``x_non_paretic`` and left as ``x_paretic`` and
    say so where it is shown.
    """
    mean = 0.5 * (x_non_paretic + x_paretic)
    if not math.isfinite(mean) or mean == 0:
        return float("nan")
    return (x_non_paretic - x_paretic) / mean * 100.0


def symmetry_ratio(x_non_paretic: float, x_paretic: float) -> float:
    """Symmetry ratio X_p / X_np; 1 = symmetric (NaN if undefined)."""
    if not math.isfinite(x_non_paretic) or x_non_paretic == 0:
        return float("nan")
    return x_paretic / x_non_paretic

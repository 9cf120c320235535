"""Gait symmetry (clinical.md "Outcome measures"): symmetry index and symmetry ratio.

- **Symmetry index** SI = (X_np − X_p) / (0.5 · (X_np + X_p)) × 100 (%); 0 = symmetric.
- **Symmetry ratio** = X_p / X_np; 1 = symmetric.

p = paretic (affected) side, np = non-paretic. When no side is affected the basis is
"right vs left": right plays np and left plays p, so SI = (R − L) / (0.5 (R + L)) × 100 and
ratio = L / R; every result says which basis was used (``basis``). Reported for step time,
stance time, swing time and step length, from the per-side means of
:class:`~analysis.spatiotemporal.SpatioTemporalResult` (a left step ends with a left IC).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

from analysis.errors import AnalysisInputError
from analysis.spatiotemporal import SpatioTemporalResult

__all__ = [
    "BASIS_PARETIC",
    "BASIS_RIGHT_LEFT",
    "SymmetryResult",
    "affected_side_name",
    "gait_symmetry",
    "side_symmetry",
    "symmetry_index_pct",
    "symmetry_ratio",
]

BASIS_PARETIC = "paretic"  # the strings ras.session.runner shows as ``si_basis``
BASIS_RIGHT_LEFT = "right vs left"


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


def affected_side_name(affected_side: Any) -> str | None:
    """``"left"``, ``"right"`` or None (unknown / none) from a name or a ``Side`` code (0/1/2)."""
    if affected_side is None:
        return None
    if isinstance(affected_side, str):
        key = affected_side.strip().lower()
        names = {"left": "left", "l": "left", "right": "right", "r": "right"}
        if key in names:
            return names[key]
        if key in ("", "unknown", "none"):
            return None
    elif (
        isinstance(affected_side, numbers.Integral)
        and not isinstance(affected_side, bool)
        and int(affected_side) in (0, 1, 2)
    ):
        return (None, "left", "right")[int(affected_side)]
    raise AnalysisInputError(
        f"affected_side must be 'left', 'right', None/'unknown' or a Side code 0/1/2, "
        f"got {affected_side!r}"
    )


def side_symmetry(
    x_left: float, x_right: float, affected_side: Any = None
) -> tuple[float, float, str]:
    """(SI %, ratio, basis) of one measure from its left and right values.

    Parameters
    ----------
    x_left, x_right : float
        The measure's value per side (any unit, the same for both).
    affected_side : {"left", "right", None} or Side code
        The paretic side; None: basis "right vs left" (right as np, left as p).
    """
    side = affected_side_name(affected_side)
    if side == "left":
        x_np, x_p, basis = x_right, x_left, BASIS_PARETIC
    elif side == "right":
        x_np, x_p, basis = x_left, x_right, BASIS_PARETIC
    else:
        x_np, x_p, basis = x_right, x_left, BASIS_RIGHT_LEFT
    x_np, x_p = float(x_np), float(x_p)
    return symmetry_index_pct(x_np, x_p), symmetry_ratio(x_np, x_p), basis


@dataclass(frozen=True)
class SymmetryResult:
    """SI (%) and ratio per measure; ``basis`` is "paretic" or "right vs left".

    ``paretic_side`` is "left"/"right" with basis "paretic", None otherwise. ``reason`` says why
    figures are NaN ("" if none).
    """

    basis: str
    paretic_side: str | None
    step_time_si_pct: float
    step_time_ratio: float
    stance_time_si_pct: float
    stance_time_ratio: float
    swing_time_si_pct: float
    swing_time_ratio: float
    step_length_si_pct: float
    step_length_ratio: float
    reason: str


_MEASURES = ("step_time", "stance_time", "swing_time", "step_length")
_UNITS = {"step_time": "s", "stance_time": "s", "swing_time": "s", "step_length": "m"}


def gait_symmetry(parameters: SpatioTemporalResult, affected_side: Any = None) -> SymmetryResult:
    """Symmetry of step time, stance, swing and step length from per-side means."""
    side = affected_side_name(affected_side)
    values: dict[str, float] = {}
    missing = []
    basis = BASIS_RIGHT_LEFT
    for m in _MEASURES:
        per_side = getattr(parameters, f"{m}_{_UNITS[m]}")
        si, ratio, basis = side_symmetry(per_side.left, per_side.right, side)
        values[f"{m}_si_pct"], values[f"{m}_ratio"] = si, ratio
        if math.isnan(si):
            missing.append(m.replace("_", " "))
    reason = f"no value for both sides: {', '.join(missing)}" if missing else ""
    return SymmetryResult(basis=basis, paretic_side=side, reason=reason, **values)

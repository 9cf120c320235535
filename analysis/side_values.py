"""One measure for both feet together, the left foot and the right foot."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from analysis.events import SIDE_LEFT, SIDE_RIGHT

__all__ = ["SideValues", "nan_mean"]


def nan_mean(x: np.ndarray) -> float:
    """Mean of the finite values; NaN (no warning) when there are none."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else math.nan


@dataclass(frozen=True)
class SideValues:
    """A measure over both feet (``both``), the left and the right foot; NaN = not computable.

    The unit is the one in the name of the attribute that holds it (``step_time_s.left``: s).
    """

    both: float
    left: float
    right: float

    @classmethod
    def per_side(
        cls, summary: Callable[[np.ndarray], float], values: np.ndarray, sides: np.ndarray
    ) -> SideValues:
        """``summary`` of all ``values``, of those with side code left, and right."""
        return cls(
            summary(values),
            summary(values[sides == SIDE_LEFT]),
            summary(values[sides == SIDE_RIGHT]),
        )

    @classmethod
    def means(cls, values: np.ndarray, sides: np.ndarray) -> SideValues:
        """Means of the finite ``values``: all, those with side code left, right."""
        return cls.per_side(nan_mean, values, sides)

    def named(self, name: str, insert_before: str) -> dict[str, float]:
        """The three values by name: ``name`` for both, the side inserted before a suffix.

        ``SideValues(1, 2, 3).named("step_time_cv_pct", "_cv_pct")`` is ``{"step_time_cv_pct":
        1, "step_time_left_cv_pct": 2, "step_time_right_cv_pct": 3}``.
        """
        stem = name.removesuffix(insert_before)
        return {
            name: self.both,
            f"{stem}_left{insert_before}": self.left,
            f"{stem}_right{insert_before}": self.right,
        }

    def side(self, name: str) -> float:
        """The value of ``"left"`` or ``"right"``."""
        return self.left if name == "left" else self.right

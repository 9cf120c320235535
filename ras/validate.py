"""Shared argument checks that raise :class:`~ras.errors.UserInputError` with one clear line."""

from __future__ import annotations

import math
from collections.abc import Iterable

from ras.errors import UserInputError

__all__ = ["check_choice", "check_range"]


def check_choice(name: str, value: str, allowed: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise naming the valid choices."""
    allowed = list(allowed)
    if value not in allowed:
        raise UserInputError(f"unknown {name} {value!r}; choose one of: {', '.join(allowed)}")
    return value


def check_range(name: str, value: float, low: float, high: float, unit: str = "") -> float:
    """Return ``value`` if ``low <= value <= high`` (and finite), else raise naming the range."""
    unit_txt = f" {unit}" if unit else ""
    if not isinstance(value, int | float) or not math.isfinite(value) or not low <= value <= high:
        raise UserInputError(
            f"{name} must be between {low:g} and {high:g}{unit_txt}, got {value!r}"
        )
    return value

"""The input checks of the analysis package: each raises one-line :class:`AnalysisInputError`.

Every public function of ``analysis/`` checks its data and settings here, so that the same
mistake gets the same message everywhere (what was wrong and what is allowed).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

import numpy as np

from analysis.errors import AnalysisInputError

__all__ = [
    "as_1d_float",
    "check_allowed",
    "check_choice",
    "check_event_times_s",
    "check_finite_1d",
    "check_in_range",
    "check_setting",
    "check_side",
]

#: The feet, in the order analysis/ reports them.
SIDES: tuple[str, str] = ("left", "right")


def as_1d_float(x: Any, name: str, *, what: str = "numbers", shape_hint: str = "") -> np.ndarray:
    """``x`` as a 1-D float array, else :class:`AnalysisInputError` naming ``name``.

    Parameters
    ----------
    what : str
        What the values are, for the message ("numbers", "times in s").
    shape_hint : str
        Added to the 1-D message, e.g. " (one axis)".
    """
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise AnalysisInputError(f"{name} must be {what}, got {type(x).__name__}") from exc
    if a.ndim != 1:
        raise AnalysisInputError(f"{name} must be a 1-D array{shape_hint}, got shape {a.shape}")
    return a


def check_finite_1d(
    x: Any,
    name: str,
    *,
    what: str = "numbers",
    shape_hint: str = "",
    rule: str = "values must be finite",
) -> np.ndarray:
    """A 1-D float array without NaN/inf; the message names the first bad index and ``rule``."""
    a = as_1d_float(x, name, what=what, shape_hint=shape_hint)
    bad = ~np.isfinite(a)
    if bad.any():
        i = int(np.argmax(bad))
        raise AnalysisInputError(f"{name}[{i}] is {a[i]}; {rule}")
    return a


def check_event_times_s(x: Any, name: str) -> np.ndarray:
    """Event times (s) as a float array: 1-D, finite and strictly increasing.

    Raises
    ------
    AnalysisInputError
        With one line naming the array, the index and what is allowed.
    """
    a = check_finite_1d(x, name, rule="event times must be finite seconds on the session clock")
    d = np.diff(a)
    if (d <= 0).any():
        i = int(np.argmax(d <= 0))
        raise AnalysisInputError(
            f"{name} is not strictly increasing at index {i + 1} ({a[i]:.6g} s then "
            f"{a[i + 1]:.6g} s); sort the events and drop duplicates"
        )
    return a


def check_setting(name: str, value: float, low: float, high: float, unit: str = "") -> float:
    """A numeric setting within [low, high] (inclusive), else :class:`AnalysisInputError`."""
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise AnalysisInputError(f"{name} must be a number, got {value!r}") from exc
    if not (low <= v <= high):
        u = f" {unit}" if unit else ""
        raise AnalysisInputError(f"{name} must be within [{low:g}, {high:g}]{u}, got {value!r}")
    return v


def check_in_range(what: str, value: float, low: float, high: float, use: str) -> float:
    """``value`` within [low, high], else "<what> is not allowed; use <use>" (user-facing form).

    ``what`` names the value as the user gave it (``"sampling rate 20 Hz"``), ``use`` says what
    is allowed (``"50–1000 Hz"``).
    """
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = math.nan
    if not (math.isfinite(v) and low <= v <= high):
        raise AnalysisInputError(f"{what} is not allowed; use {use}")
    return v


def check_allowed(name: str, value: Any, allowed: Collection[str]) -> Any:
    """``value`` if one of ``allowed``, else "<name> <value> is not allowed; use one of ..."."""
    if value not in allowed:
        raise AnalysisInputError(
            f"{name} {value!r} is not allowed; use one of {', '.join(allowed)}"
        )
    return value


def check_side(side: Any) -> str:
    """``"left"`` or ``"right"``, else a one-line :class:`AnalysisInputError`."""
    if side not in SIDES:
        raise AnalysisInputError(f"side {side!r} is not allowed; use 'left' or 'right'")
    return side


def check_choice(name: str, value: Any, allowed: Collection[str]) -> str:
    """``value`` if it is one of ``allowed``, else :class:`AnalysisInputError` listing them."""
    if value not in allowed:
        names = [repr(a) for a in allowed]
        listed = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]
        raise AnalysisInputError(f"{name} must be {listed}, got {value!r}")
    return value

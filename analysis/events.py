"""Gait events of both feet, the input of the spatio-temporal measures, PCI and phase summaries.

:class:`FootEvents` holds one foot's initial contacts (IC) and toe-offs (TO) on the session
clock (s) and, optionally, the stride and step lengths (m) that end at each IC; it is checked
once, when made. :class:`GaitEvents` is the left and the right foot. :func:`gait_events_from_steps`
makes one from stored step rows (the store's ``STEP_DTYPE``: read by field name, so that
analysis/ needs nothing from ras/).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.checks import SIDES, as_1d_float, check_event_times_s
from analysis.errors import AnalysisInputError

__all__ = [
    "KIND_INITIAL_CONTACT",
    "KIND_TOE_OFF",
    "SIDES",
    "SIDE_CODES",
    "SIDE_LEFT",
    "SIDE_RIGHT",
    "FootEvents",
    "GaitEvents",
    "align_lengths_to_ics",
    "gait_events_from_steps",
]

SIDE_LEFT = 1  # the same codes as ras.protocol.messages.Side
SIDE_RIGHT = 2
KIND_INITIAL_CONTACT = 1  # the same codes as ras.protocol.messages.StepKind
KIND_TOE_OFF = 2
#: Side name -> side code.
SIDE_CODES = {"left": SIDE_LEFT, "right": SIDE_RIGHT}


def align_lengths_to_ics(x: Any, name: str, n_ic: int, *, per_stride_ok: bool) -> np.ndarray | None:
    """Lengths (m) aligned to the ICs of one side (index k = the stride/step ending at IC k).

    NaN means "not measured". ``per_stride_ok``: also accept n_ic - 1 values (stride k runs
    from IC k to IC k + 1), which are shifted onto the IC that ends each stride.
    """
    if x is None:
        return None
    a = as_1d_float(x, name)
    if per_stride_ok and n_ic > 0 and a.size == n_ic - 1:
        a = np.concatenate([[np.nan], a])
    if a.size != n_ic:
        allowed = f"{n_ic} (one per IC)"
        if per_stride_ok:
            allowed += f" or {n_ic - 1} (one per stride)"
        raise AnalysisInputError(f"{name} has {a.size} values; expected {allowed}")
    if np.isinf(a).any() or (a < 0).any():
        raise AnalysisInputError(f"{name} must be >= 0 metres or NaN (not measured)")
    return a


def _in(t: np.ndarray, start_s: float, end_s: float) -> np.ndarray:
    return (t >= start_s) & (t < end_s)


@dataclass(frozen=True, eq=False)
class FootEvents:
    """The gait events of one foot, checked on construction.

    Parameters
    ----------
    ic_t_s : array_like
        Initial contacts (s, session clock), finite and strictly increasing.
    to_t_s : array_like, optional
        Toe-offs (s), finite and strictly increasing; None: not known.
    stride_length_m : array_like, optional
        Stride lengths (m): one per IC (the stride ending at that IC; NaN = unknown) or one per
        stride (stride k from IC k to IC k + 1); kept one per IC.
    step_length_m : array_like, optional
        Step lengths (m), one per IC (the step ending at that IC; NaN = unknown).
    side : str
        ``"left"`` or ``"right"``, only to name the arrays in error messages
        (``ic_left_t_s``, ...); "" names them ``ic_t_s``, ...
    """

    ic_t_s: np.ndarray
    to_t_s: np.ndarray | None = None
    stride_length_m: np.ndarray | None = None
    step_length_m: np.ndarray | None = None
    side: str = ""

    def __post_init__(self) -> None:
        s = f"_{self.side}" if self.side else ""
        ic = check_event_times_s(self.ic_t_s, f"ic{s}_t_s")
        to = None if self.to_t_s is None else check_event_times_s(self.to_t_s, f"to{s}_t_s")
        stride = align_lengths_to_ics(
            self.stride_length_m, f"stride_length{s}_m", ic.size, per_stride_ok=True
        )
        step = align_lengths_to_ics(
            self.step_length_m, f"step_length{s}_m", ic.size, per_stride_ok=False
        )
        object.__setattr__(self, "ic_t_s", ic)
        object.__setattr__(self, "to_t_s", to)
        object.__setattr__(self, "stride_length_m", stride)
        object.__setattr__(self, "step_length_m", step)

    def within(self, start_s: float, end_s: float) -> FootEvents:
        """The events with ``start_s <= t < end_s`` (s), lengths kept with their ICs."""
        m = _in(self.ic_t_s, start_s, end_s)
        return FootEvents(
            self.ic_t_s[m],
            None if self.to_t_s is None else self.to_t_s[_in(self.to_t_s, start_s, end_s)],
            None if self.stride_length_m is None else self.stride_length_m[m],
            None if self.step_length_m is None else self.step_length_m[m],
            self.side,
        )


@dataclass(frozen=True, eq=False)
class GaitEvents:
    """The gait events of both feet (each a :class:`FootEvents`)."""

    left: FootEvents
    right: FootEvents

    @classmethod
    def from_arrays(
        cls,
        *,
        ic_left_t_s: Any,
        ic_right_t_s: Any,
        to_left_t_s: Any = None,
        to_right_t_s: Any = None,
        stride_length_left_m: Any = None,
        stride_length_right_m: Any = None,
        step_length_left_m: Any = None,
        step_length_right_m: Any = None,
    ) -> GaitEvents:
        """Both feet from per-side arrays (units and meaning as in :class:`FootEvents`)."""
        return cls(
            FootEvents(ic_left_t_s, to_left_t_s, stride_length_left_m, step_length_left_m, "left"),
            FootEvents(
                ic_right_t_s, to_right_t_s, stride_length_right_m, step_length_right_m, "right"
            ),
        )

    def foot(self, side: str) -> FootEvents:
        """The events of ``"left"`` or ``"right"``."""
        return self.left if side == "left" else self.right

    @property
    def ic_t_s(self) -> np.ndarray:
        """The ICs of both feet in time order (s), a time shared by both feet kept once."""
        return np.unique(np.concatenate([self.left.ic_t_s, self.right.ic_t_s]))

    def within(self, start_s: float, end_s: float) -> GaitEvents:
        """The events with ``start_s <= t < end_s`` (s) of both feet."""
        return GaitEvents(self.left.within(start_s, end_s), self.right.within(start_s, end_s))


def gait_events_from_steps(steps: np.ndarray) -> GaitEvents:
    """Both feet's events from stored step rows.

    Parameters
    ----------
    steps : structured ndarray
        Rows with fields ``t_s``, ``side``, ``kind`` and optionally ``stride_length_m`` (the
        store's ``STEP_DTYPE``; side 1 = left, 2 = right; kind 1 = IC, 2 = TO; other kinds are
        ignored), in any order.

    Returns
    -------
    GaitEvents
        ICs and TOs per foot, sorted; an event delivered twice at the same time is kept once
        (its first row). Stride lengths, when the field exists, one per IC (NaN = unknown).
    """
    names = getattr(getattr(steps, "dtype", None), "names", None) or ()
    missing = [f for f in ("t_s", "side", "kind") if f not in names]
    if missing:
        raise AnalysisInputError(
            f"steps must be a structured array with fields t_s, side, kind; missing {missing}"
        )
    t = np.asarray(steps["t_s"], dtype=float)
    if not np.isfinite(t).all():
        raise AnalysisInputError("steps['t_s'] contains NaN or inf; event times must be finite")
    feet = []
    for side in SIDES:
        on_side = steps["side"] == SIDE_CODES[side]
        ic_rows = on_side & (steps["kind"] == KIND_INITIAL_CONTACT)
        ic, first = np.unique(t[ic_rows], return_index=True)
        to = np.unique(t[on_side & (steps["kind"] == KIND_TOE_OFF)])
        lengths = None
        if "stride_length_m" in names:
            lengths = np.asarray(steps["stride_length_m"], dtype=float)[ic_rows][first]
        feet.append(FootEvents(ic, to, lengths, None, side))
    return GaitEvents(*feet)

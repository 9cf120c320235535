"""Spatio-temporal gait parameters from initial-contact (IC) and toe-off (TO) times.

Definitions (binding: ``design/clinical.md`` "Outcome measures"; see docs/gait-measures.md):

- **Step time**: IC of one foot to the next IC of the other foot. A step is attributed to the
  side whose IC *ends* it (the "left step" ends with a left IC), as GAITRite and Patterson 2008 do.
- **Stride time**: IC to the next IC of the same foot (= two consecutive valid steps).
- **Stance / swing**: IC→TO / TO→IC of one foot, within one stride of that foot.
- **Double support** (% of stride): (TO_other − IC) + (TO − IC_other) over the stride IC→IC.
- **Cadence** (steps/min) = 60 / mean step time.
- **Gait speed** (m/s), per stride = stride length / stride time; overall = mean of the strides.

Robust pairing (:func:`pair_initial_contacts`): the ICs of both feet are merged in time order.
Two consecutive ICs of the same foot mean a missed or an extra detection; which one cannot be told
from timing alone, so no step touching either IC is used. Steps longer than ``max_step_time_s`` or
than ``max_step_factor`` × the median step (a pause, clinical.md: "a gap > 1.5 × the mean cycle
means the patient stopped") and steps shorter than ``min_step_factor`` × the median (an extra
detection) are excluded, never averaged in. The median step is half the median of two
consecutive steps (half a stride), so that it lies between the two sides' step times even in a
strongly asymmetric gait. A stride is valid only if both its steps are.

All times are on one clock in seconds (the session clock); arrays per side must be strictly
increasing and finite, otherwise :class:`~analysis.errors.AnalysisInputError` is raised. Too few
events give NaN results with the reason in ``reason``, never a guessed number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.events import SIDE_LEFT, SIDE_RIGHT, GaitEvents
from analysis.side_values import SideValues

__all__ = [
    "DEFAULT_MAX_STEP_FACTOR",
    "DEFAULT_MAX_STEP_TIME_S",
    "DEFAULT_MIN_STEP_FACTOR",
    "SIDE_LEFT",
    "SIDE_RIGHT",
    "IcPairing",
    "SpatioTemporalResult",
    "pair_initial_contacts",
    "spatiotemporal_parameters",
    "stride_speeds_m_per_s",
]

DEFAULT_MAX_STEP_TIME_S = 2.0
DEFAULT_MAX_STEP_FACTOR = 1.5
DEFAULT_MIN_STEP_FACTOR = 0.5


# --- pairing of initial contacts ---------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class IcPairing:
    """Both feet's ICs merged in time order, with step and stride validity.

    Attributes
    ----------
    ic_t_s, ic_side, ic_index : ndarray, shape (n,)
        IC times (s), side codes (:data:`SIDE_LEFT`, :data:`SIDE_RIGHT`) and index in that side's
        input array.
    step_time_s, step_valid : ndarray, shape (n - 1,)
        ``ic_t_s[i + 1] - ic_t_s[i]`` and whether it is a valid step (attributed to
        ``ic_side[i + 1]``).
    stride_time_s, stride_valid : ndarray, shape (n - 2,)
        ``ic_t_s[i + 2] - ic_t_s[i]`` and whether steps i and i + 1 are both valid (a stride of
        ``ic_side[i]``).
    median_step_time_s : float
        Reference for the relative limits: half the median of two consecutive alternating steps
        (the median step if there is no such pair; NaN if no step).
    n_same_side : int
        Consecutive ICs of the same foot (missed or extra detections).
    """

    ic_t_s: np.ndarray
    ic_side: np.ndarray
    ic_index: np.ndarray
    step_time_s: np.ndarray
    step_valid: np.ndarray
    stride_time_s: np.ndarray
    stride_valid: np.ndarray
    median_step_time_s: float
    n_same_side: int


def pair_initial_contacts(
    events: GaitEvents,
    *,
    max_step_time_s: float = DEFAULT_MAX_STEP_TIME_S,
    max_step_factor: float = DEFAULT_MAX_STEP_FACTOR,
    min_step_factor: float = DEFAULT_MIN_STEP_FACTOR,
) -> IcPairing:
    """Merge left and right ICs and mark valid steps and strides (see module docstring).

    Parameters
    ----------
    events : GaitEvents
        The ICs of each foot (s) are used.
    max_step_time_s : float
        Steps longer than this (s) are pauses and excluded.
    max_step_factor, min_step_factor : float
        Steps longer / shorter than this multiple of the median step are excluded.
    """
    left, right = events.left.ic_t_s, events.right.ic_t_s
    t = np.concatenate([left, right])
    side = np.concatenate(
        [np.full(left.size, SIDE_LEFT, np.int8), np.full(right.size, SIDE_RIGHT, np.int8)]
    )
    index = np.concatenate([np.arange(left.size), np.arange(right.size)])
    order = np.argsort(t, kind="stable")
    t, side, index = t[order], side[order], index[order]

    step_time = np.diff(t)
    alternating = side[1:] != side[:-1]
    # ICs next to a same-side pair are suspect: drop every step that touches them.
    suspect = np.zeros(t.size, dtype=bool)
    same = ~alternating
    suspect[:-1] |= same
    suspect[1:] |= same
    candidate = alternating & ~suspect[:-1] & ~suspect[1:]
    # reference step: half the median of two consecutive steps (= half a stride), which lies
    # between the two sides' step times in asymmetric gait (a plain median would be one of them)
    pairs = candidate[:-1] & candidate[1:]
    if pairs.any():
        median = float(np.median(step_time[:-1][pairs] + step_time[1:][pairs])) / 2.0
    elif candidate.any():
        median = float(np.median(step_time[candidate]))
    else:
        median = math.nan
    valid = candidate & (step_time <= max_step_time_s) & (step_time > 0)
    if candidate.any():
        valid &= step_time <= max_step_factor * median
        valid &= step_time >= min_step_factor * median
    stride_valid = valid[:-1] & valid[1:] if valid.size >= 2 else np.zeros(0, dtype=bool)
    stride_time = t[2:] - t[:-2] if t.size >= 3 else np.zeros(0)
    return IcPairing(
        ic_t_s=t,
        ic_side=side,
        ic_index=index,
        step_time_s=step_time,
        step_valid=valid,
        stride_time_s=stride_time,
        stride_valid=stride_valid,
        median_step_time_s=median,
        n_same_side=int(same.sum()),
    )


# --- result -------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SpatioTemporalResult:
    """Spatio-temporal parameters; means over valid steps/strides (NaN = not computable).

    Per-event arrays (valid steps / strides only) start with ``steps_`` / ``strides_``; side codes
    are :data:`SIDE_LEFT` / :data:`SIDE_RIGHT`. The means are :class:`SideValues`: over both feet
    and per foot (``step_time_s.left``). ``reason`` says why a figure is NaN ("" if none).
    """

    steps_end_t_s: np.ndarray
    steps_side: np.ndarray
    steps_time_s: np.ndarray
    steps_length_m: np.ndarray
    strides_start_t_s: np.ndarray
    strides_end_t_s: np.ndarray
    strides_side: np.ndarray
    strides_time_s: np.ndarray
    strides_stance_time_s: np.ndarray
    strides_swing_time_s: np.ndarray
    strides_double_support_pct: np.ndarray
    strides_length_m: np.ndarray
    strides_speed_m_per_s: np.ndarray
    n_ic_left: int
    n_ic_right: int
    n_steps: int
    n_steps_excluded: int
    n_strides: int
    step_time_s: SideValues
    cadence_spm: float
    stride_time_s: SideValues
    stance_time_s: SideValues
    swing_time_s: SideValues
    stance_pct: SideValues
    double_support_pct: SideValues
    step_length_m: SideValues
    stride_length_m: SideValues
    gait_speed_m_per_s: SideValues
    reason: str


def _one_between(events: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The single event strictly inside (lo, hi) per interval, NaN if none or several."""
    first = np.searchsorted(events, lo, side="right")
    count = np.searchsorted(events, hi, side="left") - first
    out = np.full(lo.size, np.nan)
    ok = count == 1
    out[ok] = events[first[ok]]
    return out


def stride_speeds_m_per_s(stride_length_m: Any, stride_time_s: Any) -> np.ndarray:
    """Gait speed of each stride (m/s) = stride length (m) / stride time (s).

    NaN where either is missing or the time is not positive. The live screen and the reports
    both use this one formula.
    """
    length = np.asarray(stride_length_m, dtype=float)
    time_s = np.asarray(stride_time_s, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(time_s > 0, length / time_s, np.nan)


def spatiotemporal_parameters(
    events: GaitEvents,
    *,
    max_step_time_s: float = DEFAULT_MAX_STEP_TIME_S,
    max_step_factor: float = DEFAULT_MAX_STEP_FACTOR,
    min_step_factor: float = DEFAULT_MIN_STEP_FACTOR,
) -> SpatioTemporalResult:
    """Spatio-temporal parameters from event times (formulas in the module docstring).

    Parameters
    ----------
    events : GaitEvents
        ICs per foot; without a foot's toe-offs its stance and swing, and double support, are
        NaN; without stride / step lengths, stride length, gait speed / step length are NaN.
    max_step_time_s, max_step_factor, min_step_factor : float
        Step exclusion limits, see :func:`pair_initial_contacts`.
    """
    p = pair_initial_contacts(
        events,
        max_step_time_s=max_step_time_s,
        max_step_factor=max_step_factor,
        min_step_factor=min_step_factor,
    )
    n_left = int((p.ic_side == SIDE_LEFT).sum())
    n_right = p.ic_side.size - n_left
    feet = {SIDE_LEFT: events.left, SIDE_RIGHT: events.right}
    to = {s: f.to_t_s for s, f in feet.items()}
    stride_len = {s: f.stride_length_m for s, f in feet.items()}
    step_len = {s: f.step_length_m for s, f in feet.items()}
    reasons: list[str] = []

    # steps
    sv = p.step_valid
    steps_end_t = p.ic_t_s[1:][sv]
    steps_side = p.ic_side[1:][sv]
    steps_time = p.step_time_s[sv]
    steps_end_index = p.ic_index[1:][sv]
    steps_length = np.full(steps_time.size, np.nan)
    for s in (SIDE_LEFT, SIDE_RIGHT):
        if step_len[s] is not None:
            m = steps_side == s
            steps_length[m] = step_len[s][steps_end_index[m]]
    if steps_time.size == 0:
        reasons.append("no valid step (need ICs alternating between the feet, without pauses)")

    # strides: start at merged index i, other foot's IC at i + 1, end at i + 2
    i = np.flatnonzero(p.stride_valid)
    t0, tb, t1 = p.ic_t_s[i], p.ic_t_s[i + 1], p.ic_t_s[i + 2]
    strides_side = p.ic_side[i]
    strides_time = t1 - t0
    stance = np.full(i.size, np.nan)
    swing = np.full(i.size, np.nan)
    ds_pct = np.full(i.size, np.nan)
    length = np.full(i.size, np.nan)
    end_index = p.ic_index[i + 2]
    for s, other in ((SIDE_LEFT, SIDE_RIGHT), (SIDE_RIGHT, SIDE_LEFT)):
        m = strides_side == s
        if stride_len[s] is not None:
            length[m] = stride_len[s][end_index[m]]
        if to[s] is None:
            continue
        to_own = _one_between(to[s], t0[m], t1[m])
        stance[m] = to_own - t0[m]
        swing[m] = t1[m] - to_own
        if to[other] is not None:
            to_oth = _one_between(to[other], t0[m], tb[m])
            own_after = np.where(to_own > tb[m], to_own, np.nan)
            ds = (to_oth - t0[m]) + (own_after - tb[m])
            ds_pct[m] = ds / strides_time[m] * 100.0
    speed = stride_speeds_m_per_s(length, strides_time) if i.size else np.zeros(0)
    if i.size == 0:
        reasons.append("no valid stride (need two consecutive valid steps)")
    else:
        if to[SIDE_LEFT] is None and to[SIDE_RIGHT] is None:
            reasons.append("no toe-off times: stance, swing and double support not computed")
        elif to[SIDE_LEFT] is None or to[SIDE_RIGHT] is None:
            reasons.append("toe-offs of one foot only: double support not computed")
        if stride_len[SIDE_LEFT] is None and stride_len[SIDE_RIGHT] is None:
            reasons.append("no stride lengths: stride length and gait speed not computed")
    if step_len[SIDE_LEFT] is None and step_len[SIDE_RIGHT] is None and steps_time.size:
        reasons.append("no step lengths: step length not computed")

    step_time = SideValues.means(steps_time, steps_side)
    stance_pct = stance / strides_time * 100.0 if i.size else np.zeros(0)
    return SpatioTemporalResult(
        steps_end_t_s=steps_end_t,
        steps_side=steps_side,
        steps_time_s=steps_time,
        steps_length_m=steps_length,
        strides_start_t_s=t0,
        strides_end_t_s=t1,
        strides_side=strides_side,
        strides_time_s=strides_time,
        strides_stance_time_s=stance,
        strides_swing_time_s=swing,
        strides_double_support_pct=ds_pct,
        strides_length_m=length,
        strides_speed_m_per_s=speed,
        n_ic_left=n_left,
        n_ic_right=n_right,
        n_steps=int(steps_time.size),
        n_steps_excluded=int(p.step_time_s.size - steps_time.size),
        n_strides=int(i.size),
        step_time_s=step_time,
        cadence_spm=60.0 / step_time.both if step_time.both > 0 else math.nan,
        stride_time_s=SideValues.means(strides_time, strides_side),
        stance_time_s=SideValues.means(stance, strides_side),
        swing_time_s=SideValues.means(swing, strides_side),
        stance_pct=SideValues.means(stance_pct, strides_side),
        double_support_pct=SideValues.means(ds_pct, strides_side),
        step_length_m=SideValues.means(steps_length, steps_side),
        stride_length_m=SideValues.means(length, strides_side),
        gait_speed_m_per_s=SideValues.means(speed, strides_side),
        reason="; ".join(reasons),
    )

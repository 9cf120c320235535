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

from analysis.errors import AnalysisInputError

__all__ = [
    "KIND_INITIAL_CONTACT",
    "KIND_TOE_OFF",
    "SIDE_LEFT",
    "SIDE_RIGHT",
    "IcPairing",
    "SpatioTemporalParameters",
    "SpatioTemporalResult",
    "align_lengths_to_ics",
    "check_event_times_s",
    "check_setting",
    "event_arrays_from_steps",
    "nan_mean",
    "pair_initial_contacts",
    "spatiotemporal_parameters",
    "stride_speeds_m_per_s",
]

SIDE_LEFT = 1  # the same codes as ras.protocol.messages.Side
SIDE_RIGHT = 2
KIND_INITIAL_CONTACT = 1  # the same codes as ras.protocol.messages.StepKind
KIND_TOE_OFF = 2

DEFAULT_MAX_STEP_TIME_S = 2.0
DEFAULT_MAX_STEP_FACTOR = 1.5
DEFAULT_MIN_STEP_FACTOR = 0.5


# --- shared validators ---------------------------------------------------------------------------


def _as_1d_float(x: Any, name: str) -> np.ndarray:
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise AnalysisInputError(f"{name} must be numbers, got {type(x).__name__}") from exc
    if a.ndim != 1:
        raise AnalysisInputError(f"{name} must be a 1-D array, got shape {a.shape}")
    return a


def check_event_times_s(x: Any, name: str) -> np.ndarray:
    """Event times (s) as a float array: 1-D, finite and strictly increasing.

    Raises
    ------
    AnalysisInputError
        With one line naming the array, the index and what is allowed.
    """
    a = _as_1d_float(x, name)
    bad = ~np.isfinite(a)
    if bad.any():
        i = int(np.argmax(bad))
        raise AnalysisInputError(
            f"{name}[{i}] is {a[i]}; event times must be finite seconds on the session clock"
        )
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


def align_lengths_to_ics(x: Any, name: str, n_ic: int, *, per_stride_ok: bool) -> np.ndarray | None:
    """Lengths (m) aligned to the ICs of one side (index k = the stride/step ending at IC k).

    NaN means "not measured". ``per_stride_ok``: also accept n_ic - 1 values (stride k runs
    from IC k to IC k + 1), which are shifted onto the IC that ends each stride.
    """
    if x is None:
        return None
    a = _as_1d_float(x, name)
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


def nan_mean(x: np.ndarray) -> float:
    """Mean of the finite values; NaN (no warning) when there are none."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else math.nan


def event_arrays_from_steps(steps: np.ndarray) -> dict[str, np.ndarray]:
    """Keyword arrays for :func:`spatiotemporal_parameters` from stored step rows.

    Parameters
    ----------
    steps : structured ndarray
        Rows with fields ``t_s``, ``side``, ``kind`` and optionally ``stride_length_m`` (the
        store's ``STEP_DTYPE``; side 1 = left, 2 = right; kind 1 = IC, 2 = TO).

    Returns
    -------
    dict
        ``ic_left_t_s``, ``ic_right_t_s``, ``to_left_t_s``, ``to_right_t_s`` (sorted; an event
        delivered twice at the same time is kept once) and, when the field exists,
        ``stride_length_left_m`` / ``stride_length_right_m`` aligned to the ICs (NaN = unknown).
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
    out: dict[str, np.ndarray] = {}
    for side, name in ((SIDE_LEFT, "left"), (SIDE_RIGHT, "right")):
        for kind, prefix in ((KIND_INITIAL_CONTACT, "ic"), (KIND_TOE_OFF, "to")):
            m = (steps["side"] == side) & (steps["kind"] == kind)
            times, first = np.unique(t[m], return_index=True)
            out[f"{prefix}_{name}_t_s"] = times
            if kind == KIND_INITIAL_CONTACT and "stride_length_m" in names:
                lengths = np.asarray(steps["stride_length_m"], dtype=float)[m][first]
                out[f"stride_length_{name}_m"] = lengths
    return out


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
    ic_left_t_s: Any,
    ic_right_t_s: Any,
    *,
    max_step_time_s: float = DEFAULT_MAX_STEP_TIME_S,
    max_step_factor: float = DEFAULT_MAX_STEP_FACTOR,
    min_step_factor: float = DEFAULT_MIN_STEP_FACTOR,
) -> IcPairing:
    """Merge left and right ICs and mark valid steps and strides (see module docstring).

    Parameters
    ----------
    ic_left_t_s, ic_right_t_s : array_like
        IC times of each foot (s), strictly increasing.
    max_step_time_s : float
        Steps longer than this (s) are pauses and excluded.
    max_step_factor, min_step_factor : float
        Steps longer / shorter than this multiple of the median step are excluded.
    """
    left = check_event_times_s(ic_left_t_s, "ic_left_t_s")
    right = check_event_times_s(ic_right_t_s, "ic_right_t_s")
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
    are :data:`SIDE_LEFT` / :data:`SIDE_RIGHT`. ``reason`` says why a figure is NaN ("" if none).
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
    step_time_s: float
    step_time_left_s: float
    step_time_right_s: float
    cadence_spm: float
    stride_time_s: float
    stride_time_left_s: float
    stride_time_right_s: float
    stance_time_s: float
    stance_time_left_s: float
    stance_time_right_s: float
    swing_time_s: float
    swing_time_left_s: float
    swing_time_right_s: float
    stance_pct: float
    stance_left_pct: float
    stance_right_pct: float
    double_support_pct: float
    double_support_left_pct: float
    double_support_right_pct: float
    step_length_m: float
    step_length_left_m: float
    step_length_right_m: float
    stride_length_m: float
    stride_length_left_m: float
    stride_length_right_m: float
    gait_speed_m_per_s: float
    gait_speed_left_m_per_s: float
    gait_speed_right_m_per_s: float
    reason: str


def _side_means(values: np.ndarray, sides: np.ndarray) -> tuple[float, float, float]:
    return (
        nan_mean(values),
        nan_mean(values[sides == SIDE_LEFT]),
        nan_mean(values[sides == SIDE_RIGHT]),
    )


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
    *,
    ic_left_t_s: Any,
    ic_right_t_s: Any,
    to_left_t_s: Any = None,
    to_right_t_s: Any = None,
    stride_length_left_m: Any = None,
    stride_length_right_m: Any = None,
    step_length_left_m: Any = None,
    step_length_right_m: Any = None,
    max_step_time_s: float = DEFAULT_MAX_STEP_TIME_S,
    max_step_factor: float = DEFAULT_MAX_STEP_FACTOR,
    min_step_factor: float = DEFAULT_MIN_STEP_FACTOR,
) -> SpatioTemporalResult:
    """Spatio-temporal parameters from event times (formulas in the module docstring).

    Parameters
    ----------
    ic_left_t_s, ic_right_t_s : array_like
        Initial contacts per foot (s), strictly increasing.
    to_left_t_s, to_right_t_s : array_like, optional
        Toe-offs per foot (s); without them stance, swing and double support are NaN.
    stride_length_left_m, stride_length_right_m : array_like, optional
        Stride lengths (m): one per IC (the stride ending at that IC, as the store keeps them;
        NaN = unknown) or one per stride (stride k from IC k to IC k + 1).
    step_length_left_m, step_length_right_m : array_like, optional
        Step lengths (m), one per IC (the step ending at that IC; NaN = unknown).
    max_step_time_s, max_step_factor, min_step_factor : float
        Step exclusion limits, see :func:`pair_initial_contacts`.
    """
    p = pair_initial_contacts(
        ic_left_t_s,
        ic_right_t_s,
        max_step_time_s=max_step_time_s,
        max_step_factor=max_step_factor,
        min_step_factor=min_step_factor,
    )
    n_left = int((p.ic_side == SIDE_LEFT).sum())
    n_right = p.ic_side.size - n_left
    to = {
        SIDE_LEFT: None if to_left_t_s is None else check_event_times_s(to_left_t_s, "to_left_t_s"),
        SIDE_RIGHT: None
        if to_right_t_s is None
        else check_event_times_s(to_right_t_s, "to_right_t_s"),
    }
    stride_len = {
        SIDE_LEFT: align_lengths_to_ics(
            stride_length_left_m, "stride_length_left_m", n_left, per_stride_ok=True
        ),
        SIDE_RIGHT: align_lengths_to_ics(
            stride_length_right_m, "stride_length_right_m", n_right, per_stride_ok=True
        ),
    }
    step_len = {
        SIDE_LEFT: align_lengths_to_ics(
            step_length_left_m, "step_length_left_m", n_left, per_stride_ok=False
        ),
        SIDE_RIGHT: align_lengths_to_ics(
            step_length_right_m, "step_length_right_m", n_right, per_stride_ok=False
        ),
    }
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

    step_mean, step_l, step_r = _side_means(steps_time, steps_side)
    stance_pct = stance / strides_time * 100.0 if i.size else np.zeros(0)
    st = _side_means(strides_time, strides_side)
    sta = _side_means(stance, strides_side)
    swi = _side_means(swing, strides_side)
    stp = _side_means(stance_pct, strides_side)
    dsm = _side_means(ds_pct, strides_side)
    sl = _side_means(steps_length, steps_side)
    strl = _side_means(length, strides_side)
    spd = _side_means(speed, strides_side)
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
        step_time_s=step_mean,
        step_time_left_s=step_l,
        step_time_right_s=step_r,
        cadence_spm=60.0 / step_mean if step_mean > 0 else math.nan,
        stride_time_s=st[0],
        stride_time_left_s=st[1],
        stride_time_right_s=st[2],
        stance_time_s=sta[0],
        stance_time_left_s=sta[1],
        stance_time_right_s=sta[2],
        swing_time_s=swi[0],
        swing_time_left_s=swi[1],
        swing_time_right_s=swi[2],
        stance_pct=stp[0],
        stance_left_pct=stp[1],
        stance_right_pct=stp[2],
        double_support_pct=dsm[0],
        double_support_left_pct=dsm[1],
        double_support_right_pct=dsm[2],
        step_length_m=sl[0],
        step_length_left_m=sl[1],
        step_length_right_m=sl[2],
        stride_length_m=strl[0],
        stride_length_left_m=strl[1],
        stride_length_right_m=strl[2],
        gait_speed_m_per_s=spd[0],
        gait_speed_left_m_per_s=spd[1],
        gait_speed_right_m_per_s=spd[2],
        reason="; ".join(reasons),
    )


class SpatioTemporalParameters:
    """Spatio-temporal gait parameters (gaitmap style: settings here, data in :meth:`calculate`).

    Parameters
    ----------
    max_step_time_s : float
        Steps longer than this are pauses, excluded (default 2 s).
    max_step_factor : float
        Steps longer than this × the median step are excluded (default 1.5).
    min_step_factor : float
        Steps shorter than this × the median step are excluded (default 0.5).

    Attributes
    ----------
    parameters_ : SpatioTemporalResult
        All results of the last :meth:`calculate`.
    cadence_spm_, gait_speed_m_per_s_ : float
        The headline figures of ``parameters_``.
    """

    def __init__(
        self,
        *,
        max_step_time_s: float = DEFAULT_MAX_STEP_TIME_S,
        max_step_factor: float = DEFAULT_MAX_STEP_FACTOR,
        min_step_factor: float = DEFAULT_MIN_STEP_FACTOR,
    ) -> None:
        self.max_step_time_s = check_setting("max_step_time_s", max_step_time_s, 0.1, 60.0, "s")
        self.max_step_factor = check_setting("max_step_factor", max_step_factor, 1.0, 100.0)
        self.min_step_factor = check_setting("min_step_factor", min_step_factor, 0.0, 1.0)

    def calculate(
        self,
        *,
        ic_left_t_s: Any,
        ic_right_t_s: Any,
        to_left_t_s: Any = None,
        to_right_t_s: Any = None,
        stride_length_left_m: Any = None,
        stride_length_right_m: Any = None,
        step_length_left_m: Any = None,
        step_length_right_m: Any = None,
    ) -> SpatioTemporalParameters:
        """Compute from event times; see :func:`spatiotemporal_parameters`. Returns self."""
        self.parameters_ = spatiotemporal_parameters(
            ic_left_t_s=ic_left_t_s,
            ic_right_t_s=ic_right_t_s,
            to_left_t_s=to_left_t_s,
            to_right_t_s=to_right_t_s,
            stride_length_left_m=stride_length_left_m,
            stride_length_right_m=stride_length_right_m,
            step_length_left_m=step_length_left_m,
            step_length_right_m=step_length_right_m,
            max_step_time_s=self.max_step_time_s,
            max_step_factor=self.max_step_factor,
            min_step_factor=self.min_step_factor,
        )
        self.cadence_spm_ = self.parameters_.cadence_spm
        self.gait_speed_m_per_s_ = self.parameters_.gait_speed_m_per_s
        return self

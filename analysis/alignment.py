"""Sensor-to-foot alignment: rotate a foot IMU's sensor frame into the foot frame.

Foot frame: x forward, y left, z up (docs/imu-format.md); method and figures in
docs/alignment.md. Estimated from the walking itself, in four steps that need no knowledge of
the frame and no integration longer than one step:

1. **steps** (:func:`find_steps`): the foot's angular speed, smoothed over ``hump_s``, rises in
   one hump per swing; each hump with a quiet stance on both sides (the least angular speed
   within ``max_stance_s``, under half the hump) is a step, stance → swing → stance;
2. **up** (:func:`gravity_up`): the mean acceleration over still samples (angular speed under
   ``still_gyr_dps`` for a whole ``still_window_s`` window), i.e. standing; a recording without
   standing uses the stances of the steps (foot flat) instead;
3. **pitch axis** (:func:`pitch_axis`): the angular velocity of each step, projected on the
   horizontal plane (so turning about the vertical cannot tilt it), gives the step's main axis
   (top eigenvector of its 2×2 second moment); the axis common to the steps (each step weighing
   the same; steps more than ``max(10°, 3 × median)`` off are left out) is the foot's y axis, up
   to its sign. How clearly one axis dominates is measured two ways: ``axis_second_ratio``, the
   RMS rate about the other horizontal axis relative to the main one (0 = pure pitching), and
   ``axis_spread_deg``, the median angle between the steps' own axes and the common one;
4. **forward** (:func:`forward_votes`): two independent physical cues, each voting once per step:
   the *pitch pattern* — from foot-flat the heel rises first (toes down) and stays up through
   push-off and most of the swing, while the toes come up only briefly before landing, so the
   pitch angle integrated over the step (de-trended to end where it began) averages toes-down;
   and the *swing direction* — the foot moves forward during the swing: the step integrated
   with zero-velocity updates (analysis.trajectory, one stance to the next) ends ahead of its
   start. ``y`` takes the sign most votes agree with; ``forward_agreement`` is the share of all
   votes that agree (1 = all, 0.5 = a coin toss).

x = y × z; the result is a proper rotation (det +1), so a sensor mounted in any orientation on
either foot is brought into the same right-handed foot frame. Warnings (one line each, saying
what to do) come with too few steps, an ambiguous axis, cues that disagree or a weak vote, the
foot travelling well off the estimated forward, and standing that was not foot-flat. A fixed
rotation (``SensorAlignment(rotation=R)``) is used as given; the same figures are then computed
in its frame, and a warning says when the data contradict it (up, axis or forward).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from analysis.errors import AnalysisInputError
from analysis.imu_io import FootImu
from analysis.peaks import find_peaks
from analysis.rotations import check_rotation, describe_rotation
from analysis.trajectory import integrate_strides

__all__ = [
    "AlignmentQuality",
    "SensorAlignment",
    "Steps",
    "apply_rotation",
    "estimate_rotation",
    "find_steps",
    "forward_sign",
    "forward_votes",
    "gravity_up",
    "pitch_axis",
    "quality_warnings",
    "still_mask",
]

#: Warning thresholds (docs/alignment.md gives the figures they are set against).
MIN_STEPS = 5
MAX_AXIS_SECOND_RATIO = 0.8
MAX_AXIS_SPREAD_DEG = 15.0
MIN_FORWARD_AGREEMENT = 0.8
MAX_TRAVEL_HEADING_DEG = 30.0
MAX_UP_DIFF_DEG = 15.0
#: A fixed rotation (or the file's own frame) whose up or y axis is further than this from the
#: data's is flagged (sensors on an instep sit 15-40° off level: those are not flagged below 30°).
MAX_FIXED_OFF_DEG = 30.0
#: Rotation mostly about the vertical (turning on the spot, not walking): no pitch axis.
MAX_VERTICAL_RATIO = 2.0


def _moving_mean(x: np.ndarray, n: int) -> np.ndarray:
    """Centred moving mean over ``n`` samples (edges use the available samples)."""
    kernel = np.ones(n)
    return np.convolve(x, kernel, "same") / np.convolve(np.ones_like(x), kernel, "same")


def _rms_rate(gyr_dps: np.ndarray, n: int) -> np.ndarray:
    return np.sqrt(_moving_mean(np.einsum("ij,ij->i", gyr_dps, gyr_dps), n))


def _axial_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle between axes (sign ignored), degrees, 0–90."""
    cos = np.abs(np.sum(a * b, axis=-1)) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    return np.degrees(np.arccos(np.clip(cos, 0.0, 1.0)))


def still_mask(
    gyr_dps: np.ndarray,
    sampling_rate_hz: float,
    still_gyr_dps: float = 15.0,
    still_window_s: float = 0.2,
) -> np.ndarray:
    """Samples whose whole centred window has a gyro magnitude below ``still_gyr_dps``."""
    n = max(1, round(still_window_s * sampling_rate_hz))
    moving = (np.linalg.norm(gyr_dps, axis=1) >= still_gyr_dps).astype(np.float64)
    return _moving_mean(moving, n) == 0.0


@dataclass(frozen=True)
class Steps:
    """Steps found without knowing the frame: stance → swing → stance, sample indices.

    Attributes
    ----------
    start_idx, peak_idx, end_idx : ndarray of int
        Stance before the swing, centre of the swing hump, stance after it.
    """

    start_idx: np.ndarray
    peak_idx: np.ndarray
    end_idx: np.ndarray

    def __len__(self) -> int:
        return int(self.start_idx.size)


def find_steps(
    gyr_dps: np.ndarray,
    sampling_rate_hz: float,
    hump_s: float = 0.3,
    max_stance_s: float = 1.5,
) -> Steps:
    """Steps of one foot from its angular speed alone (any frame); see the module docstring.

    Parameters
    ----------
    gyr_dps : ndarray, shape (n, 3)
        Angular velocity in any frame, deg/s.
    sampling_rate_hz : float
        Sampling rate, Hz.
    hump_s : float
        Smoothing window that merges push-off, swing and landing into one hump, s.
    max_stance_s : float
        How far before and after a hump its stance is looked for, s.

    Returns
    -------
    Steps
        Humps at least 0.5 s apart with a prominence of at least ``max(20, 0.3 × p99)`` deg/s
        that have a stance (least 0.1 s RMS rate, under half the hump) on both sides.
    """
    gyr = np.asarray(gyr_dps, dtype=np.float64)
    fs = float(sampling_rate_hz)
    n = gyr.shape[0]
    empty = Steps(*(np.empty(0, dtype=np.int64) for _ in range(3)))
    if n < 3:
        return empty
    rate = _rms_rate(gyr, max(2, round(0.1 * fs)))
    hump = _rms_rate(gyr, max(2, round(hump_s * fs)))
    top = float(np.percentile(hump, 99))
    peaks, _ = find_peaks(hump, prominence=max(20.0, 0.3 * top), distance=max(1, round(0.5 * fs)))
    far = max(1, round(max_stance_s * fs))
    bounds = np.concatenate(([-1], peaks, [n]))
    out: list[tuple[int, int, int]] = []
    for k, p in enumerate(peaks.tolist()):
        lo = max(0, int(bounds[k]) + 1, p - far)
        hi = min(n - 1, int(bounds[k + 2]) - 1, p + far)
        if lo >= p or hi <= p:
            continue
        a = lo + int(np.argmin(rate[lo:p]))
        b = p + int(np.argmin(rate[p : hi + 1]))
        if max(rate[a], rate[b]) < 0.5 * hump[p] and b - a >= round(0.3 * fs):
            out.append((a, p, b))
    if not out:
        return empty
    a, p, b = (np.asarray(c, dtype=np.int64) for c in zip(*out, strict=True))
    return Steps(a, p, b)


def _still_sum(
    acc: np.ndarray, gyr: np.ndarray, fs: float, still_gyr_dps: float, still_window_s: float
) -> tuple[np.ndarray, int]:
    mask = still_mask(gyr, fs, still_gyr_dps, still_window_s)
    return acc[mask].sum(axis=0), int(mask.sum())


def _stance_sum(acc: np.ndarray, steps: Steps, fs: float) -> tuple[np.ndarray, int]:
    half = max(1, round(0.05 * fs))
    points = np.unique(np.concatenate((steps.start_idx, steps.end_idx)))
    idx = np.unique(
        np.clip((points[:, None] + np.arange(-half, half + 1)[None, :]).ravel(), 0, len(acc) - 1)
    )
    return acc[idx].sum(axis=0), int(idx.size)


def gravity_up(
    chunks: Sequence[tuple[np.ndarray, np.ndarray, Steps]],
    sampling_rate_hz: float,
    still_gyr_dps: float = 15.0,
    still_window_s: float = 0.2,
) -> tuple[np.ndarray, dict[str, Any]]:
    """The sensor's 'up' (unit vector, sensor axes) and how it was found.

    Parameters
    ----------
    chunks : sequence of (acc_mps2, gyr_dps, Steps)
        One or more pieces of one foot's recording in the sensor frame, with their steps.
    sampling_rate_hz : float
        Sampling rate, Hz.
    still_gyr_dps, still_window_s : float
        A sample is still when the whole centred window (s) stays under this rate (deg/s).

    Returns
    -------
    up : ndarray, shape (3,)
        Mean acceleration over standing (at least 0.1 s of still samples), otherwise over the
        steps' stances (±0.05 s), normalised.
    info : dict
        ``gravity_from`` ("standing" or "mid-stance"), ``still_s`` (standing used, s) and
        ``up_standing_vs_stance_deg`` (angle between the two estimates, None if one is missing).
        When that angle exceeds MAX_UP_DIFF_DEG the stances are used (the foot was not flat
        while standing).
    """
    fs = float(sampling_rate_hz)
    still = np.zeros(3)
    n_still = 0
    stance = np.zeros(3)
    n_stance = 0
    for acc, gyr, steps in chunks:
        s, k = _still_sum(acc, gyr, fs, still_gyr_dps, still_window_s)
        still, n_still = still + s, n_still + k
        if len(steps):
            s, k = _stance_sum(acc, steps, fs)
            stance, n_stance = stance + s, n_stance + k
    has_still = n_still >= 0.1 * fs and np.linalg.norm(still) > 0
    has_stance = n_stance > 0 and np.linalg.norm(stance) > 0
    if not has_still and not has_stance:
        raise AnalysisInputError(
            "no still period and no walking step found to estimate gravity; the recording needs "
            f"at least 0.1 s with the foot at rest (gyro below {still_gyr_dps:g} deg/s) or some "
            "walking"
        )
    diff = None
    if has_still and has_stance:
        diff = float(_axial_deg(still, stance)) if still @ stance > 0 else 180.0
    use_still = has_still and (diff is None or diff <= MAX_UP_DIFF_DEG)
    up = still if use_still else stance
    return up / np.linalg.norm(up), {
        "gravity_from": "standing" if use_still else "mid-stance",
        "still_s": round(n_still / fs, 3),
        "up_standing_vs_stance_deg": None if diff is None else round(diff, 2),
    }


def _horizontal_basis(up: np.ndarray) -> np.ndarray:
    """Two unit vectors (2, 3) spanning the plane perpendicular to ``up``."""
    a = np.eye(3)[int(np.argmin(np.abs(up)))]
    u = np.cross(up, a)
    u /= np.linalg.norm(u)
    return np.vstack((u, np.cross(up, u)))


def pitch_axis(
    chunks: Sequence[tuple[np.ndarray, Steps]], up: np.ndarray
) -> tuple[np.ndarray, dict[str, float]]:
    """The horizontal axis the foot pitches about (unit, sensor axes, sign arbitrary).

    Parameters
    ----------
    chunks : sequence of (gyr_dps, Steps)
        Angular velocity (deg/s, sensor frame) of one foot and its steps.
    up : ndarray, shape (3,)
        The sensor's up (gravity_up).

    Returns
    -------
    axis : ndarray, shape (3,)
        Perpendicular to ``up``.
    info : dict
        ``axis_second_ratio`` (0–1), ``axis_spread_deg``, ``vertical_ratio`` (RMS rate about
        ``up`` over that in the horizontal plane) and ``steps_used``.
    """
    basis = _horizontal_basis(up)
    moments = []
    vertical = horizontal = 0.0
    for gyr, steps in chunks:
        for a, b in zip(steps.start_idx.tolist(), steps.end_idx.tolist(), strict=True):
            g = gyr[a : b + 1]
            h = g @ basis.T
            m = h.T @ h
            v = float(np.sum((g @ up) ** 2))
            vertical += v
            horizontal += float(np.trace(m))
            if np.trace(m) > 0:
                moments.append(m / np.trace(m))
    vertical_ratio = math.sqrt(vertical / horizontal) if horizontal > 0 else math.inf
    if vertical > 0 and vertical_ratio > MAX_VERTICAL_RATIO:
        how = (
            f"{vertical_ratio:.1f} times more than about a horizontal axis"
            if math.isfinite(vertical_ratio)
            else "and never about a horizontal axis"
        )
        raise AnalysisInputError(
            f"the foot turns about the vertical {how}; expected walking (pitching about a "
            "horizontal axis); give a fixed rotation instead (ras analyse --rotation)"
        )
    if not moments:
        raise AnalysisInputError(
            "no walking step found: alignment needs the foot to swing between two stances at "
            "least once; give a fixed rotation instead (ras analyse --rotation)"
        )
    mom = np.asarray(moments)
    own = np.linalg.eigh(mom)[1][:, :, -1]  # each step's own main axis, (n, 2)

    def common(sel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        vals, vecs = np.linalg.eigh(mom[sel].sum(axis=0))
        return vecs[:, -1], vals

    keep = np.ones(len(mom), dtype=bool)
    axis2, _ = common(keep)
    dev = _axial_deg(own, axis2[None, :])
    keep = dev <= max(10.0, 3.0 * float(np.median(dev)))
    axis2, vals = common(keep)
    dev = _axial_deg(own, axis2[None, :])
    axis = axis2 @ basis
    return axis / np.linalg.norm(axis), {
        "axis_second_ratio": round(math.sqrt(max(vals[0], 0.0) / vals[1]), 4),
        "axis_spread_deg": round(float(np.median(dev)), 2),
        "vertical_ratio": round(vertical_ratio, 4),
        "steps_used": int(keep.sum()),
    }


def _frame(axis: np.ndarray, up: np.ndarray) -> np.ndarray:
    return np.vstack((np.cross(axis, up), axis, up))


def forward_votes(
    acc_mps2: np.ndarray,
    gyr_dps: np.ndarray,
    sampling_rate_hz: float,
    rotation: np.ndarray,
    steps: Steps,
) -> dict[str, np.ndarray]:
    """Per step, the two forward cues in the frame ``rotation`` (foot = rotation @ sensor).

    Returns
    -------
    dict
        ``pitch_deg``: mean pitch over the step (de-trended integral of ``gyr_y``; positive =
        toes down, as a forward frame gives); ``displacement_m`` (n, 2): where the step ends
        relative to its start on the ground (x along the frame's forward; positive x = forward).
    """
    fs = float(sampling_rate_hz)
    s = gyr_dps @ rotation[1]
    pitch = np.empty(len(steps))
    for k, (a, b) in enumerate(zip(steps.start_idx.tolist(), steps.end_idx.tolist(), strict=True)):
        p = np.cumsum(s[a : b + 1]) / fs
        p -= np.linspace(0.0, p[-1], p.size)
        pitch[k] = float(np.mean(p))
    disp = np.full((len(steps), 2), np.nan)
    if len(steps):
        with contextlib.suppress(AnalysisInputError):  # no swing votes; the pitch cue counts
            disp = integrate_strides(
                acc_mps2 @ rotation.T, gyr_dps @ rotation.T, fs, steps.start_idx, steps.end_idx
            )["displacement_m"]
    return {"pitch_deg": pitch, "displacement_m": disp}


@dataclass(frozen=True)
class AlignmentQuality:
    """How much to trust a rotation (docs/alignment.md).

    Attributes
    ----------
    steps : int
        Walking steps the figures rest on.
    gravity_from : str
        ``"standing"`` or ``"mid-stance"``: where 'up' came from.
    still_s : float
        Standing (still samples) found, s.
    up_standing_vs_stance_deg : float or None
        Angle between 'up' while standing and at the stances of the steps, degrees.
    axis_second_ratio : float
        RMS rate about the second horizontal axis over that about the pitch axis (0 = pure
        pitching, 1 = no dominant axis).
    axis_spread_deg : float
        Median angle between each step's own pitch axis and the common one, degrees.
    vertical_ratio : float
        RMS rate about the vertical over that about horizontal axes during the steps.
    pitch_votes, swing_votes : tuple of int
        (agree, total): steps whose pitch pattern / swing direction agree with the forward of
        the rotation.
    forward_agreement : float
        Share of all votes that agree (1 = all; 0.5 = a coin toss).
    travel_heading_deg : float or None
        Median direction the foot travels per step, counter-clockwise from the rotation's
        forward, degrees (a check of the pitch axis; toe-out and ankle obliquity make a few
        degrees).
    up_vs_data_deg, axis_vs_data_deg : float or None
        For a fixed rotation: angle between its up / pitch axis and those the data give,
        degrees (0 for an estimated rotation).
    """

    steps: int
    gravity_from: str
    still_s: float
    up_standing_vs_stance_deg: float | None
    axis_second_ratio: float
    axis_spread_deg: float
    vertical_ratio: float
    pitch_votes: tuple[int, int]
    swing_votes: tuple[int, int]
    forward_agreement: float
    travel_heading_deg: float | None
    up_vs_data_deg: float | None = 0.0
    axis_vs_data_deg: float | None = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "extra"}
        out["pitch_votes"] = list(self.pitch_votes)
        out["swing_votes"] = list(self.swing_votes)
        return out | self.extra


def _votes(cues: list[dict[str, np.ndarray]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pitch = np.concatenate([c["pitch_deg"] for c in cues]) if cues else np.empty(0)
    disp = np.concatenate([c["displacement_m"] for c in cues]) if cues else np.empty((0, 2))
    swing = disp[:, 0][np.isfinite(disp[:, 0])]
    return pitch, swing, disp


def forward_sign(pitch_deg: np.ndarray, swing_x_m: np.ndarray) -> float:
    """+1 if the votes say the frame they were taken in points forward, else -1.

    Each cue scores the mean sign of its per-step values (pitch: mean pitch over the step,
    positive = toes down; swing: forward displacement, m); the two scores are added, so a cue
    that is unanimous outweighs one that is split. A tie goes to the swing direction, the
    definition of forward.
    """
    score = float(np.mean(np.sign(pitch_deg))) if pitch_deg.size else 0.0
    score += float(np.mean(np.sign(swing_x_m))) if swing_x_m.size else 0.0
    if score == 0.0 and swing_x_m.size:
        score = float(np.sum(swing_x_m))
    return -1.0 if score < 0 else 1.0


def _travel_heading(disp: np.ndarray) -> float | None:
    ok = np.isfinite(disp).all(axis=1) & (np.hypot(disp[:, 0], disp[:, 1]) > 0.1)
    if not ok.any():
        return None
    heading = np.degrees(np.arctan2(disp[ok, 1], disp[ok, 0]))
    return round(float(np.median(heading)), 2)


def apply_rotation(imu: FootImu, rotation: np.ndarray) -> FootImu:
    """``imu`` rotated by ``rotation`` (3, 3): each sample v becomes ``rotation @ v``.

    The time base (``first_t_s``) and the mask of filled samples are kept.
    """
    r = check_rotation(rotation)
    if np.array_equal(r, np.eye(3)):
        return imu
    acc, gyr = imu.acc_mps2 @ r.T, imu.gyr_dps @ r.T
    for a in (acc, gyr):
        a.setflags(write=False)  # new and owned: FootImu keeps them without a copy
    return replace(imu, acc_mps2=acc, gyr_dps=gyr)


def _as_segments(imu: FootImu | Sequence[FootImu]) -> list[FootImu]:
    items = [imu] if isinstance(imu, FootImu) else list(imu)
    if not items or not all(isinstance(i, FootImu) for i in items):
        raise AnalysisInputError(
            "imu must be an analysis.imu_io.FootImu or a non-empty sequence of them (one foot)"
        )
    if len({i.side for i in items}) > 1 or len({i.sampling_rate_hz for i in items}) > 1:
        raise AnalysisInputError("all segments must be of one foot at one sampling rate")
    return items


class SensorAlignment:
    """Estimate (or take as given) and apply the sensor-to-foot rotation; see the module docstring.

    Parameters
    ----------
    rotation : array-like (3, 3), optional
        A fixed rotation (``foot = rotation @ sensor``) to use instead of estimating one; the
        quality figures and warnings are then computed in its frame.
    still_gyr_dps : float
        Angular speed below which (over a whole window) the foot is still, deg/s.
    still_window_s : float
        Length of that window, s.
    hump_s : float
        Smoothing window of the angular speed that finds the steps, s.
    max_stance_s : float
        How far from a swing its stance is looked for, s.
    fixed_name : str
        What warnings call a fixed rotation (e.g. "the file's frame" when the identity stands
        for data already in the foot frame).

    Attributes
    ----------
    rotation_ : ndarray, shape (3, 3)
        ``foot = rotation_ @ sensor``.
    source_ : str
        ``"estimated"`` or ``"fixed"``.
    aligned_ : FootImu or tuple of FootImu
        The input in the foot frame (a tuple when a sequence of segments was given).
    quality_ : AlignmentQuality or None
        The figures (None when a fixed rotation could not be checked at all).
    warnings_ : tuple of str
        One line each, with what to do.
    """

    def __init__(
        self,
        rotation: np.ndarray | None = None,
        still_gyr_dps: float = 15.0,
        still_window_s: float = 0.2,
        hump_s: float = 0.3,
        max_stance_s: float = 1.5,
        fixed_name: str = "the given rotation",
    ) -> None:
        self.rotation = rotation
        self.still_gyr_dps = still_gyr_dps
        self.still_window_s = still_window_s
        self.hump_s = hump_s
        self.max_stance_s = max_stance_s
        self.fixed_name = fixed_name

    def estimate(self, imu: FootImu | Sequence[FootImu]) -> SensorAlignment:
        """Estimate (or check) the rotation of ``imu``: one FootImu, or the segments of one foot.

        Returns ``self``. Raises AnalysisInputError (one line) when no rotation can be estimated
        (no walking, rotation mostly about the vertical); a fixed rotation never fails on data.
        """
        segs = _as_segments(imu)
        fixed = None if self.rotation is None else check_rotation(self.rotation)
        fs = segs[0].sampling_rate_hz
        steps = [find_steps(s.gyr_dps, fs, self.hump_s, self.max_stance_s) for s in segs]
        warnings: list[str] = []
        try:
            up, up_info = gravity_up(
                [(s.acc_mps2, s.gyr_dps, st) for s, st in zip(segs, steps, strict=True)],
                fs,
                self.still_gyr_dps,
                self.still_window_s,
            )
            axis, axis_info = pitch_axis(
                [(s.gyr_dps, st) for s, st in zip(segs, steps, strict=True)], up
            )
        except AnalysisInputError as err:
            if fixed is None:
                raise
            note = f"could not check {self.fixed_name}: {err}"
            self._finish(segs, fixed, "fixed", None, [note])
            return self
        frame = _frame(axis, up) if fixed is None else fixed
        cues = [
            forward_votes(s.acc_mps2, s.gyr_dps, fs, frame, st)
            for s, st in zip(segs, steps, strict=True)
        ]
        if fixed is None:
            sign = forward_sign(*_votes(cues)[:2])
            rotation = _frame(sign * axis, up)
            cues = [{k: sign * v for k, v in c.items()} for c in cues]  # 180° about z
            up_vs, axis_vs = 0.0, 0.0
        else:
            rotation = fixed
            up_vs = round(float(np.degrees(np.arccos(np.clip(fixed[2] @ up, -1.0, 1.0)))), 2)
            axis_vs = round(float(_axial_deg(fixed[1], axis)), 2)
        pitch, swing, disp = _votes(cues)
        n_pitch, n_swing = int(np.sum(pitch > 0)), int(np.sum(swing > 0))
        total = pitch.size + swing.size
        quality = AlignmentQuality(
            steps=int(sum(len(st) for st in steps)),
            gravity_from=up_info["gravity_from"],
            still_s=up_info["still_s"],
            up_standing_vs_stance_deg=up_info["up_standing_vs_stance_deg"],
            axis_second_ratio=axis_info["axis_second_ratio"],
            axis_spread_deg=axis_info["axis_spread_deg"],
            vertical_ratio=axis_info["vertical_ratio"],
            pitch_votes=(n_pitch, int(pitch.size)),
            swing_votes=(n_swing, int(swing.size)),
            forward_agreement=round((n_pitch + n_swing) / total, 4) if total else 0.0,
            travel_heading_deg=_travel_heading(disp),
            up_vs_data_deg=up_vs,
            axis_vs_data_deg=axis_vs,
        )
        warnings += quality_warnings(quality, None if fixed is None else self.fixed_name)
        self._finish(segs, rotation, "estimated" if fixed is None else "fixed", quality, warnings)
        return self

    def _finish(
        self,
        segs: list[FootImu],
        rotation: np.ndarray,
        source: str,
        quality: AlignmentQuality | None,
        warnings: list[str],
    ) -> None:
        self.rotation_ = rotation
        self.source_ = source
        self.quality_ = quality
        self.warnings_ = tuple(warnings)
        aligned = tuple(apply_rotation(s, rotation) for s in segs)
        self.aligned_ = aligned[0] if len(aligned) == 1 else aligned

    def summary(self) -> dict[str, Any]:
        """The rotation, its angles in words, the pitch axis, the quality and the warnings."""
        r = self.rotation_
        axis = r[1]
        return {
            "source": self.source_,
            "rotation": [[round(float(v), 6) for v in row] for row in r],
            "rotation_doc": "foot = rotation @ sensor; rows: foot x (forward), y (left), z (up) "
            "in sensor axes",
            **describe_rotation(r),
            "pitch_axis_in_sensor_axes": [round(float(v), 4) for v in axis],
            "pitch_axis_to_sensor_axes_deg": {
                name: round(float(_axial_deg(axis, np.eye(3)[i])), 2)
                for i, name in enumerate("xyz")
            },
            "quality": None if self.quality_ is None else self.quality_.as_dict(),
            "warnings": list(self.warnings_),
        }


def quality_warnings(q: AlignmentQuality, fixed: str | None = None) -> list[str]:
    """The warnings a quality calls for (one line each, with what to do); see docs/alignment.md.

    ``fixed`` names a fixed rotation whose figures these are (None: an estimated one).
    """
    fix = "give a fixed rotation (ras analyse --rotation)"
    out = []
    if fixed is not None:
        if q.up_vs_data_deg is not None and q.up_vs_data_deg > MAX_FIXED_OFF_DEG:
            out.append(
                f"{fixed}: its up is {q.up_vs_data_deg:.0f}° from gravity in the data (foot "
                "flat); check the rotation or use --align"
            )
        if q.axis_vs_data_deg is not None and q.axis_vs_data_deg > MAX_FIXED_OFF_DEG:
            out.append(
                f"{fixed}: its y axis is {q.axis_vs_data_deg:.0f}° from the axis the foot "
                "pitches about in the data; check the rotation or use --align"
            )
        if q.forward_agreement < 0.5 and q.pitch_votes[1] + q.swing_votes[1] > 0:
            out.append(
                f"{fixed}: the foot seems to walk backward in it ({_votes_text(q)}); check the "
                "rotation (turn it 180° about the vertical) or use --align"
            )
    if q.steps < MIN_STEPS:
        out.append(f"only {q.steps} walking steps found; the rotation rests on few steps: {fix}")
    if q.axis_second_ratio > MAX_AXIS_SECOND_RATIO or q.axis_spread_deg > MAX_AXIS_SPREAD_DEG:
        out.append(
            f"pitch axis ambiguous (second axis {q.axis_second_ratio:.2f} of the main, per-step "
            f"spread {q.axis_spread_deg:.0f}°): the foot does not pitch clearly about one "
            f"horizontal axis; {fix}"
        )
    pitch_fwd = q.pitch_votes[1] and 2 * q.pitch_votes[0] > q.pitch_votes[1]
    swing_fwd = q.swing_votes[1] and 2 * q.swing_votes[0] > q.swing_votes[1]
    disagree = q.pitch_votes[1] and q.swing_votes[1] and bool(pitch_fwd) != bool(swing_fwd)
    if fixed is None and (disagree or q.forward_agreement < MIN_FORWARD_AGREEMENT):
        out.append(
            f"forward/backward uncertain ({_votes_text(q)}"
            f"{'; the two cues disagree' if disagree else ''}): check the events or {fix}"
        )
    if q.travel_heading_deg is not None and abs(q.travel_heading_deg) > MAX_TRAVEL_HEADING_DEG:
        out.append(
            f"the foot travels {q.travel_heading_deg:+.0f}° off the frame's forward: the pitch "
            f"axis may be wrong; {fix}"
        )
    if q.up_standing_vs_stance_deg is not None and q.up_standing_vs_stance_deg > MAX_UP_DIFF_DEG:
        out.append(
            f"gravity while standing is {q.up_standing_vs_stance_deg:.0f}° from gravity at the "
            "stances of the steps (foot not flat while standing?); up was taken from the stances"
        )
    return out


def _votes_text(q: AlignmentQuality) -> str:
    return (
        f"pitch pattern {q.pitch_votes[0]}/{q.pitch_votes[1]}, swing direction "
        f"{q.swing_votes[0]}/{q.swing_votes[1]} steps forward"
    )


def estimate_rotation(
    acc_mps2: np.ndarray,
    gyr_dps: np.ndarray,
    sampling_rate_hz: float,
    still_gyr_dps: float = 15.0,
    still_window_s: float = 0.2,
) -> np.ndarray:
    """Rotation R (3, 3) with ``foot = R @ sensor`` from raw arrays (SensorAlignment's estimate)."""
    acc = np.asarray(acc_mps2, dtype=np.float64)
    gyr = np.asarray(gyr_dps, dtype=np.float64)
    fs = float(sampling_rate_hz)
    steps = find_steps(gyr, fs)
    up, _ = gravity_up([(acc, gyr, steps)], fs, still_gyr_dps, still_window_s)
    axis, _ = pitch_axis([(gyr, steps)], up)
    cues = forward_votes(acc, gyr, fs, _frame(axis, up), steps)
    return _frame(forward_sign(*_votes([cues])[:2]) * axis, up)

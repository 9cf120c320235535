"""Stride trajectory of a foot IMU: stride length, gait speed and sensor clearance.

Each stride runs from one mid-stance (MS, zero velocity) to the next of the same foot and is
integrated on its own (Rampp 2014; Skog 2010 for the zero-velocity update):

1. orientation at the start from gravity: the mean acc over the ``W`` samples around MS is
   rotated onto +z (heading arbitrary, it does not change a length);
2. orientation over the stride by integrating gyr (body-frame rate, midpoint rule): a cumulative
   quaternion product, one loop over time for many strides at once;
3. acc rotated into that level frame, gravity (the magnitude measured at the start) removed;
4. velocity = cumulative trapezoid of acc; zero-velocity update: v = 0 at the start, and the
   velocity left at the end is removed as a linear drift over the stride;
5. position = cumulative trapezoid of velocity; the vertical position is de-trended the same way
   (level walking: the foot ends at the height it started).

Outputs per stride: ``stride_length_m`` = horizontal distance between the two mid-stance
positions; ``clearance_m`` = largest height of the sensor above its mid-stance height during the
swing (the sensor's, not the toe's). Gait speed = stride length / stride time (IC to IC).
"""

from __future__ import annotations

import numpy as np

from analysis.errors import AnalysisInputError
from analysis.imu_io import FootImu

__all__ = [
    "StrideTrajectory",
    "add_spatial_parameters",
    "integrate_strides",
    "quat_from_rotvec",
    "quat_mul",
    "quat_rotate",
]

_CHUNK_STRIDES = 256  # strides integrated together: bounds memory on long recordings


def quat_mul(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Hamilton product ``p ⊗ q`` of quaternions (..., 4) stored as (w, x, y, z)."""
    pw, px, py, pz = np.moveaxis(p, -1, 0)
    qw, qx, qy, qz = np.moveaxis(q, -1, 0)
    return np.stack(
        (
            pw * qw - px * qx - py * qy - pz * qz,
            pw * qx + px * qw + py * qz - pz * qy,
            pw * qy - px * qz + py * qw + pz * qx,
            pw * qz + px * qy - py * qx + pz * qw,
        ),
        axis=-1,
    )


def quat_from_rotvec(rotvec_rad: np.ndarray) -> np.ndarray:
    """Quaternions (..., 4) of rotation vectors (..., 3) in radians."""
    angle = np.linalg.norm(rotvec_rad, axis=-1, keepdims=True)
    half = 0.5 * angle
    # sin(half)/angle, with its limit 0.5 at angle -> 0
    k = np.where(angle > 1e-12, np.sin(half) / np.where(angle > 1e-12, angle, 1.0), 0.5)
    return np.concatenate((np.cos(half), k * rotvec_rad), axis=-1)


def quat_rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors v (..., 3) by unit quaternions q (..., 4): ``q ⊗ v ⊗ q*``."""
    w = q[..., :1]
    u = q[..., 1:]
    t = 2.0 * np.cross(u, v)
    return v + w * t + np.cross(u, t)


def _quat_to_z(vec: np.ndarray) -> np.ndarray:
    """Shortest-arc quaternions (n, 4) rotating vectors (n, 3) onto +z."""
    a = vec / np.linalg.norm(vec, axis=-1, keepdims=True)
    q = np.concatenate(((1.0 + a[:, 2])[:, None], np.cross(a, [0.0, 0.0, 1.0])), axis=-1)
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


def _prefix_product(dq: np.ndarray) -> np.ndarray:
    """Cumulative product along axis 1 (earlier factors on the left), vectorised over axis 0.

    A loop over time with all strides of a chunk at once: a few hundred small vector steps.
    """
    w, x, y, z = (np.ascontiguousarray(dq[..., i].T) for i in range(4))  # (time, stride)
    for k in range(1, w.shape[0]):
        pw, px, py, pz = w[k - 1], x[k - 1], y[k - 1], z[k - 1]
        qw, qx, qy, qz = w[k].copy(), x[k].copy(), y[k].copy(), z[k].copy()
        w[k] = pw * qw - px * qx - py * qy - pz * qz
        x[k] = pw * qx + px * qw + py * qz - pz * qy
        y[k] = pw * qy - px * qz + py * qw + pz * qx
        z[k] = pw * qz + px * qy - py * qx + pz * qw
    return np.stack((w.T, x.T, y.T, z.T), axis=-1)


def _integrate_chunk(
    acc: np.ndarray,
    gyr_rad: np.ndarray,
    fs: float,
    starts: np.ndarray,
    lengths: np.ndarray,
    w: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Per stride: end position (k, 3) in the start's level frame, and sensor clearance (k,)."""
    n_total = acc.shape[0]
    m = int(lengths.max()) + 1
    idx = starts[:, None] + np.arange(m)[None, :]
    valid = np.arange(m)[None, :] <= lengths[:, None]
    idx = np.where(valid, idx, starts[:, None])
    a = acc[idx]  # (k, m, 3)
    g = gyr_rad[idx]
    # 1. initial orientation from gravity around MS
    half = w // 2
    win = np.clip(starts[:, None] + np.arange(-half, w - half)[None, :], 0, n_total - 1)
    g_vec = acc[win].mean(axis=1)
    g_mag = np.linalg.norm(g_vec, axis=1)
    q0 = _quat_to_z(g_vec)
    # 2. orientation: q_t = q0 ⊗ dq_1 ⊗ ... ⊗ dq_t with midpoint body rates
    rv = 0.5 * (g[:, 1:] + g[:, :-1]) / fs
    rv[~valid[:, 1:]] = 0.0
    dq = _prefix_product(quat_from_rotvec(rv))
    q = np.concatenate(
        (np.broadcast_to(q0[:, None, :], (q0.shape[0], 1, 4)), quat_mul(q0[:, None, :], dq)), axis=1
    )
    rows = np.arange(a.shape[0])
    frac = np.minimum(np.arange(m)[None, :] / lengths[:, None], 1.0)
    # 3. level-frame acceleration without gravity
    a_w = quat_rotate(q, a)
    a_w[..., 2] -= g_mag[:, None]
    a_w[~valid] = 0.0
    # 4. velocity with ZUPT at both ends (linear drift removal)
    dt = 1.0 / fs
    v = np.concatenate(
        (np.zeros((a_w.shape[0], 1, 3)), np.cumsum(0.5 * (a_w[:, 1:] + a_w[:, :-1]) * dt, axis=1)),
        axis=1,
    )
    v = v - v[rows, lengths][:, None, :] * frac[..., None]
    # 5. position; vertical de-trended to end at the start height
    p = np.concatenate(
        (np.zeros((a_w.shape[0], 1, 3)), np.cumsum(0.5 * (v[:, 1:] + v[:, :-1]) * dt, axis=1)),
        axis=1,
    )
    end = p[rows, lengths]
    z = p[..., 2] - end[:, 2:3] * frac
    z[~valid] = -np.inf
    return end, z.max(axis=1)


def integrate_strides(
    acc_mps2: np.ndarray,
    gyr_dps: np.ndarray,
    sampling_rate_hz: float,
    start_idx: np.ndarray,
    end_idx: np.ndarray,
    ms_window_s: float = 0.1,
) -> dict[str, np.ndarray]:
    """Stride length and sensor clearance of each stride ``[start_idx, end_idx]`` (MS to MS).

    Parameters
    ----------
    acc_mps2, gyr_dps : ndarray, shape (n, 3)
        Foot-frame acc (m/s², with gravity) and gyr (deg/s).
    sampling_rate_hz : float
        Sampling rate, Hz.
    start_idx, end_idx : ndarray of int
        Sample indices of the mid-stance at each stride's start and end (end > start).
    ms_window_s : float
        Window around the start MS averaged for the initial gravity direction, s.

    Returns
    -------
    dict
        ``stride_length_m`` and ``clearance_m``, one value per stride, and ``displacement_m``
        (n, 2): the horizontal displacement in the level frame of the start (x is the foot's
        forward direction at the start, projected on the ground; heading otherwise arbitrary).
    """
    starts = np.asarray(start_idx, dtype=np.int64)
    ends = np.asarray(end_idx, dtype=np.int64)
    if starts.shape != ends.shape or np.any(ends <= starts) or (starts.size and starts.min() < 0):
        raise AnalysisInputError("strides need 0 <= start_idx < end_idx, as many starts as ends")
    if starts.size and ends.max() >= acc_mps2.shape[0]:
        raise AnalysisInputError("a stride ends after the last sample")
    acc = np.asarray(acc_mps2, dtype=np.float64)
    gyr_rad = np.deg2rad(np.asarray(gyr_dps, dtype=np.float64))
    w = max(2, round(ms_window_s * sampling_rate_hz))
    end = np.empty((starts.size, 3))
    clearance = np.empty(starts.size)
    lengths = ends - starts
    order = np.argsort(lengths, kind="stable")  # similar lengths together: less padding
    for c in range(0, starts.size, _CHUNK_STRIDES):
        sel = order[c : c + _CHUNK_STRIDES]
        end[sel], clearance[sel] = _integrate_chunk(
            acc, gyr_rad, float(sampling_rate_hz), starts[sel], lengths[sel], w
        )
    return {
        "stride_length_m": np.hypot(end[:, 0], end[:, 1]),
        "clearance_m": clearance,
        "displacement_m": end[:, :2],
    }


class StrideTrajectory:
    """Per-stride length and clearance from MS to MS (see the module docstring).

    Parameters
    ----------
    max_stride_s : float
        Longer MS-to-MS intervals (stops) are not integrated, s.
    ms_window_s : float
        Gravity window around MS, s.

    Attributes
    ----------
    swing_index_ : ndarray of int
        Index (in the ``ms_idx`` given) of the swing each stride contains: stride i runs from
        ``ms_idx[i]`` to ``ms_idx[i + 1]``.
    start_idx_, end_idx_ : ndarray of int
        Sample index of each stride's start and end mid-stance.
    stride_length_m_, clearance_m_ : ndarray
        Per stride, m.
    """

    def __init__(self, max_stride_s: float = 3.0, ms_window_s: float = 0.1) -> None:
        self.max_stride_s = max_stride_s
        self.ms_window_s = ms_window_s

    def estimate(self, imu: FootImu, ms_idx: np.ndarray) -> StrideTrajectory:
        """Integrate every stride between consecutive mid-stances ``ms_idx`` (samples); ``self``.

        ``ms_idx`` is :attr:`SwingEvents.ms_idx` (the MS before each swing), so the stride from
        ``ms_idx[i]`` to ``ms_idx[i + 1]`` contains swing ``i``.
        """
        ms = np.asarray(ms_idx, dtype=np.float64)
        starts = np.round(ms[:-1])
        ends = np.round(ms[1:])
        ok = (
            np.isfinite(starts)
            & np.isfinite(ends)
            & (ends > starts)
            & (ends - starts <= self.max_stride_s * imu.sampling_rate_hz)
        )
        self.swing_index_ = np.flatnonzero(ok)
        self.start_idx_ = starts[ok].astype(np.int64)
        self.end_idx_ = ends[ok].astype(np.int64)
        out = integrate_strides(
            imu.acc_mps2,
            imu.gyr_dps,
            imu.sampling_rate_hz,
            self.start_idx_,
            self.end_idx_,
            self.ms_window_s,
        )
        self.stride_length_m_ = out["stride_length_m"]
        self.clearance_m_ = out["clearance_m"]
        return self


def add_spatial_parameters(
    strides: dict[str, np.ndarray], trajectory: StrideTrajectory
) -> dict[str, np.ndarray]:
    """The stride table with ``stride_length_m``, ``gait_speed_mps`` and ``clearance_m`` added.

    Each IC-to-IC stride takes the trajectory of the swing it contains (matched on
    ``swing_index``); NaN where that swing has none. Gait speed = stride length / stride time.
    """
    n = strides["swing_index"].size
    length = np.full(n, np.nan)
    clearance = np.full(n, np.nan)
    pos = np.searchsorted(trajectory.swing_index_, strides["swing_index"])
    pos = np.minimum(pos, max(trajectory.swing_index_.size - 1, 0))
    if trajectory.swing_index_.size:
        hit = trajectory.swing_index_[pos] == strides["swing_index"]
        length[hit] = trajectory.stride_length_m_[pos[hit]]
        clearance[hit] = trajectory.clearance_m_[pos[hit]]
    out = dict(strides)
    out["stride_length_m"] = length
    out["gait_speed_mps"] = length / strides["stride_time_s"]
    out["clearance_m"] = clearance
    return out

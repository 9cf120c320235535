"""Stride trajectory of a foot IMU: stride length, gait speed and sensor clearance.

Each stride runs from one mid-stance (MS) to the next of the same foot and is integrated on its
own (Rampp 2014; zero-velocity updates after Skog 2010), using the whole still phase of the foot
around each MS, not a single sample:

1. **still phases**: a sample is still when ``|gyr| < 15 deg/s`` (the zero-velocity threshold of
   Hannink et al. 2017, gaitmap's default for piece-wise linear de-drifting) and
   ``9 <= |acc| <= 11 m/s²`` (Jiménez et al. 2009, condition C1); the still phase of an MS is the
   run of still samples containing it, at most ``max_still_s`` either side (memory bound when the
   person stands). An MS that is not still (no still sample) is its own one-sample phase;
2. **initial orientation** from gravity: the mean acc over the whole first still phase is rotated
   onto +z (heading arbitrary, it does not change a length); it is the orientation at the centre
   of that phase, and the local gravity magnitude is that mean's norm. (An MS with no still phase
   uses the ``ms_window_s`` window around it, as before.);
3. **orientation** over the stride by integrating gyr (body-frame rate, midpoint rule) from that
   centre: a cumulative quaternion product, one loop over time for many strides at once;
4. acc rotated into that level frame, gravity removed in the world frame;
5. **velocity** = cumulative trapezoid of acc from the *end* of the first still phase (v = 0: the
   last still sample before the swing), through the swing, the landing and the whole next still
   phase;
6. **zero-velocity update as a step at the impact**: over the next still phase the integrated
   velocity should be zero; it is in fact constant there, at a value v_err that differs from
   stride to stride (up to ±0.5 m/s on the validation data), so nothing drifts while the foot
   is still (a tilt or bias error would keep the velocity growing there) and the error came in
   before; the model assumes at the landing rather than evenly over the swing. The likely
   cause: the heel-strike impact is an acceleration transient of a few ms that 100-200 Hz
   sampling does not resolve, so its integral (the velocity it removes) is mis-measured. v_err
   is therefore removed as a step at the impact: the largest ``|acc|`` from the landing (the
   first rise of the sagittal rate ``gyr_y`` through zero after its swing minimum, the IC of
   analysis.gait_events) to the next still phase. (The classical choices, a linear drift over
   the swing or a point ZUPT at each MS, spread that step over the stride.);
7. position = cumulative trapezoid of velocity; the vertical position is de-trended linearly to
   end at the start height (level walking).

Outputs per stride: ``stride_length_m`` = horizontal distance between the two given MS samples
(the foot is still around both, so this is the foot's displacement over the stride);
``clearance_m`` = largest height of the sensor above its mid-stance height during the swing (the
sensor's, not the toe's). Gait speed = stride length / stride time (IC to IC).

**Where the parameters come from.** No parameter was fitted to the motion-capture reference.
The still thresholds are from the literature (above); ``max_still_s`` = 1 s only bounds memory
(longer than any walking stance; 0.5 s or no bound give the same figures); the impact is the
physical landing (IC of analysis.gait_events, then the largest acc). The step model (6) comes
from an observation on the IMU data alone (the integrated velocity is constant over each still
phase, i.e. no drift while still); the alternatives tried and their figures on the reference
are listed in docs/gait-events.md (trajectory section); choosing among them on one foot and
scoring the other (left/right cross-validation) selects the step model either way. On the
gaitmap example data (heel marker, straight strides) the MAE is 1.5 cm (left) / 1.1 cm (right),
1.0-1.4 cm resampled to 51.2-409.6 Hz; the previous method (one zero-velocity sample at MS,
linear drift over the stride) gave 3.5 / 3.6 cm.
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
    "still_mask",
]

_CHUNK_STRIDES = 256  # strides integrated together: bounds memory on long recordings
STILL_GYR_DPS = 15.0  # Hannink et al. 2017 / gaitmap zero-velocity threshold, deg/s
STILL_ACC_MPS2 = (9.0, 11.0)  # Jiménez et al. 2009 (C1): |acc| of a still foot, m/s²
MAX_STILL_S = 1.0  # still phase used at most this far either side of an MS (memory bound), s


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


def still_mask(
    acc_mps2: np.ndarray,
    gyr_dps: np.ndarray,
    still_gyr_dps: float = STILL_GYR_DPS,
    still_acc_mps2: tuple[float, float] = STILL_ACC_MPS2,
) -> np.ndarray:
    """Per sample, is the foot still: ``|gyr| < still_gyr_dps`` and ``|acc|`` within bounds.

    A per-sample test (no window, hence no dependence on the sampling rate); thresholds from the
    literature (module docstring).
    """
    gyr = np.asarray(gyr_dps, dtype=np.float64)
    acc = np.asarray(acc_mps2, dtype=np.float64)
    gyr_sq = np.einsum("ij,ij->i", gyr, gyr)
    acc_norm = np.sqrt(np.einsum("ij,ij->i", acc, acc))
    lo, hi = still_acc_mps2
    return (gyr_sq < still_gyr_dps**2) & (acc_norm >= lo) & (acc_norm <= hi)


def _still_phase(still: np.ndarray, idx: np.ndarray, max_n: int) -> tuple[np.ndarray, np.ndarray]:
    """First and last sample of the run of still samples containing each ``idx``, each at most
    ``max_n`` samples from it; ``(idx, idx)`` where ``idx`` is not still."""
    edge = np.diff(np.concatenate(([0], still.astype(np.int8), [0])))
    run_lo = np.flatnonzero(edge == 1)
    run_hi = np.flatnonzero(edge == -1) - 1
    lo, hi = idx.copy(), idx.copy()
    if run_lo.size:
        k = np.maximum(np.searchsorted(run_lo, idx, side="right") - 1, 0)
        inside = (run_lo[k] <= idx) & (idx <= run_hi[k])
        lo = np.where(inside, np.maximum(run_lo[k], idx - max_n), idx)
        hi = np.where(inside, np.minimum(run_hi[k], idx + max_n), idx)
    return lo, hi


def _window_mean(cum: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Mean of the rows ``lo..hi`` (inclusive) of the array whose cumulative sum (with a leading
    zero row) is ``cum``."""
    return (cum[hi + 1] - cum[lo]) / (hi - lo + 1)[:, None]


def _integrate_chunk(
    acc: np.ndarray,
    acc_norm: np.ndarray,
    gyr_rad: np.ndarray,
    fs: float,
    g_vec: np.ndarray,
    ref: np.ndarray,
    offsets: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per stride: end position (k, 3) in the start's level frame, and sensor clearance (k,).

    ``ref`` (k,) is the sample where the orientation ``g_vec`` (k, 3) holds; ``offsets`` (k, 4)
    are, relative to it, the end of the first still phase (v = 0), the first and last sample of
    the last still phase and the stride's end sample.
    """
    o_a1, o_b0, o_b1, o_e = offsets.T
    lengths = o_b1
    m = int(lengths.max()) + 1
    t = np.arange(m)[None, :]
    valid = t <= lengths[:, None]
    idx = np.where(valid, ref[:, None] + t, ref[:, None])
    a = acc[idx]  # (k, m, 3)
    g = gyr_rad[idx]
    rows = np.arange(a.shape[0])
    # 2. orientation at ``ref`` from gravity; 3. then q_t = q0 ⊗ dq_1 ⊗ ... ⊗ dq_t (midpoint)
    g_mag = np.linalg.norm(g_vec, axis=1)
    q0 = _quat_to_z(g_vec)
    rv = 0.5 * (g[:, 1:] + g[:, :-1]) / fs
    rv[~valid[:, 1:]] = 0.0
    dq = _prefix_product(quat_from_rotvec(rv))
    q = np.concatenate(
        (np.broadcast_to(q0[:, None, :], (q0.shape[0], 1, 4)), quat_mul(q0[:, None, :], dq)), axis=1
    )
    # 4. level-frame acceleration without gravity
    a_w = quat_rotate(q, a)
    a_w[..., 2] -= g_mag[:, None]
    a_w[~valid] = 0.0
    # 5. velocity from the end of the first still phase (v = 0 there and before)
    dt = 1.0 / fs
    v = np.concatenate(
        (np.zeros((a_w.shape[0], 1, 3)), np.cumsum(0.5 * (a_w[:, 1:] + a_w[:, :-1]) * dt, axis=1)),
        axis=1,
    )
    moving = t >= o_a1[:, None]
    v = np.where(moving[..., None], v - v[rows, o_a1][:, None, :], 0.0)
    # 6. ZUPT: the mean velocity over the last still phase is removed as a step at the impact
    in_b = (t >= o_b0[:, None]) & valid
    v_err = (v * in_b[..., None]).sum(axis=1) / in_b.sum(axis=1)[:, None]
    #    impact: the largest |acc| from the landing (the first rise of the sagittal rate gyr_y
    #    through zero after its swing minimum, the IC of analysis.gait_events) to that phase
    swing = moving & (t <= np.maximum(o_b0, o_a1)[:, None])
    s = np.where(swing, g[..., 1], np.inf)
    msw = np.argmin(s, axis=1)
    rise = swing & (t > msw[:, None]) & (s >= 0.0)
    land = np.where(rise.any(axis=1), np.argmax(rise, axis=1), msw)
    search = swing & (t >= land[:, None])
    impact = np.argmax(np.where(search, acc_norm[idx], -np.inf), axis=1)
    v = v - v_err[:, None, :] * (t >= impact[:, None])[..., None]
    # 7. position; vertical de-trended to end at the start height
    p = np.concatenate(
        (np.zeros((a_w.shape[0], 1, 3)), np.cumsum(0.5 * (v[:, 1:] + v[:, :-1]) * dt, axis=1)),
        axis=1,
    )
    end = p[rows, o_e]
    frac = np.clip((t - o_a1[:, None]) / np.maximum(o_e - o_a1, 1)[:, None], 0.0, 1.0)
    z = p[..., 2] - end[:, 2:3] * frac
    z[~(moving & (t <= o_e[:, None]))] = -np.inf
    return end, z.max(axis=1)


def integrate_strides(
    acc_mps2: np.ndarray,
    gyr_dps: np.ndarray,
    sampling_rate_hz: float,
    start_idx: np.ndarray,
    end_idx: np.ndarray,
    ms_window_s: float = 0.1,
    still_gyr_dps: float = STILL_GYR_DPS,
    still_acc_mps2: tuple[float, float] = STILL_ACC_MPS2,
    max_still_s: float = MAX_STILL_S,
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
        Gravity window around a start MS that has no still phase (no still sample), s.
    still_gyr_dps, still_acc_mps2 : float, (float, float)
        Still-sample thresholds: ``|gyr|`` below (deg/s), ``|acc|`` within (m/s²); see
        :func:`still_mask`.
    max_still_s : float
        A still phase is used at most this far either side of its MS, s.

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
    gyr = np.asarray(gyr_dps, dtype=np.float64)
    gyr_rad = np.deg2rad(gyr)
    fs = float(sampling_rate_hz)
    n = acc.shape[0]
    # 1. still phases around each start and end
    still = still_mask(acc, gyr, still_gyr_dps, still_acc_mps2)
    max_n = max(0, round(max_still_s * fs))
    a0, a1 = _still_phase(still, starts, max_n)
    b0, b1 = _still_phase(still, ends, max_n)
    same = a1 >= b0  # no motion found between them: fall back to the MS samples themselves
    a0, a1 = np.where(same, starts, a0), np.where(same, starts, a1)
    b0, b1 = np.where(same, ends, b0), np.where(same, ends, b1)
    # 2. gravity: mean acc over the first still phase (or the MS window), at its centre
    w = max(2, round(ms_window_s * fs))
    point = a0 == a1
    g_lo = np.where(point, np.clip(starts - w // 2, 0, n - 1), a0)
    g_hi = np.where(point, np.clip(starts - w // 2 + w - 1, 0, n - 1), a1)
    ref = np.where(point, starts, (a0 + a1) // 2)
    cum = np.concatenate((np.zeros((1, 3)), np.cumsum(acc, axis=0)))
    g_vec = _window_mean(cum, g_lo, g_hi)
    offsets = np.column_stack((a1 - ref, b0 - ref, b1 - ref, ends - ref))
    acc_norm = np.sqrt(np.einsum("ij,ij->i", acc, acc))
    end = np.empty((starts.size, 3))
    clearance = np.empty(starts.size)
    order = np.argsort(b1 - ref, kind="stable")  # similar lengths together: less padding
    for c in range(0, starts.size, _CHUNK_STRIDES):
        sel = order[c : c + _CHUNK_STRIDES]
        end[sel], clearance[sel] = _integrate_chunk(
            acc, acc_norm, gyr_rad, fs, g_vec[sel], ref[sel], offsets[sel]
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
        Gravity window around an MS that has no still phase, s (see :func:`integrate_strides`).

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

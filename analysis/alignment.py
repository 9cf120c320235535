"""Sensor-to-foot alignment: rotate a foot IMU's sensor frame into the foot frame.

Foot frame: x forward, y left, z up (docs/imu-format.md). Estimated from the data itself:

1. **z** — gravity: the mean acceleration over still samples (gyro magnitude below
   ``still_gyr_dps`` for a whole ``still_window_s`` window) points up (acc reads +g at rest);
2. **y** — the principal axis of the angular velocity while walking (``|gyr| > moving_gyr_dps``):
   the foot pitches about its medio-lateral axis; made orthogonal to z;
3. **x** = y × z, and the sign of x and y: the foot must move toward +x. Each step between two
   stances (minima of gyro energy) is integrated with zero-velocity updates
   (analysis.trajectory) and the median forward displacement decides; a 180° turn about z
   fixes a backward guess.

The result is a proper rotation (det +1): a sensor mounted in any orientation on either foot is
brought into the same right-handed foot frame, so no left/right special case is needed.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks

from analysis.errors import AnalysisInputError
from analysis.imu_io import FootImu
from analysis.trajectory import integrate_strides

__all__ = [
    "SensorAlignment",
    "apply_rotation",
    "forward_sign",
    "gravity_direction",
    "principal_rotation_axis",
    "stance_points",
]


def _moving_mean(x: np.ndarray, n: int) -> np.ndarray:
    """Centred moving mean over ``n`` samples (edges use the available samples)."""
    kernel = np.ones(n)
    return np.convolve(x, kernel, "same") / np.convolve(np.ones_like(x), kernel, "same")


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


def gravity_direction(
    acc_mps2: np.ndarray, gyr_dps: np.ndarray, sampling_rate_hz: float, **still: float
) -> np.ndarray:
    """Unit vector of the mean acceleration over still samples (the sensor's 'up'), shape (3,)."""
    mask = still_mask(gyr_dps, sampling_rate_hz, **still)
    if mask.sum() < 0.1 * sampling_rate_hz:
        raise AnalysisInputError(
            "no still period found to estimate gravity; the recording needs at least 0.1 s "
            "with the foot at rest (gyro below 15 deg/s), e.g. standing before walking"
        )
    g = acc_mps2[mask].mean(axis=0)
    return g / np.linalg.norm(g)


def principal_rotation_axis(gyr_dps: np.ndarray, moving_gyr_dps: float = 100.0) -> np.ndarray:
    """Unit principal axis (top eigenvector of the second moment) of fast rotation, (3,)."""
    fast = gyr_dps[np.linalg.norm(gyr_dps, axis=1) > moving_gyr_dps]
    if fast.shape[0] < 10:
        raise AnalysisInputError(
            f"the foot hardly rotates (fewer than 10 samples above {moving_gyr_dps:g} deg/s); "
            "alignment needs some walking"
        )
    _, vecs = np.linalg.eigh(fast.T @ fast)
    return vecs[:, -1]


def stance_points(
    gyr_dps: np.ndarray, sampling_rate_hz: float, window_s: float = 0.1
) -> np.ndarray:
    """Sample indices of likely stances, whatever the frame: local minima of the moving gyro
    energy, at least 0.5 s apart, with a mean angular speed under 50 deg/s."""
    w = max(2, round(window_s * sampling_rate_hz))
    energy = _moving_mean(np.einsum("ij,ij->i", gyr_dps, gyr_dps), w)
    peaks, _ = find_peaks(-energy, distance=max(1, round(0.5 * sampling_rate_hz)))
    return peaks[energy[peaks] < 50.0**2]


def forward_sign(acc_mps2: np.ndarray, gyr_dps: np.ndarray, sampling_rate_hz: float) -> int:
    """+1 if the foot moves toward its +x between stances (median over steps), else -1.

    The data must already have z up and y on the pitch axis; each stance-to-stance interval of
    0.4–2.5 s is integrated (analysis.trajectory) and the forward displacement voted on.
    """
    st = stance_points(gyr_dps, sampling_rate_hz)
    span = np.diff(st) / sampling_rate_hz
    ok = (span >= 0.4) & (span <= 2.5)
    if ok.sum() < 1:
        raise AnalysisInputError(
            "cannot tell forward from backward: alignment needs at least one step between "
            "two stances (0.4–2.5 s apart)"
        )
    disp = integrate_strides(acc_mps2, gyr_dps, sampling_rate_hz, st[:-1][ok], st[1:][ok])
    return 1 if np.median(disp["displacement_m"][:, 0]) >= 0 else -1


def estimate_rotation(
    acc_mps2: np.ndarray,
    gyr_dps: np.ndarray,
    sampling_rate_hz: float,
    moving_gyr_dps: float = 100.0,
    still_gyr_dps: float = 15.0,
    still_window_s: float = 0.2,
) -> np.ndarray:
    """Rotation R (3, 3) with ``foot = R @ sensor``; its rows are the foot axes in sensor axes."""
    still = {"still_gyr_dps": still_gyr_dps, "still_window_s": still_window_s}
    z = gravity_direction(acc_mps2, gyr_dps, sampling_rate_hz, **still)
    axis = principal_rotation_axis(gyr_dps, moving_gyr_dps)
    y = axis - (axis @ z) * z
    norm = np.linalg.norm(y)
    if norm < 0.5:
        raise AnalysisInputError(
            "the main rotation axis is nearly vertical; expected walking (pitching about a "
            "horizontal axis)"
        )
    y /= norm
    r = np.vstack([np.cross(y, z), y, z])
    if forward_sign(acc_mps2 @ r.T, gyr_dps @ r.T, sampling_rate_hz) < 0:
        r[:2] *= -1.0  # turn 180 deg about z: the foot walks toward +x
    return r


def apply_rotation(imu: FootImu, rotation: np.ndarray) -> FootImu:
    """``imu`` rotated by ``rotation`` (3, 3): each sample v becomes ``rotation @ v``."""
    r = np.asarray(rotation, dtype=np.float64)
    if r.shape != (3, 3) or not np.allclose(r @ r.T, np.eye(3), atol=1e-6):
        raise AnalysisInputError("rotation must be an orthonormal 3x3 matrix")
    return FootImu(imu.acc_mps2 @ r.T, imu.gyr_dps @ r.T, imu.sampling_rate_hz, imu.side)


class SensorAlignment:
    """Estimate and apply the sensor-to-foot rotation (see the module docstring).

    Parameters
    ----------
    moving_gyr_dps : float
        Angular speed above which a sample counts as walking rotation, deg/s.
    still_gyr_dps : float
        Angular speed below which (over a whole window) the foot is still, deg/s.
    still_window_s : float
        Length of that window, s.

    Attributes
    ----------
    rotation_ : ndarray, shape (3, 3)
        ``foot = rotation_ @ sensor``.
    aligned_ : FootImu
        The input in the foot frame.
    """

    def __init__(
        self,
        moving_gyr_dps: float = 100.0,
        still_gyr_dps: float = 15.0,
        still_window_s: float = 0.2,
    ) -> None:
        self.moving_gyr_dps = moving_gyr_dps
        self.still_gyr_dps = still_gyr_dps
        self.still_window_s = still_window_s

    def estimate(self, imu: FootImu) -> SensorAlignment:
        """Estimate :attr:`rotation_` from ``imu`` (sensor frame); returns ``self``."""
        self.rotation_ = estimate_rotation(
            imu.acc_mps2,
            imu.gyr_dps,
            imu.sampling_rate_hz,
            self.moving_gyr_dps,
            self.still_gyr_dps,
            self.still_window_s,
        )
        self.aligned_ = apply_rotation(imu, self.rotation_)
        return self

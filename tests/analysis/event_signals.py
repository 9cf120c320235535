"""Synthetic foot-IMU signals with known events, for the event-model tests.

Piecewise-linear sagittal gyro and a flat acceleration with step-shaped impacts, so every event
of the model can be computed by hand. Times in samples at ``FS`` unless said otherwise.
"""

from __future__ import annotations

import numpy as np

FS = 100.0
#: gyr_y knots of one stride relative to its offset: push-off peak +400 on 129..130 (flat, so the
#: median keeps it; TO = 129, the first), through zero at 140, arming (below -30) at 142,
#: mid-swing -300 on 155..156 (MSW = 155), zero rise between 170 (-10) and 171 (+30).
KNOTS_X = np.array([119, 129, 130, 140, 155, 156, 170, 171, 175, 185], dtype=float)
KNOTS_Y = np.array([0, 400, 400, 0, -300, -300, -10, 30, 100, 0], dtype=float)
#: Sample at which the impact changes the acceleration (relative to the stride offset).
IMPACT_AT = 173
STRIDE_N = 150


def synthetic_imu(
    n: int = 500, offsets: tuple[int, ...] = (0, 150), impact: float = 20.0
) -> tuple[np.ndarray, np.ndarray]:
    """acc (m/s²) and gyr (deg/s), shape (n, 3), with one stride per offset.

    Per stride: quiet gx = 1 deg/s on samples 60..79 (least energy: the first window 60..69,
    MS at 64.5), TO 129 (its zero fall at 140.0), arming 142, MSW 155, landing (zero rise)
    170.25, impact (acc_z up by ``impact`` for two samples) from sample 173: IC = 172.5. A
    sawtooth of acc_x during the swing (0.5 m/s² steps) gives the swing a jerk of its own.
    """
    gyr = np.zeros((n, 3))
    gyr[:, 0] = 5.0
    acc = np.zeros((n, 3))
    acc[:, 2] = 9.81
    k = np.arange(n, dtype=float)
    for o in offsets:
        gyr[60 + o : 80 + o, 0] = 1.0
        inside = (k >= KNOTS_X[0] + o) & (k <= KNOTS_X[-1] + o)
        gyr[inside, 1] = np.interp(k[inside], KNOTS_X + o, KNOTS_Y)
        acc[141 + o : 165 + o, 0] = (0.5 * np.arange(24)) % 3.0  # the swing's own jerk² <= 6.25
        acc[IMPACT_AT + o : IMPACT_AT + o + 2, 2] += impact
    return acc, gyr


def ringing(gyr: np.ndarray, start: int, amp_dps: float, period_n: int, n_cycles: int) -> None:
    """Add a square-wave oscillation of gyr_y from ``start`` (in place): ringing after a landing."""
    for c in range(n_cycles):
        a = start + 2 * c * period_n
        gyr[a : a + period_n, 1] -= amp_dps
        gyr[a + period_n : a + 2 * period_n, 1] += amp_dps

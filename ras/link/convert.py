"""Wire units -> SI: IMU raw counts and per-stride figures of STEP messages."""

from __future__ import annotations

import numpy as np

from ras.protocol.messages import Step, StepFlag

__all__ = ["STANDARD_GRAVITY_M_S2", "imu_to_si", "stride_figures_si"]

STANDARD_GRAVITY_M_S2 = 9.80665


def imu_to_si(samples: np.ndarray, *, acc_range_g: float, gyr_range_dps: float) -> np.ndarray:
    """Raw int16 IMU samples (n, 6) -> float (n, 6): acc in m/s², gyr in deg/s.

    A raw value ``v`` means ``v / 32768 * range`` (full-scale ranges from HELLO).
    """
    raw = np.asarray(samples, dtype=float)
    scale = (
        np.array([acc_range_g * STANDARD_GRAVITY_M_S2] * 3 + [float(gyr_range_dps)] * 3) / 32768.0
    )
    return raw * scale


def stride_figures_si(step: Step) -> dict[str, float | None]:
    """Per-stride figures of a STEP in s and m; None where ``flags`` marks them not valid."""

    def valid(bit: int, value: float) -> float | None:
        return value if step.flags & bit else None

    return {
        "stride_time_s": valid(StepFlag.STRIDE_TIME, step.stride_time_us * 1e-6),
        "stance_time_s": valid(StepFlag.STANCE_TIME, step.stance_time_us * 1e-6),
        "stride_length_m": valid(StepFlag.STRIDE_LENGTH, step.stride_length_mm * 1e-3),
        "clearance_m": valid(StepFlag.CLEARANCE, step.clearance_mm * 1e-3),
    }

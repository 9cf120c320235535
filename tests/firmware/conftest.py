"""Fixtures of the firmware tests (helpers are in firmware_helpers.py)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.firmware.firmware_helpers import IMU_CSV, require_data


@pytest.fixture(scope="session")
def imu_table() -> np.ndarray:
    """The gaitmap recording as a float array (rows = samples, columns as in the CSV)."""
    require_data()
    return np.loadtxt(IMU_CSV, delimiter=",", skiprows=2)

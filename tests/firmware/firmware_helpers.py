"""Helpers of the firmware tests: build with firmware/Makefile, find tools and data."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO_ROOT
from tests.conftest import require_data as require_gaitmap_data
from tests.datasets import GAITMAP_IMU_CSV, GAITMAP_RATE_HZ

FIRMWARE = REPO_ROOT / "firmware"
BUILD = FIRMWARE / "build"
#: The gaitmap recording (tests/datasets.py: tests/data/gaitmap-example, or $RAS_TEST_DATA).
IMU_CSV = GAITMAP_IMU_CSV
RATE_HZ = GAITMAP_RATE_HZ
#: Debian package of each tool the firmware tests need (scripts/debian-packages.txt installs them).
PACKAGES = {
    "cc": "gcc",
    "g++": "g++",
    "make": "make",
    "arm-none-eabi-gcc": "gcc-arm-none-eabi (and libnewlib-arm-none-eabi)",
    "qemu-system-arm": "qemu-system-arm",
}


def require_tool(name: str) -> str:
    """Path of ``name``; fails with the Debian package to install if it is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} not found: install the Debian package {PACKAGES.get(name, name)} "
            "(listed in scripts/debian-packages.txt; `make setup` installs it as root)"
        )
    return path


def require_data() -> Path:
    """imu_sample.csv; fails (never skips) with one line naming the path and the setting."""
    require_gaitmap_data()
    return IMU_CSV


def make(*targets: str, timeout_s: float = 120.0) -> str:
    """Run ``make -C firmware targets``; fail with its output unless it succeeds."""
    require_tool("make")
    require_tool("cc")
    proc = subprocess.run(
        ["make", "-C", str(FIRMWARE), f"IMU_CSV={IMU_CSV}", *targets],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        pytest.fail(f"make {' '.join(targets)} failed ({proc.returncode}):\n{out[-4000:]}")
    return out


def result_line(out: str) -> dict[str, int]:
    """The ``RESULT checks=N failures=M`` line of the C test binary."""
    m = re.findall(r"^RESULT checks=(\d+) failures=(\d+)$", out, re.M)
    assert m, f"no RESULT line in:\n{out[-2000:]}"
    checks, failures = m[-1]
    return {"checks": int(checks), "failures": int(failures)}


def imu_columns(side: str, path: Path = IMU_CSV) -> list[int]:
    """Column indices of acc x, y, z then gyr x, y, z of ``side`` in a gaitmap CSV."""
    import csv

    with path.open(newline="") as f:
        rows = csv.reader(f)
        sensors, axes = next(rows), next(rows)
    return [
        next(j for j in range(len(axes)) if sensors[j] == f"{side}_sensor" and axes[j] == a)
        for a in ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")
    ]


def as_float32(x):
    """``x`` as the core gets it: rounded to float32 (returned as float64 for Python)."""
    return np.asarray(x, dtype=np.float64).astype(np.float32).astype(np.float64)

"""Sessions for the export tests: a short simulated one with raw IMU, and one killed mid-way."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import add_patient, run_simulated

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

GUARD_S = 60.0


IMU = ("--probe", "10", "--imu-rate", "100")  # raw IMU recorded, for the motion files


@pytest.fixture(scope="module")
def imu_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A stroke session (patient P-ST, left side affected) with raw IMU at 100 Hz."""
    db = tmp_path_factory.mktemp("imu") / "ras.sqlite3"
    add_patient(
        db, "P-ST", "--name", "Erika Musterfrau", "--diagnosis", "stroke", "--affected-side", "left"
    )
    phases = ("--baseline", "10", "--cued", "20")
    run_simulated(db, "stroke", "--patient", "P-ST", *phases, *IMU, speed=20)
    return db, 1


def _count_steps(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM steps").fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.fixture(scope="module")
def killed_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A `ras run` killed with SIGKILL during its cued phase (the session stays incomplete)."""
    db = tmp_path_factory.mktemp("killed") / "ras.sqlite3"
    argv = [
        sys.executable,
        "-m",
        "ras",
        *("run", "--simulate", "parkinson", "--audio", "none", "--speed", "20", "--seed", "7"),
        *("--db", str(db), "--baseline", "10", "--cued", "600"),
    ]
    child = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + GUARD_S
        while _count_steps(db) < 150:
            assert child.poll() is None, "ras run ended before it could be killed"
            assert time.monotonic() < deadline, "ras run recorded too few steps"
            time.sleep(0.1)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=GUARD_S)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return db, 1

"""Room for a session: how much a session adds to the database, and whether the disk has it.

The constants are measured, not guessed: a real session through
:func:`ras.session.live.run_live_session` with the virtual patient ('healthy', seed 0, two
foot sensors, ``--audio none``, iso-ramp plan) on a real SQLite file, database plus WAL
measured at the end (``benchmarks/store_space.py`` reproduces them).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ras.errors import UserInputError

__all__ = [
    "EVENT_BYTES_PER_S",
    "FIXED_BYTES",
    "IMU_BYTES_PER_SAMPLE",
    "check_free_space",
    "estimate_session_bytes",
]

#: Steps, cues, tempo changes and sensor status of a walking session, both feet together
#: (bytes per session second). Measured 751 B/s: 120 s session, no IMU
#: (``benchmarks/store_space.py --seconds 120 --speed 20``), i.e. 2.7 MB per session hour.
EVENT_BYTES_PER_S = 750.0
#: One raw IMU sample of one sensor (6 float32 = 24 bytes, plus the chunk rows and index):
#: bytes per sample. Measured 28.5: the same 120 s session at 100 Hz on two sensors, minus
#: the events above; 100 Hz on two feet is 23 MB per session hour in all.
IMU_BYTES_PER_SAMPLE = 29.0
#: What any session needs besides (the session row, WAL header and its first pages), bytes.
FIXED_BYTES = 256 * 1024
#: Free space under this many times the estimate gives a warning (and under 1x a refusal).
WARN_FACTOR = 2.0


def estimate_session_bytes(duration_s: float, imu_rate_hz: float, n_sensors: int) -> int:
    """Bytes a session of ``duration_s`` adds to the database.

    Parameters
    ----------
    duration_s : float
        Planned length (baseline + cued + probe), s.
    imu_rate_hz : float
        Raw IMU rate of each sensor, Hz (0: no raw IMU recorded).
    n_sensors : int
        Number of foot sensors.
    """
    duration_s = max(0.0, float(duration_s))
    per_s = EVENT_BYTES_PER_S * max(1, n_sensors) / 2.0
    per_s += IMU_BYTES_PER_SAMPLE * max(0.0, float(imu_rate_hz)) * max(0, n_sensors)
    return int(FIXED_BYTES + per_s * duration_s)


def _free_bytes(db_path: Path) -> int:
    """Free bytes (for this user) on the file system that holds ``db_path`` or its folder."""
    where = db_path if db_path.exists() else db_path.parent
    return int(shutil.disk_usage(where).free)


def check_free_space(db_path: str | os.PathLike[str], needed_bytes: int) -> str:
    """Refuse a session the disk cannot hold; warn about one it barely can.

    Returns
    -------
    str
        A warning if free space is under twice ``needed_bytes``, else "".

    Raises
    ------
    UserInputError
        Free space is under ``needed_bytes``.
    """
    path = Path(db_path)
    try:
        free = _free_bytes(path)
    except OSError as err:
        return f"could not check the free space for {path}: {err.strerror or err}"
    if free < needed_bytes:
        raise UserInputError(
            f"not enough free space for this session: {_mb(free)} free where {path} is, the"
            f" session needs about {_mb(needed_bytes)}; free some space or shorten the session"
        )
    if free < WARN_FACTOR * needed_bytes:
        return (
            f"warning: little free space: {_mb(free)} free where {path} is, the session needs"
            f" about {_mb(needed_bytes)}; if the disk fills, recording stops there"
        )
    return ""


def _mb(n_bytes: float) -> str:
    return f"{n_bytes / 1e6:.1f} MB"

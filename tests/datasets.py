"""Where the test data are, and readers of the gaitmap reference files: one setting for all.

The test-data folder is this repository's ``tests/data`` (found relative to this file, so a fresh
clone has it) unless the environment variable ``RAS_TEST_DATA`` names another folder; a relative
``RAS_TEST_DATA`` is taken from the current directory. The gaitmap example recordings (MIT, see
``tests/data/gaitmap-example/README.md``) are its ``gaitmap-example`` folder.

Tests, benchmarks (which put the repository root on ``sys.path`` and ``import tests.datasets``) and
the firmware replay all ask this module; nothing else names a data path. Missing data are an error
(:class:`MissingTestDataError`, one line naming the path and the setting), never a reason to skip.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

__all__ = [
    "DATA_DIR",
    "DATA_DIR_ENV",
    "DEFAULT_DATA_DIR",
    "GAITMAP_DIR",
    "GAITMAP_FILES",
    "GAITMAP_IMU_CSV",
    "GAITMAP_RATE_HZ",
    "GAITMAP_SLOW_RATE_HZ",
    "MOCAP_RATE_HZ",
    "MissingTestDataError",
    "data_dir",
    "gaitmap_file",
    "in_region",
    "read_borders",
    "read_stride_events",
    "read_stride_lengths",
    "read_turn_deg",
    "require_gaitmap",
]

#: The one setting: environment variable naming the test-data folder.
DATA_DIR_ENV = "RAS_TEST_DATA"
#: Default test-data folder: ``tests/data`` of this checkout.
DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"

#: Sampling rate (Hz) of imu_sample.csv and imu_sample_not_rotated.csv.
GAITMAP_RATE_HZ = 204.8
#: Sampling rate (Hz) of imu_sample_ic_stride.csv and imu_sample_ms_left/right.csv.
GAITMAP_SLOW_RATE_HZ = 102.4
#: Sampling rate (Hz) of the motion-capture files (mocap, position, orientation).
MOCAP_RATE_HZ = 100.0

#: Every file of the gaitmap example folder (README.md there describes them).
GAITMAP_FILES: tuple[str, ...] = (
    "LICENSE-MIT.txt",
    "imu_sample.csv",
    "imu_sample_ic_stride.csv",
    "imu_sample_ms_left.csv",
    "imu_sample_ms_right.csv",
    "imu_sample_not_rotated.csv",
    "mocap_sample.csv",
    "orientation_sample.csv",
    "position_sample.csv",
    "stride_borders_sample.csv",
    "stride_borders_sample_ic_stride.csv",
    "stride_events_sample.csv",
)


class MissingTestDataError(FileNotFoundError):
    """A test-data file is not where the setting says (a broken checkout or a wrong setting)."""


def data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """The test-data folder: ``$RAS_TEST_DATA`` if set and not empty, else ``tests/data``."""
    override = environ.get(DATA_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser().resolve()
    return DEFAULT_DATA_DIR


#: The test-data folder of this run (the setting, read once at import).
DATA_DIR = data_dir()
#: The gaitmap example recordings with their motion-capture reference.
GAITMAP_DIR = DATA_DIR / "gaitmap-example"
#: The two-foot recording most tests use (204.8 Hz, foot frame).
GAITMAP_IMU_CSV = GAITMAP_DIR / "imu_sample.csv"


def _missing_message(missing: list[Path], folder: Path) -> str:
    names = ", ".join(p.name for p in missing[:3]) + (" ..." if len(missing) > 3 else "")
    value = os.environ.get(DATA_DIR_ENV, "").strip()
    setting = f"{DATA_DIR_ENV}={value}" if value else f"{DATA_DIR_ENV} not set, so tests/data"
    return (
        f"test data missing in {folder} ({names}; {setting}): the gaitmap example data ship "
        f"with the repository in tests/data/gaitmap-example; restore that folder (git checkout) "
        f"or set {DATA_DIR_ENV} to a folder holding gaitmap-example/"
    )


def require_gaitmap(folder: Path | None = None) -> Path:
    """The gaitmap folder, checked to hold every file of :data:`GAITMAP_FILES`.

    Raises
    ------
    MissingTestDataError
        One line naming the folder, the missing files and the setting.
    """
    folder = GAITMAP_DIR if folder is None else Path(folder)
    missing = [folder / name for name in GAITMAP_FILES if not (folder / name).is_file()]
    if missing:
        raise MissingTestDataError(_missing_message(missing, folder))
    return folder


def gaitmap_file(name: str) -> Path:
    """Path of one file of the gaitmap folder (e.g. ``"imu_sample_ms_left.csv"``), checked."""
    if name not in GAITMAP_FILES:
        raise ValueError(
            f"unknown gaitmap example file {name!r}; known: {', '.join(GAITMAP_FILES)}"
        )
    path = GAITMAP_DIR / name
    if not path.is_file():
        raise MissingTestDataError(_missing_message([path], GAITMAP_DIR))
    return path


def read_stride_events(path: Path) -> dict[str, dict[str, np.ndarray]]:
    """stride_events_sample.csv as ``{foot: {column: array}}`` (sample indices of imu_sample)."""
    out: dict[str, dict[str, list[float]]] = {}
    with Path(path).open(newline="") as fh:
        for row in csv.DictReader(fh):
            cols = out.setdefault(row["foot"], {})
            for k, v in row.items():
                if k != "foot":
                    cols.setdefault(k, []).append(float(v))
    return {f: {k: np.asarray(v) for k, v in cols.items()} for f, cols in out.items()}


def read_stride_lengths(path: Path) -> dict[str, dict[int, float]]:
    """position_sample.csv: per foot and s_id, horizontal heel displacement over the stride (m)."""
    last: dict[tuple[str, int], tuple[float, float]] = {}
    with Path(path).open(newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for sensor, s_id, _sample, x, y, _z in reader:
            last[(sensor.removesuffix("_sensor"), int(s_id))] = (float(x), float(y))
    out: dict[str, dict[int, float]] = {}
    for (foot, s_id), (x, y) in last.items():
        out.setdefault(foot, {})[s_id] = float(np.hypot(x, y))
    return out


def read_turn_deg(path: Path) -> dict[str, dict[int, float]]:
    """orientation_sample.csv: per foot and s_id, heading change over the stride (deg)."""
    first: dict[tuple[str, int], list[float]] = {}
    last: dict[tuple[str, int], list[float]] = {}
    with Path(path).open(newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for sensor, s_id, _sample, *q in reader:
            key = (sensor.removesuffix("_sensor"), int(s_id))
            first.setdefault(key, [float(v) for v in q])
            last[key] = [float(v) for v in q]
    out: dict[str, dict[int, float]] = {}
    for key in first:
        yaws = []
        for x, y, z, w in (first[key], last[key]):
            yaws.append(np.degrees(np.arctan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z))))
        out.setdefault(key[0], {})[key[1]] = float((yaws[1] - yaws[0] + 180) % 360 - 180)
    return out


def read_borders(path: Path) -> dict[str, np.ndarray]:
    """stride_borders_sample.csv: per foot, (n, 2) hand-labelled [start, end] sample indices."""
    out: dict[str, list[tuple[float, float]]] = {}
    with Path(path).open(newline="") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["foot"], []).append((float(row["start"]), float(row["end"])))
    return {f: np.asarray(v) for f, v in out.items()}


def in_region(t: np.ndarray, ref: np.ndarray, borders: np.ndarray, margin: float) -> np.ndarray:
    """Which of ``t`` lie in the reference's span but not in the turn between labelled bouts.

    Same rule as benchmarks/gait_accuracy.py: the span runs from the first to the last reference
    event (widened by ``margin``); gaps between hand-labelled strides that do not touch (the
    turn, where the reference lacks the turning steps) are left out, widened by ``margin``.
    ``t``, ``ref``, ``borders`` and ``margin`` share one unit (samples or seconds).
    """
    ok = (t >= ref.min() - margin) & (t <= ref.max() + margin)
    for end, start in zip(borders[:-1, 1], borders[1:, 0], strict=True):
        if start > end:
            ok &= ~((t > end - margin) & (t < start + margin))
    return ok

"""Shared fixtures for the gait-analysis tests: the gaitmap example data with its references.

The data are read in place from ../shared/data/gaitmap-example (relative to the repository);
tests that need them are skipped, with the reason, when that folder is absent.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from analysis.imu_io import FootImu, load_imu_csv

DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "gaitmap-example"
RATE_HZ = 204.8  # imu_sample.csv and imu_sample_not_rotated.csv
MOCAP_RATE_HZ = 100.0


def need_data() -> Path:
    """The data folder, or skip the calling test with a clear reason."""
    if not (DATA_DIR / "imu_sample.csv").is_file():
        pytest.skip(f"gaitmap example data not found at {DATA_DIR} (shared/data/gaitmap-example)")
    return DATA_DIR


def read_stride_events(path: Path) -> dict[str, dict[str, np.ndarray]]:
    """stride_events_sample.csv as ``{foot: {column: array}}`` (sample indices of imu_sample)."""
    out: dict[str, dict[str, list[float]]] = {}
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            cols = out.setdefault(row["foot"], {})
            for k, v in row.items():
                if k != "foot":
                    cols.setdefault(k, []).append(float(v))
    return {f: {k: np.asarray(v) for k, v in cols.items()} for f, cols in out.items()}


def read_stride_lengths(path: Path) -> dict[str, dict[int, float]]:
    """position_sample.csv: per foot and s_id, horizontal heel displacement over the stride (m)."""
    last: dict[tuple[str, int], tuple[float, float]] = {}
    with path.open(newline="") as fh:
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
    with path.open(newline="") as fh:
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
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["foot"], []).append((float(row["start"]), float(row["end"])))
    return {f: np.asarray(v) for f, v in out.items()}


def in_region(t: np.ndarray, ref: np.ndarray, borders: np.ndarray, margin: float) -> np.ndarray:
    """Which of ``t`` lie in the reference's span but not in the turn between labelled bouts.

    Same rule as benchmarks/gait_accuracy.py: the span runs from the first to the last reference
    event (widened by ``margin``); gaps between hand-labelled strides that do not touch (the
    turn, where the reference lacks the turning steps) are left out, widened by ``margin``.
    """
    ok = (t >= ref.min() - margin) & (t <= ref.max() + margin)
    for end, start in zip(borders[:-1, 1], borders[1:, 0], strict=True):
        if start > end:
            ok &= ~((t > end - margin) & (t < start + margin))
    return ok


@pytest.fixture(scope="session")
def event_accuracy(ref_events, ref_borders):  # type: ignore[no-untyped-def]
    """``f(side, ic_idx, to_idx, rate_hz=RATE_HZ)`` -> {"ic": match, "to": match} (times in s).

    Indices are samples at ``rate_hz``; matching within 50 ms (analysis.gait_events.match_events).
    """
    from analysis.gait_events import match_events

    def accuracy(side: str, ic_idx, to_idx, rate_hz: float = RATE_HZ) -> dict:  # type: ignore[no-untyped-def]
        ev = ref_events[side]
        borders = ref_borders[side] / RATE_HZ
        out = {}
        for name, det, ref in (
            (
                "ic",
                np.asarray(ic_idx) / rate_hz,
                np.unique(np.r_[ev["pre_ic"], ev["ic"]]) / RATE_HZ,
            ),
            ("to", np.asarray(to_idx) / rate_hz, ev["tc"] / RATE_HZ),
        ):
            det = det[np.isfinite(det)]
            out[name] = match_events(
                det[in_region(det, ref, borders, 0.05)],
                ref[in_region(ref, ref, borders, 0.05)],
                0.05,
            )
        return out

    return accuracy


@pytest.fixture(scope="session")
def gaitmap_dir() -> Path:
    return need_data()


@pytest.fixture(scope="session")
def feet(gaitmap_dir: Path) -> dict[str, FootImu]:
    return load_imu_csv(gaitmap_dir / "imu_sample.csv", RATE_HZ)


@pytest.fixture(scope="session")
def feet_raw(gaitmap_dir: Path) -> dict[str, FootImu]:
    return load_imu_csv(gaitmap_dir / "imu_sample_not_rotated.csv", RATE_HZ)


@pytest.fixture(scope="session")
def ref_events(gaitmap_dir: Path) -> dict[str, dict[str, np.ndarray]]:
    return read_stride_events(gaitmap_dir / "stride_events_sample.csv")


@pytest.fixture(scope="session")
def ref_lengths(gaitmap_dir: Path) -> dict[str, dict[int, float]]:
    return read_stride_lengths(gaitmap_dir / "position_sample.csv")


@pytest.fixture(scope="session")
def ref_turn_deg(gaitmap_dir: Path) -> dict[str, dict[int, float]]:
    return read_turn_deg(gaitmap_dir / "orientation_sample.csv")


@pytest.fixture(scope="session")
def ref_borders(gaitmap_dir: Path) -> dict[str, np.ndarray]:
    return read_borders(gaitmap_dir / "stride_borders_sample.csv")

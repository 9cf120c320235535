"""Shared fixtures for the gait-analysis tests: the gaitmap example data with its references.

The data ship with the repository (tests/data/gaitmap-example); tests/datasets.py is the one
setting that says where they are (``RAS_TEST_DATA`` overrides) and holds the readers of the
reference files, shared with the benchmarks. Missing data fail the test with a one-line message
naming the path and the setting; they are never a reason to skip.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analysis.imu_io import FootImu, load_imu_csv
from tests.conftest import require_data
from tests.datasets import (
    GAITMAP_DIR,
    GAITMAP_RATE_HZ,
    GAITMAP_SLOW_RATE_HZ,
    MOCAP_RATE_HZ,
    in_region,
    read_borders,
    read_stride_events,
    read_stride_lengths,
    read_turn_deg,
)

__all__ = [
    "DATA_DIR",
    "MOCAP_RATE_HZ",
    "RATE_HZ",
    "in_region",
    "read_borders",
    "read_stride_events",
    "read_stride_lengths",
    "read_turn_deg",
]

DATA_DIR = GAITMAP_DIR
RATE_HZ = GAITMAP_RATE_HZ  # imu_sample.csv and imu_sample_not_rotated.csv


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
    """tests/data/gaitmap-example (or ``$RAS_TEST_DATA/gaitmap-example``), checked complete."""
    return require_data()


@pytest.fixture(scope="session")
def feet(gaitmap_dir: Path) -> dict[str, FootImu]:
    return load_imu_csv(gaitmap_dir / "imu_sample.csv", RATE_HZ)


@pytest.fixture(scope="session")
def feet_raw(gaitmap_dir: Path) -> dict[str, FootImu]:
    return load_imu_csv(gaitmap_dir / "imu_sample_not_rotated.csv", RATE_HZ)


@pytest.fixture(scope="session")
def feet_ms(gaitmap_dir: Path) -> dict[str, FootImu]:
    """Real walking without freezes: the MS recordings, one file per foot (68 s, 102.4 Hz).

    Left and right are NOT synchronised with each other (separate files); no reference events.
    """
    return {
        side: load_imu_csv(gaitmap_dir / f"imu_sample_ms_{side}.csv", GAITMAP_SLOW_RATE_HZ, side)[
            side
        ]
        for side in ("left", "right")
    }


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


@pytest.fixture(scope="session")
def feet_ic_stride(gaitmap_dir: Path) -> tuple[dict[str, FootImu], dict[str, np.ndarray]]:
    """imu_sample_ic_stride.csv (102.4 Hz) and its motion-capture ICs per foot (sample indices).

    The sensor frame is tilted about 42° about its own y axis, which is the foot's pitch axis on
    both feet, so gyr_y is the sagittal rate as it is; the events need no alignment (the impact
    uses the acceleration's norm). Reference ICs: the stride borders, which start at IC.
    """
    feet = load_imu_csv(gaitmap_dir / "imu_sample_ic_stride.csv", GAITMAP_SLOW_RATE_HZ)
    borders = read_borders(gaitmap_dir / "stride_borders_sample_ic_stride.csv")
    return feet, {side: np.unique(b) for side, b in borders.items()}

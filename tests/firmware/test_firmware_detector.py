"""The C detector against analysis/causal_events.py and the motion-capture reference.

The recording (gaitmap example data, 204.8 Hz) is replayed sample by sample through the C
detector (firmware/tools/replay.c); it must give the same events as the Python causal detector
(IC within one sample: here within 1e-3 samples, the rest identical) and the same accuracy
against the motion-capture initial contacts.
"""

from __future__ import annotations

import csv
import subprocess

import numpy as np
import pytest
from firmware_helpers import BUILD, DATA, IMU_CSV, RATE_HZ, gyr_columns, make, require_data

from analysis.causal_events import EVENT_IC, run_causal

KINDS = (1, 2, 3, 4)  # IC, TO, MSW, MS


def replay(t0_us: int = 0, path=IMU_CSV, rate_hz: float = RATE_HZ) -> list[dict[str, str]]:
    require_data()
    make("build/host/replay")
    out = subprocess.run(
        [str(BUILD / "host" / "replay"), str(path), str(rate_hz), str(t0_us)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return list(csv.DictReader(out.splitlines()))


@pytest.fixture(scope="module")
def c_events():
    return replay()


def c_idx(events, side: str, kind: int) -> np.ndarray:
    return np.array(
        [
            int(e["index"]) + float(e["frac"])
            for e in events
            if e["side"] == side and int(e["kind"]) == kind
        ]
    )


@pytest.mark.parametrize("side", ["left", "right"])
def test_same_events_as_the_python_causal_detector(c_events, imu_table, side):
    _, cols = gyr_columns(side)
    py = run_causal(imu_table[:, cols], RATE_HZ)
    for kind in KINDS:
        c = c_idx(c_events, side, kind)
        assert len(c) == len(py[kind]) > 25, (side, kind)
        tol = 1e-3 if kind == EVENT_IC else 0.0  # IC interpolated in float32 vs float64
        assert np.abs(c - py[kind][:, 0]).max() <= tol, (side, kind)
    # detection sample (latency) identical too
    det = np.array(
        [int(e["detected_index"]) for e in c_events if e["side"] == side and e["kind"] == "1"]
    )
    assert np.array_equal(det, py[EVENT_IC][:, 1].astype(int))


@pytest.mark.parametrize("side", ["left", "right"])
def test_same_events_on_a_second_recording_at_102_hz(side):
    # another walker at 102.4 Hz, with heel-strike transients that the refractory rule handles
    path = DATA / "imu_sample_ic_stride.csv"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    events = replay(path=path, rate_hz=102.4)
    _, cols = gyr_columns(side, path)
    py = run_causal(np.loadtxt(path, delimiter=",", skiprows=2)[:, cols], 102.4)
    for kind in KINDS:
        c = c_idx(events, side, kind)
        assert len(c) == len(py[kind]) > 20, (side, kind)
        assert np.abs(c - py[kind][:, 0]).max() <= 1e-3, (side, kind)


def test_ic_accuracy_against_motion_capture_matches_python(c_events, imu_table):
    ref_path = DATA / "stride_events_sample.csv"
    with ref_path.open(newline="") as f:
        ref = list(csv.DictReader(f))
    for side in ("left", "right"):
        ref_ic = np.array(sorted({float(r["ic"]) for r in ref if r["foot"] == side}))
        _, cols = gyr_columns(side)
        py_ic = run_causal(imu_table[:, cols], RATE_HZ)[EVENT_IC][:, 0]
        c_ic = c_idx(c_events, side, EVENT_IC)

        def errors(found: np.ndarray, ref_ic: np.ndarray = ref_ic) -> np.ndarray:
            nearest = np.abs(found[None, :] - ref_ic[:, None]).argmin(axis=1)
            return found[nearest] - ref_ic

        e_c, e_py = errors(c_ic), errors(py_ic)
        # every reference IC has a detection within 5 samples (25 ms) and the errors are
        # those of the Python detector (mean about 1 sample early)
        assert np.abs(e_c).max() <= 5.0, (side, e_c)
        assert np.abs(e_c - e_py).max() < 1e-3
        assert abs(np.abs(e_c).mean() - np.abs(e_py).mean()) < 1e-3
        assert abs(e_c.mean() - e_py.mean()) < 1e-3


def test_same_events_across_the_u32_time_wrap(c_events):
    t0 = 2**32 - 10_000_000  # the device clock wraps 10 s into the recording
    wrapped = replay(t0)
    assert [(e["side"], e["kind"], e["index"], e["frac"]) for e in wrapped] == [
        (e["side"], e["kind"], e["index"], e["frac"]) for e in c_events
    ]
    for a, b in zip(wrapped, c_events, strict=True):
        assert int(a["t_us"]) == (int(b["t_us"]) + t0) % 2**32

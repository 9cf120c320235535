"""analysis.walking: strides that repeat (walking) pass, strides that do not (noise) are refused,
and real and virtual walks, freezing and slow paretic gait included, are never refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analysis.errors import AnalysisInputError
from analysis.pipeline import RecordingAnalysis
from analysis.segments import load_imu_segments, segment_arrays
from analysis.walking import MIN_STRIDE_REPEAT_R, check_walking, stride_repeat_r

FS_HZ = 100.0


def _periodic(n_strides: int, stride_n: int) -> np.ndarray:
    t = np.arange(n_strides * stride_n) / stride_n
    shape = np.sin(2 * np.pi * t) + 0.5 * np.sin(4 * np.pi * t + 1.0)
    return np.column_stack([0.1 * shape, 300 * shape, 0.2 * shape])


def test_repeating_strides_correlate_and_noise_does_not() -> None:
    gyr = _periodic(10, 110)
    ic = np.arange(0, 9 * 110, 110, dtype=np.float64)
    r = stride_repeat_r(gyr, ic, ic + 110)
    assert r.shape == (9,) and np.all(r > 0.99)  # first stride: only the next window
    rng = np.random.default_rng(3)
    noise = rng.normal(0, 200, (5000, 3))
    starts = np.sort(rng.choice(np.arange(200, 4500), 30, replace=False)).astype(float)
    lengths = rng.integers(60, 200, 30).astype(float)
    r = stride_repeat_r(noise, starts, starts + lengths)
    assert abs(float(np.nanmedian(r))) < 0.2


def test_strides_without_a_neighbour_window_or_index_are_nan() -> None:
    gyr = _periodic(2, 100)
    r = stride_repeat_r(gyr, np.array([0.0, 50.0, np.nan]), np.array([200.0, 53.0, 10.0]))
    assert np.isnan(r).all()  # the whole data / 3 samples / a NaN index


def test_check_walking_refuses_in_one_line_and_names_the_foot() -> None:
    ok = np.array([0.9, 0.95, 0.2, 0.93])
    bad = np.array([0.1, -0.05, 0.7, 0.02, np.nan])
    medians = check_walking({"left": ok, "right": np.array([])})
    assert medians == {"left": pytest.approx(0.915)}  # no strides: nothing claimed, not judged
    with pytest.raises(AnalysisInputError) as err:
        check_walking({"left": ok, "right": bad})
    text = str(err.value)
    assert "\n" not in text and text.startswith("no walking found: the 4 right 'strides'")
    assert "0.06" in text and f"walking > {MIN_STRIDE_REPEAT_R:g}" in text
    with pytest.raises(AnalysisInputError, match=r"strides' detected do not repeat.*: frame off$"):
        check_walking({"right": bad}, hints={"right": "frame off"})


def test_the_gaitmap_recordings_are_walking(gaitmap_dir: Path) -> None:
    for name, rate, side in (
        ("imu_sample.csv", 204.8, None),
        ("imu_sample_ic_stride.csv", 102.4, None),
        ("imu_sample_ms_left.csv", 102.4, "left"),
    ):
        feet = load_imu_segments(gaitmap_dir / name, rate, side, check_units=False)
        medians = RecordingAnalysis(min_stride_repeat_r=None).analyse(feet).stride_repeat_r_
        assert medians and min(medians.values()) > MIN_STRIDE_REPEAT_R, (name, medians)


@pytest.mark.parametrize(
    ("preset", "overrides"),
    [
        ("parkinson", {"freeze_rate_per_min": 4.0}),  # freezing episodes inside the walk
        ("stroke", {"cadence_spm": 64.0, "speed_mps": 0.3}),  # slow paretic gait
    ],
)
def test_virtual_patients_are_walking(preset: str, overrides: dict[str, float]) -> None:
    from ras.sim.presets import make_params
    from ras.sim.recording import simulate_walk

    walk = simulate_walk(
        make_params(preset, **overrides),
        duration_s=60.0,
        sampling_rate_hz=FS_HZ,
        seed=2,
        bouts_s=[(3.0, 28.0), (32.0, 57.0)],  # standing before, between and after
    )
    feet = {s: segment_arrays(f.acc_mps2, f.gyr_dps, FS_HZ, s) for s, f in walk.feet.items()}
    analysis = RecordingAnalysis().analyse(feet)  # raises if refused
    assert min(analysis.stride_repeat_r_.values()) > MIN_STRIDE_REPEAT_R

"""The C detector, event for event, against the live Python detector (analysis/causal_events.py).

Equal means: the same events in the same order, each with the same kind, integer sample index
and detection sample, and a fractional part within 1e-3 sample (the interpolations are divided in
double and kept as float32), on the float32 samples the core receives. Cases: the two gaitmap
recordings replayed through firmware/tools/replay.c with both landmark settings; the recording
resampled to 51.2-1000 Hz (ctypes); virtual walks (healthy, parkinson, stroke) clean, int16
quantised like a sensor's samples, noisy, with impact ringing and with one-sample spikes; the
u32 time wrap; a gap in the time stamps, after which the core is a new detector.
(docs/firmware.md lists the wider check over every condition of the robustness suite.)
"""

from __future__ import annotations

import csv
import math
import subprocess
from fractions import Fraction

import numpy as np
import pytest
from scipy.signal import resample_poly

from analysis.causal_events import CausalGaitEventDetector
from analysis.gait_events import EventSettings
from ras.errors import UserInputError
from ras.sim.firmware_core import FirmwareDetector
from ras.sim.presets import PRESETS
from ras.sim.recording import simulate_walk
from ras.sim.sensor import ACC_RANGE_G, GYR_RANGE_DPS, imu_to_raw
from tests.datasets import GAITMAP_SLOW_RATE_HZ, gaitmap_file
from tests.firmware.firmware_helpers import (
    BUILD,
    IMU_CSV,
    RATE_HZ,
    as_float32,
    imu_columns,
    make,
    require_data,
)

GYRO_ZERO = {"ic_landmark": "gyro_zero", "to_landmark": "gyro_zero"}
LANDMARKS = {"default": {}, "gyro_zero": GYRO_ZERO}
FRAC_TOL = 1e-3  # samples


@pytest.fixture(scope="module", autouse=True)
def core_library() -> None:
    make("libcore")  # rebuilt if the C sources changed (ras.sim.firmware_core loads it)


def python_events(samples: np.ndarray, rate_hz: float, **settings) -> list[tuple[int, float, int]]:
    """(kind, idx, detected_idx) of the live Python detector on (n, 6) float32-rounded samples."""
    det = CausalGaitEventDetector(rate_hz, **settings)
    return [(e.kind, e.idx, e.detected_idx) for e in det.process(as_float32(samples))]


def c_events(samples: np.ndarray, rate_hz: float, **settings) -> list[tuple[int, int, float, int]]:
    """(kind, index, frac, detected_index) of the C core (ctypes) on (n, 6) samples."""
    det = FirmwareDetector(rate_hz, **settings)
    out = [
        (int(e.kind), math.floor(e.idx), e.idx - math.floor(e.idx), e.detected_idx)
        for e in det.run(samples[:, :3], samples[:, 3:])
    ]
    assert det.stats["resets"] == 0  # no guard acted on these data
    return out


def assert_same_events(c: list, py: list, label: str, at_least: int) -> None:
    """C (kind, index, frac, detected) and Python (kind, idx, detected) event for event."""
    assert len(c) == len(py), f"{label}: {len(c)} C events, {len(py)} Python"
    assert len(py) >= at_least, f"{label}: only {len(py)} events"
    for k, ((kind, index, frac, det), (py_kind, py_idx, py_det)) in enumerate(
        zip(c, py, strict=True)
    ):
        where = (
            f"{label}, event {k}: C {(kind, index, frac, det)}, Python {(py_kind, py_idx, py_det)}"
        )
        assert kind == py_kind and det == py_det, where
        assert 0.0 <= frac < 1.0 and abs(index + frac - py_idx) <= FRAC_TOL, where
        # the integer part too, unless Python's index sits within float32 rounding of an integer
        assert index == math.floor(py_idx) or abs(py_idx - round(py_idx)) < 1e-6, where


# --- the gaitmap recordings, replayed through firmware/tools/replay.c ---


def replay(path, rate_hz: float, t0_us: int = 0, **landmarks: str) -> list[dict[str, str]]:
    make("build/host/replay")
    options = [f"--{k.replace('_', '-')}={v}" for k, v in landmarks.items()]
    out = subprocess.run(
        [str(BUILD / "host" / "replay"), str(path), str(rate_hz), str(t0_us), *options],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return list(csv.DictReader(out.splitlines()))


def replayed(events: list[dict[str, str]], side: str) -> list[tuple[int, int, float, int]]:
    return [
        (int(e["kind"]), int(e["index"]), float(e["frac"]), int(e["detected_index"]))
        for e in events
        if e["side"] == side
    ]


@pytest.fixture(scope="module")
def gaitmap_replays() -> dict[str, list[dict[str, str]]]:
    require_data()
    return {name: replay(IMU_CSV, RATE_HZ, **lm) for name, lm in LANDMARKS.items()}


@pytest.mark.parametrize("landmarks", list(LANDMARKS))
@pytest.mark.parametrize("side", ["left", "right"])
def test_replay_gives_the_python_events(gaitmap_replays, imu_table, side, landmarks):
    samples = imu_table[:, imu_columns(side)]
    py = python_events(samples, RATE_HZ, **LANDMARKS[landmarks])
    c = replayed(gaitmap_replays[landmarks], side)
    assert_same_events(c, py, f"imu_sample.csv {side} {landmarks}", at_least=4 * 28)


@pytest.mark.parametrize("side", ["left", "right"])
def test_replay_gives_the_python_events_on_the_second_recording(side):
    # another walker, another sensor (tilted ~40 deg), 102.4 Hz
    path = gaitmap_file("imu_sample_ic_stride.csv")
    events = replay(path, GAITMAP_SLOW_RATE_HZ)
    samples = np.loadtxt(path, delimiter=",", skiprows=2)[:, imu_columns(side, path)]
    py = python_events(samples, GAITMAP_SLOW_RATE_HZ)
    assert_same_events(replayed(events, side), py, f"ic_stride {side}", at_least=4 * 25)


def test_replay_across_the_u32_time_wrap(gaitmap_replays):
    t0 = 2**32 - 10_000_000  # the device clock wraps 10 s into the recording
    wrapped = replay(IMU_CSV, RATE_HZ, t0)
    plain = gaitmap_replays["default"]
    key = ("side", "kind", "index", "frac", "detected_index")
    assert [tuple(e[k] for k in key) for e in wrapped] == [tuple(e[k] for k in key) for e in plain]
    for a, b in zip(wrapped, plain, strict=True):
        assert int(a["t_us"]) == (int(b["t_us"]) + t0) % 2**32
    # event time = its fractional index at the nominal period
    for e in plain:
        t_s = int(e["t_us"]) * 1e-6
        assert abs(t_s - (int(e["index"]) + float(e["frac"])) / RATE_HZ) < 1.5e-6


# --- other rates (ctypes) ---


@pytest.mark.parametrize("rate_hz", [51.2, 100.0, 102.4, 128.0, 409.6, 1000.0])
def test_same_events_at_other_rates(imu_table, rate_hz):
    ratio = Fraction(rate_hz / RATE_HZ).limit_denominator(100)
    for side in ("left", "right"):
        x = resample_poly(
            imu_table[:, imu_columns(side)], ratio.numerator, ratio.denominator, axis=0
        )
        for name in ("default", "gyro_zero") if side == "left" else ("default",):
            py = python_events(x, rate_hz, **LANDMARKS[name])
            c = c_events(x, rate_hz, **LANDMARKS[name])
            assert_same_events(c, py, f"{rate_hz} Hz {side} {name}", at_least=4 * 28)


# --- virtual walks, clean and disturbed ---


def _quantised(x: np.ndarray) -> np.ndarray:
    """As a sensor delivers them: int16 at +-16 g and +-2000 deg/s, back in SI units."""
    raw = imu_to_raw(x, ACC_RANGE_G, GYR_RANGE_DPS).astype(np.float64)
    return raw * np.array([ACC_RANGE_G * 9.80665 / 32768.0] * 3 + [GYR_RANGE_DPS / 32768.0] * 3)


def _noisy(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """MEMS offsets and white noise (deg/s, m/s^2), then int16 quantisation."""
    y = x + rng.normal(0.0, [0.1, 0.1, 0.1, 1.5, 1.5, 1.5], size=x.shape)
    y += rng.uniform(-1, 1, size=6) * np.array([0.4, 0.4, 0.4, 5.0, 5.0, 5.0])
    return _quantised(y)


def _ringing(x: np.ndarray, ic_t_s: np.ndarray, rate_hz: float) -> np.ndarray:
    """A decaying 7 Hz gyr_y oscillation after every true IC, trough near -90 deg/s at 0.2-0.3 s."""
    y = x.copy()
    t = np.arange(len(x)) / rate_hz
    for ic in ic_t_s:
        dt = t - ic
        near = (dt >= 0.0) & (dt <= 0.5)
        y[near, 4] += -160.0 * np.exp(-dt[near] / 0.25) * np.sin(2 * np.pi * 7.0 * dt[near])
    return y


def _spikes(
    x: np.ndarray, to_t_s: np.ndarray, rate_hz: float, rng: np.random.Generator
) -> np.ndarray:
    """One-sample glitches: gyr_y -189 deg/s 20 ms after each true TO, and 20 per minute of
    +-300 deg/s on a gyro axis or +-40 m/s^2 on an acc axis anywhere."""
    y = x.copy()
    after_to = np.round((to_t_s + 0.02) * rate_hz).astype(int)
    y[after_to[after_to < len(y)], 4] = -189.0
    n = int(len(y) / rate_hz / 60.0 * 20)
    rows = rng.integers(0, len(y), size=n)
    cols = rng.integers(0, 6, size=n)
    y[rows, cols] = np.where(cols < 3, 40.0, 300.0) * rng.choice([-1.0, 1.0], size=n)
    return y


@pytest.mark.parametrize("preset", ["healthy", "parkinson", "stroke"])
def test_same_events_on_virtual_walks_clean_and_disturbed(preset):
    rate_hz = 100.0
    walk = simulate_walk(PRESETS[preset], duration_s=40.0, sampling_rate_hz=rate_hz, seed=3)
    rng = np.random.default_rng(11)
    for side, foot in walk.feet.items():
        x = np.hstack([foot.acc_mps2, foot.gyr_dps])
        n_ic = len(walk.ic_t_s[side])
        variants = {
            "clean": x,
            "int16": _quantised(x),
            "noise": _noisy(x, rng),
            "ringing": _ringing(x, walk.ic_t_s[side], rate_hz),
            "spikes": _spikes(x, walk.to_t_s[side], rate_hz, rng),
        }
        for name, y in variants.items():
            for lm in ("default", "gyro_zero") if name in ("clean", "spikes") else ("default",):
                py = python_events(y, rate_hz, **LANDMARKS[lm])
                c = c_events(y, rate_hz, **LANDMARKS[lm])
                # not a vacuous comparison: about one IC per true IC
                found = sum(1 for e in py if e[0] == 1)
                assert abs(found - n_ic) <= 2, (preset, side, name, found, n_ic)
                assert_same_events(c, py, f"{preset} {side} {name} {lm}", at_least=3 * n_ic)


def test_a_gap_restarts_the_core_like_a_new_detector(imu_table):
    # three samples lost in the middle of the walk: the core restarts at the next sample (held
    # one sample to tell a gap from a lone outlier stamp, then used) and
    # finds, from there, exactly what a new Python detector finds on the rest (no event spans
    # the gap); before the gap, what the Python finds on the part before
    x = imu_table[:, imu_columns("right")]
    cut, lost = 3000, 3
    period_us = 1e6 / RATE_HZ
    t_us = np.round(np.arange(len(x)) * period_us).astype(np.int64)
    keep = np.r_[0:cut, cut + lost : len(x)]
    det = FirmwareDetector(RATE_HZ)
    events = det.run(x[keep, :3], x[keep, 3:], t_us[keep])
    assert det.stats["gaps"] == 1 and det.stats["resets"] == 1
    c = [
        (int(e.kind), math.floor(e.idx), e.idx - math.floor(e.idx), e.detected_idx) for e in events
    ]
    before = [e for e in c if e[3] < cut]
    after = [(k, i - cut - lost, f, d - cut - lost) for k, i, f, d in c if d >= cut]
    assert_same_events(before, python_events(x[:cut], RATE_HZ), "before the gap", 4 * 8)
    assert_same_events(after, python_events(x[cut + lost :], RATE_HZ), "after the gap", 4 * 12)


# --- settings ---


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"ms_window_s": 0.05, "min_swing_s": 0.2, "impact_before_s": 0.0, "impact_after_s": 0.1},
        {"arm_dps": 45.0, "landing_dps": 12.5, "ic_landmark": "gyro_zero"},
    ],
)
def test_counts_are_python_s_at_every_rate(settings):
    for rate_hz in (
        50.0,
        51.2,
        64.0,
        100.0,
        102.4,
        125.0,
        128.0,
        175.0,
        204.8,
        208.0,
        250.0,
        409.6,
        500.0,
        625.0,
        1000.0,
    ):
        want = EventSettings(**settings).counts(rate_hz)
        got = FirmwareDetector(rate_hz, **settings).counts()
        ring_j = want.impact_before_n + 2 * want.impact_after_n + 1  # the impact window's J
        assert got == {**want.__dict__, "ring_j": ring_j}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"impact_after_s": 0.25}, "min_lockout_s must exceed impact_after_s"),
        ({"min_lockout_s": 0.4, "impact_after_s": 0.3}, "too long for the C port"),
        ({"lockout_stride_pct": 90}, "lockout_stride_pct is not allowed"),
        ({"ic_landmark": "heel"}, "ic_landmark 'heel' is not allowed"),
        ({"stride_s": 1.0}, "unknown detector setting 'stride_s'"),
        ({"arm_dps": "fast"}, "arm_dps must be a number"),
    ],
)
def test_settings_the_core_does_not_allow_are_refused(settings, message):
    with pytest.raises(UserInputError, match=message):
        FirmwareDetector(200.0, **settings)

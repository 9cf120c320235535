"""Walking or not: analysis.walking's stride-repeat check on real walks, virtual walks and noise.

`ras analyse` refuses a recording whose detected strides do not repeat like walking (median
stride-to-neighbour correlation of |gyr| below analysis.walking.MIN_STRIDE_REPEAT_R = 0.5). It
must never refuse walking, so this runs the check over:

- every recording in tests/data (the gaitmap example walks, read as `ras analyse` reads them);
- the virtual patient's presets (healthy, parkinson with freezing episodes, stroke, slow walkers;
  several people each, several bouts with standing in between);
- every disturbed walk of the robustness suite (tests/robustness/grid.py: resampling, sensor
  rotations, MEMS noise, impact ringing, spikes, dropped packets), in the foot frame;

and over white noise (gyro and acceleration of several amplitudes and rates) and other movement
that is not walking, which it must refuse whenever strides are claimed. Reports per group the
recordings, refusals, and the lowest (walking) or highest (noise) per-foot median.

Usage: .venv/bin/python benchmarks/walking_check.py [--quick] [--no-write]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.pipeline import RecordingAnalysis  # noqa: E402
from analysis.segments import FootSegments, load_imu_segments, segment_arrays  # noqa: E402
from analysis.walking import MIN_STRIDE_REPEAT_R  # noqa: E402


def medians(feet: dict[str, FootSegments]) -> dict[str, float]:
    """Per-foot median stride repeat r (feet without strides left out)."""
    return RecordingAnalysis(min_stride_repeat_r=None).analyse(feet).stride_repeat_r_


def gaitmap_files() -> list[tuple[str, dict[str, FootSegments]]]:
    """The recordings of tests/data, read as `ras analyse` reads them."""
    from tests.datasets import GAITMAP_RATE_HZ, GAITMAP_SLOW_RATE_HZ, gaitmap_file

    files = [
        ("imu_sample.csv", GAITMAP_RATE_HZ, None),
        ("imu_sample_not_rotated.csv", GAITMAP_RATE_HZ, None),
        ("imu_sample_ic_stride.csv", GAITMAP_SLOW_RATE_HZ, None),
        ("imu_sample_ms_left.csv", GAITMAP_SLOW_RATE_HZ, "left"),
        ("imu_sample_ms_right.csv", GAITMAP_SLOW_RATE_HZ, "right"),
    ]
    return [
        (name, load_imu_segments(gaitmap_file(name), rate, side, check_units=False))
        for name, rate, side in files
    ]


def _feet(acc, gyr, fs, t_s=None) -> dict[str, FootSegments]:  # type: ignore[no-untyped-def]
    return {s: segment_arrays(acc[s], gyr[s], fs, s, t_s) for s in acc}


def virtual(quick: bool) -> list[tuple[str, dict[str, FootSegments]]]:
    """The presets, with freezing for parkinson, several people, 4 bouts with standing."""
    from ras.sim.presets import make_params
    from ras.sim.recording import simulate_walk
    from tests.robustness.cases import default_bouts

    patients = {
        "healthy": make_params("healthy"),
        "parkinson (freezing 3/min)": make_params("parkinson", freeze_rate_per_min=3.0),
        "parkinson (preset)": make_params("parkinson"),
        "stroke": make_params("stroke"),
        "slow 0.4 m/s": make_params("healthy", speed_mps=0.4),
        "stroke slow": make_params("stroke", cadence_spm=64.0, speed_mps=0.3),
    }
    out = []
    for name, params in patients.items():
        for seed in (1,) if quick else (1, 2, 3):
            w = simulate_walk(
                params, duration_s=96.0, sampling_rate_hz=100.0, seed=seed,
                bouts_s=default_bouts(96.0, 4),
            )  # fmt: skip
            acc = {s: f.acc_mps2 for s, f in w.feet.items()}
            gyr = {s: f.gyr_dps for s, f in w.feet.items()}
            out.append((f"{name} seed {seed}", _feet(acc, gyr, 100.0)))
    return out


def disturbed(quick: bool) -> list[tuple[str, dict[str, FootSegments]]]:
    """Every recording of the robustness suite's rows (foot frame, lost rows as NaN)."""
    from tests.robustness.grid import rows

    out = []
    for row in rows(quick=quick):
        for k, rec in enumerate(row.build()):
            out.append(
                (
                    f"{row.label} #{k + 1}",
                    _feet(rec.acc_mps2, rec.gyr_dps, rec.sampling_rate_hz, rec.t_s),
                )
            )
    return out


def not_walking(quick: bool) -> list[tuple[str, dict[str, FootSegments]]]:
    """White noise of several amplitudes and rates; random rotations of a still foot."""
    out = []
    seeds = (1, 2) if quick else (1, 2, 3, 4, 5)
    for fs in (100.0, 200.0):
        for acc_sd, gyr_sd in ((1.0, 50.0), (3.0, 150.0), (5.0, 200.0), (5.0, 400.0)):
            for seed in seeds:
                rng = np.random.default_rng(seed)
                n = int(60 * fs)
                acc = {
                    s: rng.normal(0, acc_sd, (n, 3)) + np.array([0, 0, 9.81])
                    for s in ("left", "right")
                }
                gyr = {s: rng.normal(0, gyr_sd, (n, 3)) for s in ("left", "right")}
                name = f"white noise {fs:g} Hz acc sd {acc_sd:g} gyr sd {gyr_sd:g} #{seed}"
                out.append((name, _feet(acc, gyr, fs)))
    # low-pass noise (a hand shaking the sensor): smooth random motion, no repetition
    from scipy.signal import butter, sosfiltfilt

    for cut_hz in (2.0, 5.0):
        for seed in seeds:
            rng = np.random.default_rng(100 + seed)
            sos = butter(2, cut_hz, fs=100.0, output="sos")
            n = 6000
            gyr = {
                s: 400 * sosfiltfilt(sos, rng.normal(0, 1, (n, 3)), axis=0)
                for s in ("left", "right")
            }
            acc = {
                s: 2 * sosfiltfilt(sos, rng.normal(0, 1, (n, 3)), axis=0) + np.array([0, 0, 9.81])
                for s in gyr
            }
            out.append((f"random motion < {cut_hz:g} Hz #{seed}", _feet(acc, gyr, 100.0)))
    return out


def judge(
    cases: list[tuple[str, dict[str, FootSegments]]],
) -> tuple[int, int, int, float, float, list[str]]:
    """(recordings, with strides, refused, lowest median, highest median, refused names)."""
    refused, lows, highs, names, with_strides = 0, [], [], [], 0
    for name, feet in cases:
        m = medians(feet)
        if m:
            with_strides += 1
            lows.append(min(m.values()))
            highs.append(max(m.values()))
        if any(v < MIN_STRIDE_REPEAT_R for v in m.values()):
            refused += 1
            names.append(f"{name}: {m}")
    lo = min(lows) if lows else float("nan")
    hi = max(highs) if highs else float("nan")
    return len(cases), with_strides, refused, lo, hi, names


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one person / draw per case")
    ap.add_argument("--no-write", action="store_true", help="print, do not touch docs")
    args = ap.parse_args()
    groups = {
        "tests/data recordings (gaitmap example)": (gaitmap_files(), True),
        "virtual patient presets (4 bouts, standing between)": (virtual(args.quick), True),
        "robustness suite, every disturbed walk": (disturbed(args.quick), True),
        "white noise and random motion": (not_walking(args.quick), False),
    }
    lines = [
        f"Threshold: median stride-to-neighbour correlation of |gyr| "
        f"{MIN_STRIDE_REPEAT_R:g} (analysis.walking). Per-foot medians; a recording is refused "
        "when a foot with strides is below.",
        "",
        "| recordings | walking? | n | with strides | refused | lowest median | highest median |",
        "|---|---|---|---|---|---|---|",
    ]
    wrong = []
    for label, (cases, walking) in groups.items():
        n, with_strides, refused, lo, hi, names = judge(cases)
        print(label, n, with_strides, refused, lo, hi, flush=True)
        lines.append(
            f"| {label} | {'yes' if walking else 'no'} | {n} | {with_strides} | {refused} | "
            f"{lo:.2f} | {hi:.2f} |"
        )
        if walking:
            wrong += names
        elif refused != with_strides:
            wrong.append(f"{label}: {with_strides - refused} not refused")
    lines += [
        "",
        "Walking must give 0 refusals; noise must be refused whenever it yields strides "
        "(noise without strides claims nothing and is not refused).",
    ]
    if wrong:
        lines += ["", "Wrong verdicts:", *(f"- {w}" for w in wrong)]
    body = "\n".join(lines)
    print(body)
    if not args.no_write:
        from benchmarks._report import write_section

        cmd = "python benchmarks/walking_check.py" + (" --quick" if args.quick else "")
        write_section(
            "Walking or not (`ras analyse` refuses strides that do not repeat)", body, cmd
        )
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()

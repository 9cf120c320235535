"""Sensor-to-foot alignment under rotated sensors and other sampling rates: flips and axis error.

Every foot of every recording below is resampled to 100, 102.4, 128 and 204.8 Hz
(scipy.signal.resample_poly, which low-passes like a sensor's decimation filter; the virtual
patient is rendered at each rate directly), its sensor frame turned by a known rotation Q (the
data become ``Q @ v``), and aligned (analysis.alignment.SensorAlignment, as ``ras analyse
--align``). The true rotation is then ``T @ Q.T``, with T the recording's own sensor-to-foot
rotation:

- real recordings (tests/data/gaitmap-example, tests/datasets.py): ``imu_sample.csv`` (204.8 Hz,
  healthy, 2 x 20 m with a turn) and the MS walk ``imu_sample_ms_left/right.csv`` (102.4 Hz), whose
  files are in a foot-aligned sensor frame (T = identity; the MS files' gravity is within 3° of
  z, their README says nothing); ``imu_sample_not_rotated.csv``, the
  same walk as imu_sample in the raw sensor frames (T = the fixed axis permutation between the
  two files, checked on the data); ``imu_sample_ic_stride.csv`` (102.4 Hz, raw frames tilted
  ~42°) has no known T: its own estimate, whose events match the motion-capture ICs
  (tests/analysis/test_alignment.py), stands in for it, so its rows measure consistency only;
- the virtual patient (ras.sim.recording.simulate_walk, 60 s in three bouts, ``--seeds``
  walks each): healthy, parkinson shuffling (no freezes), stroke hemiparetic, and healthy
  slowed to 0.4 m/s; the simulated foot frame is T = identity.

Rotations Q per foot and rate: none; ``--random`` uniformly random ones (seeded); 180° about
the vertical (sensor on backwards); an instep tilt of 30, 35 and 40° (toes-down pitch), the 35°
one also turned 180° about the vertical.

Figures per recording and rate: runs, **flips** (estimated forward more than 90° from the true
one), the lowest share of forward votes that agreed, the error of the estimated forward
(heading), pitch axis (y) and 'up' against the true ones, and the **consistency** error (the
estimate on the rotated copy against the estimate on the unrotated one, turned by Q). The
estimate turns exactly with the sensor (consistency 0: it uses only gravity's direction and the
angular velocity measured against it), so the rotations test that; what could flip it is the
walking, hence the variety of gaits, rates and seeds. The error against T is mostly not an
estimation error: a foot pitches about an axis a few degrees off the shoe's lateral axis
(toe-out, ankle-axis obliquity), and the gaitmap sensors sit ~18° off their files' x axes (the
foot travels within 3° of the estimated forward; docs/alignment.md).

Usage: .venv/bin/python benchmarks/alignment_accuracy.py [--random N] [--seeds N] [--quick]
[--write]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly
from scipy.spatial.transform import Rotation

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's analysis, tests
sys.path.insert(0, str(Path(__file__).resolve().parent))

from analysis.alignment import SensorAlignment
from analysis.imu_io import FootImu, load_imu_csv
from tests.datasets import require_gaitmap

RATES_HZ = (100.0, 102.4, 128.0, 204.8)
#: imu_sample.csv = P @ imu_sample_not_rotated.csv, per foot (checked on the data on loading).
NOT_ROTATED_TO_SAMPLE = {
    "left": np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]),
    "right": np.array([[0.0, -1.0, 0.0], [0.0, 0.0, -1.0], [1.0, 0.0, 0.0]]),
}


def resample(foot: FootImu, rate_hz: float) -> FootImu:
    """``foot`` at ``rate_hz`` (polyphase, with its anti-aliasing filter)."""
    if rate_hz == foot.sampling_rate_hz:
        return foot
    f = Fraction(rate_hz / foot.sampling_rate_hz).limit_denominator(1000)
    acc = resample_poly(foot.acc_mps2, f.numerator, f.denominator, axis=0)
    gyr = resample_poly(foot.gyr_dps, f.numerator, f.denominator, axis=0)
    return FootImu(acc, gyr, rate_hz, foot.side)


def turn(foot: FootImu, q: np.ndarray) -> FootImu:
    """The same foot with its sensor frame turned: each sample v becomes ``q @ v``."""
    return FootImu(foot.acc_mps2 @ q.T, foot.gyr_dps @ q.T, foot.sampling_rate_hz, foot.side)


def rotations(n_random: int, seed: int = 7) -> list[tuple[str, np.ndarray]]:
    """The rotations Q of the module docstring, labelled."""
    out = [("none", np.eye(3)), ("yaw 180", Rotation.from_euler("z", 180, degrees=True))]
    for tilt in (30.0, 35.0, 40.0):
        out.append((f"tilt {tilt:g}", Rotation.from_euler("y", tilt, degrees=True)))
    out.append(("tilt 35 + yaw 180", Rotation.from_euler("zy", [180, 35], degrees=True)))
    rng = np.random.default_rng(seed)
    out += [(f"random {k}", Rotation.random(random_state=rng)) for k in range(n_random)]
    return [(label, q if isinstance(q, np.ndarray) else q.as_matrix()) for label, q in out]


def _axial_deg(a: np.ndarray, b: np.ndarray) -> float:
    c = abs(float(a @ b)) / (np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.degrees(np.arccos(min(1.0, c))))


def _angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    c = float(a @ b) / (np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.degrees(np.arccos(np.clip(c, -1.0, 1.0))))


def recordings(
    quick: bool, seeds: int
) -> Iterator[tuple[str, str, dict[float, FootImu], np.ndarray | None]]:
    """(recording, side, {rate: foot}, T or None) for every foot of the module docstring."""
    data = require_gaitmap()
    sample = load_imu_csv(data / "imu_sample.csv", 204.8)
    raw = load_imu_csv(data / "imu_sample_not_rotated.csv", 204.8)
    for side, p in NOT_ROTATED_TO_SAMPLE.items():
        assert np.allclose(sample[side].gyr_dps, raw[side].gyr_dps @ p.T, atol=1e-6)
    tilted = load_imu_csv(data / "imu_sample_ic_stride.csv", 102.4)
    ms = {s: load_imu_csv(data / f"imu_sample_ms_{s}.csv", 102.4, s)[s] for s in ("left", "right")}
    for name, feet, truth in (
        ("imu_sample", sample, {s: np.eye(3) for s in sample}),
        ("imu_sample_not_rotated", raw, NOT_ROTATED_TO_SAMPLE),
        ("imu_sample_ic_stride", tilted, None),
        ("imu_sample_ms", ms, {s: np.eye(3) for s in ms}),
    ):
        for side, foot in feet.items():
            yield name, side, {r: resample(foot, r) for r in RATES_HZ}, (truth or {}).get(side)
    from ras.sim.presets import make_params
    from ras.sim.recording import simulate_walk

    presets = {
        "sim healthy": make_params("healthy"),
        "sim parkinson": make_params("parkinson", freeze_rate_per_min=0),
        "sim stroke": make_params("stroke"),
        "sim slow 0.4 m/s": make_params("healthy", speed_mps=0.4),
    }
    bouts = [(2.0, 20.0), (24.0, 40.0), (44.0, 58.0)]
    for name, params in presets.items():
        for seed in range(1, seeds + 1):
            walks = {
                r: simulate_walk(
                    params, duration_s=60.0, sampling_rate_hz=r, seed=seed, bouts_s=bouts
                )
                for r in RATES_HZ
            }
            for side in ("left", "right"):
                yield name, side, {r: w.feet[side] for r, w in walks.items()}, np.eye(3)
        if quick:
            break


def run(n_random: int, quick: bool, seeds: int) -> tuple[list[dict], float]:
    """One row per recording, side and rate; and the run time, s."""
    rows = []
    qs = rotations(n_random)
    t0 = time.perf_counter()
    for name, side, by_rate, truth in recordings(quick, seeds):
        for rate, foot in by_rate.items():
            base = SensorAlignment().estimate(foot).rotation_
            t = base if truth is None else truth
            row = {"recording": name, "side": side, "rate": rate, "known": truth is not None}
            flips, heading, axis, up, cons, travel, agree, warned = 0, [], [], [], [], [], [], 0
            for label, q in qs:
                al = SensorAlignment().estimate(turn(foot, q))
                if label == "none":
                    row["quality"] = al.quality_
                r, r_true = al.rotation_, t @ q.T
                c = r_true @ r.T  # the estimated foot axes in true foot axes (columns)
                h = float(np.degrees(np.arctan2(c[1, 0], c[0, 0])))
                flips += abs(h) > 90.0
                heading.append(abs(h))
                axis.append(_axial_deg(r[1], r_true[1]))
                up.append(_angle_deg(r[2], r_true[2]))
                cons.append(_axial_deg(r[1], (base @ q.T)[1]))
                travel.append(abs(al.quality_.travel_heading_deg or np.nan))
                agree.append(al.quality_.forward_agreement)
                warned += bool(al.warnings_)
            row |= {
                "runs": len(qs),
                "flips": flips,
                "heading": np.asarray(heading),
                "axis": np.asarray(axis),
                "up": np.asarray(up),
                "consistency": np.asarray(cons),
                "travel": np.asarray(travel),
                "agreement": np.asarray(agree),
                "warned": warned,
            }
            rows.append(row)
    return rows, time.perf_counter() - t0


def _fmt(x: np.ndarray) -> str:
    x = x[np.isfinite(x)]
    return f"{np.median(x):.1f} / {np.percentile(x, 90):.1f}" if x.size else "–"


def _pool(rows: list[dict], key: str) -> np.ndarray:
    return np.concatenate([r[key] for r in rows]) if rows else np.empty(0)


def table(rows: list[dict]) -> str:
    """Markdown: one line per recording and rate (sides pooled), then totals."""
    cols = ("heading", "axis", "up", "consistency", "travel")
    lines = [
        "| recording | rate (Hz) | runs | flips | lowest forward agreement | heading vs T | "
        "y axis vs T | up vs T | consistency | travel heading (abs) | runs warned |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    groups: dict[tuple[str, float], list[dict]] = {}
    for r in rows:
        groups.setdefault((r["recording"], r["rate"]), []).append(r)
    for (name, rate), rs in groups.items():
        known = rs[0]["known"]
        cells = [
            _fmt(_pool(rs, c)) if known or c in ("consistency", "travel") else "(no T)"
            for c in cols
        ]
        lines.append(
            f"| {name} | {rate:g} | {sum(r['runs'] for r in rs)} | {sum(r['flips'] for r in rs)} "
            f"| {_pool(rs, 'agreement').min():.2f} | {' | '.join(cells)} | "
            f"{sum(r['warned'] for r in rs)} |"
        )
    for label, sel in (
        ("all real", [r for r in rows if not r["recording"].startswith("sim")]),
        ("all sim", [r for r in rows if r["recording"].startswith("sim")]),
    ):
        known = [r for r in sel if r["known"]]
        cells = [_fmt(_pool(sel if c in ("consistency", "travel") else known, c)) for c in cols]
        lines.append(
            f"| **{label}** | all | {sum(r['runs'] for r in sel)} | "
            f"**{sum(r['flips'] for r in sel)}** | {_pool(sel, 'agreement').min():.2f} | "
            f"{' | '.join(cells)} | {sum(r['warned'] for r in sel)} |"
        )
    return "\n".join(lines)


def quality_table(rows: list[dict]) -> str:
    """Markdown: range (min–max) of each quality figure per recording, unrotated data."""
    figures = (
        ("steps", "{:.0f}"),
        ("up_standing_vs_stance_deg", "{:.1f}"),
        ("axis_second_ratio", "{:.2f}"),
        ("axis_spread_deg", "{:.1f}"),
        ("vertical_ratio", "{:.2f}"),
        ("forward_agreement", "{:.2f}"),
        ("travel_heading_deg", "{:+.0f}"),
    )
    lines = [
        "| recording | up from | " + " | ".join(f for f, _ in figures) + " |",
        "| --- | --- | " + " | ".join("---" for _ in figures) + " |",
    ]
    groups: dict[str, list] = {}
    for r in rows:
        groups.setdefault(r["recording"], []).append(r["quality"])
    for name, qs in groups.items():
        cells = []
        for f, fmt in figures:
            v = [getattr(q, f) for q in qs if getattr(q, f) is not None]
            lo, hi = (fmt.format(min(v)), fmt.format(max(v))) if v else ("–", "–")
            cells.append(lo if lo == hi else f"{lo} – {hi}")
        sources = "/".join(sorted({q.gravity_from for q in qs}))
        lines.append(f"| {name} | {sources} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, default=6, help="random rotations per foot/rate")
    parser.add_argument("--seeds", type=int, default=4, help="virtual walks per preset")
    parser.add_argument("--quick", action="store_true", help="2 random rotations, 1 sim walk")
    parser.add_argument("--write", action="store_true", help="write into docs/benchmarks.md")
    args = parser.parse_args()
    n_random = 2 if args.quick else args.random
    seeds = 1 if args.quick else args.seeds
    rows, seconds = run(n_random, args.quick, seeds)
    body = table(rows)
    runs = sum(r["runs"] for r in rows)
    quality = quality_table(rows)
    body += (
        f"\n\nAngles in degrees, median / p90 over the runs. {runs} alignments in "
        f"{seconds:.0f} s ({1000 * seconds / runs:.0f} ms each, data loading and the virtual "
        "patient included). Data: tests/data/gaitmap-example and "
        f"ras.sim.recording.simulate_walk ({seeds} walks of 60 s in three bouts per preset, "
        "seeds 1.., both feet). Rotations per foot and rate: none, 180° about the vertical, "
        f"instep tilt 30/35/40° (toes down) and 35° + 180°, {n_random} random. A flip is an "
        "estimated forward more than 90° from the true one. *lowest forward agreement*: the "
        "smallest share of forward votes that agreed with the decision (1 = unanimous, 0.5 = a "
        "coin toss; a warning comes below 0.8). *heading vs "
        "T*: the estimated forward against the recording's own x, on the ground; *y axis vs T* "
        "and *up vs T*: the estimated axes against the recording's own (real files: the "
        "sensor's axes, which sit ~16° off level and ~18° off the foot's heading on "
        "imu_sample; sim: its swing axis is 8.5° off y by construction); *consistency*: the "
        "estimate on the rotated copy against the unrotated one turned by Q; *travel "
        "heading*: where the foot moves per step, off the estimated forward. See "
        "docs/alignment.md."
    )
    body += (
        "\n\nQuality figures on the unrotated data (min – max over feet, rates and walks; "
        "docs/alignment.md says what each means and when it warns):\n\n" + quality
    )
    print(body)
    if args.write:
        from _report import write_section

        cmd = ".venv/bin/python benchmarks/alignment_accuracy.py" + (
            " --quick" if args.quick else f" --random {args.random} --seeds {args.seeds}"
        )
        write_section(
            "Sensor-to-foot alignment (rotated sensors, four rates)", body, cmd + " --write"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

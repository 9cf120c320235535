"""Gait-event and stride-length accuracy and run time: ras's analysis vs gaitmap, same data.

Data: the gaitmap example recording (tests/data/gaitmap-example/imu_sample.csv, 204.8 Hz, two
feet, 2 x 20 m with a turn) with its motion-capture reference; tests/datasets.py says where
(RAS_TEST_DATA overrides, --data too). For each system:

- IC (both landmarks) and TO against the reference (F1 within 50 ms, median |error|, bias),
  counted from the first to the last reference event but leaving out, on both sides, the turn
  between the hand-labelled walking bouts (stride_borders_sample.csv), where the reference
  lacks the turning steps; IC F1 also over the whole reference span (turn steps the reference
  lacks count as false positives);
- stride length against the heel displacement of position_sample.csv, on straight strides
  (|turning| <= 10 deg by the motion-capture orientation) and on all reference strides;
- run time on the recording, and on one hour of two-foot data (the recording tiled): time and
  peak memory (traced allocations) for ras, time for gaitmap, ratio per hour of data.

gaitmap (with gaitmap_mad, whose Barth DTW segmentation and Rampp event detection are its default
pipeline) runs in its own venv, benchmarks/.venv-gaitmap, created here on first use; it is never a
dependency of ras (gaitmap_mad is AGPL-3: it stays in that throwaway venv).

Usage: .venv/bin/python benchmarks/gait_accuracy.py [--data DIR] [--no-gaitmap] [--write]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's analysis, tests
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _report import write_section

from analysis.gait_events import GaitEventDetector, match_events
from analysis.imu_io import FootImu, load_imu_csv
from analysis.trajectory import StrideTrajectory
from tests.datasets import (
    GAITMAP_DIR,
    MissingTestDataError,
    in_region,
    read_borders,
    read_stride_events,
    read_stride_lengths,
    read_turn_deg,
    require_gaitmap,
)

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = GAITMAP_DIR
VENV = Path(__file__).resolve().parent / ".venv-gaitmap"
GAITMAP_PINS = ("gaitmap==2.6.0", "gaitmap_mad==2.6.0")
RATE_HZ = 204.8
HOUR_S = 3600.0
TOL_S = 0.05
STRAIGHT_DEG = 10.0

#: Runs inside the gaitmap venv: gaitmap's default pipeline on a two-header-row CSV.
GAITMAP_RUNNER = r"""
import json, sys, time
import pandas as pd
from gaitmap.utils.coordinate_conversion import convert_to_fbf
from gaitmap.stride_segmentation import BarthDtw
from gaitmap.event_detection import RamppEventDetection
from gaitmap.trajectory_reconstruction import StrideLevelTrajectory
from gaitmap.parameters import SpatialParameterCalculation

path, fs, repeats = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
data = pd.read_csv(path, header=[0, 1], index_col=0)
times = []
for _ in range(repeats):
    t0 = time.perf_counter()
    bf = convert_to_fbf(data, left_like="left_", right_like="right_")
    dtw = BarthDtw().segment(data=bf, sampling_rate_hz=fs)
    ed = RamppEventDetection().detect(data=bf, stride_list=dtw.stride_list_, sampling_rate_hz=fs)
    tr = StrideLevelTrajectory().estimate(
        data=data, stride_event_list=ed.min_vel_event_list_, sampling_rate_hz=fs
    )
    sp = SpatialParameterCalculation().calculate(
        stride_event_list=ed.min_vel_event_list_,
        positions=tr.position_,
        orientations=tr.orientation_,
        sampling_rate_hz=fs,
    )
    times.append(time.perf_counter() - t0)
out = {"times_s": times, "feet": {}}
for sensor in ("left_sensor", "right_sensor"):
    ev = ed.min_vel_event_list_[sensor]
    par = sp.parameters_[sensor].reindex(ev.index)
    out["feet"][sensor.removesuffix("_sensor")] = {
        "ic": ev["ic"].tolist(),
        "tc": ev["tc"].tolist(),
        "start": ev["start"].tolist(),
        "end": ev["end"].tolist(),
        "pre_ic": ev["pre_ic"].tolist(),
        "stride_length_m": par["stride_length"].tolist(),
    }
json.dump(out, sys.stdout)
"""


def gaitmap_python() -> Path:
    """The gaitmap venv's python, creating the venv (pinned gaitmap) if needed."""
    py = VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", *GAITMAP_PINS], check=True)
    return py


def run_gaitmap(csv_path: Path, fs: float, repeats: int) -> dict:
    """gaitmap's default pipeline on ``csv_path`` in its venv; events, lengths and run times."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(GAITMAP_RUNNER)
    out = subprocess.run(
        [str(gaitmap_python()), fh.name, str(csv_path), str(fs), str(repeats)],
        capture_output=True,
        text=True,
    )
    Path(fh.name).unlink()
    if out.returncode != 0:
        raise RuntimeError(f"gaitmap run failed:\n{out.stderr}")
    return json.loads(out.stdout)


def run_ras(feet: dict[str, FootImu], **settings: str) -> dict:
    """ras's offline analysis of each foot: events, stride table, trajectory."""
    out = {}
    for side, imu in feet.items():
        det = GaitEventDetector(**settings).detect(imu)
        traj = StrideTrajectory().estimate(imu, det.swings_.ms_idx)
        out[side] = {"det": det, "traj": traj}
    return out


def read_reference(data_dir: Path) -> dict:
    """Per foot: reference events (sample indices), walking bouts, stride lengths and turns."""
    events = read_stride_events(data_dir / "stride_events_sample.csv")
    borders = read_borders(data_dir / "stride_borders_sample.csv")
    lengths = read_stride_lengths(data_dir / "position_sample.csv")
    turns = read_turn_deg(data_dir / "orientation_sample.csv")
    return {
        side: {
            "events": ev,
            "borders": borders[side],
            "length_m": lengths[side],
            "turn_deg": turns[side],
        }
        for side, ev in events.items()
    }


def evaluate(
    ic: np.ndarray, to: np.ndarray, starts: np.ndarray, lengths: np.ndarray, r: dict, fs: float
) -> dict:
    """Accuracy of one foot's events (sample indices) and MS-to-MS stride lengths."""
    ev = r["events"]
    ref_ic = np.unique(np.r_[ev["pre_ic"], ev["ic"]])
    ref_tc = ev["tc"]
    ic = ic[np.isfinite(ic)]
    to = to[np.isfinite(to)]
    tol = TOL_S * fs
    b = r["borders"]
    m_ic = match_events(
        ic[in_region(ic, ref_ic, b, tol)], ref_ic[in_region(ref_ic, ref_ic, b, tol)], tol
    )
    m_to = match_events(
        to[in_region(to, ref_tc, b, tol)], ref_tc[in_region(ref_tc, ref_tc, b, tol)], tol
    )
    span = (ic >= ref_ic.min() - tol) & (ic <= ref_ic.max() + tol)
    m_all = match_events(ic[span], ref_ic, tol)
    err_len, straight = [], []
    for s_id, start in zip(ev["s_id"].astype(int), ev["start"], strict=True):
        k = int(np.argmin(np.abs(starts - start))) if starts.size else -1
        if k < 0 or abs(starts[k] - start) > 0.3 * fs:
            continue
        err_len.append(lengths[k] - r["length_m"][s_id])
        straight.append(abs(r["turn_deg"][s_id]) <= STRAIGHT_DEG)
    err = np.asarray(err_len)
    st = np.asarray(straight, dtype=bool)
    ms = 1000.0 / fs
    return {
        "ic_f1": m_ic["f1"],
        "ic_fp_fn": (m_ic["fp"], m_ic["fn"]),
        "ic_f1_span": m_all["f1"],
        "ic_mae_ms": float(np.median(np.abs(m_ic["error"]))) * ms,
        "ic_bias_ms": float(np.median(m_ic["error"])) * ms,
        "to_f1": m_to["f1"],
        "to_mae_ms": float(np.median(np.abs(m_to["error"]))) * ms,
        "to_bias_ms": float(np.median(m_to["error"])) * ms,
        "len_n": (int(st.sum()), len(ev["s_id"])),
        "len_mae_straight_cm": float(np.mean(np.abs(err[st]))) * 100,
        "len_bias_straight_cm": float(np.mean(err[st])) * 100,
        "len_mae_all_cm": float(np.mean(np.abs(err))) * 100,
    }


def second_recording(data_dir: Path) -> dict[str, dict]:
    """Both IC landmarks on imu_sample_ic_stride.csv (102.4 Hz) vs its motion-capture ICs
    (the stride borders of stride_borders_sample_ic_stride.csv start at IC): found, error.

    The sensor frame is tilted about its own y axis, the foot's pitch axis, and the impact uses
    the acceleration's norm, so the events need no alignment.
    """
    feet = load_imu_csv(data_dir / "imu_sample_ic_stride.csv", 102.4)
    borders = read_borders(data_dir / "stride_borders_sample_ic_stride.csv")
    out = {}
    for landmark in ("impact", "gyro_zero"):
        for side, foot in feet.items():
            det = GaitEventDetector(ic_landmark=landmark).detect(foot)
            ref = np.unique(borders[side]) / 102.4
            near = match_events(det.ic_t_s_, ref, 0.15)
            within = match_events(det.ic_t_s_, ref, TOL_S)
            out[(landmark, side)] = {
                "tp": within["tp"],
                "n": ref.size,
                "err_ms": np.asarray(near["error"]) * 1000,
            }
    return out


def tile_feet(feet: dict[str, FootImu], duration_s: float) -> dict[str, FootImu]:
    """The recording repeated until it lasts ``duration_s``."""
    out = {}
    for side, f in feet.items():
        reps = int(np.ceil(duration_s * f.sampling_rate_hz / f.n_samples))
        n = round(duration_s * f.sampling_rate_hz)
        out[side] = FootImu(
            np.tile(f.acc_mps2, (reps, 1))[:n],
            np.tile(f.gyr_dps, (reps, 1))[:n],
            f.sampling_rate_hz,
            side,
        )
    return out


def time_ras_hour(feet: dict[str, FootImu]) -> dict:
    """Time (best of 3) and peak traced memory of ras's analysis of one hour of two-foot data."""
    hour = tile_feet(feet, HOUR_S)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        res = run_ras(hour)
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    run_ras(hour)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    n_strides = sum(r["traj"].stride_length_m_.size for r in res.values())
    input_mb = sum(f.acc_mps2.nbytes + f.gyr_dps.nbytes for f in hour.values()) / 1e6
    return {"time_s": min(times), "peak_mb": peak / 1e6, "strides": n_strides, "input_mb": input_mb}


def write_hour_csv(data_dir: Path, path: Path) -> None:
    """imu_sample.csv tiled to one hour, in the same two-header-row layout (for gaitmap)."""
    lines = (data_dir / "imu_sample.csv").read_text().splitlines()
    header, body = lines[:2], lines[2:]
    n = round(HOUR_S * RATE_HZ)
    with path.open("w") as fh:
        fh.write("\n".join(header) + "\n")
        i = 0
        while i < n:
            for line in body:
                if i >= n:
                    break
                fh.write(f"{i}{line[line.index(',') :]}\n")
                i += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="gaitmap example data folder")
    parser.add_argument("--no-gaitmap", action="store_true", help="skip the gaitmap comparison")
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md section")
    args = parser.parse_args(argv)
    try:
        require_gaitmap(args.data)
    except MissingTestDataError as exc:
        parser.error(str(exc))
    csv_path = args.data / "imu_sample.csv"
    feet = load_imu_csv(csv_path, RATE_HZ)
    ref = read_reference(args.data)

    rows: dict[str, dict[str, dict]] = {}
    run_times: dict[str, float] = {}
    for system, landmark in (("ras, IC impact", "impact"), ("ras, IC gyro zero", "gyro_zero")):
        t = []
        for _ in range(5):
            t0 = time.perf_counter()
            res = run_ras(feet, ic_landmark=landmark)
            t.append(time.perf_counter() - t0)
        run_times.setdefault("ras", min(t))
        rows[system] = {}
        for side, r in res.items():
            sw = r["det"].swings_
            tr = r["traj"]
            rows[system][side] = evaluate(
                sw.ic_idx, sw.to_idx, tr.start_idx_, tr.stride_length_m_, ref[side], RATE_HZ
            )
    hour = time_ras_hour(feet)
    gm_hour_s = None
    if not args.no_gaitmap:
        gm = run_gaitmap(csv_path, RATE_HZ, 3)
        run_times["gaitmap"] = min(gm["times_s"][1:])  # the first run compiles (numba)
        rows["gaitmap"] = {}
        for side, g in gm["feet"].items():
            rows["gaitmap"][side] = evaluate(
                np.asarray(g["ic"]),
                np.asarray(g["tc"]),
                np.asarray(g["start"]),
                np.asarray(g["stride_length_m"]),
                ref[side],
                RATE_HZ,
            )
        with tempfile.TemporaryDirectory() as tmp:
            hour_csv = Path(tmp) / "hour.csv"
            write_hour_csv(args.data, hour_csv)
            gm_h = run_gaitmap(hour_csv, RATE_HZ, 1)
            gm_hour_s = gm_h["times_s"][0]

    body = _report(rows, run_times, hour, gm_hour_s, feet, second_recording(args.data))
    print(body)
    if args.write:
        cmd = ".venv/bin/python benchmarks/gait_accuracy.py --write"
        write_section("Gait events and stride length (gaitmap example data)", body, cmd)
    return 0


def _report(rows, run_times, hour, gm_hour_s, feet, second) -> str:
    dur = next(iter(feet.values())).duration_s
    out = [
        f"Data: gaitmap example `imu_sample.csv` ({dur:.1f} s, two feet, {RATE_HZ} Hz) against "
        "its motion-capture reference. Events are counted from the first to the last reference "
        "event, leaving out (on both sides, with a 50 ms margin) the turn between the "
        "hand-labelled walking bouts of `stride_borders_sample.csv`, where the reference lacks "
        "the turning steps; "
        "'IC F1 span' counts every detection between the first and last reference IC, so turn "
        "steps the reference lacks are false positives there. Stride length: heel displacement "
        "per reference stride (`position_sample.csv`); straight = |turning| <= 10 deg.",
        "",
        "| system | foot | IC F1 (50 ms) | IC F1 span | IC median abs / bias ms | "
        "TO F1 | TO median abs / bias ms | stride length MAE straight (n) cm | bias cm | "
        "MAE all strides cm |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for system, feet_rows in rows.items():
        for side, m in feet_rows.items():
            out.append(
                f"| {system} | {side} | {m['ic_f1']:.3f} | {m['ic_f1_span']:.3f} | "
                f"{m['ic_mae_ms']:.1f} / {m['ic_bias_ms']:+.1f} | {m['to_f1']:.3f} | "
                f"{m['to_mae_ms']:.1f} / {m['to_bias_ms']:+.1f} | "
                f"{m['len_mae_straight_cm']:.1f} ({m['len_n'][0]}) | "
                f"{m['len_bias_straight_cm']:+.1f} | {m['len_mae_all_cm']:.1f} |"
            )
    if "gaitmap" in rows:
        bias = np.mean([m["ic_bias_ms"] for m in rows["gaitmap"].values()])
        out += [
            "",
            f"gaitmap (2.6.0, default pipeline: Barth DTW segmentation, Rampp event detection, "
            f"stride-level trajectory) places IC on Rampp's acceleration-refined event, on average "
            f"{bias:+.0f} ms from the motion-capture heel strike here: its low IC F1 at 50 ms is "
            "that systematic offset (and strides DTW did not segment), not a fault in the "
            "comparison.",
        ]
    parts = [
        f"{landmark} {side}: {r['tp']}/{r['n']} within 50 ms, error median "
        f"{np.median(r['err_ms']):+.0f} ms (range {r['err_ms'].min():+.0f} to "
        f"{r['err_ms'].max():+.0f})"
        for (landmark, side), r in second.items()
    ]
    out += [
        "",
        "IC landmarks (docs/gait-events.md, 'Which landmark is initial contact'): ras places IC "
        "at the onset of the heel-strike impact by default, the zero rise of the sagittal gyro "
        "with `ic_landmark='gyro_zero'`. The reference of `imu_sample.csv` (motion capture, Zeni) "
        "sits on the gyro zero rise, about 20 ms before the impact; the reference of the second "
        "recording sits on the impact, 55-110 ms after the zero rise. Bias = median of "
        "detected - reference.",
        "",
        "Second recording, `imu_sample_ic_stride.csv` (102.4 Hz), ras IC vs its motion-capture "
        "ICs (errors of matches within 150 ms): " + "; ".join(parts) + ".",
    ]
    out += ["", f"Run time on the recording (best of repeated runs): ras {run_times['ras']:.3f} s"]
    if "gaitmap" in run_times:
        out[-1] += (
            f", gaitmap {run_times['gaitmap']:.3f} s (after a first, compiling run) — "
            f"ras {run_times['gaitmap'] / run_times['ras']:.0f}x faster"
        )
    out += [
        "",
        f"One hour of two-foot data ({RATE_HZ} Hz, the recording tiled; events + strides + "
        f"trajectory, {hour['strides']} strides): ras **{hour['time_s']:.2f} s** "
        f"(target < 2 s, best of 3), peak memory allocated by the analysis "
        f"**{hour['peak_mb']:.0f} MB** (tracemalloc; target < 500 MB) on top of the "
        f"{hour['input_mb']:.0f} MB input arrays",
    ]
    if gm_hour_s is not None:
        out[-1] += (
            f"; gaitmap {gm_hour_s:.1f} s for the same hour (one run, pandas CSV read excluded) "
            f"— ras {gm_hour_s / hour['time_s']:.0f}x faster per hour of data"
        )
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())

"""`ras analyse` on a cohort: files and hours of data per second, 1 and 2 workers, a Dask
LocalCluster and the naive baseline (one `ras analyse` process per file), in one run.

The cohort: ``--n`` recordings synthesised by the virtual patient (ras.sim.recording, written
with analysis.imu_io.write_imu_csv as the simulator's IMU files are), presets healthy /
parkinson / stroke in turn, ``--min-s``..``--max-s`` long at ``--rate-hz``, plus the real
recordings of ../shared/data/gaitmap-example as they are (imu_sample.csv and
imu_sample_not_rotated.csv at 204.8 Hz, imu_sample_ic_stride.csv at 102.4 Hz; each rate is its
own `ras analyse` call, as the rate is an option). Every mode analyses every file through the
real command line, timed from the command's start to its exit (start-up included); the
summaries of --jobs 1, --jobs 2 and the cluster are compared byte for byte.

Start-up: ``python -X importtime -m ras analyse`` on one 20 s file, for this tree, the tree of
``--before`` (git archive, read-only) and a temporary copy of this tree whose alignment takes
``find_peaks`` from analysis.peaks instead of scipy.signal; wall time the median of 3 runs.

gaitmap (``--gaitmap-python``, a throw-away venv, never a dependency of ras): when it runs,
the same synthetic files through gaitmap's Rampp event detection per file in one process;
when it does not, the section says why and the naive baseline is the comparison.

    .venv/bin/python benchmarks/analyse_batch.py --write
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks._report import write_section  # noqa: E402

SHARED = REPO.parent / "shared" / "data" / "gaitmap-example"
PRESETS = ("healthy", "parkinson", "stroke")
#: Real recordings: (files, sampling rate Hz).
REAL = (
    (("imu_sample.csv", "imu_sample_not_rotated.csv"), 204.8),
    (("imu_sample_ic_stride.csv",), 102.4),
)
CACHE = Path(tempfile.gettempdir()) / "ras-bench-analyse-batch"
IMPORTS = (
    "ras.cli",
    "ras.commands.analyse",
    "ras.batch.recording",
    "analysis.pipeline",
    "scipy.signal",
    "analysis.summary",
)


def synthesise(n: int, min_s: float, max_s: float, rate_hz: float, seed: int) -> Path:
    """The synthetic cohort folder (made once per settings, then reused)."""
    import numpy as np

    from analysis.imu_io import write_imu_csv
    from ras.sim.presets import make_params
    from ras.sim.recording import simulate_walk

    folder = CACHE / f"n{n}-{min_s:g}-{max_s:g}s-{rate_hz:g}hz-seed{seed}"
    done = folder / ".complete"
    if done.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    rng = np.random.default_rng(seed)
    for k in range(n):
        preset = PRESETS[k % len(PRESETS)]
        duration_s = float(rng.uniform(min_s, max_s))
        walk = simulate_walk(
            make_params(preset), duration_s=duration_s, sampling_rate_hz=rate_hz, seed=seed + k
        )
        path = folder / preset / f"{preset}-{k:03d}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_imu_csv(path, walk.feet)
        print(f"synthesised {k + 1}/{n}", end="\r", file=sys.stderr, flush=True)
    done.write_text("ok\n")
    print(file=sys.stderr)
    return folder


def real_folders() -> list[tuple[Path, float]]:
    """The real recordings copied as they are into one folder per sampling rate (a folder is
    a batch even with one file in it)."""
    out = []
    for names, rate in REAL:
        folder = CACHE / f"real-{rate:g}hz"
        folder.mkdir(parents=True, exist_ok=True)
        for n in names:
            if (SHARED / n).is_file() and not (folder / n).exists():
                shutil.copyfile(SHARED / n, folder / n)
        if any(folder.glob("*.csv")):
            out.append((folder, rate))
    return out


def groups(cohort: Path) -> list[tuple[list[str], list[str]]]:
    """(inputs, options) of each `ras analyse` call that together cover the cohort."""
    out: list[tuple[list[str], list[str]]] = [([str(cohort)], [])]
    for folder, rate in real_folders():
        out.append(([str(folder)], ["--sampling-rate-hz", f"{rate:g}"]))
    return out


def files_of(cohort: Path) -> list[tuple[str, list[str]]]:
    """Each recording with the options its call needs (the naive baseline's calls)."""
    out = [(str(p), []) for p in sorted(cohort.rglob("*.csv"))]
    for folder, rate in real_folders():
        out += [(str(p), ["--sampling-rate-hz", f"{rate:g}"]) for p in sorted(folder.glob("*.csv"))]
    return out


def ras(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ras", "analyse", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


def run_mode(cohort: Path, out: Path, options: list[str]) -> dict[str, object]:
    """Every group through `ras analyse ... options`; wall time, load, hours, summaries."""
    shutil.rmtree(out, ignore_errors=True)
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    summaries = []
    for k, (inputs, opts) in enumerate(groups(cohort)):
        dest = out / f"group{k}"
        proc = ras([*inputs, "--out", str(dest), *opts, *options])
        if proc.returncode not in (0, 1) or not (dest / "summary.json").exists():
            raise SystemExit(f"ras analyse failed ({proc.returncode}): {proc.stderr[-2000:]}")
        summaries.append(dest / "summary.json")
    wall_s = time.perf_counter() - t0
    rows = [r for s in summaries for r in json.loads(s.read_text())["recordings"]]
    real = [r for s in summaries[1:] for r in json.loads(s.read_text())["recordings"]]
    return {
        "real_hours": sum(r["duration_s"] or 0.0 for r in real) / 3600.0,
        "wall_s": wall_s,
        "files": len(rows),
        "failed": sum(1 for r in rows if r["status"] != "ok"),
        "hours": sum(r["duration_s"] or 0.0 for r in rows) / 3600.0,
        "load": (load_before, os.getloadavg()[0]),
        "summaries": b"".join(s.with_suffix(".csv").read_bytes() for s in summaries),
    }


def run_naive(cohort: Path, out: Path, hours: float) -> dict[str, object]:
    """One `ras analyse FILE` process per recording, one after another (as before batches)."""
    shutil.rmtree(out, ignore_errors=True)
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    failed = 0
    items = files_of(cohort)
    for k, (path, opts) in enumerate(items):
        proc = ras([path, "--out", str(out / str(k)), *opts])
        failed += proc.returncode != 0
    wall_s = time.perf_counter() - t0
    return {
        "wall_s": wall_s,
        "files": len(items),
        "failed": failed,
        "hours": hours,
        "load": (load_before, os.getloadavg()[0]),
    }


def importtime(root: Path, src: Path, out: Path) -> dict[str, float]:
    """Cumulative import ms of :data:`IMPORTS` and median wall s of `ras analyse src` (3 runs)
    with the ras of ``root``."""
    env = dict(os.environ, PYTHONPATH=str(root))
    walls = []
    cum: dict[str, float] = {}
    for k in range(3):
        t0 = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-X",
                "importtime",
                "-m",
                "ras",
                "analyse",
                str(src),
                "--out",
                str(out / f"run{k}"),
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=root,
            env=env,
        )
        walls.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            raise SystemExit(f"start-up run failed in {root}: {proc.stderr[-1000:]}")
        for line in proc.stderr.splitlines():
            m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|(\s*)(\S+)", line)
            if m and m.group(3) in IMPORTS:
                cum.setdefault(m.group(3), int(m.group(1)) / 1000.0)
    return {"wall_s": statistics.median(walls), **cum}


def before_tree(rev: str) -> Path:
    """The repository at ``rev`` (git archive into a temporary folder; the tree is untouched)."""
    dest = Path(tempfile.mkdtemp(prefix="ras-before-"))
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", rev, "ras", "analysis"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest


#: The proposed change measured in a copy: the alignment's find_peaks from analysis.peaks.
SCIPY_LINE = "from scipy.signal import find_peaks\n"
PEAKS_LINE = "from analysis.peaks import find_peaks\n"


def peaks_tree() -> Path | None:
    """A copy of this tree's ras/ and analysis/ with analysis/alignment.py taking find_peaks
    from analysis.peaks (None when the tree already does, or the line is not there)."""
    text = (REPO / "analysis" / "alignment.py").read_text()
    if SCIPY_LINE not in text:
        return None
    dest = Path(tempfile.mkdtemp(prefix="ras-peaks-"))
    for pkg in ("ras", "analysis"):
        shutil.copytree(REPO / pkg, dest / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    (dest / "analysis" / "alignment.py").write_text(text.replace(SCIPY_LINE, PEAKS_LINE))
    return dest


def startup(before_rev: str, work: Path, rate_hz: float) -> list[str]:
    """The start-up table: before, this tree, and the copy of :func:`peaks_tree`."""
    small = work / "small.csv"
    _small_file(small, rate_hz)
    trees: list[tuple[str, Path, bool]] = [
        (f"before ({before_rev})", before_tree(before_rev), True)
    ]
    trees.append(("this tree", REPO, False))
    peaks = peaks_tree()
    if peaks is not None:
        trees.append(("this tree, alignment's find_peaks from analysis.peaks (copy)", peaks, True))
    lines = [
        "Start-up of `ras analyse` on one 20 s file (median wall of 3 runs; cumulative import "
        "ms from `python -X importtime`, first run; `-` = not imported):",
        "",
        "| tree | wall s | " + " | ".join(f"`{m}` ms" for m in IMPORTS) + " |",
        "| --- | ---: | " + " | ".join("---:" for _ in IMPORTS) + " |",
    ]
    for k, (name, root, temporary) in enumerate(trees):
        d = importtime(root, small, work / f"startup{k}")
        if temporary:
            shutil.rmtree(root, ignore_errors=True)
        cells = " | ".join(f"{d[m]:.0f}" if m in d else "-" for m in IMPORTS)
        lines.append(f"| {name} | {d['wall_s']:.2f} | {cells} |")
    return lines


GAITMAP_SCRIPT = r"""
import sys, time, json
import numpy as np, pandas as pd
from gaitmap.event_detection import RamppEventDetection
from gaitmap.stride_segmentation import BarthDtw
from gaitmap.utils.coordinate_conversion import convert_to_fbf
t0 = time.perf_counter()
n = strides = 0
for path in sys.argv[1:]:
    with open(path) as fh:
        head = [fh.readline(), fh.readline()]
    rate = float([h for h in head if 'sampling_rate_hz' in h][0].split(':')[1])
    df = pd.read_csv(path, comment='#')
    data = {}
    for side in ('left', 'right'):
        cols = {f'{side}_acc_{a}_mps2': f'acc_{a}' for a in 'xyz'}
        cols |= {f'{side}_gyr_{a}_dps': f'gyr_{a}' for a in 'xyz'}
        data[side + '_sensor'] = df[list(cols)].rename(columns=cols)
    data = convert_to_fbf(data, left_like='left_', right_like='right_')
    dtw = BarthDtw().segment(data=data, sampling_rate_hz=rate)
    ed = RamppEventDetection().detect(
        data=data, stride_list=dtw.stride_list_, sampling_rate_hz=rate
    )
    n += 1
    strides += sum(len(ed.min_vel_event_list_[k]) for k in ed.min_vel_event_list_)
print(json.dumps({'files': n, 'strides': strides, 'wall_s': time.perf_counter() - t0}))
"""


def run_gaitmap(python: str, cohort: Path) -> tuple[dict[str, object] | None, str]:
    """gaitmap on the synthetic files in one process; (figures, '') or (None, why not)."""
    if not python or not Path(python).exists():
        return None, f"no gaitmap interpreter at {python or '(none given)'}"
    files = [str(p) for p in sorted(cohort.rglob("*.csv"))]
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.run(
        [python, "-c", GAITMAP_SCRIPT, *files], capture_output=True, text=True, check=False
    )
    wall_s = time.perf_counter() - t0
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        return None, f"gaitmap did not run: {last[:300]}"
    done = json.loads(proc.stdout.strip().splitlines()[-1])
    return {
        "wall_s": float(done["wall_s"]),
        "with_start_s": wall_s,
        "files": int(done["files"]),
        "strides": int(done["strides"]),
        "load": (load_before, os.getloadavg()[0]),
    }, ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100, help="synthetic recordings (default 100)")
    ap.add_argument("--min-s", type=float, default=120.0, help="shortest, s (default 120)")
    ap.add_argument("--max-s", type=float, default=240.0, help="longest, s (default 240)")
    ap.add_argument("--rate-hz", type=float, default=100.0, help="IMU rate, Hz (default 100)")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--before", default="3bb7ad2", help="git revision for the start-up 'before'")
    ap.add_argument("--gaitmap-python", default="/tmp/gaitmap-venv/bin/python")
    ap.add_argument("--skip-naive", action="store_true", help="leave out the naive baseline")
    ap.add_argument("--write", action="store_true", help="write docs/benchmarks.md")
    args = ap.parse_args()

    cohort = synthesise(args.n, args.min_s, args.max_s, args.rate_hz, args.seed)
    work = Path(tempfile.mkdtemp(prefix="ras-bench-batch-"))
    results: dict[str, dict[str, object]] = {}
    print("jobs 1 ...", file=sys.stderr, flush=True)
    results["--jobs 1"] = run_mode(cohort, work / "j1", ["--jobs", "1"])
    print("jobs 2 ...", file=sys.stderr, flush=True)
    results["--jobs 2"] = run_mode(cohort, work / "j2", ["--jobs", "2"])
    from distributed import LocalCluster

    print("Dask LocalCluster ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        cluster_start_s = time.perf_counter() - t0
        results["--scheduler (LocalCluster, 2 workers)"] = run_mode(
            cohort, work / "dask", ["--scheduler", cluster.scheduler_address]
        )
    hours = float(results["--jobs 1"]["hours"])  # type: ignore[arg-type]
    if not args.skip_naive:
        print("naive baseline ...", file=sys.stderr, flush=True)
        results["naive: one `ras analyse FILE` per file"] = run_naive(cohort, work / "naive", hours)
    print("gaitmap ...", file=sys.stderr, flush=True)
    gm, gm_why = run_gaitmap(args.gaitmap_python, cohort)
    same = (
        results["--jobs 1"]["summaries"]
        == results["--jobs 2"]["summaries"]
        == results["--scheduler (LocalCluster, 2 workers)"]["summaries"]
    )
    print("start-up ...", file=sys.stderr, flush=True)
    startup_lines = startup(args.before, work, args.rate_hz)

    base = float(results["--jobs 1"]["wall_s"])  # type: ignore[arg-type]
    lines = [
        f"{args.n} synthetic recordings ({', '.join(PRESETS)} in turn, "
        f"{args.min_s:g}-{args.max_s:g} s at {args.rate_hz:g} Hz, two feet) and the real "
        f"gaitmap example recordings ({sum(len(n) for n, _ in REAL)} files as they are), "
        f"{hours:.2f} h of data in all; {os.cpu_count()} cores. Every figure is the whole "
        "command line (start-up included), all in one run; load average = the 1-minute "
        "load before / after each row (others were working on this machine).",
        "",
        "| mode | files | failed | wall s | files/s | hours of data/s | vs --jobs 1 | load |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, r in results.items():
        wall = float(r["wall_s"])  # type: ignore[arg-type]
        load = r["load"]
        n_files = int(r["files"])  # type: ignore[call-overload]
        lines.append(
            f"| {name} | {n_files} | {r['failed']} | {wall:.1f} | {n_files / wall:.2f} | "
            f"{hours / wall:.3f} | {base / wall:.2f}x | {load[0]:.1f} / {load[1]:.1f} |"  # type: ignore[index]
        )
    if gm is not None:
        wall = float(gm["wall_s"])  # type: ignore[arg-type]
        synth_h = hours - float(results["--jobs 1"]["real_hours"])
        start_s = float(gm["with_start_s"]) - wall
        n_gm = int(gm["files"])
        load = gm["load"]
        lines.append(
            f"| gaitmap 2.6 (BarthDtw + RamppEventDetection, one process, the synthetic files "
            f"only, {gm['strides']} strides; its loop, without its {start_s:.1f} s of start-up) "
            f"| {n_gm} | - | {wall:.1f} | {n_gm / wall:.2f} | {synth_h / wall:.3f} | "
            f"{base / wall:.2f}x | {load[0]:.1f} / {load[1]:.1f} |"
        )
    j2 = float(results["--jobs 2"]["wall_s"])  # type: ignore[arg-type]
    lines += [
        "",
        f"2 workers vs 1: **{base / j2:.2f}x** (the acceptance asks for at least 1.8x on an idle "
        "2-core machine)."
        + (
            f" Batch (--jobs 1) vs the naive baseline: "
            f"{float(results['naive: one `ras analyse FILE` per file']['wall_s']) / base:.1f}x."  # type: ignore[arg-type]
            if not args.skip_naive
            else ""
        ),
        f"The LocalCluster took {cluster_start_s:.1f} s to start (not in its row). "
        "summary.csv of --jobs 1, --jobs 2 and the cluster identical: "
        f"**{'yes' if same else 'NO'}**.",
        "With a load average above the number of cores, a second worker finds no free core "
        "and the rows say more about the neighbours than about ras; the 2-worker figure is "
        "for an idle machine. gaitmap's row is events only (stride segmentation and Rampp "
        "events); ras's rows also align each foot, integrate every stride (length, speed, "
        "clearance), detect freezing, write three files per recording and the summary.",
    ]
    if gm is None:
        lines.append(f"gaitmap: not compared ({gm_why}); the naive baseline is the comparison.")
    lines += ["", *startup_lines]
    body = "\n".join(lines)
    print(body)
    if args.write:
        write_section(
            "`ras analyse` batches (files and hours per second)",
            body,
            "python benchmarks/analyse_batch.py --write",
        )
    shutil.rmtree(work, ignore_errors=True)
    return 0


def _small_file(path: Path, rate_hz: float) -> None:
    from analysis.imu_io import write_imu_csv
    from ras.sim.presets import make_params
    from ras.sim.recording import simulate_walk

    walk = simulate_walk(make_params("healthy"), duration_s=20.0, sampling_rate_hz=rate_hz, seed=1)
    write_imu_csv(path, walk.feet)


if __name__ == "__main__":
    sys.exit(main())

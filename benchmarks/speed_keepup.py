"""Can a simulated session keep up at a given ``--speed``? Cues and phases, idle and under load.

Runs the real command, ``ras run --simulate healthy --audio none|wav:... --speed S`` (a whole
session: virtual patient on ptys, links, runner, cue engine, recorder), for a session of
``--minutes`` (default 10: 60 s baseline, the rest cued, 60 s probe) at each speed, once on an
otherwise idle process and once while ``--load`` busy processes (default 2, one per core here)
spin. From the session's database and its summary: cues planned, played, skipped (decided too
late to play) and late (sounded > 10 ms after their beat), and each phase's duration error
(recorded minus planned, session s). The fastest speed with no skipped cue under load is the
one :data:`ras.session_clock.MAX_SPEED` should not exceed.

The machine is shared: note the load average printed with each row.

Usage: python benchmarks/speed_keepup.py [--speeds 10,25,40,60] [--minutes 10] [--load 2]
       [--audio none|wav] [--write]
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _report import write_section

RAS = [sys.executable, "-m", "ras"]
BUSY = [sys.executable, "-c", "while True: pass"]


@dataclass
class Row:
    speed: float
    load: int
    audio: str
    wall_s: float
    status: str
    planned: int
    played: int
    skipped: int
    late: int
    phase_err_s: float  # largest |recorded - planned| phase duration
    loadavg: float


def run_one(speed: float, minutes: float, load: int, audio: str, folder: Path) -> Row:
    """One session through the CLI; its figures from the database and the summary line."""
    db = folder / f"s{speed:g}-l{load}-{audio}.sqlite3"
    baseline_s, probe_s = 60.0, 60.0
    cued_s = minutes * 60.0 - baseline_s - probe_s
    spec = "none" if audio == "none" else f"wav:{folder / f's{speed:g}-l{load}.wav'}"
    argv = [
        *RAS, "run", "--simulate", "healthy", "--audio", spec, "--speed", f"{speed:g}",
        "--baseline", f"{baseline_s:g}", "--cued", f"{cued_s:g}", "--probe", f"{probe_s:g}",
        "--seed", "1", "--db", str(db),
    ]  # fmt: skip
    busy = [subprocess.Popen(BUSY) for _ in range(load)]
    try:
        t0 = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=3600)
        wall_s = time.perf_counter() - t0
        loadavg = os.getloadavg()[0]
    finally:
        for p in busy:
            p.kill()
            p.wait()
    con = sqlite3.connect(db)
    try:
        status, reason = con.execute("SELECT status, end_reason FROM sessions").fetchone()
        played = con.execute("SELECT COUNT(*) FROM cues").fetchone()[0]
        spans = con.execute("SELECT name, start_t_s, end_t_s FROM phases").fetchall()
    finally:
        con.close()
    m = re.search(r"(\d+) of (\d+) cues skipped", reason or "")
    skipped, planned = (int(m[1]), int(m[2])) if m else (0, played)
    late_m = re.search(r"(\d+) cues late", proc.stdout + proc.stderr)
    planned_s = {"baseline": baseline_s, "cued": cued_s, "probe": probe_s}
    errors = [end - start - planned_s[name] for name, start, end in spans if end is not None]
    phase_err_s = max((abs(e) for e in errors), default=float("nan"))
    if proc.returncode not in (0, 3):
        print(proc.stderr[-2000:], file=sys.stderr)
    return Row(
        speed, load, audio, wall_s, status, planned, played, skipped,
        int(late_m[1]) if late_m else 0, phase_err_s, loadavg,
    )  # fmt: skip


def table(rows: list[Row]) -> str:
    head = (
        "| speed | busy procs | audio | wall s | status | cues planned | played | skipped"
        " | late | max phase error s | load avg |\n"
        "|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---:|\n"
    )
    return head + "\n".join(
        f"| {r.speed:g} | {r.load} | {r.audio} | {r.wall_s:.1f} | {r.status} | {r.planned}"
        f" | {r.played} | {r.skipped} | {r.late} | {r.phase_err_s:.3f} | {r.loadavg:.1f} |"
        for r in rows
    )


def conclusion(rows: list[Row]) -> str:
    """Which speeds kept every cue, idle and loaded, against the top speed --speed accepts."""
    from ras.session_clock import MAX_SPEED

    parts = []
    for load in sorted({r.load for r in rows}):
        kept = [r.speed for r in rows if r.load == load and r.skipped == 0 and r.planned > 0]
        who = "idle" if load == 0 else f"with {load} busy processes"
        best = f"up to {max(kept):g}x" if kept else "at none of the speeds tried"
        parts.append(f"{who}, every cue was kept {best}")
    return (
        f"{'; '.join(parts)}. `--speed` accepts up to {MAX_SPEED:g}"
        " (`ras.session_clock.MAX_SPEED`): the fastest speed that keeps every cue on this"
        " machine when it is not otherwise loaded; beyond what the machine keeps, the skipped"
        " cues are counted and the session ends `degraded` (never `complete`)."
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--speeds", default="10,25,40,60")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--load", type=int, default=2, help="busy processes in the loaded runs")
    ap.add_argument("--audio", choices=("none", "wav"), default="none")
    ap.add_argument("--write", action="store_true", help="write docs/benchmarks.md")
    args = ap.parse_args()
    speeds = [float(s) for s in args.speeds.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="ras-bench-speed-") as tmp:
        for load in sorted({0, args.load}):
            for speed in speeds:
                row = run_one(speed, args.minutes, load, args.audio, Path(tmp))
                print(table([row]).splitlines()[-1], flush=True)
                rows.append(row)
    body = (
        f"A {args.minutes:g}-minute `ras run --simulate healthy` session (60 s baseline, 60 s"
        " probe, the rest cued) per speed, idle and with busy processes spinning"
        " (`python -c 'while True: pass'`) on this 2-core machine, which other work shares"
        " (load average at the end of each run shown). Skipped: cues decided too late to play"
        " (the session ends `degraded`); late: cues that sounded > 10 ms after their beat."
        " Phase error: recorded minus planned phase duration.\n\n"
        + table(rows)
        + "\n\n"
        + conclusion(rows)
    )
    if args.write:
        cmd = "python benchmarks/speed_keepup.py " + " ".join(sys.argv[1:])
        write_section(f"Simulation speed: keeping up (--audio {args.audio})", body, cmd.strip())
    print(body)


if __name__ == "__main__":
    main()

"""Fault figures (issue 16): data lost per kill and per signal, memory and database size per hour.

1. **Seconds lost per kill / signal.** ``ras run --simulate healthy --audio none --speed S
   --imu-rate 100 --db X`` is sent SIGKILL, SIGTERM or SIGHUP at a random time (N runs each).
   The kill time in session seconds comes from the last status line the run printed (it starts
   with the session time) plus the wall time since, times S. Lost = that time minus the newest
   data in the database (the latest step's arrival time, or the end of the latest IMU chunk),
   in session seconds and in wall seconds (session / S: the recorder commits on the wall
   clock). Events are 10 ms apart (IMU at 100 Hz), so a figure near 0 means nothing was lost.
   For the signals it also records the exit status, the session status and end reason, whether
   a summary was printed, and whether a ``ras-*`` folder was left in the run's TMPDIR.
2. **Memory per session-hour.** Resident memory of the same command (no kill) sampled from
   /proc every 0.25 s: peak, and growth fitted over the second half of the session, per hour of
   session, against the naive baseline of keeping every IMU sample in memory as float64.
3. **Database size per hour**, with and without IMU, against the same data as raw float64.

Usage: .venv/bin/python benchmarks/fault_figures.py [--runs N] [--speed S] [--minutes M] [--write]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_section

__all__ = ["KillResult", "MemoryResult", "kill_run", "lost_s", "memory_run", "newest_data_s"]

REPO = Path(__file__).resolve().parent.parent
SECTION = "Fault figures"
_STATUS = re.compile(rb"^\s*(\d+(?:\.\d+)?) s  ")
IMU_RATE_HZ = 100
STEP_COLUMNS = 15  # numeric columns of a steps row (ras/store/schema.py)


def _env(folder: Path) -> dict[str, str]:
    (folder / "tmp").mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("RAS_DB", "DISPLAY")}
    env.update(TMPDIR=str(folder / "tmp"), HOME=str(folder), PYTHONPATH=str(REPO))
    return env


def _argv(db: Path, speed: float, imu_rate: int, session_s: float = 0.0) -> list[str]:
    argv = [sys.executable, "-m", "ras", "run", "--simulate", "healthy", "--audio", "none"]
    argv += ["--speed", f"{speed:g}", "--imu-rate", str(imu_rate), "--db", str(db)]
    if session_s:
        argv += ["--baseline", "60", "--cued", f"{session_s - 120:g}", "--probe", "60"]
    return argv


class _Lines:
    """Read a pipe on a thread, keeping each status line's session time and when it arrived."""

    def __init__(self, pipe) -> None:  # type: ignore[no-untyped-def]
        self.status: list[tuple[float, float]] = []  # (wall monotonic s, session s)
        self.text = b""
        self._pipe = pipe
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for line in iter(self._pipe.readline, b""):
            self.text += line
            if m := _STATUS.match(line):
                self.status.append((time.monotonic(), float(m.group(1))))

    def join(self) -> None:
        self._thread.join(timeout=30)


def newest_data_s(db: Path) -> float:
    """Session time of the newest data stored: a step's arrival or the end of an IMU chunk."""
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)) as c:
        step = c.execute("SELECT MAX(received_t_s) FROM steps").fetchone()[0]
        imu = c.execute("SELECT MAX(first_t_s + n / rate_hz) FROM imu_chunks").fetchone()[0]
    return max(v for v in (step, imu, 0.0) if v is not None)


def lost_s(
    status: list[tuple[float, float]], kill_wall_s: float, speed: float, newest: float
) -> float:
    """Session seconds between the kill and the newest stored data (0 if data is newer).

    Parameters
    ----------
    status : list of (wall s, session s)
        Status lines as read, oldest first.
    kill_wall_s : float
        Monotonic wall time of the kill.
    speed : float
        Session seconds per wall second.
    newest : float
        Session time of the newest stored data.
    """
    before = [(w, s) for w, s in status if w <= kill_wall_s]
    if not before:
        raise ValueError("the run printed no status line before the kill")
    wall, session = before[-1]
    return max(0.0, session + (kill_wall_s - wall) * speed - newest)


@dataclass
class KillResult:
    """One run ended by a signal."""

    signal_name: str
    kill_session_s: float
    lost_session_s: float
    returncode: int
    status: str
    end_reason: str
    summary: bool
    leaked: bool


def kill_run(sig: signal.Signals, after_s: float, speed: float, folder: Path) -> KillResult:
    """Start a run, send ``sig`` ``after_s`` wall seconds after its first status line."""
    db = folder / "ras.sqlite3"
    proc = subprocess.Popen(
        _argv(db, speed, IMU_RATE_HZ),
        env=_env(folder),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    lines = _Lines(proc.stdout)
    try:
        guard = time.monotonic() + 120
        while not lines.status and time.monotonic() < guard and proc.poll() is None:
            time.sleep(0.02)
        time.sleep(after_s)
        kill_wall = time.monotonic()
        proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    lines.join()
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)) as c:
        row = c.execute("SELECT * FROM sessions ORDER BY id DESC LIMIT 1")
        names = [d[0] for d in row.description]
        values = dict(zip(names, row.fetchone(), strict=True))
    kill_session = lost_s(lines.status, kill_wall, speed, 0.0)
    return KillResult(
        sig.name,
        kill_session,
        lost_s(lines.status, kill_wall, speed, newest_data_s(db)),
        proc.returncode,
        str(values.get("status")),
        str(values.get("end_reason") or ""),
        bool(re.search(rb"^session \d+ ", lines.text, re.MULTILINE)),
        any((folder / "tmp").glob("ras-*")),
    )


@dataclass
class MemoryResult:
    """One uninterrupted run: its memory and its database."""

    imu_rate_hz: int
    session_s: float
    peak_rss_mb: float
    growth_mb_per_h: float
    db_mb: float
    raw_mb: float
    status: str


def _rss_mb(pid: int) -> float | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    m = re.search(r"^VmRSS:\s+(\d+) kB", text, re.MULTILINE)
    return int(m.group(1)) / 1024 if m else None


def memory_run(imu_rate: int, session_s: float, speed: float, folder: Path) -> MemoryResult:
    """Run a whole session, sampling its resident memory; measure its database."""
    db = folder / "ras.sqlite3"
    t0 = time.monotonic()
    proc = subprocess.Popen(
        _argv(db, speed, imu_rate, session_s),
        env=_env(folder),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    samples: list[tuple[float, float]] = []
    while proc.poll() is None:
        if (rss := _rss_mb(proc.pid)) is not None:
            samples.append(((time.monotonic() - t0) * speed, rss))
        time.sleep(0.25)
    t_s, rss = np.array(samples).T
    half = t_s >= t_s[-1] / 2
    slope_mb_per_s = np.polyfit(t_s[half], rss[half], 1)[0] if half.sum() > 3 else float("nan")
    size = sum(p.stat().st_size for p in folder.glob("ras.sqlite3*"))
    with contextlib.closing(sqlite3.connect(db)) as c:
        n_steps = c.execute("SELECT COUNT(*) FROM steps").fetchone()[0]
        n_imu = c.execute("SELECT COALESCE(SUM(n), 0) FROM imu_chunks").fetchone()[0]
        status = c.execute("SELECT status FROM sessions ORDER BY id DESC").fetchone()[0]
    raw = n_steps * STEP_COLUMNS * 8 + n_imu * 6 * 8
    return MemoryResult(
        imu_rate, session_s, float(rss.max()), slope_mb_per_s * 3600, size / 1e6, raw / 1e6, status
    )


def _stats(values: list[float]) -> str:
    a = np.asarray(values)
    return f"{np.median(a):.2f} (max {a.max():.2f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=6, help="runs per signal (default 6)")
    parser.add_argument("--speed", type=float, default=5.0, help="session s per wall s")
    parser.add_argument("--minutes", type=float, default=10.0, help="memory runs' session length")
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md")
    args = parser.parse_args(argv)
    rng = random.Random(16)
    kills: list[KillResult] = []
    memory: list[MemoryResult] = []
    with tempfile.TemporaryDirectory(prefix="fault-figures-") as tmp:
        for i in range(args.runs):
            for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGHUP):
                folder = Path(tmp) / f"{sig.name}-{i}"
                folder.mkdir()
                r = kill_run(sig, rng.uniform(1.0, 8.0), args.speed, folder)
                kills.append(r)
                print(r, flush=True)
        for imu_rate in (0, IMU_RATE_HZ):
            folder = Path(tmp) / f"memory-{imu_rate}"
            folder.mkdir()
            speed = 20.0 if imu_rate == 0 else 10.0
            m = memory_run(imu_rate, args.minutes * 60, speed, folder)
            memory.append(m)
            print(m, flush=True)
    raw_imu_mb_per_h = 2 * 6 * 8 * IMU_RATE_HZ * 3600 / 1e6
    rows = [
        "| signal | runs | killed at (session s) | lost, session s: median (max) "
        "| lost, wall s: median (max) | exit | status (reason) | summary | ras-* left |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in ("SIGKILL", "SIGTERM", "SIGHUP"):
        rs = [r for r in kills if r.signal_name == name]
        if not rs:
            continue
        exits = ", ".join(sorted({str(r.returncode) for r in rs}))
        states = ", ".join(sorted({f"{r.status} ({r.end_reason or '-'})" for r in rs}))
        rows.append(
            f"| {name} | {len(rs)} | {min(r.kill_session_s for r in rs):.0f}–"
            f"{max(r.kill_session_s for r in rs):.0f} | {_stats([r.lost_session_s for r in rs])} | "
            f"{_stats([r.lost_session_s / args.speed for r in rs])} | {exits} | {states} | "
            f"{sum(r.summary for r in rs)}/{len(rs)} | {sum(r.leaked for r in rs)}/{len(rs)} |"
        )
    mem_rows = [
        "| IMU | session | speed | status | peak RSS MB | RSS growth MB per session-hour "
        "| naive: all IMU as float64, MB/h | DB MB per hour | raw float64 MB per hour "
        "| DB / raw |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for m in memory:
        per_h = 3600 / m.session_s
        mem_rows.append(
            f"| {m.imu_rate_hz or 'off'}{' Hz' if m.imu_rate_hz else ''} | {m.session_s / 60:g} min"
            f" | {20 if m.imu_rate_hz == 0 else 10}× | {m.status} | {m.peak_rss_mb:.0f} | "
            f"{m.growth_mb_per_h:.1f} | {raw_imu_mb_per_h if m.imu_rate_hz else 0:.1f} | "
            f"{m.db_mb * per_h:.1f} | {m.raw_mb * per_h:.1f} | {m.db_mb / m.raw_mb:.2f} |"
        )
    body = (
        f"How much a `ras run` loses when it is killed or signalled, and what an hour of session "
        f"costs in memory and on disk (benchmarks/fault_figures.py). Kill runs: `ras run "
        f"--simulate healthy --audio none --speed {args.speed:g} --imu-rate {IMU_RATE_HZ}`, "
        f"{args.runs} per signal at random times; lost = kill time (from the last status line) "
        "minus the newest stored step arrival or IMU sample, 0 when the store holds data up to "
        "the kill (IMU samples are 10 ms apart). Wall seconds = session seconds / speed: the "
        "recorder commits on the wall clock.\n\n"
        + "\n".join(rows)
        + "\n\nMemory and database per hour: one uninterrupted session each (baseline 60 s, "
        "cued, probe 60 s), two feet; RSS growth is the slope of resident memory over the "
        "second half of the session; raw float64 = every stored step row (15 numbers) and IMU "
        "sample (6 numbers) as 8-byte floats. The virtual sensors run inside the measured "
        "process and keep a truth log of every frame they send (ras/sim/sensor.py, for the "
        "tests), so the growth is an upper bound for a session with real sensors.\n\n"
        + "\n".join(mem_rows)
        + "\n"
    )
    print(body)
    if args.write:
        cmd = f"python benchmarks/fault_figures.py --runs {args.runs} --speed {args.speed:g} --minutes {args.minutes:g} --write"  # noqa: E501
        write_section(SECTION, body, cmd)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Bad-input probe: about 440 bad inputs and faults through every ras command, classified.

Each case of benchmarks/bad_input_cases.py runs ``python -m ras ...`` in a subprocess with its
own HOME, TMPDIR and RAS_DB, under a timeout (then Ctrl-C, then kill), and is classified:

- outcome: ``ok`` (exit 0), ``clean_error`` (non-zero, stderr one line starting ``ras:`` or
  argparse's usage + error; a session's progress lines may come before it), ``messy_error``
  (non-zero, anything else on stderr, e.g. Python warnings), ``traceback``
  ("Traceback" in the output), ``stopped`` (a fault the probe injected, a signal or a disk
  filled mid-session, ended it with a non-zero exit through ras's own handling), ``killed``
  (ended by a signal it did not handle), ``ran_on``
  (still running at the timeout, ended by Ctrl-C) or ``hang`` (deaf to Ctrl-C too);
- flags: ``leak`` (a ``ras-*`` folder left in its TMPDIR), ``raw_control`` (ESC, BEL or another
  control character in its output), ``accepted`` (bad input, exit 0), ``partial_file`` (failed
  but left its output file), ``empty_session`` (a failed ``ras run`` left a session row),
  ``claimed_complete`` (a failed ``ras run`` left a session ``complete``),
  ``left_running`` (a signalled session still ``running``), ``no_summary`` (a signalled
  ``ras run`` printed no summary), ``injection`` (a CSV/TSV cell starting with = + - @ tab CR).

Usage: .venv/bin/python benchmarks/bad_input_probe.py [--quick] [--jobs N] [--write]
(--write puts the summary table into docs/benchmarks.md; the per-case CSV always goes to
out/bad_input_probe.csv.)
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import csv
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _report import write_section
from bad_input_cases import CASES, Case, quick_cases

__all__ = ["OUTCOMES", "Result", "classify", "run_cases", "summary_table"]

REPO = Path(__file__).resolve().parent.parent
SECTION = "Bad-input probe"
OUTCOMES = (
    "ok", "clean_error", "stopped", "messy_error", "traceback", "killed", "ran_on", "hang",
)  # fmt: skip
FLAGS = (
    "leak", "raw_control", "accepted", "partial_file", "empty_session", "claimed_complete",
    "left_running", "no_summary", "injection",
)  # fmt: skip
#: control characters other than newline, tab and carriage return
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FORMULA_START = re.compile(r"^(?:[=+@\t\r]|-(?![0-9.]))")


@dataclass
class Result:
    """What one case did."""

    case: Case
    outcome: str
    flags: list[str] = field(default_factory=list)
    returncode: int | None = None
    wall_s: float = 0.0
    stderr: str = ""
    note: str = ""


# --- fixtures --------------------------------------------------------------------------------


def _ras(argv: Sequence[str], env: dict[str, str], cwd: Path, timeout_s: float = 120) -> int:
    proc = subprocess.run(
        [sys.executable, "-m", "ras", *argv],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout_s,
    )
    return proc.returncode


def _write_imu(path: Path, t_s: np.ndarray, data: np.ndarray, rate_hz: float | None) -> None:
    names = [
        f"{side}_{kind}_{axis}_{'mps2' if kind == 'acc' else 'dps'}"
        for side in ("left", "right")
        for kind in ("acc", "gyr")
        for axis in "xyz"
    ]
    lines = ["# ras-imu 1"]
    if rate_hz is not None:
        lines.append(f"# sampling_rate_hz: {rate_hz:g}")
    lines.append(",".join(["t_s", *names]))
    lines += [
        ",".join([f"{t:.6f}", *(f"{v:.5g}" for v in row)]) for t, row in zip(t_s, data, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")


def make_analyse_files(folder: Path) -> None:
    """The analyse inputs of bad_input_cases.ANALYSE_FILES, from the gaitmap example walk."""
    from tests.datasets import GAITMAP_RATE_HZ, gaitmap_file

    folder.mkdir(parents=True, exist_ok=True)
    raw = np.loadtxt(gaitmap_file("imu_sample.csv"), delimiter=",", skiprows=2)
    header = gaitmap_file("imu_sample.csv").read_text().splitlines()[:2]
    sensors, axes = header[0].split(",")[1:], header[1].split(",")[1:]
    column = {(sensor, axis): j for j, (sensor, axis) in enumerate(zip(sensors, axes, strict=True))}
    order = [
        column[(f"{side}_sensor", axis)]
        for side in ("left", "right")
        for axis in ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")
    ]
    data = raw[:, 1:][:, order]
    rate = GAITMAP_RATE_HZ
    t_s = np.arange(len(data)) / rate
    keep = slice(0, int(24 * rate))  # 24 s, about 20 strides a foot: enough to be a walk
    data, t_s = data[keep], t_s[keep]
    walk = folder / "walk.csv"
    _write_imu(walk, t_s, data, rate)
    text = walk.read_text()
    lines = text.splitlines()
    (folder / "bom.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    (folder / "crlf.csv").write_bytes(text.replace("\n", "\r\n").encode())
    (folder / "empty.csv").write_bytes(b"")
    (folder / "binary.csv").write_bytes(np.random.default_rng(1).bytes(4096))
    (folder / "truncated.csv").write_text(text[: len(text) // 2 + 7])
    big = [*lines[:3], lines[3].replace(",", "," + "9" * 131_072, 1), *lines[4:]]
    (folder / "bigfield.csv").write_text("\n".join(big) + "\n")
    (folder / "wrong-header.csv").write_text(text.replace("_dps", "_rads"))
    nan_data = data.copy()
    nan_data[:, 3:6] = np.nan
    _write_imu(folder / "nan-columns.csv", t_s, nan_data, rate)
    rng = np.random.default_rng(16)
    n_noise = 60 * 100
    noise = np.hstack([rng.normal(0, 5, (n_noise, 3)), rng.normal(0, 200, (n_noise, 3))] * 2)
    noise[:, 2] += 9.81
    noise[:, 8] += 9.81
    _write_imu(folder / "noise.csv", np.arange(n_noise) / 100.0, noise, 100.0)
    (folder / "one-sample.csv").write_text("\n".join(lines[:4]) + "\n")
    (folder / "header-only.csv").write_text("\n".join(lines[:3]) + "\n")
    back_t = t_s.copy()
    back_t[len(back_t) // 2 :] -= 3.0
    _write_imu(folder / "backwards-time.csv", back_t, data, rate)
    _write_imu(folder / "huge-values.csv", t_s, np.full_like(data, 1e300), rate)
    semi = [lines[0], lines[1]] + [ln.replace(",", ";").replace(".", ",") for ln in lines[2:]]
    (folder / "semicolon.csv").write_text("\n".join(semi) + "\n")
    (folder / "latin1.csv").write_bytes(("# patient: Müller\n" + text).encode("latin-1"))
    (folder / "no-rate.csv").write_text("\n".join([lines[0], *lines[2:]]) + "\n")


def make_session_db(path: Path, work: Path) -> None:
    """A database with patient P-1 and one complete short session (id 1)."""
    env = _env(work)
    (work / "home").mkdir(parents=True, exist_ok=True)
    (work / "tmp").mkdir(parents=True, exist_ok=True)
    if _ras(["patients", "--db", str(path), "--add", "P-1", "--diagnosis", "stroke"], env, work):
        raise RuntimeError("could not add the fixture patient")
    argv = ["run", "--simulate", "healthy", "--audio", "none", "--speed", "20"]
    argv += ["--baseline", "5", "--cued", "5", "--probe", "5", "--db", str(path), "--patient"]
    if _ras([*argv, "P-1"], env, work):
        raise RuntimeError("could not record the fixture session")


class GarbagePty:
    """A pseudo-terminal whose master side sends random bytes: a serial port that is no sensor."""

    def __init__(self) -> None:
        self._master, self._slave = os.openpty()
        self.path = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        rng = np.random.default_rng(7)
        while not self._stop.is_set():
            with contextlib.suppress(OSError):
                os.write(self._master, rng.bytes(256))
            time.sleep(0.02)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        os.close(self._master)
        os.close(self._slave)


@contextlib.contextmanager
def small_tmpfs(folder: Path, size: str) -> Iterator[bool]:
    """Mount a tmpfs of ``size`` on ``folder``; yields False (nothing mounted) if refused."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)],
        capture_output=True,
    )
    try:
        yield done.returncode == 0
    finally:
        if done.returncode == 0:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


# --- running and classifying -----------------------------------------------------------------


def _env(case_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("RAS_DB", "PYTHONPATH", "DISPLAY")}
    env.update(
        HOME=str(case_dir / "home"),
        TMPDIR=str(case_dir / "tmp"),
        RAS_DB=str(case_dir / "default.sqlite3"),
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(REPO),
    )
    return env


def _fill(arg: str, places: dict[str, str]) -> str:
    for key, value in places.items():
        arg = arg.replace("{" + key + "}", value)
    return arg


def _sessions(db: Path) -> list[tuple[int, str]]:
    if not db.is_file():
        return []
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as c:
            return [(int(i), str(s)) for i, s in c.execute("SELECT id, status FROM sessions")]
    except sqlite3.Error:
        return []


def _is_regular_file(path: Path) -> bool:
    """True for a regular file that is not a symlink; False for anything else or a bad path."""
    try:
        return path.is_file() and not path.is_symlink()
    except OSError:  # e.g. a name longer than the system allows
        return False


def _fill_disk(folder: Path) -> None:
    """Another program fills the disk: write zeros into ``folder`` until it is full."""
    with contextlib.suppress(OSError), (folder / "filler").open("wb") as f:
        while True:
            f.write(bytes(64 * 1024))
            f.flush()


def _formula_cells(folder: Path) -> list[str]:
    bad = []
    for path in list(folder.rglob("*.csv")) + list(folder.rglob("*.tsv")):
        if "data" in path.parts[-2:-1]:
            continue
        delim = "\t" if path.suffix == ".tsv" else ","
        with path.open(newline="", encoding="utf-8", errors="replace") as f:
            for row in csv.reader(f, delimiter=delim):
                bad += [f"{path.name}: {cell[:30]!r}" for cell in row if _FORMULA_START.match(cell)]
    return bad


_PY_WARNING = re.compile(r"\w+Warning: ")


def _clean_error(err_lines: list[str]) -> bool:
    """Ends with one ``ras:`` line (or argparse's usage + error), no Python warning before it.

    Lines before a ``ras:`` line are the progress a long command prints on stderr (a session's
    phases) before a fault stopped it.
    """
    if not err_lines or any(_PY_WARNING.search(line) for line in err_lines):
        return False
    if err_lines[-1].startswith("ras:"):
        return True
    return err_lines[0].startswith("usage:") and "error:" in err_lines[-1]


def classify(
    case: Case, returncode: int | None, stdout: bytes, stderr: bytes, stopped: str
) -> tuple[str, list[str]]:
    """The outcome and the output-only flags of one finished case.

    Parameters
    ----------
    case : Case
        The case that ran.
    returncode : int or None
        Its exit status (negative: ended by that signal).
    stdout, stderr : bytes
        What it wrote.
    stopped : str
        "" if it ended by itself, "sigint" if the runner's Ctrl-C ended it, "kill" if it had
        to be killed.
    """
    text = (stdout + stderr).decode("utf-8", "replace")
    err_lines = stderr.decode("utf-8", "replace").strip().splitlines()
    flags = []
    if _CONTROL.search(stdout + stderr):
        flags.append("raw_control")
    if stopped == "kill":
        return "hang", flags
    if "Traceback (most recent call last)" in text:
        outcome = "traceback"
    elif stopped == "sigint":
        outcome = "ran_on"
    elif returncode is not None and returncode < 0:
        outcome = "killed"
    elif (case.send is not None or case.fill_after_s is not None) and returncode:
        outcome = "stopped"
    elif returncode == 0:
        outcome = "ok"
    elif _clean_error(err_lines):
        outcome = "clean_error"
    else:
        outcome = "messy_error"
    if case.expect == "error" and outcome in ("ok", "ran_on"):
        flags.append("accepted")
    return outcome, flags


def run_case(case: Case, work: Path, fixtures: dict[str, str]) -> Result:
    """Run one case in its own folder under ``work``; return its classified result."""
    case_dir = work / re.sub(r"[^A-Za-z0-9_.=-]+", "_", case.case_id)
    shutil.rmtree(case_dir, ignore_errors=True)
    for sub in ("home", "tmp", "cwd"):
        (case_dir / sub).mkdir(parents=True)
    db = case_dir / "ras.sqlite3"
    if "session" in case.needs:
        shutil.copy(fixtures["session_db"], db)
    with contextlib.suppress(OSError):
        os.symlink("/dev/full", case_dir / "link-to-full")
    places = {
        "dir": str(case_dir),
        "db": str(db),
        "data": fixtures["data"],
        "pty": fixtures.get("pty", "/dev/null"),
        "small": str(case_dir / "small"),
    }
    env = _env(case_dir)
    tmpfs = next((n.split(":", 1)[1] for n in case.needs if n.startswith("tmpfs:")), None)
    with contextlib.ExitStack() as stack:
        if tmpfs is not None and not stack.enter_context(small_tmpfs(case_dir / "small", tmpfs)):
            return Result(case, "not_run", note="mount refused: no small filesystem here")
        for argv in case.setup:
            _ras([_fill(a, places) for a in argv], env, case_dir / "cwd")
        before = _sessions(db)
        out = Path(_fill(case.out, places)) if case.out else None
        t0 = time.monotonic()
        if case.fill_after_s is not None:
            filler = threading.Timer(case.fill_after_s, _fill_disk, (case_dir / "small",))
            filler.start()
            stack.callback(filler.cancel)
        proc = subprocess.Popen(
            [sys.executable, "-m", "ras", *(_fill(a, places) for a in case.argv)],
            env=env,
            cwd=case_dir / "cwd",
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        timeout_s = case.timeout_s
        if case.send is not None:
            sig, after_s = case.send
            try:
                stdout, stderr = proc.communicate(timeout=after_s)
            except subprocess.TimeoutExpired:
                proc.send_signal(sig)
        stopped = ""
        try:
            stdout, stderr = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGINT)
            try:
                stdout, stderr = proc.communicate(timeout=5)
                stopped = "sigint"
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                stdout, stderr = proc.communicate()
                stopped = "kill"
        wall_s = time.monotonic() - t0
        outcome, flags = classify(case, proc.returncode, stdout, stderr, stopped)
        if stopped != "kill" and any((case_dir / "tmp").glob("ras-*")):
            flags.append("leak")
        if proc.returncode and out is not None and _is_regular_file(out):
            flags.append("partial_file")
        after = _sessions(db)
        failed_run = case.argv[:1] == ("run",) and proc.returncode and case.send is None
        if failed_run and len(after) > len(before) and case.fill_after_s is None:
            flags.append("empty_session")
        if failed_run and sum(s == "complete" for _, s in after) > sum(
            s == "complete" for _, s in before
        ):
            flags.append("claimed_complete")
        if case.send is not None and case.argv[:1] == ("run",):
            if any(s == "running" for _, s in after):
                flags.append("left_running")
            if not re.search(rb"session \d+ ", stdout):
                flags.append("no_summary")
        if case.check_cells and (bad := _formula_cells(case_dir)):
            flags.append("injection")
            stderr += ("; ".join(bad[:3])).encode()
    first_err = stderr.decode("utf-8", "replace").strip().splitlines()
    tail = first_err[-1] if first_err else ""
    shutil.rmtree(case_dir, ignore_errors=True)
    return Result(
        case, outcome, flags, proc.returncode, wall_s, tail.encode("unicode_escape")[:200].decode()
    )


def _run_safely(case: Case, work: Path, fixtures: dict[str, str]) -> Result:
    """run_case, with a failure of the probe itself recorded as the case's outcome."""
    try:
        return run_case(case, work, fixtures)
    except Exception as err:  # the probe's own fault must not lose the other cases
        return Result(case, "probe_error", note=f"{type(err).__name__}: {str(err)[:150]}")


def run_cases(cases: Iterable[Case], work: Path, jobs: int = 2) -> list[Result]:
    """Build the fixtures in ``work``, run every case (``jobs`` at a time), return the results."""
    work.mkdir(parents=True, exist_ok=True)
    cases = list(cases)
    fixtures = {"data": str(work / "data")}
    make_analyse_files(work / "data")
    if any("session" in c.needs for c in cases):
        fixture_dir = work / "fixture"
        make_session_db(fixture_dir / "ras.sqlite3", fixture_dir)
        fixtures["session_db"] = str(fixture_dir / "ras.sqlite3")
    pty = GarbagePty() if any("pty" in c.needs for c in cases) else None
    if pty is not None:
        fixtures["pty"] = pty.path
    try:
        with concurrent.futures.ThreadPoolExecutor(max(1, jobs)) as pool:
            return list(pool.map(lambda c: _run_safely(c, work, fixtures), cases))
    finally:
        if pty is not None:
            pty.close()


# --- reporting -------------------------------------------------------------------------------


def summary_table(results: Sequence[Result]) -> str:
    """Markdown: one row per group, counts of each outcome and flag, and a total row."""
    cols = [*OUTCOMES, "not_run", "probe_error", *FLAGS]
    groups: dict[str, Counter[str]] = {}
    for r in results:
        count = groups.setdefault(r.case.group, Counter())
        count["cases"] += 1
        count[r.outcome] += 1
        count.update(r.flags)
    total: Counter[str] = Counter()
    for count in groups.values():
        total.update(count)
    used = [c for c in cols if total[c]] or ["ok"]
    lines = ["| group | cases | " + " | ".join(used) + " |", "|---" * (len(used) + 2) + "|"]
    for name, count in [*groups.items(), ("**all**", total)]:
        lines.append(
            f"| {name} | {count['cases']} | " + " | ".join(str(count[c]) for c in used) + " |"
        )
    return "\n".join(lines)


def failures(results: Sequence[Result]) -> list[Result]:
    """Cases with a traceback, a hang, a leak, a kill or a flag that marks a silent failure."""
    bad_outcomes = {"traceback", "hang", "killed", "messy_error", "probe_error"}
    return [r for r in results if r.outcome in bad_outcomes or r.flags]


def write_csv(results: Sequence[Result], path: Path) -> None:
    """One row per case (under out/, git-ignored)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "case",
                "group",
                "expect",
                "outcome",
                "flags",
                "returncode",
                "wall_s",
                "stderr_last_line",
            ]
        )
        for r in results:
            w.writerow(
                [
                    r.case.case_id,
                    r.case.group,
                    r.case.expect,
                    r.outcome,
                    " ".join(r.flags),
                    r.returncode,
                    f"{r.wall_s:.2f}",
                    r.stderr or r.note,
                ]
            )


def problem_counts(results: Sequence[Result]) -> str:
    """``0 traceback, 0 hang, ...``: each outcome and flag that is a problem, with its count."""
    kinds = [o for o in OUTCOMES if o not in ("ok", "clean_error", "stopped")] + list(FLAGS)
    return ", ".join(f"{sum(r.outcome == k or k in r.flags for r in results)} {k}" for k in kinds)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the suite's ~40 cases only")
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once (default 2)")
    parser.add_argument("--only", default="", help="run only cases whose id contains this")
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md")
    args = parser.parse_args(argv)
    cases = list(quick_cases() if args.quick else CASES)
    if args.only:
        cases = [c for c in cases if args.only in c.case_id]
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="probe-") as tmp:
        results = run_cases(cases, Path(tmp), args.jobs)
    wall_s = time.monotonic() - t0
    write_csv(results, REPO / "out" / "bad_input_probe.csv")
    table = summary_table(results)
    print(table)
    bad = failures(results)
    print(f"\n{len(results)} cases in {wall_s:.0f} s; {len(bad)} with a problem:")
    for r in bad:
        print(f"  {r.case.case_id}: {r.outcome} {' '.join(r.flags)}  {r.stderr[:110]}")
    if args.write:
        listing = "\n".join(
            f"- `{r.case.case_id}`: {r.outcome}{' + ' + ', '.join(r.flags) if r.flags else ''}"
            for r in bad
        )
        body = (
            f"{len(results)} bad inputs and faults through every command "
            "(benchmarks/bad_input_cases.py), each `python -m ras ...` in its own HOME/TMPDIR "
            f"with a timeout; {wall_s:.0f} s wall. Outcomes and flags as defined in "
            "benchmarks/bad_input_probe.py; per-case rows in out/bad_input_probe.csv.\n\n"
            f"{table}\n\nEvery problem kind counted (columns that are 0 everywhere are left"
            f" out of the table above): {problem_counts(results)}.\n\n"
            f"Cases with a problem ({len(bad)}):\n\n{listing or '- none'}\n"
        )
        cmd = (
            "python benchmarks/bad_input_probe.py" + (" --quick" if args.quick else "") + " --write"
        )
        write_section(SECTION, body, cmd)
    return 0


if __name__ == "__main__":
    sys.exit(main())

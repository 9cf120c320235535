"""Run every benchmark in this folder with its default settings (``make bench``).

Each script writes its own section of docs/benchmarks.md with the command that produced it:
scripts that write only when asked get ``--write``. One that fails is reported and the rest
still run; the exit status is 1 if any failed. Several take many minutes (the whole set takes
over an hour on a 2-core machine); name scripts to run only those:
``python benchmarks/run_all.py gait_accuracy step_latency``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOT_BENCHMARKS = {"_report", "run_all", "bad_input_cases"}


def benchmarks(names: list[str]) -> list[Path]:
    """The benchmark scripts to run: all of them, or those named (without ``.py``)."""
    found = {p.stem: p for p in sorted(HERE.glob("*.py")) if p.stem not in NOT_BENCHMARKS}
    unknown = [n for n in names if n not in found]
    if unknown:
        sys.exit(f"run_all: no benchmark {', '.join(unknown)}; choose from {', '.join(found)}")
    return [found[n] for n in names] if names else list(found.values())


def main(argv: list[str]) -> int:
    failed = []
    for script in benchmarks(argv):
        cmd = [sys.executable, str(script)]
        if '"--write"' in script.read_text(encoding="utf-8"):
            cmd.append("--write")
        print(f"== {' '.join(cmd[1:])}", flush=True)
        t0 = time.monotonic()
        code = subprocess.call(cmd, cwd=HERE.parent)
        print(f"== {script.stem}: exit {code} after {time.monotonic() - t0:.0f} s", flush=True)
        if code != 0:
            failed.append(script.stem)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The bad-input probe's quick cases: no traceback, no hang, no leaked temp folder.

benchmarks/bad_input_probe.py runs about 40 representative bad inputs and faults (one or two
of each kind in benchmarks/bad_input_cases.py: bad numbers, paths, analyse files, ids, unknown
arguments, escape sequences, ports that are no sensor, SIGTERM/SIGHUP, ``--speed inf``) through
``python -m ras`` in subprocesses; the full probe (about 440 cases) is the benchmark.
"""

from __future__ import annotations

import importlib.util
import signal
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


probe = _load("bad_input_probe")
cases = sys.modules["bad_input_cases"]


def _case(expect: str = "error", send: tuple[int, float] | None = None):  # type: ignore[no-untyped-def]
    return cases.Case("c", "g", ("run",), expect, send=send)


@pytest.mark.parametrize(
    ("returncode", "stdout", "stderr", "stopped", "outcome", "flags"),
    [
        (2, b"", b"ras: error: --seed must be >= 0, got -1\n", "", "clean_error", []),
        (2, b"", b"usage: ras run [-h]\nras run: error: bad\n", "", "clean_error", []),
        (1, b"", b"Traceback (most recent call last):\n  x\nValueError: y\n", "", "traceback", []),
        (1, b"", b"a.py:3: RuntimeWarning: overflow\nras: error: y\n", "", "messy_error", []),
        (1, b"", b"phase cued starts at 5.7 s\nras: cannot write\n", "", "clean_error", []),
        (1, b"", b"recording stopped\n", "", "messy_error", []),
        (0, b"session 1 complete\n", b"", "", "ok", ["accepted"]),
        (2, b"", b"ras: error: no patient '\x1b]0;x\x07'\n", "", "clean_error", ["raw_control"]),
        (-9, b"", b"", "kill", "hang", []),
        (130, b"", b"", "sigint", "ran_on", ["accepted"]),
        (-15, b"", b"", "", "killed", []),
    ],
)
def test_classify_names_what_a_command_did(returncode, stdout, stderr, stopped, outcome, flags):
    assert probe.classify(_case(), returncode, stdout, stderr, stopped) == (outcome, flags)


def test_a_signal_the_probe_sent_is_a_stop_not_an_error_line():
    case = _case(send=(signal.SIGTERM, 1.0))
    got = probe.classify(case, 143, b"session 1 incomplete\n", b"phase baseline\n", "")
    assert got == ("stopped", [])


def test_quick_cases_cover_every_command_and_exist_in_the_table():
    quick = cases.quick_cases()
    assert 30 <= len(quick) <= 45
    commands = {c.argv[0] for c in quick if c.argv}
    assert commands >= {"run", "monitor", "patients", "report", "export", "analyse", "devices"}
    assert len(cases.CASES) >= 330
    assert len({c.case_id for c in cases.CASES}) == len(cases.CASES)


@pytest.mark.slow
def test_quick_probe_has_no_traceback_hang_or_leak(tmp_path):
    results = probe.run_cases(cases.quick_cases(), tmp_path, jobs=2)
    assert len(results) == len(cases.quick_cases())
    bad = [
        f"{r.case.case_id}: {r.outcome} {' '.join(r.flags)} {r.stderr[:150]}"
        for r in results
        if r.outcome in ("traceback", "hang") or "leak" in r.flags
    ]
    assert not bad, "\n".join(bad)

"""What the fault-injection tests share: a small tmpfs, and finding a writer's leftovers.

A full disk is a real full file system where this process may mount one (root here and in CI);
each test says what it falls back to where mounting is refused (never a skip).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ras.results import files


@contextlib.contextmanager
def mounted_tmpfs(where: Path, options: str) -> Iterator[bool]:
    """Make folder ``where`` and mount a tmpfs with ``options`` on it; yield whether it is."""
    where.mkdir(exist_ok=True)
    mounted = False
    if os.geteuid() == 0:
        try:
            done = subprocess.run(
                ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
                capture_output=True,
                check=False,
                timeout=10,
            )
            mounted = done.returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            mounted = False
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(where)], check=False, timeout=10)


@contextlib.contextmanager
def _small_tmpfs(where: Path, size_kb: int = 32) -> Iterator[Path | None]:
    with mounted_tmpfs(where, f"size={size_kb}k,mode=0700") as mounted:
        yield where if mounted else None


@pytest.fixture
def tmpfs() -> Callable[[Path, str], contextlib.AbstractContextManager[bool]]:
    """``with tmpfs(where, "size=8k,mode=0700") as mounted:`` (see :func:`mounted_tmpfs`)."""
    return mounted_tmpfs


@pytest.fixture
def small_tmpfs() -> Callable[..., contextlib.AbstractContextManager[Path | None]]:
    """``with small_tmpfs(where, size_kb=32) as full:``: the mounted folder, or None."""
    return _small_tmpfs


@pytest.fixture
def leftovers() -> Callable[[Path], list[str]]:
    """``leftovers(folder)``: names in ``folder`` that look like the atomic writer's temp files."""

    def names(folder: Path) -> list[str]:
        return [p.name for p in folder.iterdir() if p.name.endswith(files._TEMP_SUFFIX)]

    return names


def write_walk_csv(folder: Path, duration_s: float, seed: int, rate_hz: float) -> Path:
    """Write a simulated healthy walk to ``folder/walk.csv`` (IMU at ``rate_hz``); return it."""
    from analysis.imu_io import write_imu_csv
    from ras.sim.presets import make_params
    from ras.sim.recording import simulate_walk

    walk = simulate_walk(
        make_params("healthy"), duration_s=duration_s, sampling_rate_hz=rate_hz, seed=seed
    )
    path = folder / "walk.csv"
    write_imu_csv(path, walk.feet)
    return path


def run_analyse(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``ras analyse *args`` in this process: exit code, stdout, stderr."""
    from ras.cli import main

    rc = main(["analyse", *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def one_error_line(err: str) -> str:
    """Assert ``err`` is one ``ras: error:`` line, no traceback or warning; return it."""
    assert err.count("\n") == 1 and err.startswith("ras: error: "), err
    assert "Traceback" not in err and "Warning" not in err
    return err

"""The virtual sensors' temporary folders: named after their process, stale ones swept."""

from __future__ import annotations

import os
import subprocess
import sys

from ras.sim.sensor import TEMP_PREFIX, sweep_stale_temp_dirs


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_folders_of_processes_that_are_gone_are_removed_and_no_others(tmp_path):
    stale = tmp_path / f"{TEMP_PREFIX}{dead_pid()}-abcd1234"
    stale.mkdir()
    os.symlink("/dev/pts/999", stale / "ras-sim-left-00000001")  # as a killed run leaves it
    mine = tmp_path / f"{TEMP_PREFIX}{os.getpid()}-efgh5678"
    mine.mkdir()
    other = tmp_path / "ras-other-123"
    other.mkdir()
    assert sweep_stale_temp_dirs(str(tmp_path)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, other.name])

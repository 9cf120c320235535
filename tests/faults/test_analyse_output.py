"""`ras analyse` writing where it cannot, and analysing what is not walking: one error line,
exit 2, no 0-byte or partial file, no temporary file left.

A full disk is a real full filesystem: a small tmpfs when this process may mount one (root
here and in CI); where mounting is refused, the same ENOSPC is injected at the writer's fsync.
A read-only folder is a read-only tmpfs (root ignores file modes), else a path under a file.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pytest

from analysis.imu_io import FootImu, write_imu_csv
from tests.faults.conftest import one_error_line, run_analyse, write_walk_csv

RATE_HZ = 100.0


@pytest.fixture(scope="module")
def walk_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_walk_csv(tmp_path_factory.mktemp("walk"), 30.0, 5, RATE_HZ)


def test_full_disk_is_one_line_and_leaves_no_file(
    walk_csv: Path, tmp_path: Path, capsys, monkeypatch, tmpfs
) -> None:  # type: ignore[no-untyped-def]
    # the JSON of a 30 s walk is about 20 kB: it cannot fit in 8 kB
    with tmpfs(tmp_path / "full", "size=8k,mode=0700") as mounted:
        if not mounted:

            def no_space(fd: int) -> None:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

            monkeypatch.setattr(os, "fsync", no_space)
        rc, printed, err = run_analyse([str(walk_csv), "--out", str(tmp_path / "full")], capsys)
        monkeypatch.undo()
        line = one_error_line(err)
        assert rc == 2 and "walk.analysis.json" in line
        assert "No space left on device" in line
        assert "wrote" not in printed
        assert sorted(p.name for p in (tmp_path / "full").iterdir()) == []


def test_out_that_cannot_be_written_is_one_line_before_any_work(
    walk_csv: Path, tmp_path: Path, capsys, tmpfs
) -> None:  # type: ignore[no-untyped-def]
    with tmpfs(tmp_path / "ro", "size=64k,ro") as mounted:
        target = tmp_path / "ro" / "out" if mounted else tmp_path / "ro" / "file.txt" / "out"
        if not mounted:
            (tmp_path / "ro" / "file.txt").write_text("x")
        rc, printed, err = run_analyse([str(walk_csv), "--out", str(target)], capsys)
        line = one_error_line(err)
        assert rc == 2 and "cannot write into --out" in line
        assert printed == ""  # refused before the analysis: no summary
        assert not target.exists()
    rc, _, err = run_analyse([str(walk_csv), "--out", ""], capsys)
    line = one_error_line(err)  # the parser (ras/cli.py) or the command refuses it
    assert rc == 2 and "--out" in line and "empty" in line
    for bad, needle in (
        (str(tmp_path / ("x" * 5000)), "characters long"),
        (str(tmp_path / ("x" * 300) / "y"), "File name too long"),
        (str(tmp_path / "a\x1b]0;owned\x07b"), "control character"),
    ):
        rc, printed, err = run_analyse([str(walk_csv), "--out", bad], capsys)
        line = one_error_line(err)
        assert rc == 2 and needle in line and printed == ""
        assert "\x1b" not in line and "\x07" not in line


def test_a_failed_write_keeps_the_earlier_output(
    walk_csv: Path, tmp_path: Path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    rc, _, _ = run_analyse([str(walk_csv), "--format", "csv", "--out", str(out)], capsys)
    assert rc == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert set(before) == {"walk.events.csv", "walk.strides.csv"}

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    rc, _, err = run_analyse([str(walk_csv), "--format", "csv", "--out", str(out)], capsys)
    monkeypatch.undo()
    assert rc == 2 and "No space left on device" in one_error_line(err)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_white_noise_is_refused_as_not_walking(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    n = int(60 * RATE_HZ)
    feet = {
        s: FootImu(
            rng.normal(0, 5, (n, 3)) + np.array([0.0, 0.0, 9.81]),
            rng.normal(0, 200, (n, 3)),
            RATE_HZ,
            s,
        )
        for s in ("left", "right")
    }
    src = tmp_path / "noise.csv"
    write_imu_csv(src, feet)
    rc, printed, err = run_analyse([str(src), "--out", str(tmp_path / "out")], capsys)
    line = one_error_line(err)
    assert rc == 2 and line.startswith("ras: error: no walking found:")
    assert "do not repeat like walking" in line and "walking > 0.5" in line
    assert printed == "" and not (tmp_path / "out").exists()

"""Atomic output files (ras.results.files): a failed write leaves the old file and no temp file.

Disk full is a real full filesystem: a small tmpfs when this process may mount one (root here
and in CI), and always a file-size limit (RLIMIT_FSIZE) in a child process, which makes the
kernel refuse the write the same way without root. Plus an injected OSError at fsync.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ras.errors import UserInputError
from ras.results.files import atomic_output, spreadsheet_cell, write_bytes, write_text

OLD = "old contents\n"
BIG = b"x" * 200_000  # larger than the small file systems below


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_write_replaces_the_file_whole_and_owner_only(tmp_path, leftovers):
    target = tmp_path / "a.csv"
    target.write_text(OLD)
    os.chmod(target, 0o644)
    assert write_text(target, "new\n") == target
    assert target.read_text() == "new\n" and mode(target) == 0o600
    assert write_bytes(tmp_path / "empty.tsv", b"").stat().st_size == 0
    assert leftovers(tmp_path) == []


def test_full_tmpfs_keeps_the_old_file_and_no_temp_file(tmp_path, leftovers, small_tmpfs):
    with small_tmpfs(tmp_path / "full") as full:
        if full is None:  # mounting refused: the kernel refuses by a file-size limit instead
            _write_over_the_limit_keeps_the_old_file(tmp_path / "full", leftovers)
            return
        target = full / "report.csv"
        write_text(target, OLD)
        with pytest.raises(UserInputError, match="No space left on device") as err:
            write_bytes(target, BIG)
        assert str(target) in str(err.value) and "\n" not in str(err.value)
        assert target.read_text() == OLD
        assert leftovers(full) == []
        with pytest.raises(UserInputError, match="No space left"), atomic_output(full / "r.pdf"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        assert sorted(p.name for p in full.iterdir()) == ["report.csv"]


CHILD = textwrap.dedent(
    """
    import resource, signal, sys
    from pathlib import Path
    from ras.errors import UserInputError
    from ras.results.files import write_bytes
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, resource.RLIM_INFINITY))
    try:
        write_bytes(Path(sys.argv[1]), b"x" * 200_000)
    except UserInputError as err:
        print(err)
        sys.exit(2)
    """
)


def test_a_write_the_kernel_refuses_keeps_the_old_file(tmp_path, leftovers):
    """RLIMIT_FSIZE: the kernel fails the write (EFBIG) like a full disk, no root needed."""
    _write_over_the_limit_keeps_the_old_file(tmp_path, leftovers)


def _write_over_the_limit_keeps_the_old_file(tmp_path: Path, leftovers) -> None:
    target = tmp_path / "session.csv"
    target.write_text(OLD)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(target)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout.strip() == f"cannot write {target}: File too large"
    assert target.read_text() == OLD
    assert leftovers(tmp_path) == []


def test_an_injected_fsync_error_keeps_the_old_file(tmp_path, monkeypatch, leftovers):
    target = tmp_path / "events.tsv"
    target.write_text(OLD)

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(UserInputError, match=r"events\.tsv: No space left on device"):
        write_text(target, "new\n")
    monkeypatch.undo()
    assert target.read_text() == OLD and leftovers(tmp_path) == []


def test_a_symlink_is_refused_and_not_followed(tmp_path, leftovers):
    victim = tmp_path / "victim.txt"
    victim.write_text(OLD)
    link = tmp_path / "session-1_markers.csv"
    link.symlink_to(victim)
    with pytest.raises(UserInputError, match="refusing to write through a symlink"):
        write_text(link, "planted\n")
    with pytest.raises(UserInputError, match="symlink"), atomic_output(link, "the report"):
        pass
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "nowhere.csv")
    with pytest.raises(UserInputError, match="symlink"):
        write_text(dangling, "x\n")
    assert victim.read_text() == OLD and not (tmp_path / "nowhere.csv").exists()
    assert link.is_symlink() and dangling.is_symlink() and leftovers(tmp_path) == []


def test_dev_full_and_other_non_regular_targets_are_refused(tmp_path):
    with pytest.raises(UserInputError, match="not a regular file"):
        write_text("/dev/full", "x\n")
    with pytest.raises(UserInputError, match="not a regular file"), atomic_output("/dev/full"):
        pass
    assert stat.S_ISCHR(os.lstat("/dev/full").st_mode)  # never renamed over
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    with pytest.raises(UserInputError, match="not a regular file"):
        write_text(fifo, "x\n")
    with pytest.raises(UserInputError, match="directory"):
        write_text(tmp_path, "x\n")


def test_an_unwritable_folder_is_one_line(tmp_path):
    if os.geteuid() == 0:
        folder = Path("/proc")  # no one, root included, may create a file here
    else:
        folder = tmp_path / "locked"
        folder.mkdir(mode=0o500)
    with pytest.raises(UserInputError, match=r"^cannot write .*x\.csv: \S") as err:
        write_text(folder / "x.csv", "x\n")
    assert "\n" not in str(err.value)


def test_atomic_output_renames_only_a_finished_non_empty_file(tmp_path, leftovers):
    target = tmp_path / "r.pdf"
    target.write_text(OLD)
    with atomic_output(target, "the report") as tmp:
        assert tmp.parent == tmp_path and tmp.exists() and mode(tmp) == 0o600
        assert target.read_text() == OLD  # untouched while the writer works
        tmp.write_bytes(b"%PDF-1.4 ... %%EOF\n")
    assert target.read_bytes().startswith(b"%PDF") and mode(target) == 0o600
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("the writer failed")
    with pytest.raises(UserInputError, match="nothing was written"), atomic_output(target):
        pass
    assert target.read_bytes().startswith(b"%PDF") and leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1+1", "'  =1+1"),
        ("freezing at the door", "freezing at the door"),
        ("-3.5", "-3.5"),
        ("+1e3", "+1e3"),
        (-3.5, "-3.5"),
        (42, "42"),
        (None, ""),
    ],
)
def test_spreadsheet_cell_escapes_formulas_only(value, cell):
    assert spreadsheet_cell(value) == cell

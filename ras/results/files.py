"""Owner-only output files written atomically, with one-line errors for unusable paths.

Every file ras writes outside its database goes through here: a temporary file in the target's
folder (created exclusively, mode 0600), written, flushed and fsynced, then renamed over the
target and the folder fsynced. A failed write leaves the old file (if any) as it was and no
temporary file behind. A target that is a symbolic link or not a regular file (``/dev/full``,
a FIFO, a folder) is refused: a rename over a device or a write through a planted link never
happens. CSV and TSV cells built from text pass through :func:`spreadsheet_cell`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ras.errors import UserInputError
from ras.store.paths import owner_only_umask

__all__ = [
    "DIR_MODE",
    "FILE_MODE",
    "atomic_output",
    "check_target",
    "prepare_out_dir",
    "prepare_out_file",
    "spreadsheet_cell",
    "write_bytes",
    "write_text",
]

DIR_MODE = 0o700
FILE_MODE = 0o600
#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_TEMP_SUFFIX = ".tmp"


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _cannot(target: Path, what: str | None, reason: str) -> UserInputError:
    where = f"{what} to {target}" if what else str(target)
    return UserInputError(f"cannot write {where}: {reason}")


def spreadsheet_cell(value: object) -> str:
    """A CSV/TSV cell's text that a spreadsheet shows as text, never runs as a formula.

    Strings starting with ``= + - @``, a tab or a carriage return (after any spaces) get a
    leading single quote (OWASP "CSV injection"), unless the string is a plain number such as
    ``-3.5``.
    Numbers are written as they are (``str``), None as an empty cell.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        return str(value)
    head = value.lstrip(" ")  # some spreadsheets trim leading spaces before parsing
    if head.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(head):
        return "'" + value
    return value


def check_target(path: str | os.PathLike[str], what: str | None = None) -> Path:
    """Refuse a target that is a symbolic link or exists and is not a regular file.

    Returns the path; raises UserInputError (one line) otherwise.
    """
    p = Path(path).expanduser()
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        return p
    except OSError as exc:
        raise _cannot(p, what, _why(exc)) from None
    if stat.S_ISLNK(st.st_mode):
        raise UserInputError(f"refusing to write through a symlink: {p}")
    if stat.S_ISDIR(st.st_mode):
        raise _cannot(p, what, "it is a directory; give a file name")
    if not stat.S_ISREG(st.st_mode):
        raise _cannot(p, what, "it is not a regular file (a device, pipe or socket)")
    return p


def prepare_out_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` (and missing parents) mode 0700, or check an existing directory.

    An existing directory is used as it is (its mode is not changed); files written into it
    are still 0600. Raises UserInputError naming the path if it cannot be written.
    """
    out = Path(path).expanduser()
    try:
        return _prepare_out_dir(out)
    except OSError as exc:  # e.g. a name too long for the file system: one line, no traceback
        raise UserInputError(f"cannot write the export to {out}: {_why(exc)}") from None


def _prepare_out_dir(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise UserInputError(f"cannot write the export to {out}: it is a file, not a directory")
    missing = []
    d = out
    while not d.exists() and d.parent != d:
        missing.append(d)
        d = d.parent
    if d.exists() and not d.is_dir():
        raise UserInputError(f"cannot write the export to {out}: {d} is not a directory")
    try:
        with owner_only_umask():
            out.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        for created in missing:
            os.chmod(created, DIR_MODE)
    except OSError as exc:
        raise UserInputError(f"cannot write the export to {out}: {_why(exc)}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise UserInputError(f"cannot write the export to {out}: directory is not writable")
    return out


def prepare_out_file(path: str | os.PathLike[str], what: str = "the report") -> Path:
    """Check that file ``path`` can be written (creating its directory 0700); return it."""
    out = check_target(path, what)
    parent = out.parent if str(out.parent) else Path(".")
    try:
        prepare_out_dir(parent)
    except UserInputError:
        raise UserInputError(
            f"cannot write {what} to {out}: directory {parent} cannot be created or written"
        ) from None
    if out.exists() and not os.access(out, os.W_OK):
        raise UserInputError(f"cannot write {what} to {out}: the file is not writable")
    return out


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (file systems without directory fsync are fine)."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def _new_temp(target: Path) -> Path:
    """An empty 0600 file next to ``target``, created exclusively (never through a link)."""
    folder = target.parent if str(target.parent) else Path(".")
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=_TEMP_SUFFIX, dir=folder)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return Path(name)


def _commit(tmp: Path, target: Path, what: str | None, *, allow_empty: bool = False) -> None:
    """fsync ``tmp``, check it is a (non-empty) regular file, rename it over ``target``."""
    fd = os.open(tmp, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _cannot(target, what, "the temporary file was replaced by something else")
        if st.st_size == 0 and not allow_empty:
            raise _cannot(target, what, "nothing was written")
        os.fchmod(fd, FILE_MODE)
        os.fsync(fd)
    finally:
        os.close(fd)
    check_target(target, what)  # again: a link may have been planted meanwhile
    os.replace(tmp, target)
    _fsync_dir(target.parent if str(target.parent) else Path("."))


@contextlib.contextmanager
def _replacing(
    path: str | os.PathLike[str], what: str | None, *, allow_empty: bool
) -> Iterator[tuple[Path, Path]]:
    """Yield (target, temporary file next to it); the temporary file replaces the target if the
    block ends without an error, and is removed in any case; OS errors become one line."""
    target = check_target(path, what)
    try:
        tmp = _new_temp(target)
    except OSError as exc:
        raise _cannot(target, what, _why(exc)) from None
    try:
        try:
            yield target, tmp
            _commit(tmp, target, what, allow_empty=allow_empty)
        except OSError as exc:
            raise _cannot(target, what, _why(exc)) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], what: str = "the file") -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it into place if the block succeeds.

    For writers that need a file name (e.g. Qt's QPdfWriter). The temporary file exists, is
    empty and 0600 when yielded. It replaces ``path`` only if the block ends without an error
    and the file is not empty; otherwise it is removed and ``path`` is left as it was.

    Raises
    ------
    UserInputError
        ``path`` is a symbolic link or not a regular file, or any OS error (disk full, no
        permission), as one line naming ``path``.
    """
    with _replacing(path, what, allow_empty=False) as (_, tmp):
        yield tmp


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically as an owner-only (0600) file.

    Raises UserInputError (one line naming the path and the reason) on any failure; the old
    file, if any, is then left as it was and no temporary file remains.
    """
    with _replacing(path, None, allow_empty=not data) as (target, tmp):
        fd = os.open(tmp, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
    return target


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` (``\\n`` line ends) atomically to an owner-only (0600) file."""
    return write_bytes(path, text.encode("utf-8"))

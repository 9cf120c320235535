"""Owner-only output files and directories, with one-line errors for unusable paths."""

from __future__ import annotations

import os
from pathlib import Path

from ras.errors import UserInputError
from ras.store.paths import owner_only_umask

__all__ = [
    "DIR_MODE",
    "FILE_MODE",
    "prepare_out_dir",
    "prepare_out_file",
    "write_bytes",
    "write_text",
]

DIR_MODE = 0o700
FILE_MODE = 0o600


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def prepare_out_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` (and missing parents) mode 0700, or check an existing directory.

    An existing directory is used as it is (its mode is not changed); files written into it
    are still 0600. Raises UserInputError naming the path if it cannot be written.
    """
    out = Path(path).expanduser()
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
    out = Path(path).expanduser()
    if out.is_dir():
        raise UserInputError(f"cannot write {what} to {out}: it is a directory; give a file name")
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


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` as an owner-only (0600) file; UserInputError on failure."""
    p = Path(path)
    try:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)
            with os.fdopen(fd, "wb", closefd=False) as fh:
                fh.write(data)
        finally:
            os.close(fd)
    except OSError as exc:
        raise UserInputError(f"cannot write {p}: {_why(exc)}") from None
    return p


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` (``\\n`` line ends) to an owner-only (0600) file."""
    return write_bytes(path, text.encode("utf-8"))

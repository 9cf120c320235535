"""Where the session database lives, and keeping it owner-only.

Order of precedence: an explicit path argument, then the ``RAS_DB`` environment variable
(full path of the database file), then ``$XDG_DATA_HOME/ras/ras.sqlite3`` (default
``~/.local/share/ras/ras.sqlite3``). Directories we create are mode 0700; the database and
its ``-wal`` / ``-shm`` side files are mode 0600 (they hold patient data).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from ras.errors import UserInputError

__all__ = [
    "DB_ENV_VAR",
    "DB_FILE_NAME",
    "data_dir",
    "owner_only_umask",
    "prepare_db_path",
    "resolve_db_path",
    "secure_db_files",
]

DB_ENV_VAR = "RAS_DB"
DB_FILE_NAME = "ras.sqlite3"
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")
DIR_MODE = 0o700
FILE_MODE = 0o600


def data_dir() -> Path:
    """Per-user data directory: ``$XDG_DATA_HOME/ras`` or ``~/.local/share/ras``."""
    xdg = os.environ.get("XDG_DATA_HOME", "").strip()
    # The XDG spec says relative values are invalid and must be ignored.
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "ras"


def resolve_db_path(path: str | os.PathLike[str] | None = None) -> Path:
    """Database file to use: ``path``, else ``$RAS_DB``, else the data directory's file."""
    if path is not None and str(path).strip():
        return Path(path).expanduser()
    env = os.environ.get(DB_ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser()
    return data_dir() / DB_FILE_NAME


@contextlib.contextmanager
def owner_only_umask() -> Iterator[None]:
    """Temporarily set the process umask to 077 so new files and directories are owner-only."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def _fail(path: Path, reason: str) -> UserInputError:
    return UserInputError(f"cannot use session database {path}: {reason}")


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _make_dirs(directory: Path, db_path: Path) -> None:
    """Create ``directory`` (and missing parents) with mode 0700."""
    missing = []
    d = directory
    while not d.exists():
        missing.append(d)
        if d.parent == d:
            break
        d = d.parent
    try:
        directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        for created in missing:
            os.chmod(created, DIR_MODE)
    except OSError as exc:
        raise _fail(db_path, f"cannot create directory {directory} ({_reason(exc)})") from None


def prepare_db_path(path: str | os.PathLike[str] | None = None) -> Path:
    """Resolve the database path, create its directory and file owner-only, and check access.

    Returns
    -------
    Path
        Absolute path of the database file (which now exists, mode 0600 if we created it).

    Raises
    ------
    UserInputError
        One line naming the path and why it cannot be used.
    """
    db_path = resolve_db_path(path).absolute()
    try:
        return _prepare_db_file(db_path)
    except OSError as exc:  # e.g. a name too long for the file system: one line, no traceback
        raise _fail(db_path, _reason(exc)) from None


def _prepare_db_file(db_path: Path) -> Path:
    directory = db_path.parent
    if db_path.is_dir():
        raise _fail(db_path, "it is a directory, not a file")
    if directory.exists() and not directory.is_dir():
        raise _fail(db_path, f"{directory} is not a directory")
    with owner_only_umask():
        _make_dirs(directory, db_path)
        if directory == data_dir().absolute():
            with contextlib.suppress(OSError):
                os.chmod(directory, DIR_MODE)  # our own directory: always owner-only
        if not os.access(directory, os.W_OK | os.X_OK):
            # WAL mode needs to create the -wal and -shm files next to the database.
            raise _fail(db_path, f"directory {directory} is not writable")
        try:
            fd = os.open(db_path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        except OSError as exc:
            raise _fail(db_path, _reason(exc)) from None
        os.close(fd)
    secure_db_files(db_path)
    return db_path


def secure_db_files(db_path: Path) -> None:
    """Make the database and any ``-wal`` / ``-shm`` side files owner-only (0600)."""
    for p in (db_path, *(Path(f"{db_path}{s}") for s in SIDE_SUFFIXES)):
        try:
            mode = stat.S_IMODE(p.stat().st_mode)
            if mode != FILE_MODE and p.stat().st_uid == os.getuid():
                os.chmod(p, FILE_MODE)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise _fail(db_path, f"cannot make {p.name} owner-only ({_reason(exc)})") from None

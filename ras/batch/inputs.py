"""The recordings of a ``ras analyse`` call: files, folders (recursively) and globs.

A folder gives every IMU file below it (``*.csv``, any case; hidden files and folders and
anything inside the output folder skipped), a glob (``*``, ``?``, ``[``; ``**`` crosses
folders) every file or folder it matches. A recording named twice is analysed once. Each
recording of a batch gets its own output folder: its path below the folder common to all of
them, without the extension (``site-a/p01/walk.csv`` -> ``site-a/p01/walk``), a name already
taken (``walk.csv`` and ``walk.CSV``) getting ``~2``, ``~3``.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

from ras.errors import UserInputError

__all__ = ["IMU_SUFFIXES", "Inputs", "expand_inputs", "output_folders"]

#: File name endings read as IMU recordings inside a folder (compared in lower case).
IMU_SUFFIXES = (".csv",)
_GLOB_CHARS = frozenset("*?[")
_FORMAT_HINT = "give a raw-IMU CSV (docs/imu-format.md)"


@dataclass(frozen=True)
class Inputs:
    """The recordings found, and whether they are a batch.

    Attributes
    ----------
    paths : tuple of str
        Each recording once, in the order given (a folder's or glob's sorted).
    batch : bool
        True when a folder or glob was given, or more than one recording: a summary table is
        written.
    """

    paths: tuple[str, ...]
    batch: bool


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _inside(path: Path, folder: Path | None) -> bool:
    if folder is None:
        return False
    try:
        path.resolve().relative_to(folder)
    except ValueError:
        return False
    return True


def _folder_files(folder: Path, skip: Path | None) -> list[Path]:
    """The IMU files below ``folder``, sorted by path."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            p = here / name
            if (
                not name.startswith(".")
                and name.lower().endswith(IMU_SUFFIXES)
                and p.is_file()
                and not _hidden(p, folder)
                and not _inside(p, skip)
            ):
                found.append(p)
    return sorted(found)


def _why_not_file(p: Path) -> str:
    if not p.exists():
        return "no such file"
    return "not a regular file (a device, pipe or socket)"


def expand_inputs(items: list[str], out_dir: str | None = None) -> Inputs:
    """The recordings named by ``items`` (files, folders, globs).

    Parameters
    ----------
    items : list of str
        As typed on the command line.
    out_dir : str, optional
        The output folder: files inside it are never inputs (a re-run into a folder below the
        input folder does not read its own results).

    Raises
    ------
    UserInputError
        One line: a missing file, a glob matching nothing, a folder with no IMU files.
    """
    skip = Path(out_dir).resolve() if out_dir else None
    found: list[Path] = []
    batch = len(items) > 1
    for item in items:
        p = Path(item)
        if p.is_dir():
            batch = True
            files = _folder_files(p, skip)
            if not files:
                raise UserInputError(
                    f"{item}: no IMU recordings (*.csv) in this folder or below; {_FORMAT_HINT}"
                )
            found += files
        elif p.is_file():
            found.append(p)
        elif _GLOB_CHARS & set(item):
            batch = True
            matches = sorted(glob.glob(item, recursive=True))
            files = []
            for m in map(Path, matches):
                if m.is_dir():
                    files += _folder_files(m, skip)
                elif m.is_file() and not _inside(m, skip):
                    files.append(m)
            if not files:
                what = "no file" if not matches else "no IMU recording (*.csv)"
                raise UserInputError(f"{item}: {what} matches this pattern; {_FORMAT_HINT}")
            found += files
        else:
            raise UserInputError(f"{item}: {_why_not_file(p)}; {_FORMAT_HINT}")
    unique = dict.fromkeys(str(f) for f in found)
    seen: dict[Path, str] = {}
    for f in unique:
        seen.setdefault(Path(f).resolve(), f)
    return Inputs(tuple(seen.values()), batch or len(seen) > 1)


def output_folders(paths: tuple[str, ...]) -> list[str]:
    """Each recording's output folder, relative to ``--out`` (see the module docstring)."""
    resolved = [Path(p).resolve() for p in paths]
    if not resolved:
        return []
    common = Path(os.path.commonpath([str(r.parent) for r in resolved]))
    taken: set[str] = set()
    out = []
    for r in resolved:
        base = r.relative_to(common).with_suffix("").as_posix()
        name, k = base, 1
        while name.lower() in taken:
            k += 1
            name = f"{base}~{k}"
        taken.add(name.lower())
        out.append(name)
    return out

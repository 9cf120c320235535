"""The dataset-level files of a BIDS export, merged into what the folder already holds.

Exporting session 2 after session 1, or patient B after patient A, into one folder keeps every
row of ``participants.tsv``, ``sub-*_sessions.tsv`` and the README, and the keys of
``dataset_description.json`` someone added (authors, licence); exporting the same session again
replaces its own rows only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from ras.errors import UserInputError
from ras.export.tsv import NA, json_text, read_tsv, tsv_text
from ras.results.files import write_text

__all__ = [
    "BIDS_VERSION",
    "merge_description",
    "merge_json",
    "merge_readme",
    "merge_tsv",
]

BIDS_VERSION = "1.9.0"
_README_HEAD = (
    "Rhythmic Auditory Stimulation (RAS) gait training sessions recorded with ras:\n"
    "an uncued baseline walk, cued training, an uncued probe; foot IMU and gait events.\n"
    "Times: seconds on the session clock; zero is acq_time in each session's scans file.\n"
    "\n"
    "Sessions:\n"
)
_README_LINE = re.compile(r"^(sub-[A-Za-z0-9]+ ses-[A-Za-z0-9]+):")


def _natural(text: str) -> tuple[object, ...]:
    """Sort key that puts ``ses-2`` before ``ses-10``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


def merge_tsv(
    path: Path, key: str, columns: Sequence[str], rows: Sequence[Mapping[str, object]]
) -> Path:
    """Write ``rows`` into the TSV at ``path``, keeping the rows of other keys it holds.

    Columns are the existing ones (``key`` first) followed by new ones; a row lacking a
    column gets ``n/a``. Rows are sorted by ``key``.
    """
    old_columns, old_rows = read_tsv(path)
    if old_columns and key not in old_columns:
        raise UserInputError(f"cannot merge into {path}: it has no {key} column")
    merged_columns = [key, *(c for c in old_columns if c != key)]
    merged_columns += [c for c in columns if c not in merged_columns]
    replaced = {str(r[key]) for r in rows}
    by_key: dict[str, Mapping[str, object]] = {
        r[key]: r for r in old_rows if r[key] not in replaced
    }
    by_key |= {str(r[key]): r for r in rows}
    table = [[by_key[k].get(c, NA) for c in merged_columns] for k in sorted(by_key, key=_natural)]
    return write_text(path, tsv_text(merged_columns, table))


def _read_json(path: Path) -> dict[str, object]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UserInputError(f"cannot merge into {path}: {exc}") from None
    if not isinstance(doc, dict):
        raise UserInputError(f"cannot merge into {path}: it is not a JSON object")
    return doc


def merge_json(path: Path, entries: Mapping[str, object]) -> Path:
    """Write ``entries`` into the JSON object at ``path``, keeping its other keys."""
    return write_text(path, json_text(_read_json(path) | dict(entries)))


def merge_description(path: Path) -> Path:
    """``dataset_description.json``: the required keys, added only where missing, and ras in
    ``GeneratedBy``; whatever else it holds stays."""
    doc = _read_json(path)
    doc.setdefault("Name", "ras: RAS gait training sessions")
    doc.setdefault("BIDSVersion", BIDS_VERSION)
    doc.setdefault("DatasetType", "raw")
    generated = doc.get("GeneratedBy")
    generated = list(generated) if isinstance(generated, list) else []
    if not any(isinstance(g, dict) and g.get("Name") == "ras" for g in generated):
        generated.append({"Name": "ras", "Description": "ras export --format bids"})
    doc["GeneratedBy"] = generated
    return write_text(path, json_text(doc))


def merge_readme(path: Path, session_key: str, line: str) -> Path:
    """The README: what the dataset is, then one line per session (``session_key``: ``line``),
    this session's replaced, the others kept."""
    try:
        old = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        old = []
    except (OSError, UnicodeDecodeError) as exc:
        raise UserInputError(f"cannot merge into {path}: {exc}") from None
    sessions = {m.group(1): text for text in old if (m := _README_LINE.match(text))}
    sessions[session_key] = f"{session_key}: {line}"
    body = "\n".join(sessions[k] for k in sorted(sessions, key=_natural))
    return write_text(path, _README_HEAD + body + "\n")

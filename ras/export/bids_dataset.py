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

from ras.diagnosis import Diagnosis
from ras.errors import UserInputError
from ras.export.tsv import NA, json_text, read_tsv, tsv_text
from ras.results.files import write_text
from ras.results.session_data import SessionData

__all__ = [
    "BIDS_VERSION",
    "acq_time",
    "merge_description",
    "merge_json",
    "merge_readme",
    "merge_tsv",
    "write_dataset_files",
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


_PARTICIPANTS_JSON = {
    "participant_id": {"Description": "sub-<pseudonymous id of the patient in ras>"},
    "diagnosis": {
        "Description": "Diagnosis group (what the clinical thresholds depend on)",
        "Levels": {d.value: d.label for d in Diagnosis},
    },
    "diagnosis_note": {"Description": "The diagnosis as described by the clinician"},
    "affected_side": {
        "Description": "Side affected by the condition (e.g. the paretic side after a stroke)"
    },
    "sex": {
        "Description": "Sex of the participant as recorded",
        "Levels": {"female": "female", "male": "male", "other": "other"},
    },
    "height": {"Description": "Body height", "Units": "m"},
    "leg_length": {"Description": "Leg length (normalises gait speed)", "Units": "m"},
    "name": {"Description": "The patient's name (exported only on request, --with-names)"},
}
_STATUS = {
    "Description": "ras session status",
    "Levels": {
        "complete": "the session ended as planned or was ended by the therapist",
        "incomplete": "the recording stopped early (crash, killed, disk full): data up to then",
        "running": "still being recorded when exported",
    },
}
_SESSIONS_JSON = {
    "acq_time": {"Description": "Session start, UTC (the session clock's zero)"},
    "age": {
        "Description": "Age at the session: the session's year minus the year of birth",
        "Units": "year",
    },
    "status": _STATUS,
}
_SCANS_JSON = {
    "acq_time": {"Description": "Session start, UTC (zero of the motion file's latency)"},
    "status": _STATUS,
}


def acq_time(data: SessionData) -> str:
    """The session's start, UTC, as BIDS writes it (ISO 8601 without a zone)."""
    return data.info.started_utc.rstrip("Z")


def write_dataset_files(
    data: SessionData, out_dir: Path, sub: str, *, with_names: bool
) -> list[Path]:
    """The dataset-level files and the subject's sessions.tsv, merged with what is there."""
    patient = data.patient
    participant: dict[str, object] = {
        "participant_id": f"sub-{sub}",
        "diagnosis": patient.diagnosis,
        "diagnosis_note": patient.diagnosis_note,
        "affected_side": patient.affected_side,
        "sex": patient.sex,
        "height": patient.height_m,
        "leg_length": patient.leg_length_m,
    }
    if with_names:
        participant["name"] = patient.name
    participants_json = {k: v for k, v in _PARTICIPANTS_JSON.items() if k in participant}
    session = {"session_id": f"ses-{data.info.id}", "acq_time": acq_time(data)}
    session["status"] = data.info.status
    born = patient.birth_year
    session["age"] = None if born is None else int(data.info.started_utc[:4]) - int(born)
    sessions = out_dir / f"sub-{sub}" / f"sub-{sub}_sessions"
    line = f"{data.status_note}." + (
        "" if data.imu else " No raw IMU was recorded: only the events are exported."
    )
    return [
        merge_description(out_dir / "dataset_description.json"),
        merge_readme(out_dir / "README", f"sub-{sub} ses-{data.info.id}", line),
        merge_tsv(out_dir / "participants.tsv", "participant_id", list(participant), [participant]),
        merge_json(out_dir / "participants.json", participants_json),
        merge_json(out_dir / "scans.json", _SCANS_JSON),
        merge_tsv(sessions.with_suffix(".tsv"), "session_id", list(session), [session]),
        merge_json(sessions.with_suffix(".json"), _SESSIONS_JSON),
    ]

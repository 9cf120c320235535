"""``export_session``: one entry point for ``ras export`` and the GUI."""

from __future__ import annotations

import os
from pathlib import Path

from ras.export.csv_json import write_csv, write_json
from ras.results.files import prepare_out_dir
from ras.results.session_data import SessionData, load_session
from ras.results.tables import (
    Table,
    actions_table,
    cue_modes_table,
    cue_states_table,
    cues_table,
    link_events_table,
    markers_table,
    parameters_table,
    patient_facts,
    phases_table,
    session_table,
    song_events_table,
    steps_table,
    tempo_changes_table,
)
from ras.store.store import StoreReader
from ras.validate import check_choice

__all__ = ["EXPORT_FORMATS", "export_session", "export_tables"]

EXPORT_FORMATS = ("csv", "json", "bids")


def export_tables(data: SessionData, *, with_names: bool = False) -> list[Table]:
    """The tables of the CSV/JSON exports, per-phase parameters (from analysis/) last."""
    return [
        session_table(data, with_names=with_names),
        phases_table(data),
        steps_table(data),
        cues_table(data),
        tempo_changes_table(data),
        cue_states_table(data),
        cue_modes_table(data),
        song_events_table(data),
        actions_table(data),
        markers_table(data),
        link_events_table(data),
        parameters_table(data),
    ]


def _header(data: SessionData, *, with_names: bool) -> dict:
    info, patient = data.info, data.patient
    session = {
        "id": info.id,
        "number": data.number,
        "started_utc": info.started_utc,
        "ended_utc": info.ended_utc,
        "status": info.status,
        "complete": not data.incomplete,
        "status_note": data.status_note,
        "notes": info.notes,
        "settings": info.settings,
    }
    who = {"pseudo_id": patient.pseudo_id, **patient_facts(patient)}
    if with_names:
        who["name"] = patient.name
    return {"session": session, "patient": who}


def export_session(
    store: StoreReader,
    session_id: int,
    fmt: str,
    out_dir: str | os.PathLike[str],
    *,
    with_names: bool = False,
) -> list[Path]:
    """Export one session into ``out_dir``; return the files written.

    Parameters
    ----------
    store : Store
        Open session database.
    session_id : int
        The session.
    fmt : {"csv", "json", "bids"}
        CSV files (one per table), one JSON document, or a Motion-BIDS dataset.
    out_dir : path
        Directory (created 0700 if missing).
    with_names : bool
        Include the patient's name (default: pseudonym only).

    Raises
    ------
    UserInputError
        Unknown format or session, empty session, or an output path that cannot be written.
    """
    check_choice("export format", fmt, EXPORT_FORMATS)
    data = load_session(store, session_id, with_imu=True)
    out = prepare_out_dir(out_dir)
    if fmt == "bids":
        from ras.export.bids import write_bids

        return write_bids(data, out, with_names=with_names)
    tables = export_tables(data, with_names=with_names)
    prefix = f"session-{data.info.id}"
    if fmt == "csv":
        return write_csv(out, prefix, tables)
    header = _header(data, with_names=with_names)
    body = [t for t in tables if t.name != "session"]
    return [write_json(out, prefix, body, header)]

"""Schema v5 (the complete clinical record): a v4 file keeps everything; free-text diagnoses map
onto the fixed list with the text kept; markers read as notes; cue states and actions store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ras.events import ActionEvent, CueState, CueStateEvent, MarkerEvent, MarkerKind
from ras.store import Store
from ras.store.schema import MIGRATIONS, connect, migrate, schema_version

FREE_TEXT = {
    "P-PD": ("Parkinson's disease, H&Y 2", "parkinson", "Parkinson's disease, H&Y 2"),
    "P-ST": ("ischaemic stroke 2025", "stroke", "ischaemic stroke 2025"),
    "P-HC": ("healthy", "healthy", None),
    "P-MS": ("multiple sclerosis", "other", "multiple sclerosis"),
    "P-NONE": (None, None, None),
}


def _v4_database(db: Path) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn, db, MIGRATIONS[:4])
        for pid, (text, _, _) in FREE_TEXT.items():
            conn.execute(
                "INSERT INTO patients (pseudo_id, diagnosis, affected_side, created_utc)"
                " VALUES (?, ?, 'left', '2026-01-01')",
                (pid, text),
            )
        conn.execute("INSERT INTO sessions (patient_id, started_utc) VALUES (1, '2026-01-01')")
        conn.execute("INSERT INTO markers (session_id, t_s, note) VALUES (1, 3.0, 'turned')")
    finally:
        conn.close()


def test_v4_database_keeps_its_rows_and_maps_diagnoses(tmp_path: Path) -> None:
    db = tmp_path / "v4.db"
    _v4_database(db)
    with Store(db) as store:
        assert store.markers(1) == [MarkerEvent(3.0, "turned", MarkerKind.NOTE)]
        assert store.list_sessions("P-PD")[0].id == 1  # the session still points at its patient
        assert store.integrity_ok()
    conn, _ = connect(db)
    try:
        assert schema_version(conn) == len(MIGRATIONS)
        got = dict(
            (r[0], (r[1], r[2]))
            for r in conn.execute("SELECT pseudo_id, diagnosis, diagnosis_note FROM patients")
        )
        assert got == {pid: (code, note) for pid, (_, code, note) in FREE_TEXT.items()}
    finally:
        conn.close()


def test_cue_states_actions_and_clinical_events_round_trip(tmp_path: Path) -> None:
    events = [
        CueStateEvent(60.0, CueState.START, "plan", "cued phase starts"),
        CueStateEvent(90.5, CueState.OFF, "therapist"),
        MarkerEvent(91.0, "", MarkerKind.FALL),
        MarkerEvent(92.0, "at the door", MarkerKind.NEAR_FALL),
        ActionEvent(90.5, "cues off", True, "cue off at 90.5 s"),
        ActionEvent(95.0, "set 300 bpm", False, "tempo must be 30 to 200 bpm"),
    ]
    with Store(tmp_path / "s.db") as store:
        store.add_patient("P1", diagnosis="stroke")
        sid = store.begin_session("P1")
        assert store.record(sid, events) == len(events)
        assert store.cue_states(sid) == events[:2]
        assert store.markers(sid) == events[2:4]
        assert store.actions(sid) == events[4:]
        assert [m.text() for m in store.markers(sid)] == ["fall", "near-fall: at the door"]


def test_the_schema_refuses_a_cue_state_or_diagnosis_outside_its_list(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        store.add_patient("P1")
        sid = store.begin_session("P1")
        conn = store.connection
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(
                "INSERT INTO cue_states (session_id, t_s, state, source)"
                " VALUES (?, 1, 'loud', 'plan')",
                (sid,),
            )
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("UPDATE patients SET diagnosis = 'PD'")

"""Schema v6 (the music library): a v5 file keeps everything and gains the song tables; songs
and their beats round-trip; the schema refuses flags and hashes outside their forms."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from ras.events import MarkerEvent, MarkerKind
from ras.store import Store
from ras.store.schema import MIGRATIONS, connect, migrate, schema_version
from ras.store.songs import SongRecord, beats_to_blob


def song_record(sha256: str = "ab" * 32, **changes: object) -> SongRecord:
    """A song as the library stores it (beats every 0.5 s)."""
    values: dict[str, object] = {
        "sha256": sha256,
        "extension": "ogg",
        "title": "Walking Tune",
        "artist": "A. Band",
        "duration_s": 30.0,
        "sample_rate_hz": 44100,
        "channels": 2,
        "tempo_bpm": 120.0,
        "tempo_stability_pct": 0.5,
        "beat_confidence": 0.9,
        "usable": True,
        "reason": "",
        "tracker": "test",
        "loudness_lufs": -14.5,
        "peak_dbfs": -0.3,
        "beats_s": np.arange(0.25, 30.0, 0.5),
        "downbeats_s": np.arange(0.25, 30.0, 2.0),
        "analysed_utc": "2026-12-04T09:00:00Z",
        "analysis_s": 1.5,
    }
    values.update(changes)
    return SongRecord(**values)  # type: ignore[arg-type]


#: The songs table's columns as schema v6 made them (v8 added the second opinion's).
V6_SONG_COLUMNS = (
    "sha256", "extension", "title", "artist", "duration_s", "sample_rate_hz", "channels",
    "tempo_bpm", "tempo_stability_pct", "beat_confidence", "usable", "reason", "tracker",
    "loudness_lufs", "peak_dbfs", "beats_s", "downbeats_s", "analysed_utc", "analysis_s",
)  # fmt: skip


def insert_v6_song(conn: sqlite3.Connection, record: SongRecord, patient_rowid: int) -> None:
    """``record`` given to a patient in a database still at schema v6 or v7 (raw SQL: the
    SongStore writes the columns of the current schema), liked."""
    values = [getattr(record, c) for c in V6_SONG_COLUMNS]
    values = [beats_to_blob(v) if isinstance(v, np.ndarray) else v for v in values]
    conn.execute(
        f"INSERT INTO songs ({', '.join(V6_SONG_COLUMNS)})"
        f" VALUES ({', '.join('?' * len(V6_SONG_COLUMNS))})",
        values,
    )
    conn.execute(
        "INSERT INTO patient_songs (patient_id, song_id, liked, added_utc)"
        " VALUES (?, last_insert_rowid(), 1, '2026-12-04T09:01:00Z')",
        (patient_rowid,),
    )


def _v5_database(db: Path) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn, db, MIGRATIONS[:5])
        conn.execute(
            "INSERT INTO patients (pseudo_id, diagnosis, diagnosis_note, birth_year, created_utc)"
            " VALUES ('P-1', 'parkinson', 'H&Y 2', 1950, '2026-01-01')"
        )
        conn.execute("INSERT INTO sessions (patient_id, started_utc) VALUES (1, '2026-01-01')")
        conn.execute(
            "INSERT INTO markers (session_id, t_s, note, kind) VALUES (1, 3.0, 'door', 'fall')"
        )
    finally:
        conn.close()


def test_v5_database_keeps_its_rows_and_gains_an_empty_library(tmp_path: Path) -> None:
    db = tmp_path / "v5.db"
    _v5_database(db)
    with Store(db) as store:
        patient = store.get_patient("P-1")
        assert (patient.diagnosis, patient.diagnosis_note, patient.birth_year) == (
            "parkinson",
            "H&Y 2",
            1950,
        )
        assert store.markers(1) == [MarkerEvent(3.0, "door", MarkerKind.FALL)]
        assert store.list_sessions("P-1")[0].id == 1
        assert store.songs.everything() == []
        assert store.songs.of_patient("P-1") == []
        assert store.integrity_ok()
    conn, _ = connect(db)
    try:
        assert schema_version(conn) == len(MIGRATIONS)
    finally:
        conn.close()


def test_a_song_and_its_beats_round_trip(tmp_path: Path) -> None:
    record = song_record()
    with Store(tmp_path / "s.db") as store:
        store.add_patient("P-1")
        assert store.songs.add(record, "P-1", {"liked": True}, "2026-12-04T09:01:00Z")
    with Store(tmp_path / "s.db") as store:
        (mine,) = store.songs.of_patient("P-1")
    got = mine.song
    assert (mine.liked, mine.familiar, mine.avoid) == (True, False, False)
    assert mine.added_utc == "2026-12-04T09:01:00Z"
    np.testing.assert_array_equal(got.beats_s, record.beats_s)
    np.testing.assert_array_equal(got.downbeats_s, record.downbeats_s)
    for name in ("sha256", "title", "tempo_bpm", "usable", "loudness_lufs", "analysis_s"):
        assert getattr(got, name) == getattr(record, name)
    assert got.short_id == "abababab"


def test_the_schema_refuses_bad_flags_hashes_and_formats(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        store.add_patient("P-1")
        store.songs.add(song_record(), "P-1", {}, "2026-12-04T09:01:00Z")
        conn = store.connection
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("UPDATE patient_songs SET avoid = 2")
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("UPDATE songs SET sha256 = 'abc'")
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("UPDATE songs SET extension = 'exe'")
        with pytest.raises(sqlite3.IntegrityError):  # a link to a patient that does not exist
            conn.execute("UPDATE patient_songs SET patient_id = 99")

"""Schema v7 (music in the clinical record): a v6 file keeps everything, its songs included, and
gains the cue-mode and song-event tables; both records round-trip; the schema refuses a mode,
kind or source outside its list."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pytest

from ras.events import (
    CueMode,
    CueModeEvent,
    CueState,
    CueStateEvent,
    MarkerEvent,
    MarkerKind,
    SongEvent,
    SongEventKind,
)
from ras.store import Store
from ras.store.schema import MIGRATIONS, connect, migrate, schema_version
from tests.store.test_store_migration_v6 import insert_v6_song, song_record

SHA = "cd" * 32


def _v6_database(db: Path) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn, db, MIGRATIONS[:6])
        conn.execute(
            "INSERT INTO patients (pseudo_id, diagnosis, birth_year, created_utc)"
            " VALUES ('P-1', 'stroke', 1948, '2026-01-01')"
        )
        conn.execute("INSERT INTO sessions (patient_id, started_utc) VALUES (1, '2026-01-01')")
        conn.execute(
            "INSERT INTO cue_states (session_id, t_s, state, source)"
            " VALUES (1, 60.0, 'start', 'plan')"
        )
        conn.execute("INSERT INTO markers (session_id, t_s, note, kind) VALUES (1, 3, '', 'rest')")
        insert_v6_song(conn, song_record(SHA), 1)
    finally:
        conn.close()


def test_v6_database_keeps_its_rows_and_songs_and_gains_empty_music_records(
    tmp_path: Path,
) -> None:
    db = tmp_path / "v6.db"
    _v6_database(db)
    with Store(db) as store:
        assert store.get_patient("P-1").birth_year == 1948
        assert store.markers(1) == [MarkerEvent(3.0, "", MarkerKind.REST)]
        assert store.cue_states(1) == [CueStateEvent(60.0, CueState.START, "plan")]
        (song,) = store.songs.of_patient("P-1")
        assert (song.song.sha256, song.song.title, song.liked) == (SHA, "Walking Tune", True)
        assert store.cue_modes(1) == []
        assert store.song_events(1) == []
        assert store.integrity_ok()
    conn, _ = connect(db)
    try:
        assert schema_version(conn) == len(MIGRATIONS)
    finally:
        conn.close()


def test_cue_modes_and_song_events_round_trip(tmp_path: Path) -> None:
    modes = [
        CueModeEvent(60.0, CueMode.MUSIC, "therapist", "set-up"),
        CueModeEvent(150.0, CueMode.MUSIC_CLICK, "therapist"),
        CueModeEvent(200.0, CueMode.METRONOME, "system", "song file missing"),
    ]
    songs = [
        SongEvent(60.0, SongEventKind.START, SHA, "Walking Tune", "A. Band", 120.0, 100.0,
                  -16.7, 0.9, "therapist", "chosen by the therapist"),
        SongEvent(120.0, SongEventKind.STRETCH, SHA, "Walking Tune", "A. Band", 120.0, 105.0,
                  -12.5, 0.9, "system", "tempo change"),
        SongEvent(200.0, SongEventKind.STOP, SHA, "Walking Tune", "A. Band", 120.0, 105.0,
                  -12.5, 0.9, "system", "song file missing"),
    ]  # fmt: skip
    with Store(tmp_path / "s.db") as store:
        store.add_patient("P1")
        sid = store.begin_session("P1")
        assert store.record(sid, [*songs, *modes]) == 6
        assert store.cue_modes(sid) == modes
        assert store.song_events(sid) == songs


def test_unknown_song_numbers_are_null_and_read_back_as_nan(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        store.add_patient("P1")
        sid = store.begin_session("P1")
        store.record(sid, [SongEvent(5.0, SongEventKind.STOP, SHA, "Untitled")])
        (back,) = store.song_events(sid)
        nulls = store.connection.execute(
            "SELECT native_tempo_bpm IS NULL, tempo_bpm IS NULL, stretch_pct IS NULL,"
            " beat_confidence IS NULL, artist FROM song_events"
        ).fetchone()
    assert nulls == (1, 1, 1, 1, "")
    assert [math.isnan(x) for x in (back.native_tempo_bpm, back.stretch_pct)] == [True, True]
    assert (back.kind, back.title, back.source) == (SongEventKind.STOP, "Untitled", "system")


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [("cue_modes", "mode", "radio"), ("song_events", "kind", "skip"), ("cue_modes", "source", "x")],
)
def test_the_schema_refuses_a_mode_kind_or_source_outside_its_list(
    tmp_path: Path, table: str, column: str, value: str
) -> None:
    with Store(tmp_path / "s.db") as store:
        store.add_patient("P1")
        sid = store.begin_session("P1")
        good = {
            "cue_modes": {"t_s": 1.0, "mode": "music", "source": "plan"},
            "song_events": {
                "t_s": 1.0, "kind": "start", "song_sha256": SHA, "title": "T", "source": "plan",
            },
        }[table] | {column: value}  # fmt: skip
        names = ", ".join(("session_id", *good))
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            store.connection.execute(
                f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * (len(good) + 1))})",
                (sid, *good.values()),
            )

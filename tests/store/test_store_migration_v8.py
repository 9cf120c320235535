"""Schema v8 (a second beat tracker's opinion on each song): a v7 file keeps its songs, which
read back as never checked; an opinion round-trips; the schema refuses a verdict not 0/1."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pytest

from ras.store import Store
from ras.store.schema import MIGRATIONS, connect, migrate, schema_version
from tests.store.test_store_migration_v6 import insert_v6_song, song_record

SHA = "ef" * 32


def test_a_v7_song_reads_back_as_never_checked(tmp_path: Path) -> None:
    db = tmp_path / "v7.db"
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn, db, MIGRATIONS[:7])
        conn.execute("INSERT INTO patients (pseudo_id, created_utc) VALUES ('P-1', '2026-01-01')")
        insert_v6_song(conn, song_record(SHA), 1)
    finally:
        conn.close()
    with Store(db) as store:
        (mine,) = store.songs.of_patient("P-1")
        assert store.integrity_ok()
    song = mine.song
    assert (song.sha256, song.title, song.tempo_bpm, mine.liked) == (SHA, "Walking Tune", 120, True)
    assert (song.second_tracker, song.trackers_agree) == ("", None)
    assert math.isnan(song.second_tempo_bpm)
    assert math.isnan(song.tracker_agreement)
    conn, _ = connect(db)
    try:
        assert schema_version(conn) == len(MIGRATIONS) >= 8
    finally:
        conn.close()


@pytest.mark.parametrize("agree", [True, False, None])
def test_a_second_opinion_round_trips(tmp_path: Path, agree: bool | None) -> None:
    opinion = {"second_tracker": "essentia", "second_tempo_bpm": 88.9, "tracker_agreement": 0.29}
    checked = opinion if agree is not None else {}
    record = song_record(SHA, trackers_agree=agree, **checked)
    with Store(tmp_path / "s.db") as store:
        store.add_patient("P-1")
        store.songs.add(record, "P-1", {}, "2026-12-04T09:01:00Z")
    with Store(tmp_path / "s.db") as store:
        got = store.songs.find(SHA)
        nulls = store.connection.execute(
            "SELECT second_tempo_bpm IS NULL, tracker_agreement IS NULL, trackers_agree IS NULL"
            " FROM songs"
        ).fetchone()
    assert got is not None
    assert got.trackers_agree is agree
    assert got.second_tracker == record.second_tracker
    assert nulls == ((1, 1, 1) if agree is None else (0, 0, 0))
    assert (got.second_tempo_bpm, got.tracker_agreement) == pytest.approx(
        (record.second_tempo_bpm, record.tracker_agreement), nan_ok=True
    )


def test_the_schema_refuses_a_verdict_other_than_yes_or_no(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        store.add_patient("P-1")
        store.songs.add(song_record(SHA), "P-1", {}, "2026-12-04T09:01:00Z")
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            store.connection.execute("UPDATE songs SET trackers_agree = 2")

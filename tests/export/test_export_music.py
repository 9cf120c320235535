"""Music in the exports (issue 14): a session's cue-mode switches and song events, written into a
real store, appear with their stored times in the CSV (spreadsheet-safe), the JSON (with units)
and the BIDS events (durations to the next switch / how long a song played, levels described)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from ras.events import CueMode, CueModeEvent, SongEvent, SongEventKind
from ras.export.api import export_session
from ras.store.store import Store
from tests.conftest import MUSIC_SONGS, record_music, record_walk

PHASES = [("baseline", 0.0), ("cued", 30.0), ("probe", 90.0)]


@pytest.fixture
def music_db(tmp_path: Path) -> tuple[Path, int]:
    db = tmp_path / "m.sqlite3"
    with Store(db) as store:
        store.add_patient("P-MU", diagnosis="parkinson")
        sid = record_walk(store, "P-MU", PHASES, (0.3, 119.7), cadence_spm=100.0, end_t_s=120.0)
        record_music(store, sid, 30.0)
    return db, sid


def _export(db: Path, sid: int, fmt: str, out: Path) -> list[Path]:
    with Store(db) as store:
        return export_session(store, sid, fmt, out)


def _rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def test_csv_has_the_cue_modes_and_song_events_with_their_times(music_db, tmp_path):
    db, sid = music_db
    _export(db, sid, "csv", tmp_path)
    modes = _rows(tmp_path / f"session-{sid}_cue_modes.csv")
    assert [(float(r["t_s"]), r["phase"], r["mode"], r["music"]) for r in modes] == [
        (30.0, "cued", "music", "true"),
        (60.0, "cued", "music+click", "true"),
        (70.0, "cued", "metronome", "false"),
    ]
    assert (modes[0]["source"], modes[0]["reason"]) == ("therapist", "set-up")
    songs = _rows(tmp_path / f"session-{sid}_song_events.csv")
    assert [(float(r["t_s"]), r["kind"], r["title"]) for r in songs] == [
        (30.0, "start", "Walking Tune"),
        (40.0, "stretch", "Walking Tune"),
        (45.0, "stretch", "Walking Tune"),
        (50.0, "stop", "Walking Tune"),
        (50.0, "start", "Second Song"),
        (70.0, "stop", "Second Song"),
    ]
    first = songs[0]
    assert first["song_sha256"] == MUSIC_SONGS[0][0]
    assert (float(first["native_tempo_bpm"]), float(first["tempo_bpm"])) == (105.0, 100.0)
    assert float(first["stretch_pct"]) == pytest.approx(-4.7619, abs=1e-3)
    assert (first["artist"], songs[4]["artist"], first["reason"]) == (
        "A. Band",
        "",
        "chosen by the therapist",
    )


def test_a_hostile_title_is_escaped_in_csv_and_kept_in_json(music_db, tmp_path):
    db, sid = music_db
    with Store(db) as store:
        store.record(
            sid,
            [
                SongEvent(80.0, SongEventKind.START, "c3" * 32, "=HYPERLINK(1)", "@evil"),
                CueModeEvent(80.0, CueMode.MUSIC, "system", "+cmd"),
            ],
        )
    _export(db, sid, "csv", tmp_path / "csv")
    songs = _rows(tmp_path / "csv" / f"session-{sid}_song_events.csv")
    assert (songs[-1]["title"], songs[-1]["artist"]) == ("'=HYPERLINK(1)", "'@evil")
    assert _rows(tmp_path / "csv" / f"session-{sid}_cue_modes.csv")[-1]["reason"] == "'+cmd"
    (doc_path,) = _export(db, sid, "json", tmp_path / "json")
    doc = json.loads(doc_path.read_text())
    assert doc["song_events"]["records"][-1]["title"] == "=HYPERLINK(1)"
    assert doc["song_events"]["records"][-1]["native_tempo_bpm"] is None  # not recorded


def test_json_tables_carry_units_and_records(music_db, tmp_path):
    db, sid = music_db
    (path,) = _export(db, sid, "json", tmp_path)
    doc = json.loads(path.read_text())
    assert doc["song_events"]["units"] == {
        "t_s": "s",
        "native_tempo_bpm": "1/min",
        "tempo_bpm": "1/min",
        "stretch_pct": "%",
    }
    assert doc["cue_modes"]["units"] == {"t_s": "s"}
    assert [(r["t_s"], r["mode"]) for r in doc["cue_modes"]["records"]] == [
        (30.0, "music"),
        (60.0, "music+click"),
        (70.0, "metronome"),
    ]
    stretch = [r["stretch_pct"] for r in doc["song_events"]["records"]]
    assert stretch == pytest.approx([-4.7619, -1.9048, 2.8571, 2.8571, 8.0, 8.0], abs=1e-3)


def test_bids_events_have_mode_durations_and_song_rows(music_db, tmp_path):
    db, sid = music_db
    paths = _export(db, sid, "bids", tmp_path)
    (events_tsv,) = [p for p in paths if p.name.endswith("_events.tsv")]
    rows = _rows(events_tsv, "\t")
    modes = [r for r in rows if r["trial_type"].startswith("cue_mode_")]
    assert [(r["onset"], r["duration"], r["trial_type"], r["source"]) for r in modes] == [
        ("30.000000", "30.000000", "cue_mode_music", "therapist"),
        ("60.000000", "10.000000", "cue_mode_music_click", "therapist"),
        ("70.000000", "50.000000", "cue_mode_metronome", "therapist"),  # to the session's end
    ]
    songs = [r for r in rows if r["trial_type"].startswith("song_")]
    assert [(r["onset"], r["duration"], r["trial_type"]) for r in songs] == [
        ("30.000000", "20.000000", "song_start"),
        ("40.000000", "0.000000", "song_stretch"),
        ("45.000000", "0.000000", "song_stretch"),
        ("50.000000", "0.000000", "song_stop"),
        ("50.000000", "20.000000", "song_start"),
        ("70.000000", "0.000000", "song_stop"),
    ]
    assert songs[0]["value"] == "-4.761905"
    assert songs[0]["note"] == (
        "Walking Tune (A. Band); native 105.0 bpm, cue 100.0 bpm, stretch -4.8 %; "
        "chosen by the therapist"
    )
    assert songs[4]["note"].startswith("Second Song; native 100.0 bpm, cue 108.0 bpm, stretch +8.0")
    levels = json.loads(events_tsv.with_suffix(".json").read_text())["trial_type"]["Levels"]
    assert {r["trial_type"] for r in rows} <= set(levels)
    assert "cue_mode_music_click" in levels and "song_stretch" in levels

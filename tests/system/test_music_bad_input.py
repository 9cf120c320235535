"""Issue 14's bad-input acceptance run, through the real ``ras`` command: an unreadable file, a
file with no trackable beat, a song outside the stretch range and a song whose audio is missing
at session time.

Each is one line naming what was wrong and what is allowed, never a traceback. A file that
cannot be a song is refused on import (nothing stored); a song whose beat cannot be tracked is
kept, marked unusable with the reason, and never starts a session with music (named or
automatic: refused before the session row is written, so the therapist never believes a song
will play). Where the session is already running (a song too far from the walking cadence, or
its audio gone), the session says so once and falls back to the metronome without a gap in the
cues.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ras.events import CueMode
from ras.music.library import MusicLibrary
from ras.music.synth import synth_song
from ras.results.session_data import load_session
from ras.store import Store
from tests.conftest import add_patient, assert_one_line_error
from tests.music_checks import assert_every_beat_cued
from tests.session.test_music_session import known_beats
from tests.system.test_run_music import RATE_HZ, ras, run_with_music, song_file

ALLOWED = "(allowed: WAV, FLAC, OGG or MP3 of 20 s to 15 min)"


def _truncated(path: Path, fmt: str, keep: float) -> Path:
    """A 25 s synthetic song written as ``fmt`` and cut to its first ``keep`` of the bytes."""
    made = synth_song("steady", tempo_bpm=110.0, duration_s=25.0, sample_rate_hz=RATE_HZ)
    sf.write(path, made.audio, RATE_HZ, format=fmt)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "clinic" / "ras.sqlite3"
    add_patient(path, "P-1")
    return path


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("notes.wav", "it is not audio that libsndfile can decode"),
        ("cut.ogg", "it is not audio that libsndfile can decode"),
        ("cut.flac", "decoding failed (Error : flac decoder lost sync.)"),
    ],
    ids=["not-audio", "truncated-ogg", "truncated-flac"],
)
def test_an_unreadable_file_is_refused_on_import_in_one_line(db, tmp_path, name, said):
    path = tmp_path / name
    if name == "notes.wav":
        path.write_text("these are a therapist's notes, not audio samples\n" * 50)
    else:  # the OGG keeps its first page only; the FLAC loses its second half
        _truncated(path, path.suffix[1:].upper(), 0.03 if name == "cut.ogg" else 0.5)
    proc = ras(db, "music", "add", str(path), "--patient", "P-1")
    assert_one_line_error(proc, f"cannot use {path} as a song: {said}", ALLOWED)
    with Store(db) as store:
        assert store.songs.everything() == []


def test_a_song_without_a_trackable_beat_is_kept_unusable_and_never_starts_music(db, tmp_path):
    pad = tmp_path / "Pad.wav"
    made = synth_song("pad", tempo_bpm=100.0, duration_s=21.0, sample_rate_hz=RATE_HZ)
    sf.write(pad, made.audio, RATE_HZ)
    added = ras(db, "music", "add", str(pad), "--patient", "P-1")  # the real beat tracker
    assert (added.returncode, added.stderr) == (0, "")
    (line,) = added.stdout.splitlines()
    assert "kept but unusable for cueing: the beat could not be found with confidence" in line
    # named, or left to the session to choose: refused before anything is written
    named = run_with_music(db, "Pad", "none", (10, 10, 0))
    assert_one_line_error(
        named, "'Pad' cannot cue walking: the beat could not be found", "choose another song"
    )
    chosen = run_with_music(db, "all", "none", (10, 10, 0))
    assert_one_line_error(
        chosen, "patient P-1 has no song to play with music cues (none usable", "metronome"
    )
    with Store(db) as store:
        assert store.list_sessions("P-1") == []


@pytest.mark.parametrize(
    ("tempo_bpm", "delete", "said"),
    [
        (110.0, True, "'Song' cannot be played:"),
        (70.0, False, "'Song' cannot play now: a song at 70 bpm cannot be played at"),
    ],
    ids=["file-missing", "outside-stretch-range"],
)
@pytest.mark.timing  # every beat cued: each decided within 0.25 s real
def test_a_song_that_cannot_play_at_session_time_falls_back_to_the_metronome_in_one_line(
    tmp_path, tempo_bpm, delete, said
):
    db = tmp_path / "ras.sqlite3"
    with Store(db) as store:
        store.add_patient("P-1")
        library = MusicLibrary(store, known_beats(tempo_bpm))
        song = library.add(song_file(tmp_path / "Song.wav", tempo_bpm, 21.0), patient="P-1")
        if delete:
            library.audio_path(song.song.song).unlink()
    proc = run_with_music(db, "Song", "none", (15, 20, 0))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    log = (proc.stdout + proc.stderr).splitlines()
    assert "error" not in proc.stderr.lower() and "Traceback" not in proc.stderr
    music_lines = [line for line in log if line.startswith(("music:", "cue:", "song "))]
    assert len(music_lines) == 1
    assert music_lines[0].startswith("cue: the metronome plays on from ")
    assert said in music_lines[0]
    with Store(db) as store:
        data = load_session(store, 1)
    assert [(m.mode, m.source) for m in data.cue_modes] == [(CueMode.METRONOME, "system")]
    assert said in data.cue_modes[0].reason
    assert data.song_events == []
    assert len(data.cues) > 25 and not math.isnan(data.cues["t_s"][0])
    assert np.isfinite(data.cues["t_s"]).all()
    assert_every_beat_cued(data)

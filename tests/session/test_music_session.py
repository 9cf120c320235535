"""Music in a session's settings and request: songs checked before anything is written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ras.errors import UserInputError
from ras.events import CueMode
from ras.music.library import MusicLibrary
from ras.music.synth import synth_song
from ras.music.track import BeatTrack
from ras.session.request import SessionRequest, check_request
from ras.session.settings import SessionSettings
from ras.session.songs import session_songs
from ras.store import Store

RATE_HZ = 22050


def known_beats(tempo_bpm: float, usable: bool = True):
    """An analyser that says the synthetic song's beats (the tests need no tracker)."""

    def analyse(*, audio: np.ndarray, sample_rate_hz: int) -> BeatTrack:
        beats = np.arange(0.5, audio.size / sample_rate_hz, 60.0 / tempo_bpm)
        return BeatTrack(
            beats_s=beats,
            tempo_bpm=tempo_bpm,
            tempo_stability_pct=0.0,
            confidence=0.9 if usable else 0.05,
            usable=usable,
            reason="" if usable else "the beat is not clear enough (confidence 0.05)",
            tracker="known",
        )

    return analyse


def add_song(store: Store, tmp_path: Path, title: str, tempo_bpm: float, **flags) -> None:
    song = synth_song("steady", tempo_bpm=tempo_bpm, duration_s=21.0, sample_rate_hz=RATE_HZ)
    path = tmp_path / f"{title}.wav"
    sf.write(path, song.audio, RATE_HZ)
    usable = flags.pop("usable", True)
    MusicLibrary(store, known_beats(tempo_bpm, usable)).add(
        path, patient="P-1", title=title, **flags
    )


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "db" / "ras.sqlite3"
    with Store(path) as store:
        store.add_patient("P-1")
        store.add_patient("P-2")
        add_song(store, tmp_path, "Walk", 100.0, liked=True)
        add_song(store, tmp_path, "Sad", 104.0, avoid=True)
        add_song(store, tmp_path, "Pad", 90.0, usable=False)
    return str(path)


def test_settings_default_to_the_metronome_and_check_the_music_options():
    s = SessionSettings()
    assert (s.mode, s.music, s.music_level_db, s.click_level_db) == (
        CueMode.METRONOME,
        (),
        0.0,
        -6.0,
    )
    music = SessionSettings(cue_mode="music+click", music=["Walk ", ""])  # type: ignore[arg-type]
    assert (music.mode, music.music) == (CueMode.MUSIC_CLICK, ("Walk",))
    assert music.as_dict()["cue_mode"] == "music+click"
    with pytest.raises(UserInputError, match="unknown cue mode 'drums'; choose one of: metronome"):
        SessionSettings(cue_mode="drums")
    with pytest.raises(UserInputError, match="music level must be between -30 and 6 dB"):
        SessionSettings(music_level_db=10.0)
    with pytest.raises(UserInputError, match="a list of titles"):
        SessionSettings(music="Walk")  # type: ignore[arg-type]


def test_named_songs_resolve_in_order_and_all_offered_without_names(db: str):
    named = session_songs(db, "P-1", SessionSettings(cue_mode="music", music=("walk",)))
    assert ([s.title for s in named.songs], named.named) == (["Walk"], True)
    assert named.paths[0].is_file()
    offered = session_songs(db, "P-1", SessionSettings(cue_mode="music"))
    assert ([s.title for s in offered.songs], offered.named) == (["Walk"], False)
    assert session_songs(db, "P-1", SessionSettings()).songs == ()


@pytest.mark.parametrize(
    ("patient", "songs", "message"),
    [
        ("P-1", ("Sad",), "'Sad' is marked 'avoid' for patient P-1: it is never played"),
        ("P-1", ("Pad",), "'Pad' cannot cue walking: the beat is not clear enough"),
        ("P-1", ("Nope",), "Nope"),
        ("P-2", (), "patient P-2 has no song to play with music cues"),
        ("P-9", (), "P-9"),
        ("", (), "music cues play the patient's own songs: choose the patient"),
    ],
)
def test_a_song_that_cannot_play_is_refused_in_one_line_before_the_session(
    db: str, patient: str, songs: tuple[str, ...], message: str
):
    request = SessionRequest(
        patient_id=patient,
        settings=SessionSettings(cue_mode="music", music=songs),
        audio="none",
        db=db,
    )
    with pytest.raises(UserInputError, match=message) as err:
        check_request(request)
    assert "\n" not in str(err.value)

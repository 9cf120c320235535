"""Music in a session's settings and request: songs checked before anything is written."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ras.errors import UserInputError
from ras.events import CueMode
from ras.music.library import MusicLibrary
from ras.music.synth import synth_song
from ras.music.track import BeatTrack
from ras.results.session_data import load_session
from ras.session.actions import Action, Mode, describe, parse_action
from ras.session.host import SessionHost
from ras.session.music import SongView
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


def add_song(
    store: Store, tmp_path: Path, title: str, tempo_bpm: float, duration_s: float = 21.0, **flags
) -> None:
    song = synth_song("steady", tempo_bpm=tempo_bpm, duration_s=duration_s, sample_rate_hz=RATE_HZ)
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


@pytest.mark.timing  # ends 'complete': every cue decided within 0.25 s real
def test_the_therapist_switches_the_cue_s_sound_and_the_song_live_and_every_change_is_recorded(
    db: str, tmp_path: Path
):
    """Metronome -> music -> another song -> music+click -> metronome through the host, as the
    live screen and `ras run` send them; the snapshot shows the song playing."""
    with Store(db) as store:
        add_song(store, tmp_path, "Other", 106.0, duration_s=90.0)
        add_song(store, tmp_path, "Long Walk", 112.0, duration_s=90.0)
    settings = SessionSettings(
        baseline_s=15.0, cued_s=45.0, probe_s=0.0, plan="fixed", music=("Long Walk", "Other")
    )
    request = SessionRequest("P-1", settings=settings, audio="none", speed=10.0, db=db, via="test")
    host = SessionHost(request, watch=True)
    session_id = host.begin()
    step, views, results = [0], {}, []

    def send(*actions: Action) -> None:
        for action in actions:
            host.send(action)
        step[0] += 1

    def tick(runner) -> None:
        snap = host.snapshot()
        results.extend(snap.results)
        music = snap.music
        if step[0] == 0 and snap.tempo_actions:
            views["before"] = music
            send(Mode(CueMode.MUSIC), Mode(song="nothing"))
        elif step[0] == 1 and music.title == "Long Walk":
            views["walk"] = music
            send(Mode(song="other"))
        elif step[0] == 2 and music.title == "Other":
            send(Mode(CueMode.MUSIC_CLICK))
        elif step[0] == 3 and music.mode is CueMode.MUSIC_CLICK:
            send(Mode(CueMode.METRONOME))

    outcome = host.run(on_tick=tick)
    assert outcome.status == "complete", outcome
    assert step[0] == 4
    assert views["before"] == SongView(CueMode.METRONOME)
    walk = views["walk"]
    assert (walk.mode, walk.native_tempo_bpm, walk.beat_confidence) == (CueMode.MUSIC, 112.0, 0.9)
    assert walk.stretch_pct == pytest.approx(100 * (outcome.summary.final_tempo_bpm / 112 - 1))
    said = [(describe(r.action), r.ok) for r in results if isinstance(r.action, Mode)]
    assert said == [
        ("music", True),
        ("song nothing", False),
        ("song other", True),
        ("music+click", True),
        ("metronome", True),
    ]
    refused = next(r for r in results if not r.ok)
    assert refused.message == (
        "no one song 'nothing' in this session; its songs: 'Long Walk', 'Other'"
    )
    with Store(db) as store:
        data = load_session(store, session_id)
    assert [(m.mode, m.source) for m in data.cue_modes] == [
        (CueMode.MUSIC, "therapist"),  # the song change is crossfaded: no metronome between
        (CueMode.MUSIC_CLICK, "therapist"),
        (CueMode.METRONOME, "therapist"),
    ]
    assert [(e.kind.value, e.title) for e in data.song_events] == [
        ("start", "Long Walk"),
        ("stop", "Long Walk"),
        ("start", "Other"),
        ("stop", "Other"),
    ]
    # the change is one boundary beat, at a phrase of Long Walk (8 beats from its first, as it
    # has no downbeats), where the therapist's result said it would be
    start, stop, other = (e.t_s for e in data.song_events[:3])
    assert stop == other
    onsets_s = np.sort(data.cues["t_s"])  # at the speaker: the beats' times plus the latency
    at = int(np.argmin(np.abs(onsets_s - stop)))
    first = int(np.argmin(np.abs(onsets_s - start)))
    ibi_s = float(np.median(np.diff(onsets_s)))
    assert abs(onsets_s[at] - stop) < 0.1 * ibi_s and abs(onsets_s[first] - start) < 0.1 * ibi_s
    assert (at - first) % 8 == 0 and at > first
    changed = next(r for r in results if describe(r.action) == "song other")
    said = re.fullmatch(r"song 'Other' from (\d+\.\d) s, at the next phrase", changed.message)
    assert said is not None, changed.message
    assert float(said.group(1)) == pytest.approx(stop, abs=0.1)  # adaptive shifts the beats
    logged = [a.action for a in data.actions]
    assert logged == ["music", "song nothing", "song other", "music+click", "metronome"]
    cues = np.sort(data.cues, order="t_s")
    assert np.array_equal(np.diff(cues["beat_index"]), np.ones(len(cues) - 1, dtype=np.int64))


def test_the_mode_commands_are_typed_as_the_therapist_says_them():
    assert parse_action("Music+Click") == Mode(CueMode.MUSIC_CLICK)
    assert parse_action("metronome") == Mode(CueMode.METRONOME)
    assert parse_action("song Vibe Ace") == Mode(song="Vibe Ace")
    assert describe(Mode(song="Vibe Ace")) == "song Vibe Ace"
    assert describe(Mode(CueMode.MUSIC)) == "music"
    with pytest.raises(UserInputError, match="'song' needs a title or hash prefix: song NAME"):
        parse_action("song")

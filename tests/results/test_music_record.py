"""ras.results.music: time on music vs metronome within the audible cue, the songs used (minutes,
native tempo, stretch range) and the counts of switches, from records in a real store."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from ras.events import CueMode, CueState, CueStateEvent
from ras.results.music import MusicSpan, mode_spans, music_spans, music_use, overlap_s, song_spans
from ras.results.session_data import load_session
from ras.store.store import Store
from tests.conftest import MUSIC_SONGS, record_music, record_walk

PHASES = [("baseline", 0.0), ("cued", 30.0), ("probe", 90.0)]
(A_SHA, *_), (B_SHA, *_) = MUSIC_SONGS


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "m.sqlite3") as s:
        s.add_patient("P-M", diagnosis="parkinson")
        yield s


def _music_session(store: Store, *extra: object) -> int:
    sid = record_walk(store, "P-M", PHASES, (0.3, 119.7), cadence_spm=100.0, end_t_s=120.0)
    record_music(store, sid, 30.0)
    store.record(sid, list(extra))
    return sid


def test_session_data_carries_the_music_records(store):
    data = load_session(store, _music_session(store))
    assert [e.mode for e in data.cue_modes] == [
        CueMode.MUSIC,
        CueMode.MUSIC_CLICK,
        CueMode.METRONOME,
    ]
    assert [(e.t_s, e.kind.value, e.title) for e in data.song_events] == [
        (30.0, "start", "Walking Tune"),
        (40.0, "stretch", "Walking Tune"),
        (45.0, "stretch", "Walking Tune"),
        (50.0, "stop", "Walking Tune"),
        (50.0, "start", "Second Song"),
        (70.0, "stop", "Second Song"),
    ]


def test_minutes_per_mode_songs_and_counts(store):
    use = music_use(load_session(store, _music_session(store)))
    assert (use.music_min, use.music_click_min, use.metronome_min) == pytest.approx(
        (30 / 60, 10 / 60, 20 / 60)
    )
    assert use.on_music_min == pytest.approx(40 / 60)
    assert use.used
    assert (use.n_mode_switches, use.n_song_changes, use.n_stretches) == (2, 1, 2)
    a, b = use.songs
    assert (a.song_sha256, a.title, a.artist, a.native_tempo_bpm) == (
        A_SHA,
        "Walking Tune",
        "A. Band",
        105.0,
    )
    assert (a.minutes, a.stretch_min_pct, a.stretch_max_pct) == pytest.approx(
        (20 / 60, (100 / 105 - 1) * 100, (108 / 105 - 1) * 100)
    )
    assert (a.n_starts, a.n_stretches) == (1, 2)
    assert (b.title, b.minutes, b.stretch_min_pct, b.stretch_max_pct) == pytest.approx(
        ("Second Song", 20 / 60, 8.0, 8.0)
    )


def test_silent_cue_is_no_time_on_music(store):
    """A pause inside a song: neither the song nor the mode gains minutes while it lasts."""
    pause = [CueStateEvent(55.0, CueState.PAUSE), CueStateEvent(60.0, CueState.RESUME)]
    use = music_use(load_session(store, _music_session(store, *pause)))
    assert use.music_min == pytest.approx(25 / 60)
    assert [s.minutes for s in use.songs] == pytest.approx([20 / 60, 15 / 60])


def test_music_spans_follow_mode_and_song_within_the_audible_cue(store):
    data = load_session(store, _music_session(store))
    assert music_spans(data) == [
        MusicSpan(30.0, 50.0, CueMode.MUSIC, "Walking Tune"),
        MusicSpan(50.0, 60.0, CueMode.MUSIC, "Second Song"),
        MusicSpan(60.0, 70.0, CueMode.MUSIC_CLICK, "Second Song"),
    ]
    assert mode_spans(data) == [
        (0.0, 30.0, CueMode.METRONOME),
        (30.0, 60.0, CueMode.MUSIC),
        (60.0, 70.0, CueMode.MUSIC_CLICK),
        (70.0, 120.0, CueMode.METRONOME),
    ]
    assert [(a, b, e.title) for a, b, e in song_spans(data)] == [
        (30.0, 50.0, "Walking Tune"),
        (50.0, 70.0, "Second Song"),
    ]


def test_a_song_never_stopped_plays_to_the_session_end(store):
    data = load_session(store, _music_session(store))
    cut = dataclasses.replace(data, song_events=data.song_events[:5])
    assert [(a, b) for a, b, _ in song_spans(cut)] == [(30.0, 50.0), (50.0, 120.0)]
    assert music_use(cut).songs[1].minutes == pytest.approx(40 / 60)  # cue stops at 90 s


def test_a_metronome_session_has_no_music(store):
    sid = record_walk(store, "P-M", PHASES, (0.3, 119.7), cadence_spm=100.0, end_t_s=120.0)
    use = music_use(load_session(store, sid))
    assert (use.music_min, use.music_click_min, use.metronome_min) == (0.0, 0.0, 1.0)
    assert (use.songs, use.used, use.n_mode_switches, use.n_song_changes) == ((), False, 0, 0)
    assert music_spans(load_session(store, sid)) == []


def test_overlap_counts_only_the_covered_part():
    assert overlap_s([(0.0, 10.0), (20.0, 30.0)], 5.0, 25.0) == 10.0
    assert overlap_s([], 0.0, 1.0) == 0.0
    assert math.isclose(overlap_s([(0.0, 1.0)], 2.0, 3.0), 0.0)

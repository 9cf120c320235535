"""The music library: songs kept by content, analysed once, per-patient flags, removal."""

from __future__ import annotations

import math
import os
import stat
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ras.errors import UserInputError
from ras.music.library import MusicLibrary, opinion
from ras.music.second_opinion import SecondOpinion
from ras.music.synth import synth_song
from ras.music.track import BeatTrack
from ras.store import Store
from tests.conftest import TESTS_DIR

RATE_HZ = 16000
FISHIN = TESTS_DIR / "data" / "music" / "Karissa_Hobbs_-_Lets_Go_Fishin.ogg"


class CountingAnalyser:
    """A beat tracker that says a steady 120 bpm (or what it is told) and counts its calls."""

    def __init__(self, track: BeatTrack | None = None) -> None:
        self.calls: list[tuple[int, int]] = []
        self.track = track or BeatTrack(
            beats_s=np.arange(0.5, 21.0, 0.5),
            tempo_bpm=120.0,
            tempo_stability_pct=0.0,
            confidence=0.95,
            usable=True,
            reason="",
            tracker="counting 1.0",
            downbeats_s=np.arange(0.5, 21.0, 2.0),
        )

    def __call__(self, *, audio: np.ndarray, sample_rate_hz: int) -> BeatTrack:
        self.calls.append((audio.size, sample_rate_hz))
        return self.track


def _song_file(path: Path, seed: int = 0, duration_s: float = 21.0) -> Path:
    rng = np.random.default_rng(seed)
    t = np.arange(int(duration_s * RATE_HZ)) / RATE_HZ
    audio = 0.2 * np.sin(2 * np.pi * (220 + seed) * t) + 0.001 * rng.standard_normal(t.size)
    sf.write(path, audio.astype(np.float32), RATE_HZ)
    return path


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "db" / "ras.sqlite3") as s:
        s.add_patient("P-1")
        s.add_patient("P-2")
        yield s


def test_a_new_song_is_analysed_and_kept_beside_the_database_owner_only(
    store: Store, tmp_path: Path
) -> None:
    analyser = CountingAnalyser()
    added = MusicLibrary(store, analyser).add(
        _song_file(tmp_path / "Walk On.wav"), patient="P-1", liked=True
    )
    song = added.song.song
    assert (added.analysed, added.new_for_patient) == (True, True)
    assert analyser.calls == [(21 * RATE_HZ, RATE_HZ)]  # mono at the file's own rate
    assert (song.title, song.artist, song.extension, song.channels) == ("Walk On", "", "wav", 1)
    assert (song.tempo_bpm, song.usable, song.tracker) == (120.0, True, "counting 1.0")
    np.testing.assert_array_equal(song.beats_s, analyser.track.beats_s)
    np.testing.assert_array_equal(song.downbeats_s, analyser.track.downbeats_s)
    # a 0.2 sine at 220 Hz: about -17.3 LUFS (K-weighting is ~-0.4 dB there), peak about -14 dBFS
    assert -18.5 < song.loudness_lufs < -16.5
    assert song.peak_dbfs == pytest.approx(20 * math.log10(0.2), abs=0.5)
    assert (added.song.liked, added.song.familiar, added.song.avoid) == (True, False, False)
    kept = tmp_path / "db" / "music" / f"{song.sha256}.wav"
    assert MusicLibrary(store).audio_path(song) == kept
    assert kept.read_bytes() == (tmp_path / "Walk On.wav").read_bytes()
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(kept.parent).st_mode) == 0o700
    assert sorted(p.name for p in kept.parent.iterdir()) == [kept.name]  # no temporary left


def test_the_same_recording_is_analysed_once_for_every_patient(
    store: Store, tmp_path: Path
) -> None:
    analyser = CountingAnalyser()
    library = MusicLibrary(store, analyser)
    first = library.add(_song_file(tmp_path / "a.wav"), patient="P-1")
    copy = tmp_path / "same bytes, other name.wav"
    copy.write_bytes((tmp_path / "a.wav").read_bytes())
    again = library.add(copy, patient="P-1", familiar=True)
    other = library.add(copy, patient="P-2", title="Our Tune")
    assert len(analyser.calls) == 1
    assert (again.analysed, again.new_for_patient) == (False, False)
    assert (other.analysed, other.new_for_patient) == (False, True)
    assert again.song.familiar and not again.song.liked
    assert other.song.song.sha256 == first.song.song.sha256
    ((song, n_patients),) = library.everything()
    assert (song.title, n_patients) == ("Our Tune", 2)  # a title given names the recording
    assert len(list((tmp_path / "db" / "music").iterdir())) == 1


def test_an_untrackable_song_is_kept_unusable_with_the_reason(store: Store, tmp_path: Path) -> None:
    no_beat = BeatTrack(
        beats_s=np.zeros(0),
        tempo_bpm=math.nan,
        tempo_stability_pct=math.nan,
        confidence=0.0,
        usable=False,
        reason="no steady beat was found: only 0 beats tracked (at least 8 are needed)",
        tracker="counting 1.0",
    )
    library = MusicLibrary(store, CountingAnalyser(no_beat))
    added = library.add(_song_file(tmp_path / "pad.wav"), patient="P-1")
    (kept,) = library.songs("P-1")
    assert not kept.song.usable
    assert kept.song.reason == no_beat.reason
    assert math.isnan(kept.song.tempo_bpm) and kept.song.beats_s.size == 0
    assert added.song.song.sha256 == kept.song.sha256
    assert library.offered("P-1") == []


def test_a_song_to_avoid_is_never_offered(store: Store, tmp_path: Path) -> None:
    library = MusicLibrary(store, CountingAnalyser())
    library.add(_song_file(tmp_path / "calm.wav", seed=1), patient="P-1")
    library.add(_song_file(tmp_path / "sad.wav", seed=2), patient="P-1", avoid=True)
    assert [s.song.title for s in library.offered("P-1")] == ["calm"]
    assert [s.song.title for s in library.songs("P-1")] == ["calm"]
    assert [s.song.title for s in library.songs("P-1", include_avoided=True)] == ["calm", "sad"]
    changed = library.set_flags("SAD", patient="P-1", avoid=False, liked=True)
    assert (changed.avoid, changed.liked) == (False, True)
    assert [s.song.title for s in library.offered("P-1")] == ["calm", "sad"]


def test_removing_keeps_the_audio_until_no_patient_has_the_song(
    store: Store, tmp_path: Path
) -> None:
    library = MusicLibrary(store, CountingAnalyser())
    song = library.add(_song_file(tmp_path / "a.wav"), patient="P-1").song.song
    library.add(tmp_path / "a.wav", patient="P-2")
    kept = library.audio_path(song)
    removed, gone = library.remove(song.short_id, patient="P-1")
    assert (removed.sha256, gone) == (song.sha256, False)
    assert kept.is_file()
    assert library.songs("P-1") == []
    removed, gone = library.remove("a", patient="P-2")
    assert (removed.sha256, gone) == (song.sha256, True)
    assert not kept.exists()
    assert library.everything() == []


def test_songs_are_named_by_title_or_hash_prefix(store: Store, tmp_path: Path) -> None:
    library = MusicLibrary(store, CountingAnalyser())
    one = library.add(_song_file(tmp_path / "one.wav", seed=1), patient="P-1").song.song
    library.add(_song_file(tmp_path / "two.wav", seed=2), patient="P-1", title="One")
    assert library.find(one.sha256[:4], patient="P-1").sha256 == one.sha256
    with pytest.raises(UserInputError, match="'one' names 2 songs of patient P-1"):
        library.find("one", patient="P-1")
    with pytest.raises(UserInputError, match="no song 'three' of patient P-1"):
        library.find("three", patient="P-1")
    with pytest.raises(UserInputError, match=r"no song 'one' of patient P-2 .*none yet"):
        library.find("one", patient="P-2")


def test_bad_input_is_one_line_before_any_analysis(store: Store, tmp_path: Path) -> None:
    analyser = CountingAnalyser()
    library = MusicLibrary(store, analyser)
    song = _song_file(tmp_path / "a.wav")
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(21 * RATE_HZ, np.float32), RATE_HZ)
    cases = {
        "unknown patient 'P-9'": lambda: library.add(song, patient="P-9"),
        "control character": lambda: library.add(song, patient="P-1", title="a\x1b[31m"),
        "the title must not be empty": lambda: library.add(song, patient="P-1", title=" "),
        "unknown song flag 'loved'": lambda: library.add(song, patient="P-1", loved=True),
        "no such song file": lambda: library.add(tmp_path / "nope.ogg", patient="P-1"),
        "it is silent": lambda: library.add(silent, patient="P-1"),
    }
    for expected, call in cases.items():
        with pytest.raises(UserInputError) as err:
            call()
        assert expected in str(err.value) and "\n" not in str(err.value)
    assert analyser.calls == []
    assert library.everything() == []
    assert not (tmp_path / "db" / "music").exists()


def test_the_real_tracker_finds_a_synthesised_songs_beat(store: Store, tmp_path: Path) -> None:
    made = synth_song("steady", tempo_bpm=110.0, duration_s=24.0, sample_rate_hz=22050, seed=3)
    path = tmp_path / "groove.flac"
    sf.write(path, made.audio, made.sample_rate_hz)
    song = MusicLibrary(store).add(path, patient="P-1").song.song
    assert song.usable, song.reason
    assert song.tempo_bpm == pytest.approx(110.0, rel=0.02)
    assert song.tracker.startswith("librosa")
    assert song.beats_s.size > 30
    assert (song.second_tracker, song.trackers_agree) == ("essentia", True)
    assert song.second_tempo_bpm == pytest.approx(110.0, rel=0.04)
    assert song.tracker_agreement >= 0.8
    assert opinion(song).startswith("second opinion: essentia agrees (1")


def test_a_real_song_the_trackers_disagree_on_is_flagged(store: Store, tmp_path: Path) -> None:
    """Let's Go Fishin' (Karissa Hobbs, CC BY 3.0), 30 s of it: librosa hears about 117 bpm,
    essentia about 88 (a third apart), and each calls it usable. It stays usable, flagged."""
    audio, fs = sf.read(FISHIN, dtype="float32", start=30 * 22050, stop=60 * 22050)
    path = tmp_path / "fishin.flac"
    sf.write(path, audio, fs)
    song = MusicLibrary(store).add(path, patient="P-1").song.song
    assert song.usable, song.reason
    assert (song.second_tracker, song.trackers_agree) == ("essentia", False)
    assert song.tempo_bpm == pytest.approx(117, abs=2)
    assert song.second_tempo_bpm == pytest.approx(88.5, abs=2)
    assert song.tracker_agreement < 0.8
    said = opinion(song)
    assert said.startswith(f"trackers disagree: librosa {song.tempo_bpm:.1f} bpm, essentia 8")
    assert said.endswith(" bpm — listen before cueing with it")
    assert store.songs.find(song.sha256).trackers_agree is False  # as stored


def test_another_analyser_gets_no_second_opinion_unless_given_one(
    store: Store, tmp_path: Path
) -> None:
    plain = MusicLibrary(store, CountingAnalyser()).add(
        _song_file(tmp_path / "a.wav"), patient="P-1"
    )
    assert (plain.song.song.second_tracker, plain.song.song.trackers_agree) == ("", None)
    assert opinion(plain.song.song).startswith("second opinion not available")
    calls = []

    def doubting(*, audio: np.ndarray, sample_rate_hz: int, primary: BeatTrack) -> SecondOpinion:
        calls.append((audio.size, sample_rate_hz, primary.tempo_bpm))
        return SecondOpinion("other", 80.0, 0.1, False)

    library = MusicLibrary(store, CountingAnalyser(), doubting)
    song = library.add(_song_file(tmp_path / "b.wav", seed=1), patient="P-1").song.song
    assert calls == [(21 * RATE_HZ, RATE_HZ, 120.0)]
    assert (song.second_tracker, song.second_tempo_bpm, song.trackers_agree) == ("other", 80, False)
    assert song.usable
    assert opinion(song) == (
        "trackers disagree: counting 120.0 bpm, other 80.0 bpm — listen before cueing with it"
    )

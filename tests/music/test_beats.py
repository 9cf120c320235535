"""Beat tracking: beats found where they are, the verdict and its reason, bad input in one line."""

from __future__ import annotations

import mir_eval
import numpy as np
import pytest
import soundfile as sf

from ras.errors import UserInputError
from ras.music.beat_level import level_supported
from ras.music.beats import (
    DEFAULT_METHOD,
    MIN_DURATION_S,
    BeatTracker,
    backbeat_score,
    judge_usable,
    pulse_clarity,
    snap_to_onsets,
    tempo_and_stability,
    track_beats,
)
from ras.music.periodicity import dropped_ratio, offbeat_ratio, strength_at
from ras.music.synth import synth_song
from ras.music.track import BeatTrack
from tests.conftest import TESTS_DIR

FS_HZ = 48000
VIBE_ACE = TESTS_DIR / "data" / "music" / "Kevin_MacLeod_-_Vibe_Ace.ogg"


def f_measure(found_s: np.ndarray, true_s: np.ndarray) -> float:
    """mir_eval's F-measure (±70 ms, the first 5 s left out)."""
    return mir_eval.beat.f_measure(
        mir_eval.beat.trim_beats(true_s), mir_eval.beat.trim_beats(found_s)
    )


@pytest.mark.parametrize(
    ("style", "tempo_bpm"),
    [("steady", 100), ("drift", 90), ("swing", 120), ("syncopated", 70), ("quiet_intro", 110)],
)
def test_the_default_tracker_finds_the_known_beats(style: str, tempo_bpm: float) -> None:
    song = synth_song(style, tempo_bpm=tempo_bpm, duration_s=20, seed=1)
    track = track_beats(audio=song.audio, sample_rate_hz=song.sample_rate_hz)
    assert isinstance(track, BeatTrack)
    assert f_measure(track.beats_s, song.beats_s) >= 0.95
    true_bpm = 60 / np.median(np.diff(song.beats_s))
    assert track.tempo_bpm == pytest.approx(true_bpm, rel=0.04)
    assert track.usable
    assert track.reason == ""
    assert track.tracker.startswith(f"{DEFAULT_METHOD} ")
    assert 0 <= track.confidence <= 1


def test_beats_land_on_the_attacks_to_the_millisecond() -> None:
    """Snapped beats sit on the drum attacks: the cue is placed on these times."""
    song = synth_song("steady", tempo_bpm=100, duration_s=15)
    track = track_beats(audio=song.audio, sample_rate_hz=FS_HZ)
    nearest = song.beats_s[np.argmin(np.abs(track.beats_s[:, None] - song.beats_s), axis=1)]
    assert np.max(np.abs(track.beats_s - nearest)) <= 0.001
    assert track.tempo_stability_pct < 0.5


def test_bar_starts_are_found_where_chords_change_and_the_kick_plays() -> None:
    song = synth_song("steady", tempo_bpm=100, duration_s=20, seed=2)
    track = track_beats(audio=song.audio, sample_rate_hz=FS_HZ)
    first_s, last_s = track.beats_s[0] - 0.07, track.beats_s[-1] + 0.07
    within = song.downbeats_s[(song.downbeats_s >= first_s) & (song.downbeats_s <= last_s)]
    np.testing.assert_allclose(track.downbeats_s, within, atol=0.001)


def test_essentia_finds_the_known_beats() -> None:
    song = synth_song("steady", tempo_bpm=110, duration_s=15)
    track = track_beats(audio=song.audio, sample_rate_hz=FS_HZ, method="essentia")
    assert f_measure(track.beats_s, song.beats_s) >= 0.95
    assert track.tempo_bpm == pytest.approx(110, rel=0.04)
    assert track.tracker.startswith("essentia ")
    assert track.usable


def test_a_beatless_pad_is_unusable() -> None:
    song = synth_song("pad", tempo_bpm=100, duration_s=20)
    track = track_beats(audio=song.audio, sample_rate_hz=FS_HZ)
    assert not track.usable
    assert track.confidence < 0.2
    assert track.reason.startswith("the beat could not be found with confidence")
    assert track.downbeats_s.size == 0


def test_a_rubato_song_is_unusable_because_its_beat_is_not_steady() -> None:
    song = synth_song("rubato", tempo_bpm=100, duration_s=20)
    track = track_beats(audio=song.audio, sample_rate_hz=FS_HZ)
    assert not track.usable
    assert track.tempo_stability_pct > 8
    assert track.reason.startswith("the beat is not steady enough to walk to: tempo varies")
    assert "(at most 8 % can be cued)" in track.reason


def test_a_real_recording_is_usable_at_its_tempo() -> None:
    """Vibe Ace (Kevin MacLeod, CC BY 3.0): a swung jazz groove at about 130 bpm."""
    audio, fs = sf.read(VIBE_ACE, dtype="float32")
    track = track_beats(audio=audio, sample_rate_hz=fs)
    assert track.usable, track.reason
    assert track.tempo_bpm == pytest.approx(129.5, abs=2)
    assert track.tempo_stability_pct < 8


def test_stereo_is_tracked_as_its_mono_mix() -> None:
    song = synth_song("steady", tempo_bpm=100, duration_s=10)
    mono = track_beats(audio=song.audio, sample_rate_hz=FS_HZ)
    frames_by_channels = np.stack([song.audio, song.audio], axis=1)
    channels_by_frames = frames_by_channels.T
    for stereo in (frames_by_channels, channels_by_frames):
        track = track_beats(audio=stereo, sample_rate_hz=FS_HZ)
        np.testing.assert_allclose(track.beats_s, mono.beats_s)


def test_the_tracker_keeps_its_settings_and_result() -> None:
    song = synth_song("steady", tempo_bpm=100, duration_s=10)
    tracker = BeatTracker("librosa", min_confidence=0.99)
    assert tracker.track(audio=song.audio, sample_rate_hz=FS_HZ) is tracker
    assert not tracker.beat_track_.usable
    assert "(at least 0.99 is needed)" in tracker.beat_track_.reason
    assert tracker.beat_track_.tracker.endswith(", ras snap+level+bars v2")
    own = BeatTracker("librosa", snap=False, relevel=False, downbeats=False)
    own_track = own.track(audio=song.audio, sample_rate_hz=FS_HZ).beat_track_
    assert own_track.tracker.endswith(" beat_track")
    assert own_track.downbeats_s.size == 0


@pytest.mark.parametrize(
    ("audio", "fs", "said"),
    [
        (np.zeros(0, np.float32), FS_HZ, "the song has no samples"),
        (np.full(10 * FS_HZ, np.nan, np.float32), FS_HZ, "not numbers (NaN or infinite)"),
        (np.ones(2 * FS_HZ, np.float32), FS_HZ, f"needs at least {MIN_DURATION_S:g} s"),
        (np.zeros(10 * FS_HZ, np.float32), FS_HZ, "the song is silent"),
        (np.ones((2, 2, 10 * FS_HZ), np.float32), FS_HZ, "the song has 3 dimensions"),
        (np.array(["a"] * (10 * FS_HZ)), FS_HZ, "not real numbers"),
        (np.ones(10 * FS_HZ, np.float32), 0, "sample rate 0 Hz is outside"),
        (np.ones(10 * FS_HZ, np.float32), float("nan"), "sample rate nan Hz is outside"),
    ],
    ids=["empty", "nan", "short", "silent", "3-d", "strings", "rate-0", "rate-nan"],
)
def test_bad_audio_is_refused_in_one_line(audio: np.ndarray, fs: float, said: str) -> None:
    with pytest.raises(UserInputError) as err:
        track_beats(audio=audio, sample_rate_hz=fs)
    assert said in str(err.value)
    assert "\n" not in str(err.value)


def test_an_unknown_tracker_is_refused_in_one_line() -> None:
    with pytest.raises(UserInputError, match="unknown beat tracker 'madmom': use one of librosa"):
        track_beats(audio=np.ones(10 * FS_HZ), sample_rate_hz=FS_HZ, method="madmom")


def test_tempo_and_stability_of_known_intervals() -> None:
    beats_s = np.cumsum([0.5, 0.6, 0.5, 0.6, 0.5])
    tempo_bpm, stability_pct = tempo_and_stability(beats_s)
    assert tempo_bpm == pytest.approx(60 / 0.55)
    assert stability_pct == pytest.approx(100 * 0.05 / 0.55)
    assert np.isnan(tempo_and_stability(np.array([1.0, 2.0]))[0])


@pytest.mark.parametrize(
    ("kwargs", "usable", "reason"),
    [
        ({}, True, ""),
        ({"n_beats": 5}, False, "no steady beat was found: only 5 beats tracked"),
        ({"stability_pct": 18.2}, False, "not steady enough to walk to: tempo varies 18 %"),
        ({"confidence": 0.1}, False, "could not be found with confidence: confidence 0.10"),
        ({"tempo_bpm": 30}, True, ""),
        ({"tempo_bpm": 380}, True, ""),
        ({"tempo_bpm": 19}, False, "the tempo 19 bpm is outside what a walk can follow"),
        ({"tempo_bpm": 420}, False, "its double must be within 40–200 steps/min"),
    ],
)
def test_the_usability_rule(kwargs: dict, usable: bool, reason: str) -> None:
    args = {"n_beats": 100, "tempo_bpm": 100.0, "stability_pct": 2.0, "confidence": 0.5}
    verdict = judge_usable(**(args | kwargs))
    assert verdict[0] is usable
    assert reason in verdict[1]
    assert (verdict[1] == "") is usable


def test_snap_moves_beats_onto_clicks_and_takes_a_steady_lag_off() -> None:
    fs = 22050
    clicks_s = 0.5 + 0.6 * np.arange(12)
    audio = np.zeros(8 * fs, np.float32)
    for t_s in clicks_s[:-1]:
        audio[round(t_s * fs) : round(t_s * fs) + 100] = 1.0
    late_s = clicks_s + 0.027  # the last beat has no click: it takes the others' lag
    snapped_s = snap_to_onsets(audio=audio, sample_rate_hz=fs, beats_s=late_s)
    np.testing.assert_allclose(snapped_s, clicks_s, atol=0.5 / 1000 + 1 / fs)


def test_pulse_clarity_is_high_for_a_pulse_and_low_for_noise() -> None:
    frame_rate_hz = 50.0
    pulse = np.zeros(1500)
    pulse[::30] = 1.0  # 100 beats/min
    noise = np.random.default_rng(0).random(1500)
    assert pulse_clarity(pulse, 30.0, frame_rate_hz) > 0.9
    assert pulse_clarity(noise, 30.0, frame_rate_hz) < 0.1
    assert pulse_clarity(pulse, 0.5, frame_rate_hz) == 0.0
    assert pulse_clarity(np.ones(1500), 30.0, frame_rate_hz) == 0.0


def test_backbeat_score() -> None:
    kick = np.tile([1.0, 0.0], 8)
    snare = np.tile([0.0, 1.0], 8)
    assert backbeat_score(kick, snare) == pytest.approx(1.0)
    assert backbeat_score(np.ones(16), np.ones(16)) == 0.0
    assert backbeat_score(kick[:4], snare[:4]) == 0.0


FAST_GRID = [
    ("steady", 150, 0), ("steady", 170, 2), ("steady", 180, 1), ("drift", 160, 1),
    ("drift", 180, 2), ("swing", 170, 0), ("quiet_intro", 180, 2), ("syncopated", 180, 3),
]  # fmt: skip


@pytest.mark.parametrize(("style", "tempo_bpm", "seed"), FAST_GRID)
def test_fast_songs_are_tracked_at_their_own_tempo(style: str, tempo_bpm: int, seed: int) -> None:
    """150–180 bpm: neither the tracker's half nor a re-levelling halves the beat."""
    song = synth_song(style, tempo_bpm=tempo_bpm, duration_s=15, seed=seed)
    track = track_beats(audio=song.audio, sample_rate_hz=FS_HZ)
    assert track.tempo_bpm == pytest.approx(60 / np.median(np.diff(song.beats_s)), rel=0.04)
    assert f_measure(track.beats_s, song.beats_s) >= 0.95


def test_a_long_fast_song_is_not_read_at_a_quarter_of_its_tempo() -> None:
    """The case found wrong: librosa takes half of 170 bpm, and a backbeat score made high by
    the four-chord loop then halved it again (42.5 bpm, confidence 0.97). The beats a halving
    would drop are as strong as those it keeps, so the onsets refuse it; the snares between
    the tracked beats let the drums double it back to the true beat."""
    song = synth_song("steady", tempo_bpm=170, duration_s=200, seed=2)
    track = track_beats(audio=song.audio, sample_rate_hz=FS_HZ)
    assert track.tempo_bpm == pytest.approx(170, rel=0.01)
    assert f_measure(track.beats_s, song.beats_s) >= 0.95
    assert track.usable


def _pulses(times_s: np.ndarray, heights: np.ndarray, frame_rate_hz: float, n: int) -> np.ndarray:
    envelope = np.zeros(n)
    envelope[np.round(times_s * frame_rate_hz).astype(int)] = heights
    return envelope


def test_the_onsets_decide_which_levels_a_beat_may_take() -> None:
    """Beats every 0.5 s at 100 frames/s. Alike beats: halving refused; every other beat weak:
    halving allowed; nothing between the beats: doubling refused; onsets halfway: allowed."""
    fps, beats_s = 100.0, 0.5 + 0.5 * np.arange(20)
    mids_s = beats_s[:-1] + 0.25
    alike = _pulses(beats_s, np.ones(20), fps, 1100)
    strong_weak = _pulses(beats_s, np.tile([1.0, 0.3], 10), fps, 1100)
    with_offbeats = alike + _pulses(mids_s, np.full(19, 0.6), fps, 1100)
    np.testing.assert_array_equal(strength_at(alike, fps, beats_s[:3] + 0.01), [1, 1, 1])
    assert dropped_ratio(alike, fps, beats_s[0::2], beats_s[1::2]) == pytest.approx(1.0)
    assert dropped_ratio(strong_weak, fps, beats_s[0::2], beats_s[1::2]) == pytest.approx(0.3)
    assert offbeat_ratio(alike, fps, beats_s) == 0.0
    assert offbeat_ratio(with_offbeats, fps, beats_s) == pytest.approx(0.6)
    double_s = np.sort(np.concatenate((beats_s, mids_s)))
    assert not level_supported("half, even", beats_s, beats_s[0::2], alike, fps)
    assert level_supported("half, even", beats_s, beats_s[0::2], strong_weak, fps)
    assert not level_supported("double", beats_s, double_s, alike, fps)
    assert level_supported("double", beats_s, double_s, with_offbeats, fps)
    assert level_supported("as tracked", beats_s, beats_s, alike, fps)

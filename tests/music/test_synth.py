"""Synthesised songs: their beats are where they say, and the beats are heard there."""

from __future__ import annotations

import numpy as np
import pytest

from ras.errors import UserInputError
from ras.music.beats import track_beats
from ras.music.synth import STYLES, synth_song


@pytest.mark.parametrize("style", [s for s in STYLES if s != "pad"])
def test_every_groove_is_mono_float32_with_bars_of_four(style: str) -> None:
    song = synth_song(style, tempo_bpm=100, duration_s=12)
    assert song.audio.dtype == np.float32
    assert song.audio.shape == (12 * 48000,)
    assert np.max(np.abs(song.audio)) == pytest.approx(0.5, rel=1e-6)
    assert song.style == style
    assert np.all(np.diff(song.beats_s) > 0)
    assert song.beats_s[0] == pytest.approx(0.5)
    assert song.beats_s[-1] < 12
    np.testing.assert_array_equal(song.downbeats_s, song.beats_s[::4])


def test_steady_beats_are_at_the_tempo() -> None:
    song = synth_song("steady", tempo_bpm=120, duration_s=10)
    np.testing.assert_allclose(np.diff(song.beats_s), 0.5)


def test_drift_goes_from_minus_to_plus_four_percent() -> None:
    song = synth_song("drift", tempo_bpm=100, duration_s=60)
    tempo_bpm = 60 / np.diff(song.beats_s)
    assert tempo_bpm[0] == pytest.approx(96, abs=0.2)
    assert tempo_bpm[-1] == pytest.approx(104, abs=0.5)
    assert np.all(np.diff(tempo_bpm) >= 0)


def test_rubato_varies_beat_to_beat() -> None:
    song = synth_song("rubato", tempo_bpm=100, duration_s=30)
    ibis_s = np.diff(song.beats_s)
    assert np.std(ibis_s) / np.mean(ibis_s) > 0.08
    assert 60 / np.mean(ibis_s) == pytest.approx(100, rel=0.05)


def test_pad_has_no_beats() -> None:
    song = synth_song("pad", tempo_bpm=100, duration_s=10)
    assert song.beats_s.size == 0
    assert song.downbeats_s.size == 0
    assert np.max(np.abs(song.audio)) == pytest.approx(0.5, rel=1e-6)


def test_each_beat_starts_an_attack_on_its_sample() -> None:
    """The 2 ms from each beat's sample are far louder than the 10 ms before it."""
    song = synth_song("steady", tempo_bpm=100, duration_s=10)
    fs = song.sample_rate_hz
    for t_s in song.beats_s[1:]:
        i = round(t_s * fs)
        after = np.mean(song.audio[i : i + fs // 500] ** 2)
        before = np.mean(song.audio[i - fs // 100 : i] ** 2)
        assert after > 10 * before


def test_the_same_seed_gives_the_same_song_and_another_seed_another() -> None:
    a = synth_song("swing", tempo_bpm=90, duration_s=5, seed=3)
    b = synth_song("swing", tempo_bpm=90, duration_s=5, seed=3)
    c = synth_song("swing", tempo_bpm=90, duration_s=5, seed=4)
    np.testing.assert_array_equal(a.audio, b.audio)
    assert not np.array_equal(a.audio, c.audio)
    np.testing.assert_array_equal(a.beats_s, c.beats_s)


def test_other_sample_rates() -> None:
    song = synth_song("steady", tempo_bpm=100, duration_s=4, sample_rate_hz=22050)
    assert song.sample_rate_hz == 22050
    assert song.audio.size == 4 * 22050


@pytest.mark.parametrize("sample_rate_hz", [8000, 16000, 22050, 44100, 48000])
def test_the_known_beats_are_tracked_at_every_common_rate(sample_rate_hz: int) -> None:
    """The drums' filter edges stay below Nyquist (8 kHz at 16 kHz raised before), and the
    song at each rate is one the default tracker follows onto its known beats."""
    song = synth_song("steady", tempo_bpm=100, duration_s=12, sample_rate_hz=sample_rate_hz)
    assert song.audio.size == 12 * sample_rate_hz
    assert np.all(np.isfinite(song.audio))
    track = track_beats(audio=song.audio, sample_rate_hz=sample_rate_hz)
    hits = np.min(np.abs(track.beats_s[:, None] - song.beats_s[None, :]), axis=1)
    assert track.beats_s.size >= song.beats_s.size - 2
    assert np.max(hits) <= 0.002
    assert track.tempo_bpm == pytest.approx(100, rel=0.01)


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [
        ({"style": "polka"}, "unknown song style 'polka'"),
        ({"tempo_bpm": 10}, "tempo 10 bpm is outside 30–300 bpm"),
        ({"duration_s": 0.5}, "duration 0.5 s is outside 2–1200 s"),
        ({"sample_rate_hz": 100}, "sample rate 100 Hz is outside 8000–192000 Hz"),
    ],
)
def test_bad_arguments_are_one_line(kwargs: dict, said: str) -> None:
    args = {"style": "steady", "tempo_bpm": 100, "duration_s": 5} | kwargs
    style = args.pop("style")
    with pytest.raises(UserInputError) as err:
        synth_song(style, **args)
    assert said in str(err.value)
    assert "\n" not in str(err.value)

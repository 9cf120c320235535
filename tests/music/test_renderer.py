"""BeatAlignedRenderer (ras/music/renderer.py): a synthetic song's beats on the given cue beats."""

from __future__ import annotations

import numpy as np
import pytest

from ras.music import stretch
from ras.music.renderer import BeatAlignedRenderer, start_beat_index
from ras.music.synth import synth_song
from ras.music.track import BeatAlignedSource, BeatTrack

FS = 48000
BLOCK = 1024
T0 = 10_000  # the first cue beat's output sample


def _track(song, tempo_bpm: float) -> BeatTrack:
    return BeatTrack(
        beats_s=song.beats_s,
        tempo_bpm=tempo_bpm,
        tempo_stability_pct=0.0,
        confidence=1.0,
        usable=True,
        reason="",
        tracker="true beats",
        downbeats_s=song.downbeats_s,
    )


@pytest.fixture(scope="module")
def song():
    return synth_song("steady", tempo_bpm=100.0, duration_s=6.0, sample_rate_hz=FS)


def _renderer(song, tempo_bpm: float = 100.0, **kw) -> BeatAlignedRenderer:
    return BeatAlignedRenderer(song.audio, FS, _track(song, tempo_bpm), **kw)


def _beats(intervals_s) -> list[int]:
    return [T0 + round(x * FS) for x in np.concatenate(([0.0], np.cumsum(intervals_s)))]


def _play(r: BeatAlignedRenderer, beats: list[int], until: int) -> np.ndarray:
    """The worker's way: add every beat, render forward block by block up to ``until``."""
    for t in beats:
        r.add_beat(t)
    out = np.zeros(until, dtype=np.float32)
    for a in range(0, until, BLOCK):
        out[a : a + BLOCK] = r.render(a, BLOCK)[: until - a]
    return out


def _onset_offsets(audio: np.ndarray, at_smp: np.ndarray) -> np.ndarray:
    return stretch.hit_onsets_smp(audio, at_smp, FS) - np.round(at_smp)


def _assert_on_cue(got: np.ndarray, ref: np.ndarray) -> None:
    """Each rendered hit's onset is the song's own onset at the cue sample, within 1 sample.

    The beat's first 30 ms are the recording itself, so the hit is exact; the onset detector's
    zero-phase high-pass also sees the (stretched, hence different) music just before the beat,
    which moves its threshold crossing by up to one sample.
    """
    assert np.abs(got - ref).max() <= 1


def test_renderer_is_a_beat_aligned_source(song):
    r: BeatAlignedSource = _renderer(song)
    assert r.available_until == 0
    assert r.render(0, 5).shape == (5,)


@pytest.mark.parametrize("tempo_ratio", [0.9, 1.0, 1.1])
def test_each_beat_lands_on_its_cue_sample(song, tempo_ratio):
    r = _renderer(song, fade_in_beats=1, start_beat=1)
    ibi_s = 0.6 / tempo_ratio
    beats = _beats([ibi_s] * 6)
    out = _play(r, beats, beats[-1] + FS // 2)
    # song beats 0..6 on the cue beats (the fade-in leads to beat 1); the detector's offset on
    # the song itself is the reference, so 0 means the hit is on the cue's sample
    # (the last beat added has no segment after it yet: beats 1..5 are checked)
    ref = _onset_offsets(song.audio, song.beats_s[1:6] * FS)
    got = _onset_offsets(out, np.array(beats[1:6], dtype=float))
    _assert_on_cue(got, ref)


def test_a_tempo_change_takes_effect_at_the_next_beat(song):
    steady = _beats([0.6 / 0.95] * 6)
    changed = steady[:4] + [steady[3] + round(k * 0.6 / 1.05 * FS) for k in (1, 2, 3)]
    a = _play(_renderer(song, start_beat=1), steady, steady[-1])
    b = _play(_renderer(song, start_beat=1), changed, changed[-1] + FS // 2)
    # up to the beat the change takes effect at (less the crossfade before it) nothing moved
    cut = steady[3] - round(stretch.CROSSFADE_S * FS)
    assert np.array_equal(a[:cut], b[:cut])
    ref = _onset_offsets(song.audio, song.beats_s[3:6] * FS)
    got = _onset_offsets(b, np.array(changed[3:6], dtype=float))
    _assert_on_cue(got, ref)


def test_render_gives_n_samples_anywhere_and_blocks_agree_with_one_call(song):
    beats = _beats([0.6] * 4)
    r = _renderer(song, start_beat=1)
    blocks = _play(r, beats, beats[-1])
    again = _renderer(song, start_beat=1)
    for t in beats:
        again.add_beat(t)
    whole = again.render(0, beats[-1])
    assert whole.dtype == np.float32
    assert np.array_equal(blocks, whole)
    assert again.render(-500, 100).shape == (100,)
    assert np.all(again.render(-500, 100) == 0)
    assert again.render(beats[-1] + 10 * FS, 7).shape == (7,)


def test_available_until_grows_with_each_beat(song):
    r = _renderer(song)
    beats = _beats([0.6] * 3)
    seen = []
    for t in beats:
        r.add_beat(t)
        seen.append(r.available_until)
    xf = round(stretch.CROSSFADE_S * FS)
    assert seen == [beats[0]] + [t - xf for t in beats[1:]]


def test_no_discontinuity_at_segment_joins(song):
    # joins are 5 ms crossfades just before each beat: the largest sample step in the 10 ms
    # before each beat is within 1.25x the song's own largest step before its beats (measured
    # 1.05x: the stretched music differs from the recording in detail; a click would be a
    # step of the order of the music's amplitude, over 20x the song's step here)
    beats = _beats([0.6 / 0.9] * 6)
    out = _play(_renderer(song, start_beat=1), beats, beats[-1])
    span = round(0.01 * FS)
    src = [round(b * FS) for b in song.beats_s[2:7]]
    song_step = max(np.max(np.abs(np.diff(song.audio[s - span : s]))) for s in src)
    rendered_step = max(np.max(np.abs(np.diff(out[t - span : t]))) for t in beats[2:6])
    assert rendered_step <= 1.25 * song_step
    assert song_step < 0.05 * np.max(np.abs(song.audio))


def test_fade_in_over_the_first_beat(song):
    beats = _beats([0.6] * 3)
    out = _play(_renderer(song, fade_in_beats=1, start_beat=1), beats, beats[-1])
    assert np.all(out[: beats[0]] == 0)
    quarter = (beats[1] - beats[0]) // 4
    rms = [
        np.sqrt(np.mean(out[beats[0] + k * quarter : beats[0] + (k + 1) * quarter] ** 2))
        for k in range(4)
    ]
    assert rms == sorted(rms)
    assert rms[0] < 0.2 * rms[3]


def test_retracted_beats_fade_out_and_resume_where_the_song_stopped(song):
    beats = _beats([0.6] * 6)
    r = _renderer(song, start_beat=1)
    before = _play(r, beats, beats[4])
    r.retract_beats_from(beats[4])
    assert r.available_until == beats[4]
    assert not r.ended
    after = r.render(0, beats[-1] + FS)
    fade_from = beats[4] - round(0.1 * FS)
    assert np.array_equal(after[:fade_from], before[:fade_from])
    assert np.all(after[beats[4] :] == 0)
    # a beat after the pause: the song goes on from the beat that was taken back
    resume = beats[-1] + FS
    for k in range(5):
        r.add_beat(resume + round(k * 0.6 * FS))
    out = r.render(0, resume + round(3.5 * 0.6 * FS))
    ref = _onset_offsets(song.audio, song.beats_s[5:8] * FS)
    got = _onset_offsets(out, resume + np.arange(1, 4) * round(0.6 * FS) * 1.0)
    _assert_on_cue(got, ref)


def test_retracting_beats_not_yet_added_changes_nothing(song):
    beats = _beats([0.6] * 3)
    r = _renderer(song, start_beat=1)
    for t in beats:
        r.add_beat(t)
    r.retract_beats_from(beats[-1] + 1)
    assert r.available_until == beats[-1] - round(stretch.CROSSFADE_S * FS)


def test_the_song_running_out_is_reported_and_fades(song):
    r = _renderer(song, start_beat=0, fade_in_beats=0)
    n_beats = song.beats_s.size
    beats = _beats([0.6] * (n_beats + 2))
    for t in beats[: n_beats - 1]:
        r.add_beat(t)
    assert not r.ended
    r.add_beat(beats[n_beats - 1])
    assert r.ended
    assert r.end_reason == "the song has no beat left"
    r.add_beat(beats[n_beats])  # ignored
    end = beats[n_beats - 1] + (beats[n_beats - 1] - beats[n_beats - 2])
    assert r.available_until == end
    assert np.all(r.render(end, FS) == 0)
    assert np.max(np.abs(r.render(beats[n_beats - 1], 100))) > 0


def test_a_beat_beyond_the_stretch_limit_ends_the_song(song):
    r = _renderer(song, start_beat=1)
    beats = _beats([0.6, 0.6, 0.6 / 1.15])
    for t in beats:
        r.add_beat(t)
    assert r.ended
    assert "\n" not in r.end_reason
    assert "beyond ±10 %" in r.end_reason
    # the song fades over one interval after the last beat it took, silent at the refused one
    assert r.available_until == beats[2] + (beats[2] - beats[1])
    assert np.all(r.render(r.available_until, FS) == 0)


def test_gain_is_applied(song):
    beats = _beats([0.6] * 3)
    a = _play(_renderer(song, start_beat=1), beats, beats[-1])
    b = _play(_renderer(song, start_beat=1, gain_db=-6.0), beats, beats[-1])
    assert np.allclose(b, a * 10 ** (-6 / 20), atol=1e-6)


def test_song_at_half_the_cue_tempo_has_a_beat_on_every_other_cue():
    slow = synth_song("steady", tempo_bpm=50.0, duration_s=8.0, sample_rate_hz=FS)
    r = BeatAlignedRenderer(slow.audio, FS, _track(slow, 50.0), multiple=2.0, start_beat=1)
    beats = _beats([0.6] * 8)
    out = _play(r, beats, beats[-1])
    # cue beats 0, 2, 4, ... are song beats 0, 1, 2, ...: the song leads in from its beat 0
    ref = _onset_offsets(slow.audio, slow.beats_s[1:4] * FS)
    got = _onset_offsets(out, np.array(beats[2:8:2], dtype=float))
    _assert_on_cue(got, ref)


def test_start_beat_is_the_first_downbeat_after_a_quiet_intro():
    intro = synth_song("quiet_intro", tempo_bpm=120.0, duration_s=8.0, sample_rate_hz=FS)
    assert start_beat_index(intro.audio, FS, intro.beats_s, intro.downbeats_s) == 8
    steady = synth_song("steady", tempo_bpm=120.0, duration_s=4.0, sample_rate_hz=FS)
    assert start_beat_index(steady.audio, FS, steady.beats_s, steady.downbeats_s) == 0

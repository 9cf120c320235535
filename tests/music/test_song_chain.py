"""SongChain (ras/music/song_chain.py): songs change at a beat, crossfaded, every beat on its cue.

Two synthetic percussive songs (ras/music/synth.py, different tempi and kits) are rendered by the
chain onto the same cue beats; the chain's output is compared with the two songs rendered alone
on the beats each was given, so where each song's hits fall is checked exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

from ras.music import stretch
from ras.music.renderer import BeatAlignedRenderer
from ras.music.song_chain import (
    LEAD_BEATS,
    MAX_CROSSFADE_S,
    SongChain,
    crossfade_frames,
    crossfade_gains,
    last_phrase_grid,
    next_phrase_grid,
    phrase_grids,
    phrase_starts_s,
)
from ras.music.synth import synth_song
from ras.music.track import BeatAlignedSource, BeatTrack

FS = 48000
BLOCK = 1024
T0 = 10_000
IBI = round(0.6 * FS)  # 100 bpm cue
BOUNDARY = 10  # the cue beat the change is made at


def _track(song, tempo_bpm: float) -> BeatTrack:
    return BeatTrack(song.beats_s, tempo_bpm, 0.0, 1.0, True, "", "true", song.downbeats_s)


@pytest.fixture(scope="module")
def songs():
    a = synth_song("steady", tempo_bpm=100.0, duration_s=12.0, sample_rate_hz=FS, seed=1)
    b = synth_song("steady", tempo_bpm=96.0, duration_s=12.0, sample_rate_hz=FS, seed=2)
    return a, b


def _old(songs) -> BeatAlignedRenderer:
    a = songs[0]
    return BeatAlignedRenderer(a.audio, FS, _track(a, 100.0), start_beat=1)


def _new(songs) -> BeatAlignedRenderer:
    b = songs[1]
    return BeatAlignedRenderer(
        b.audio, FS, _track(b, 96.0), start_beat=4, fade_in_beats=0, lead_beats=LEAD_BEATS
    )


def _render(src, until: int) -> np.ndarray:
    out = np.zeros(until, dtype=np.float32)
    for a in range(0, until, BLOCK):
        out[a : a + BLOCK] = src.render(a, BLOCK)[: until - a]
    return out


def _alone(renderer: BeatAlignedRenderer, beats: list[int], until: int) -> np.ndarray:
    for t in beats:
        renderer.add_beat(t)
    return _render(renderer, until)


def _onsets(audio: np.ndarray, at_smp) -> np.ndarray:
    return stretch.hit_onsets_smp(audio, np.asarray(at_smp, dtype=float), FS)


def _change(songs, beats: list[int]) -> tuple[SongChain, int]:
    chain = SongChain(_old(songs))
    xf = crossfade_frames(100.0, FS)
    for k, t in enumerate(beats):
        if k == BOUNDARY:  # the session names the boundary just before handing it over
            chain.change_at(t, _new(songs), xf)
        chain.add_beat(t)
    return chain, xf


# --- the arithmetic ----------------------------------------------------------------------------


def test_phrases_are_two_bars_from_the_downbeats_else_eight_beats_from_the_first():
    beats = 0.5 + 0.6 * np.arange(40)
    assert np.allclose(phrase_starts_s(beats, beats[2::4]), beats[2::8])
    assert np.allclose(phrase_starts_s(beats, np.zeros(0)), beats[::8])
    # on the cue grid: the song's own beats, twice as many (half tempo), every other (double)
    starts = beats[::8]
    assert phrase_grids(beats, starts).tolist() == [0, 8, 16, 24, 32]
    doubled = stretch.cue_grid_s(beats, 2.0)
    assert phrase_grids(doubled, starts).tolist() == [0, 16, 32, 48, 64]
    halved = stretch.cue_grid_s(beats, 0.5)
    assert phrase_grids(halved, starts).tolist() == [0, 4, 8, 12, 16]


def test_the_next_and_last_phrase_leave_the_song_a_beat_after_the_boundary():
    phrases = np.array([0, 8, 16, 24, 32])
    assert next_phrase_grid(phrases, 9, 40) == 16
    assert next_phrase_grid(phrases, 16, 40) == 16
    assert next_phrase_grid(phrases, 25, 33) is None  # 32 is the song's last beat
    assert last_phrase_grid(phrases, 33) == 24
    assert last_phrase_grid(phrases, 34) == 32
    assert last_phrase_grid(np.array([5]), 6) is None


def test_the_crossfade_is_two_beats_at_most_a_second_and_equal_power():
    assert crossfade_frames(120.0, FS) == FS  # 2 beats of 0.5 s
    assert crossfade_frames(100.0, FS) == round(MAX_CROSSFADE_S * FS)
    assert crossfade_frames(150.0, FS) == round(0.8 * FS)
    g_out, g_in = crossfade_gains(np.arange(-10, 1010), 0, 1000)
    assert np.allclose(g_out**2 + g_in**2, 1.0)
    assert g_out[0] == 1.0 and g_in[0] == 0.0
    assert g_out[-1] == pytest.approx(0.0) and g_in[-1] == 1.0
    assert np.all(np.diff(g_in) >= 0)


# --- the chain ---------------------------------------------------------------------------------


def test_chain_is_a_beat_aligned_source_and_plays_one_song_alone(songs):
    beats = [T0 + k * IBI for k in range(6)]
    chain: BeatAlignedSource = SongChain(_old(songs))
    for t in beats:
        chain.add_beat(t)
    alone = _alone(_old(songs), beats, beats[-1])
    assert chain.available_until == beats[-1] - round(stretch.CROSSFADE_S * FS)
    assert np.array_equal(_render(chain, beats[-1]), alone)


def test_through_a_change_every_beat_has_its_hits_on_the_cue_from_one_song_or_both(songs):
    beats = [T0 + k * IBI for k in range(18)]
    chain, xf = _change(songs, beats)
    boundary = beats[BOUNDARY]
    assert chain.changes_ == 1
    assert chain.pop_rerender_from() == boundary - xf
    assert chain.pop_rerender_from() is None
    end = beats[-1]
    out = _render(chain, end)
    # the two songs alone, on the beats each was given: the old through the boundary and one
    # more, the new from LEAD_BEATS before it
    old = _alone(_old(songs), beats[: BOUNDARY + 2], end)
    new = _alone(_new(songs), beats[BOUNDARY - LEAD_BEATS :], end)
    g_out, g_in = crossfade_gains(np.arange(end), boundary - xf, boundary)
    np.testing.assert_allclose(out, old * g_out + new * g_in, atol=1e-6)
    # each song's hits on the cue samples where it sounds (its own onset offset as reference)
    a, b = songs
    a_beats = a.beats_s[1:BOUNDARY]  # cue beat k is song beat k (it fades in over beat 0)
    old_ref = _onsets(a.audio, a_beats * FS) - np.round(a_beats * FS)
    old_got = _onsets(old, beats[1:BOUNDARY]) - np.array(beats[1:BOUNDARY])
    assert np.abs(old_got - old_ref).max() <= 1
    b_beats = b.beats_s[4 - LEAD_BEATS + 1 : 4 - LEAD_BEATS + 1 + 7]  # lead grid 1.. on beat 7..
    new_ref = _onsets(b.audio, b_beats * FS) - np.round(b_beats * FS)
    cues = np.array(beats[BOUNDARY - LEAD_BEATS + 1 : BOUNDARY - LEAD_BEATS + 8])
    assert np.abs(_onsets(new, cues) - cues - new_ref).max() <= 1
    # no silent beat: each beat's hit in the chain's output is as loud as a song's alone, within
    # the equal-power dip (-3 dB where both sound), and the new song is full from the boundary
    span = round(0.02 * FS)
    peak = np.array([np.abs(out[t : t + span]).max() for t in beats[1:-1]])
    assert peak.min() >= 0.5 * np.median(peak)
    assert g_in[boundary] == 1.0 and g_out[boundary] == 0.0
    both = [t for t in beats if boundary - xf < t < boundary]
    assert both  # beats where both songs' hits sound together
    for t in both:
        assert np.abs(old[t : t + span]).max() > 0.1 and np.abs(new[t : t + span]).max() > 0.1


def test_a_change_waits_for_its_beat_and_a_later_one_replaces_it(songs):
    beats = [T0 + k * IBI for k in range(12)]
    chain = SongChain(_old(songs))
    first = _new(songs)
    chain.change_at(beats[8], first, IBI)
    for t in beats[:8]:
        chain.add_beat(t)
    assert chain.changes_ == 0
    assert first.next_grid == first.first_grid  # not one beat yet
    second = _new(songs)
    chain.change_at(beats[9], second, IBI)
    for t in beats[8:]:
        chain.add_beat(t)
    assert chain.changes_ == 1
    assert first.next_grid == first.first_grid
    assert chain.current is second
    assert second.next_grid == second.start_grid + 3  # beats 9, 10, 11 from its start beat


def test_taken_back_into_the_crossfade_the_change_waits_and_the_beats_land_again(songs):
    beats = [T0 + k * IBI for k in range(BOUNDARY + 2)]
    chain, xf = _change(songs, beats)
    assert chain.pop_rerender_from() == beats[BOUNDARY] - xf
    # a pause inside the crossfade: beats from beat 9 on taken back, then beats at a new tempo
    cut = beats[BOUNDARY - 1]
    chain.retract_beats_from(cut)
    assert chain.changes_ == 0
    faster = round(0.57 * FS)
    again = [cut + k * faster for k in range(8)]
    for t in again:
        chain.add_beat(t)
    # the boundary is the first beat at or after the one named
    boundary = next(t for t in again if t >= beats[BOUNDARY] - round(0.01 * FS))
    assert chain.changes_ == 1
    heard = [*beats[: BOUNDARY - 1], *again]  # the beats the chain kept, in order
    lead_from = heard[heard.index(boundary) - LEAD_BEATS]
    assert chain.pop_rerender_from() == max(boundary - xf, lead_from)
    out = _render(chain, again[-1])
    b = songs[1]
    k = again.index(boundary)
    ref = _onsets(b.audio, b.beats_s[4:7] * FS) - np.round(b.beats_s[4:7] * FS)
    cues = np.array(again[k : k + 3])
    assert np.abs(_onsets(out, cues) - cues - ref).max() <= 1


def test_taken_back_after_the_boundary_only_the_new_song_fades(songs):
    beats = [T0 + k * IBI for k in range(16)]
    chain, _ = _change(songs, beats)
    boundary = beats[BOUNDARY]
    before = _render(chain, beats[-1])
    chain.retract_beats_from(beats[13])
    assert chain.changes_ == 1
    assert chain.available_until == beats[13]
    after = _render(chain, beats[-1] + FS)
    fade_from = beats[13] - round(0.1 * FS)
    assert np.array_equal(after[:fade_from], before[:fade_from])
    assert np.all(after[beats[13] :] == 0)
    assert np.abs(after[boundary : boundary + 500]).max() > 0.1

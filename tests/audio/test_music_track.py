"""Music on the cue engine: the ring, the render-ahead worker, modes, fades and the ceiling.

The engine runs for real through the WAV backend (paced by a sped-up session clock), with the
reference source :class:`DrumBassSource`, whose drum hits start exactly on the beats it is
given: where a hit lands in the file is where the engine put the beat.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from ras.audio import CueEngine, Sound, make_backend
from ras.audio.mixer import Gain, db_to_gain
from ras.audio.music_track import (
    CueMode,
    DrumBassSource,
    MusicFade,
    MusicRing,
    MusicTrack,
    mix_music,
)
from ras.errors import UserInputError
from ras.music.song_chain import SongChain, crossfade_frames, crossfade_gains
from ras.session_clock import SessionClock

FS_HZ = 48000
BLOCK = 1024
LSB = 1.0 / 32767.0
CHECK = 500  # samples of each hit compared (the bass starts 12 ms after the beat)


def read_wav(path: Path) -> np.ndarray:
    """Left channel of a 16-bit WAV, full scale 1."""
    with wave.open(str(path)) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, w.getnchannels())
    return pcm[:, 0] / 32767.0


def make_engine(path: Path, source=None, **kwargs) -> CueEngine:
    engine = CueEngine(
        make_backend(f"wav:{path}"), clock=SessionClock(speed=20.0), block_frames=BLOCK, **kwargs
    )
    if source is not None:
        engine.set_music_source(source)
    engine.start()
    return engine


def beat_times(engine: CueEngine, n: int, ibi_s: float = 0.5, lead_s: float = 1.0) -> list[float]:
    t0 = engine.earliest_cue_s() + lead_s
    return [t0 + ibi_s * k for k in range(n)]


# --- the ring and the plain functions ------------------------------------------------------


def test_ring_wraps_and_reports_what_is_missing():
    ring = MusicRing(capacity_frames=8, max_block_frames=4)
    dst = np.zeros(4, np.float32)
    assert ring.read(0, dst) == 4  # nothing rendered yet
    ring.write(np.arange(1, 7, dtype=np.float32))  # samples 0..5
    assert ring.read(0, dst) == 0
    np.testing.assert_array_equal(dst, [1, 2, 3, 4])
    assert ring.room() == 8 + 4 - 6
    ring.write(np.arange(7, 13, dtype=np.float32))  # samples 6..11, wrapping the slots
    assert ring.read(4, dst) == 0
    np.testing.assert_array_equal(dst, [5, 6, 7, 8])
    assert ring.read(10, dst) == 2  # 12 and 13 not rendered: silence there
    np.testing.assert_array_equal(dst, [11, 12, 0, 0])
    ring.jump_to(20)  # the producer fell behind and starts again at 20
    ring.write(np.full(4, 9.0, np.float32))
    assert ring.read(18, dst) == 2
    np.testing.assert_array_equal(dst, [0, 0, 9, 9])
    ring.rewind_to(21)  # retracted from 21 on
    assert ring.write_sample == 21
    ring.rewind_to(5)  # never before what was rendered afresh
    assert ring.write_sample == 20


def test_fade_ramps_on_exact_samples():
    fade = MusicFade(max_block_frames=16)
    fade.fade(1.0, start_sample=100, frames=8)
    buf = np.ones((16, 1), np.float32)
    fade.apply(buf, first_sample=96)
    expected = np.clip((np.arange(96, 112) - 100) / 8, 0.0, 1.0)
    np.testing.assert_allclose(buf[:, 0], expected, atol=1e-7)
    assert fade.silent_over(0, 100)
    assert not fade.silent_over(0, 101)
    fade.fade(0.0, start_sample=104, frames=4)  # from where the fade-in is at 104: 0.5
    assert fade.value_at(104) == 0.5
    assert fade.value_at(106) == 0.25
    assert fade.silent_over(108, 50)
    fade.fade(1.0, start_sample=120, frames=4)  # a fade in after it, both still ahead
    buf = np.ones((16, 1), np.float32)
    fade.apply(buf, first_sample=102)
    assert fade.value_at(106) == 0.25  # the fade out is kept
    expected = [fade.value_at(s) for s in range(102, 118)]
    np.testing.assert_allclose(buf[:, 0], expected, atol=1e-7)
    assert expected[:6] == [0.25, 0.375, 0.5, 0.375, 0.25, 0.125]
    assert not fade.silent_over(100, 30)
    assert fade.value_at(124) == 1.0


def test_dry_ring_plays_silence_and_counts_it():
    ring = MusicRing(capacity_frames=64, max_block_frames=16)
    fade = MusicFade(16)
    fade.fade(1.0, -1, 1)  # full from sample 0
    gain = Gain(16, ceiling_dbfs=0.0, level_dbfs=0.0)
    gain.current = gain.target
    ring.available = 40  # the source could render up to 40: the worker is behind
    ring.write(np.full(10, 0.5, np.float32))
    out = np.full((16, 2), 0.25, np.float32)  # a click already mixed
    mix_music(out, 0, ring, fade, gain)
    np.testing.assert_array_equal(out[:10], 0.75)
    np.testing.assert_array_equal(out[10:], 0.25)  # the click untouched, no music
    assert (ring.underruns, ring.starved) == (1, 0)
    ring.write(np.full(30, 0.5, np.float32))  # up to 40, all the source has: no beat after it
    out.fill(0.25)
    mix_music(out, 32, ring, fade, gain)
    np.testing.assert_array_equal(out[:8], 0.75)
    np.testing.assert_array_equal(out[8:], 0.25)
    assert (ring.underruns, ring.starved) == (1, 1)
    fade.fade(0.0, 40, 8)  # faded out by 48: a dry ring is neither
    mix_music(out, 48, ring, fade, gain)
    assert (ring.underruns, ring.starved) == (1, 1)
    assert ring.read_sample == 64


def test_drum_bass_source_puts_each_hit_on_its_beat():
    src = DrumBassSource(FS_HZ)
    beats = [1000, 25000, 49000]
    for b in beats:
        src.add_beat(b)
    assert src.available_until == 49000
    audio = np.concatenate([src.render(s, 777) for s in range(0, 49000, 777)])[:49000]
    whole = src.render(0, 49000)
    np.testing.assert_array_equal(audio, whole)  # chunks join seamlessly
    for b in beats[:2]:
        np.testing.assert_array_equal(whole[b : b + CHECK], src.hit[:CHECK])
        assert not whole[b - 500 : b].any()  # the bass leaves room before each hit
    assert np.abs(whole[10000:20000]).max() > 0.3  # bass between the beats
    src.retract_beats_from(25000)
    assert src.beats == [1000]
    with pytest.raises(ValueError, match="not after"):
        src.add_beat(500)


# --- the engine with music -----------------------------------------------------------------


def test_music_beats_land_on_the_scheduled_samples(tmp_path):
    path = tmp_path / "music.wav"
    src = DrumBassSource(FS_HZ)
    engine = make_engine(path, src)
    engine.set_cue_mode("music")
    times = beat_times(engine, 12, ibi_s=0.6)
    times += [times[-1] + 0.5 * (k + 1) for k in range(10)]  # a tempo change: 100 -> 120 bpm
    samples = [engine.schedule_cue(t, Sound(k % 2)) for k, t in enumerate(times)]
    engine.stop()
    x = read_wav(path)
    level = engine.music.gain.level
    for s in samples[:-1]:  # the last hit waits for a beat after it
        np.testing.assert_allclose(x[s : s + CHECK], src.hit[:CHECK] * level, atol=LSB)
        assert not x[s - 300 : s].any()
    # music mode: the clicks are silent, their onsets still recorded on the same samples
    assert [o.sample_index for o in engine.onsets] == samples
    assert engine.music_underruns == 0
    assert engine.underflows == 0
    assert engine.music.max_render_s > 0.0  # the worker rendered, and measured itself
    assert engine.music.errors == []


def test_music_and_click_overlay_on_the_same_sample(tmp_path):
    path = tmp_path / "both.wav"
    src = DrumBassSource(FS_HZ)
    engine = make_engine(path, src, click_level_db=-6.0)
    engine.set_cue_mode(CueMode.MUSIC_CLICK)
    samples = [engine.schedule_cue(t, Sound.LEFT) for t in beat_times(engine, 6)]
    engine.stop()
    x = read_wav(path)
    click = engine.sounds.frames[Sound.LEFT, :CHECK]
    music_level = engine.music.gain.level
    click_level = engine.gain.level * db_to_gain(-6.0)
    for s in samples[:-1]:
        expected = src.hit[:CHECK] * music_level + click * click_level
        expected = np.clip(expected, -engine.gain.ceiling, engine.gain.ceiling)  # the sum
        np.testing.assert_allclose(x[s : s + CHECK], expected, atol=2 * LSB)


def test_ceiling_holds_after_music_and_clicks_are_summed(tmp_path):
    path = tmp_path / "loud.wav"
    src = DrumBassSource(FS_HZ, hit_peak=40.0, bass_peak=25.0)  # far above full scale
    engine = make_engine(path, src, level_dbfs=-12.0, ceiling_dbfs=-12.0, music_level_db=12.0)
    engine.set_cue_mode(CueMode.MUSIC_CLICK)
    engine.set_click_level_db(20.0)
    for t in beat_times(engine, 8, ibi_s=0.4):
        engine.schedule_cue(t, Sound.RIGHT)
    engine.stop()
    x = read_wav(path)
    ceiling = db_to_gain(-12.0)
    assert np.abs(x).max() <= ceiling + LSB
    assert np.abs(x).max() >= ceiling - LSB  # it was loud enough to be clipped there


def test_mode_changes_at_the_next_beat_without_a_gap(tmp_path):
    path = tmp_path / "switch.wav"
    src = DrumBassSource(FS_HZ)
    engine = make_engine(path, src, music_fade_in_s=0.3, music_fade_out_s=0.3)
    times = beat_times(engine, 16, ibi_s=0.5, lead_s=1.0)
    samples = [engine.schedule_cue(t, Sound.LEFT) for t in times[:5]]
    at = engine.set_cue_mode("music")  # beats 0-4 are pending: from the first of them
    assert at == samples[0]
    engine.clock.sleep_until(times[3] + 0.15)  # beats 0-3 rendered (music up to beat 4 known)
    samples += [engine.schedule_cue(t, Sound.LEFT) for t in times[5:8]]
    back = engine.set_cue_mode("metronome")
    assert back == samples[4]
    samples += [engine.schedule_cue(t, Sound.LEFT) for t in times[8:]]
    engine.stop()
    x = read_wav(path)
    click = engine.sounds.frames[Sound.LEFT, :CHECK] * engine.gain.level
    hit = src.hit[:CHECK] * engine.music.gain.level
    for k, s in enumerate(samples[:-1]):
        # music alone, full from its first beat; then clicks, the music fading out from beat 4
        fade = np.array([engine.music.fade.value_at(s + i) for i in range(CHECK)])
        expected = hit if k < 4 else click + hit * fade
        expected = np.clip(expected, -engine.gain.ceiling, engine.gain.ceiling)
        np.testing.assert_allclose(x[s : s + CHECK], expected, atol=2 * LSB, err_msg=f"beat {k}")
    assert engine.music.fade.value_at(samples[4]) == 1.0
    assert engine.music.fade.value_at(samples[5]) == 0.0
    assert not x[samples[4] + round(0.35 * FS_HZ) : samples[5] - 10].any()
    assert engine.music_underruns == 0


def test_cancel_fades_the_music_out_and_resume_fades_it_back(tmp_path):
    path = tmp_path / "pause.wav"
    src = DrumBassSource(FS_HZ)
    engine = make_engine(path, src, music_fade_out_s=0.2)
    engine.set_cue_mode(CueMode.MUSIC)
    times = beat_times(engine, 8, ibi_s=0.5, lead_s=0.5)
    samples = [engine.schedule_cue(t, Sound.LEFT) for t in times]
    engine.clock.sleep_until(times[2])
    cutoff = engine.cancel_pending()  # pause: beats from the next unrendered block are dropped
    resume = [engine.clock.now_s() + 2.0 + 0.5 * k for k in range(6)]
    later = [engine.schedule_cue(t, Sound.LEFT) for t in resume]
    engine.stop()
    x = read_wav(path)
    fade_end = cutoff + round(0.2 * FS_HZ)
    assert np.abs(x[cutoff : cutoff + 2400]).max() > 0.01  # the music goes on into the fade
    assert not x[fade_end : later[0] - round(0.6 * FS_HZ)].any()  # then silence, till resume
    level = engine.music.gain.level
    for s in later[:-1]:
        np.testing.assert_allclose(x[s : s + CHECK], src.hit[:CHECK] * level, atol=LSB)
    played = [o.sample_index for o in engine.onsets]
    assert played == [s for s in samples if s < cutoff] + later
    assert src.beats[0] < cutoff <= src.beats[-1]  # the source got the retraction and the rest
    assert engine.music_underruns == 0


def test_a_music_mode_without_a_song_or_with_a_bad_name_is_refused(tmp_path):
    engine = make_engine(tmp_path / "none.wav")
    with pytest.raises(UserInputError, match="needs a song") as err:
        engine.set_cue_mode("music")
    assert "\n" not in str(err.value)
    with pytest.raises(UserInputError, match="metronome, music, music\\+click"):
        engine.set_cue_mode("disco")
    assert engine.cue_mode is CueMode.METRONOME
    engine.stop()


class BrokenSource(DrumBassSource):
    def render(self, start_sample: int, n: int) -> np.ndarray:
        raise RuntimeError("decoder gone")


def test_a_failing_source_leaves_the_cues_playing(tmp_path):
    path = tmp_path / "broken.wav"
    engine = make_engine(path, BrokenSource(FS_HZ))
    engine.set_cue_mode("music+click")
    samples = [engine.schedule_cue(t, Sound.LEFT) for t in beat_times(engine, 5)]
    engine.stop()
    assert [o.sample_index for o in engine.onsets] == samples
    assert engine.music.errors == ["RuntimeError: decoder gone"]
    x = read_wav(path)
    click = engine.sounds.frames[Sound.LEFT, :CHECK] * engine.gain.level * db_to_gain(-6.0)
    np.testing.assert_allclose(x[samples[2] : samples[2] + CHECK], click, atol=LSB)


def test_worker_renders_in_chunks_and_skips_what_was_played():
    track = MusicTrack(FS_HZ, max_block_frames=BLOCK, capacity_s=1.0, chunk_frames=512)
    src = DrumBassSource(FS_HZ)
    track.set_source(src)
    track.start()
    try:
        track.ring.read_sample = 10_000  # the callback is already here
        for b in (12_000, 30_000, 60_000):
            track.add_beat(b)
        track.wait_rendered(60_000)
    finally:
        track.stop()
    assert track.ring.valid_from == 10_000  # nothing rendered for what was already played
    assert track.ring.write_sample == 58_000  # up to the last beat the ring holds (1 s ahead)
    assert track.render_calls >= 48_000 // 512  # never more than a chunk a call
    dst = np.zeros(CHECK, np.float32)
    track.ring.read(30_000, dst)
    np.testing.assert_array_equal(dst, src.hit[:CHECK])


def test_cue_mode_is_the_event_vocabulary_one():
    """The engine speaks the records' CueMode (one enum), parsed from the therapist's words."""
    from ras import events
    from ras.audio.music_track import parse_cue_mode

    assert CueMode is events.CueMode
    assert parse_cue_mode(" Music+Click ") is events.CueMode.MUSIC_CLICK
    with pytest.raises(UserInputError, match="'drums' is not one of: metronome, music"):
        parse_cue_mode("drums")


def test_a_song_change_is_crossfaded_on_the_beats_after_what_was_rendered(tmp_path):
    """Two drum-and-bass "songs" (the same hit, different bass) on one SongChain: the change
    comes after the worker rendered the first song past the crossfade's start, which is rendered
    again; every hit is on its beat, scaled by the equal-power gains, none missing."""
    path = tmp_path / "change.wav"
    first, second = DrumBassSource(FS_HZ), DrumBassSource(FS_HZ, bass_hz=110.0)
    chain = SongChain(first)
    engine = make_engine(path, chain)
    engine.set_cue_mode(CueMode.MUSIC)
    times = beat_times(engine, 12, ibi_s=0.5)
    samples = [engine.schedule_cue(t, Sound.LEFT) for t in times[:6]]
    engine.music.wait_rendered(samples[5] - BLOCK)  # the first song rendered up to beat 5
    assert engine.music.ring.write_sample > samples[5] - FS_HZ // 2
    xf = crossfade_frames(120.0, FS_HZ)
    assert engine.change_song_at(times[6], second, xf) == engine.sample_of(times[6])
    samples += [engine.schedule_cue(t, Sound.LEFT) for t in times[6:]]
    engine.stop()
    assert chain.changes_ == 1 and chain.current is second
    x = read_wav(path)
    boundary = samples[6]
    hit = first.hit[:CHECK] * engine.music.gain.level
    for k, s in enumerate(samples[:-1]):
        g_out, g_in = crossfade_gains(np.arange(s, s + CHECK), boundary - xf, boundary)
        gain = np.where(np.arange(s, s + CHECK) < boundary, g_out, 0.0) + g_in
        expected = np.clip(hit * gain, -engine.gain.ceiling, engine.gain.ceiling)
        np.testing.assert_allclose(x[s : s + CHECK], expected, atol=2 * LSB, err_msg=f"beat {k}")
    g_out, g_in = crossfade_gains(np.array([samples[5]]), boundary - xf, boundary)
    assert g_out[0] > 0.5 and g_in[0] > 0.5  # beat 5: both songs' hits, on the same sample
    assert engine.music_underruns == 0
    assert engine.music.errors == []

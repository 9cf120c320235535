"""The cue engine: one output stream per session, cues placed at exact samples on the session clock.

Threads: the audio callback (mixes, records raw timing, no array allocation), a clock thread
(measures the stream-clock offset, fits the :class:`ClockMap`, converts played onsets to session
time) and the caller (schedules cues). Blocks are large (default 4096 frames, 85 ms at 48 kHz) so
another thread holding the GIL for up to a block does not starve the callback.

Music (:mod:`ras.audio.music_track`): with a song set, each scheduled beat's sample also goes to
the render-ahead worker, and the callback mixes the music it rendered under the clicks; the cue
mode (metronome, music, music+click) says which sound on each beat and changes at a beat. The
hard ceiling is applied after clicks and music are summed.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ras.audio.backends import AudioBackend, AudioStream
from ras.audio.clockmap import ClockMap, StreamClockOffset
from ras.audio.mixer import (
    DEFAULT_CEILING_DBFS,
    Gain,
    OnsetRing,
    ScheduleRing,
    Sound,
    SoundBank,
    db_to_gain,
    mix_block,
    render_sounds,
)
from ras.audio.music_track import MusicTrack, mix_music, parse_cue_mode
from ras.errors import UserInputError
from ras.events import CueMode
from ras.music.track import BeatAlignedSource
from ras.session_clock import SessionClock

__all__ = ["CueEngine", "CueMode", "CueOnset", "LateCueError"]

_TIMING_CAPACITY = 1024
_SKIP_AFTER_UNDERFLOW = 3  # callbacks whose DAC times are not trusted after an underflow


class LateCueError(ValueError):
    """A cue was scheduled for a time whose samples are already rendered."""


@dataclass(frozen=True)
class CueOnset:
    """A cue that was played: its onset on the session clock and on the output sample count."""

    t_s: float
    sound: Sound
    sample_index: int


class CueEngine:
    """Plays cue sounds at scheduled session times through one stream.

    Parameters
    ----------
    backend : AudioBackend
        From :func:`ras.audio.backends.make_backend`.
    sample_rate_hz, block_frames, channels : int
        Stream format; blocks should be longer than the longest GIL hold in the program.
    clock : SessionClock, optional
        Session clock (default: a new one, speed 1).
    level_dbfs, ceiling_dbfs : float
        Cue level (the peak of the cue played) and the hard ceiling it can never exceed, dBFS.
    on_onset : callable, optional
        Called (from the clock thread) with each :class:`CueOnset`.
    clock_period_s : float
        How often the clock thread refits the clock map.
    music_level_db : float
        The music's level relative to the cue level, dB.
    click_level_db : float
        In ``music+click`` mode, the click's level relative to the music, dB.
    music_fade_in_s, music_fade_out_s : float
        Fade in before the first beat the music sounds on; fade out from the beat it stops at.
    """

    def __init__(
        self,
        backend: AudioBackend,
        sample_rate_hz: int = 48000,
        block_frames: int = 4096,
        channels: int = 2,
        clock: SessionClock | None = None,
        level_dbfs: float = DEFAULT_CEILING_DBFS,
        ceiling_dbfs: float = DEFAULT_CEILING_DBFS,
        on_onset: Callable[[CueOnset], None] | None = None,
        clock_period_s: float = 0.1,
        sounds: SoundBank | None = None,
        music_level_db: float = 0.0,
        click_level_db: float = -6.0,
        music_fade_in_s: float = 0.5,
        music_fade_out_s: float = 0.5,
    ) -> None:
        self.backend = backend
        self.sample_rate_hz = int(sample_rate_hz)
        self.block_frames = int(block_frames)
        self.channels = int(channels)
        self.clock = clock or SessionClock()
        self.on_onset = on_onset
        self.clock_period_s = float(clock_period_s)
        self.sounds = sounds or render_sounds(self.sample_rate_hz)
        self.schedule = ScheduleRing(max_block_frames=self.block_frames)
        self.played = OnsetRing()
        self.gain = Gain(
            self.block_frames,
            ramp_frames=round(0.005 * self.sample_rate_hz),
            ceiling_dbfs=ceiling_dbfs,
            level_dbfs=level_dbfs,
        )
        self.music = MusicTrack(
            self.sample_rate_hz,
            self.block_frames,
            ceiling_dbfs=ceiling_dbfs,
            level_dbfs=level_dbfs + music_level_db,
            fade_in_s=music_fade_in_s,
            fade_out_s=music_fade_out_s,
        )
        self.cue_mode = CueMode.METRONOME
        self._level_dbfs = float(level_dbfs)
        self._music_level_db = float(music_level_db)
        self._click_level_db = float(click_level_db)
        self._has_music = False  # a song is set (control thread)
        self._music_on = False  # the music's fade heads for 1 (control thread)
        self.clock_map = ClockMap(self.sample_rate_hz)
        self.offset = StreamClockOffset()
        self.onsets: list[CueOnset] = []
        self.underflows = 0
        self.resyncs = 0
        self.late_cues = 0
        self.callback_errors = 0
        # raw per-callback timing, written by the callback only
        self._t_first = np.zeros(_TIMING_CAPACITY, dtype=np.int64)
        self._t_dac = np.zeros(_TIMING_CAPACITY, dtype=np.float64)
        self._t_now = np.zeros(_TIMING_CAPACITY, dtype=np.float64)
        self._t_bad = np.zeros(_TIMING_CAPACITY, dtype=np.bool_)
        self._t_write = 0
        self._t_read = 0
        self._skip = 0
        self._next_sample = 0  # first sample of the next block (written by the callback only)
        self._latency_s = 0.0  # median DAC time - callback time, stream clock
        self._fit: tuple[int, float, float] | None = None  # ClockMap.params, published
        self._offset_s = 0.0  # perf_counter - stream time, published
        self._stream: AudioStream | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    # --- control thread -------------------------------------------------------------------

    def start(self, timeout_s: float = 10.0) -> None:
        """Open and start the session's one stream; returns when the clock map is ready."""
        if self._stream is not None:
            raise RuntimeError("the engine is already started (one stream per session)")
        stream = self.backend.open(
            self.sample_rate_hz, self.block_frames, self.channels, self._callback, self.clock
        )
        self._stream = stream
        self._measure_offset()
        self.music.start()
        stream.start()
        self._thread = threading.Thread(
            target=self._clock_loop, name="ras-audio-clock", daemon=True
        )
        self._thread.start()
        deadline = time.perf_counter() + timeout_s
        while self._fit is None:
            if time.perf_counter() > deadline:
                self.stop()
                raise RuntimeError("audio stream started but never called back")
            time.sleep(0.005)

    def stop(self) -> None:
        """Fade out, stop and close the stream (offline backends first render every cue)."""
        stream = self._stream
        if stream is None:
            return
        if self.backend.offline and len(self.schedule):
            last = self.schedule.sample_index[
                (self.schedule.write_count - 1) % self.schedule.capacity
            ]
            end_s = self.clock_map.time_of(int(last) + self.sounds.max_frames)
            stream.stop()
            stream.render_until(end_s)  # type: ignore[attr-defined]
        elif not self.backend.offline:
            faded_s = self._fade_music_out(self._next_sample + self.block_frames)
            time.sleep(faded_s)
            self.gain.muted = True
            self.music.gain.muted = True
            time.sleep(2 * self.block_frames / self.sample_rate_hz + self._latency_s)
        stream.stop()
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.music.stop()
        stream.close()
        self._update()
        self._stream = None

    def set_level_dbfs(self, level_dbfs: float) -> None:
        """Set the cue level, its peak in dBFS (clamped to the ceiling; changes are ramped).

        The music follows at its own level relative to it."""
        self._level_dbfs = float(level_dbfs)
        self.gain.set_level_dbfs(level_dbfs)
        self.music.gain.set_level_dbfs(level_dbfs + self._music_level_db)

    def mute(self, muted: bool = True) -> None:
        """Mute or unmute (ramped, no click); cues keep their times."""
        self.gain.muted = muted
        self.music.gain.muted = muted

    # --- music ------------------------------------------------------------------------------

    def set_music_source(self, source: BeatAlignedSource | None) -> None:
        """The song the music modes play (its beats put on the cue beats), None for none.

        Set it while the music is silent (before the session, or in metronome mode): the source
        gets the beats scheduled from then on. A session sets a
        :class:`~ras.music.song_chain.SongChain` once and changes songs through
        :meth:`change_song_at`, the music playing on.
        """
        if self._music_on:
            raise RuntimeError("change the song while the music is silent (metronome mode)")
        if source is None and self.cue_mode.has_music:
            self.set_cue_mode(CueMode.METRONOME)
        self.music.set_source(source)
        self._has_music = source is not None

    def change_song_at(self, t_s: float, source: BeatAlignedSource, crossfade_frames: int) -> int:
        """The song playing gives way to ``source`` at the beat at session time ``t_s`` (call it
        before that beat is scheduled), crossfaded over ``crossfade_frames`` output samples
        before it; the music source set must be a :class:`~ras.music.song_chain.SongChain`.
        Returns the beat's sample (the change is made at the first beat at or after it)."""
        if not self._has_music:
            raise RuntimeError("set a song chain with set_music_source first")
        sample = self.sample_of(t_s)
        self.music.change_at(sample, source, crossfade_frames)
        return sample

    def set_cue_mode(self, mode: CueMode | str) -> int:
        """Switch between metronome, music and music+click from the next beat not yet rendered.

        Returns the sample the change takes effect at (the next scheduled beat's, or the next
        unrendered block's when none is scheduled yet). No beat is lost: the beats before it sound
        as they were scheduled, the music fades in to end on it or fades out from it.
        """
        new = parse_cue_mode(mode)
        if new.has_music and not self._has_music:
            raise UserInputError(
                f"cue mode {new.value!r} needs a song, and none is loaded: the metronome plays on"
            )
        self.cue_mode = new
        next_block = self._next_sample + self.block_frames
        first = self.schedule.set_gain_from(next_block, self._click_gain())
        at_sample = next_block if first is None else first
        if new.has_music and not self._music_on and first is not None:
            self._fade_music_in(first)
        elif not new.has_music and self._music_on:
            self._fade_music_out(at_sample)
        return at_sample

    def set_music_level_db(self, level_db: float) -> None:
        """The music's level relative to the cue level, dB (ramped)."""
        self._music_level_db = float(level_db)
        self.set_level_dbfs(self._level_dbfs)

    def set_click_level_db(self, level_db: float) -> None:
        """The click's level relative to the music in ``music+click`` mode, dB (from the next
        beat not yet rendered)."""
        self._click_level_db = float(level_db)
        self.schedule.set_gain_from(self._next_sample + self.block_frames, self._click_gain())

    @property
    def music_on(self) -> bool:
        """True while the music is heard or fading in (its fade heads for 1): the song set may
        then only change through its chain (:meth:`change_song_at`), not be replaced."""
        return self._music_on

    @property
    def music_underruns(self) -> int:
        """Blocks where the music should have sounded but was not rendered in time (silent
        there; the cues are never delayed)."""
        return self.music.underruns

    @property
    def music_starved(self) -> int:
        """Blocks where the music had to be silent because the beat after it was not decided
        yet (the beats must be decided at least a beat interval plus the output latency ahead)."""
        return self.music.ring.starved

    def _click_gain(self) -> float:
        """Each click's gain relative to the cue level in the current mode."""
        if self.cue_mode is CueMode.METRONOME:
            return 1.0
        if self.cue_mode is CueMode.MUSIC:
            return 0.0
        return db_to_gain(self._music_level_db + self._click_level_db)

    def _fade_music_in(self, beat_sample: int) -> None:
        """Fade the music in so it is full on the beat at ``beat_sample``."""
        start = max(beat_sample - self.music.fade_in_frames, self._next_sample + self.block_frames)
        self.music.fade.fade(1.0, start, max(1, beat_sample - start))
        self._music_on = True

    def _fade_music_out(self, from_sample: int) -> float:
        """Fade the music out from ``from_sample``, within what is rendered of it; returns the
        fade's length, s (0 if the music was not on)."""
        if not self._music_on:
            return 0.0
        self._music_on = False
        available = max(self.music.ring.available, self.music.ring.write_sample)
        frames = min(self.music.fade_out_frames, available - from_sample)
        frames = max(frames, round(0.005 * self.sample_rate_hz))  # never a hard cut
        self.music.fade.fade(0.0, from_sample, frames)
        return (from_sample + frames - self._next_sample) / self.sample_rate_hz

    def sample_of(self, t_s: float) -> int:
        """Output sample index that plays at session time ``t_s``."""
        fit = self._fit
        if fit is None:
            raise RuntimeError("start() the engine first")
        n_ref, t_ref_s, s_per_sample = fit
        return round(n_ref + (t_s - t_ref_s) / s_per_sample)

    def earliest_cue_s(self) -> float:
        """Earliest session time a cue can still be scheduled for (the next unrendered block)."""
        fit = self._fit
        if fit is None:
            raise RuntimeError("start() the engine first")
        n_ref, t_ref_s, s_per_sample = fit
        return t_ref_s + (self._next_sample + self.block_frames - n_ref) * s_per_sample

    def schedule_cue(self, t_s: float, sound: Sound | int = Sound.LEFT) -> int:
        """Schedule a cue at session time ``t_s`` (in time order); returns its sample index.

        Raises :class:`LateCueError` if that sample may already be rendered.
        """
        sample = self.sample_of(t_s)
        if sample < self._next_sample + self.block_frames:
            self.late_cues += 1
            raise LateCueError(
                f"cue at {t_s:.3f} s is too late (earliest now: {self.earliest_cue_s():.3f} s)"
            )
        self.schedule.push(sample, int(sound), self._click_gain())
        if self._has_music:
            self.music.add_beat(sample)
            if self.cue_mode.has_music and not self._music_on:
                self._fade_music_in(sample)
        return sample

    def cancel_pending(self, from_t_s: float | None = None) -> int:
        """Silence every scheduled cue from the next unrendered block on (and not before session
        time ``from_t_s``, if given); returns the first sample silenced. Cues already sounding,
        or in the block being rendered, finish: no click. A renderer that lags the clock (wav
        under load) still plays the cues before ``from_t_s`` it has not reached yet."""
        cutoff = self._next_sample + self.block_frames
        if from_t_s is not None and self._fit is not None:
            cutoff = max(cutoff, self.sample_of(from_t_s))
        self.schedule.cancel_from(cutoff)
        if self._has_music:
            music_on = self._music_on
            self._fade_music_out(cutoff)
            start, frames, _, _ = self.music.fade.ramps[-1]
            self.music.retract_from(start + frames if music_on else cutoff)
        return cutoff

    @property
    def clock_settled(self) -> bool:
        """True once the audio clock's drift is measured and its map stable (about 30 s in).

        Before that, onsets are mapped with the nominal rate, or with a map whose intercept may
        still move by about a millisecond: a session's baseline walk (uncued) gives the engine
        this time before the first cue.
        """
        return self.clock_map.settled

    @property
    def drift_ppm(self) -> float:
        """Audio clock rate relative to the session clock, minus 1 (ppm)."""
        return self.clock_map.drift_ppm

    # --- audio callback (no array allocation) ---------------------------------------------

    def _callback(
        self, out: np.ndarray, dac_time_s: float, current_time_s: float, underflow: bool
    ) -> None:
        try:
            if underflow:
                self.underflows += 1
                self._resync(current_time_s)
            first = self._next_sample
            slot = self._t_write % _TIMING_CAPACITY
            self._t_first[slot] = first
            self._t_dac[slot] = dac_time_s
            self._t_now[slot] = current_time_s
            self._t_bad[slot] = underflow or self._skip > 0
            self._t_write += 1
            if self._skip > 0:
                self._skip -= 1
            mix_block(out, first, self.schedule, self.sounds, self.gain, self.played)
            if self._has_music:
                music = self.music
                end = first + out.shape[0]
                if self.backend.offline and not music.fade.silent_over(first, out.shape[0]):
                    music.wait_rendered(end)  # not a real-time thread: it may wait
                mix_music(out, first, music.ring, music.fade, music.gain)
                np.clip(out, -self.gain.ceiling, self.gain.ceiling, out=out)  # after the sum
            self._next_sample = first + out.shape[0]
        except Exception:
            self.callback_errors += 1
            out.fill(0.0)

    def _resync(self, current_time_s: float) -> None:
        """After an underflow: move the sample counter to where the device really is."""
        self._skip = _SKIP_AFTER_UNDERFLOW
        fit = self._fit
        if fit is None:
            return
        n_ref, t_ref_s, s_per_sample = fit
        dac_session_s = self.clock.from_perf_s(current_time_s + self._latency_s + self._offset_s)
        device_sample = round(n_ref + (dac_session_s - t_ref_s) / s_per_sample)
        if device_sample > self._next_sample:  # never go back: cues would repeat
            self._next_sample = device_sample
            self.resyncs += 1

    # --- clock thread ---------------------------------------------------------------------

    def _measure_offset(self) -> None:
        stream = self._stream
        if stream is None:
            return
        for _ in range(3):
            before = time.perf_counter()
            stream_s = stream.time
            after = time.perf_counter()
            self.offset.add(before, stream_s, after)
        self._offset_s = self.offset.offset_s

    def _clock_loop(self) -> None:
        while not self._stop.wait(0.002 if self._fit is None else self.clock_period_s):
            self._update()

    def _update(self) -> None:
        """Measure the clock offset, feed new callback timings to the map, publish onsets."""
        with contextlib.suppress(Exception):  # the stream may be closing
            self._measure_offset()
        end = self._t_write
        start = max(self._t_read, end - _TIMING_CAPACITY)
        latencies = []
        # the DAC must be at least half a block behind the callback; PulseAudio reports
        # DAC time = callback time while the stream is still settling, and during underflows
        min_latency_s = 0.5 * self.block_frames / self.sample_rate_hz
        if self.backend.offline:
            min_latency_s = -1.0  # paced by the session clock: DAC times are exact
        for count in range(start, end):
            slot = count % _TIMING_CAPACITY
            dac_s = float(self._t_dac[slot])
            now_s = float(self._t_now[slot])
            if not self._t_bad[slot]:
                self.clock_map.add_callback(
                    int(self._t_first[slot]), self.clock.from_perf_s(now_s + self._offset_s)
                )
            if self._t_bad[slot] or not min_latency_s <= dac_s - now_s < 2.0:
                continue
            latencies.append(dac_s - now_s)
            t_session_s = self.clock.from_perf_s(dac_s + self._offset_s)
            self.clock_map.add(int(self._t_first[slot]), t_session_s)
        self._t_read = end
        if latencies:
            self._latency_s = float(np.median(latencies))
        if self.clock_map.ready:
            self.clock_map.fit()
            self._fit = self.clock_map.params
        for sample, sound_id in self.played.drain():
            onset = CueOnset(self.clock_map.time_of(sample), Sound(sound_id), sample)
            self.onsets.append(onset)
            if self.on_onset is not None:
                self.on_onset(onset)

"""Music on the cue engine's output timeline: rendered ahead in a worker, mixed by the callback.

The engine decides each beat's output sample as for the metronome and hands it to a
:class:`MusicTrack`, whose worker thread passes it to a beat-aligned source
(:class:`ras.music.track.BeatAlignedSource`: the song rendered so its beats fall on those
samples) and keeps a :class:`MusicRing` filled ahead of playback, in chunks, so no single call
holds the GIL for long. The audio callback only copies from the ring (:func:`mix_music`):
preallocated buffers, plain-int indices, no locks. If the ring runs dry where the music should
sound (the worker fell behind), the music is silent there and the block is counted in
:attr:`MusicRing.underruns`; the cues are never delayed.

Levels: the music's own :class:`~ras.audio.mixer.Gain` (the cue level plus the music's level
relative to it, ramped, clipped at the ceiling) and a :class:`MusicFade` (0-1, linear fades that
start and end on exact samples: fade in before a beat, fade out from one). The engine applies
the hard ceiling again after clicks and music are summed.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import deque

import numpy as np

from ras.audio.mixer import DEFAULT_CEILING_DBFS, Gain
from ras.errors import UserInputError
from ras.events import CueMode
from ras.music.track import BeatAlignedSource

__all__ = [
    "CueMode",
    "DrumBassSource",
    "MusicFade",
    "MusicRing",
    "MusicTrack",
    "mix_music",
    "parse_cue_mode",
]


def parse_cue_mode(mode: CueMode | str) -> CueMode:
    """The cue mode named ``mode``; a :class:`UserInputError` naming the allowed ones if none."""
    if isinstance(mode, CueMode):
        return mode
    try:
        return CueMode(str(mode).strip().lower())
    except ValueError:
        allowed = ", ".join(m.value for m in CueMode)
        raise UserInputError(f"cue mode {mode!r} is not one of: {allowed}") from None


class MusicRing:
    """Single-producer/single-consumer ring of rendered mono music, indexed by output sample.

    The producer (the render-ahead worker) writes samples ``[write_sample, ...)`` and then
    advances :attr:`write_sample`; the consumer (the audio callback) reads a block and sets
    :attr:`read_sample` to its end. Samples below :attr:`valid_from` were never rendered (the
    producer skipped them after falling behind). Sample ``s`` lives in slot ``s % capacity``.

    Parameters
    ----------
    capacity_frames : int
        Samples the ring holds (how far ahead the worker may render).
    max_block_frames : int
        Largest block the callback reads (its scratch buffer is preallocated).
    """

    def __init__(self, capacity_frames: int, max_block_frames: int) -> None:
        if capacity_frames < 2 * max_block_frames:
            raise ValueError("the music ring must hold at least two blocks")
        self.capacity = int(capacity_frames)
        self.samples = np.zeros(self.capacity, dtype=np.float32)
        self.block = np.zeros((int(max_block_frames), 1), dtype=np.float32)  # consumer scratch
        self.valid_from = 0  # producer
        self.write_sample = 0  # producer
        self.available = 0  # producer: the source could render up to here when last asked
        self.read_sample = 0  # consumer
        self.underruns = 0  # consumer: blocks where audible music was late (worker behind)
        self.starved = 0  # consumer: blocks where audible music had no beats decided yet

    # --- producer ---

    def jump_to(self, sample: int) -> None:
        """Start writing afresh at ``sample`` (ahead of :attr:`write_sample`)."""
        self.valid_from = sample  # before write_sample: the consumer reads them the other way
        self.write_sample = sample

    def rewind_to(self, sample: int) -> None:
        """Forget what was rendered from ``sample`` on (it will be rendered again)."""
        self.write_sample = max(min(self.write_sample, sample), self.valid_from)

    def room(self) -> int:
        """Samples the producer may write now."""
        return self.read_sample + self.capacity - self.write_sample

    def write(self, data: np.ndarray) -> None:
        """Append ``data`` (float32 mono, at most :meth:`room` samples) at :attr:`write_sample`."""
        n = len(data)
        start = self.write_sample
        a = start % self.capacity
        first = min(n, self.capacity - a)
        self.samples[a : a + first] = data[:first]
        self.samples[: n - first] = data[first:]
        self.write_sample = start + n  # last: the consumer reads only below it

    # --- consumer (no allocation) ---

    def read(self, first_sample: int, dst: np.ndarray) -> int:
        """Copy samples ``[first_sample, first_sample + len(dst))`` into ``dst`` (zeros where
        none was rendered); returns how many were missing."""
        n = dst.shape[0]
        end = first_sample + n
        written = self.write_sample  # before valid_from (the producer stores them the other way)
        valid = self.valid_from
        a = max(first_sample, valid)
        b = min(end, written)
        dst.fill(0.0)
        if b > a:
            offset = a - first_sample
            slot = a % self.capacity
            first = min(b - a, self.capacity - slot)
            dst[offset : offset + first] = self.samples[slot : slot + first]
            dst[offset + first : offset + (b - a)] = self.samples[: b - a - first]
        self.read_sample = end
        return n - max(0, b - a)


class MusicFade:
    """The music's fade envelope (0-1): linear ramps that start and end on exact samples.

    The ramps are published as one tuple of ``(start_sample, frames, from, to)``, in start
    order, replaced by the control thread in one store. Each ramp holds from its start to the
    next one's (before its start it is ``from``, after its end ``to``); a new ramp starts from
    the envelope's value there and replaces those starting at or after it, so a fade out and
    the fade in after it can both be ahead of the callback.
    """

    _KEEP = 4  # ramps kept: older ones are long played

    def __init__(self, max_block_frames: int) -> None:
        self.ramps: tuple[tuple[int, int, float, float], ...] = ((0, 1, 0.0, 0.0),)
        self._index = np.arange(max_block_frames, dtype=np.float32)
        self._env = np.zeros(max_block_frames, dtype=np.float32)

    def value_at(self, sample: int) -> float:
        """The envelope at ``sample``."""
        ramps = self.ramps
        k = len(ramps) - 1
        while k > 0 and ramps[k][0] > sample:
            k -= 1
        return ramp_value(ramps[k], sample)

    def fade(self, target: float, start_sample: int, frames: int) -> None:
        """Ramp to ``target`` over ``[start_sample, start_sample + frames)`` (not yet played)."""
        start = int(start_sample)
        ramp = (start, max(1, int(frames)), self.value_at(start), float(target))
        kept = tuple(r for r in self.ramps if r[0] < start)[-(self._KEEP - 1) :]
        self.ramps = (*kept, ramp)

    def silent_over(self, first_sample: int, n: int) -> bool:
        """Whether the envelope is 0 over the whole block (consumer)."""
        ramps = self.ramps
        end = first_sample + n
        for k, (start, frames, g0, g1) in enumerate(ramps):
            lo = first_sample if k == 0 else max(first_sample, start)
            hi = end if k + 1 == len(ramps) else min(end, ramps[k + 1][0])
            if hi <= lo:
                continue
            silent_before = hi <= start and g0 == 0.0
            silent_after = lo >= start + frames and g1 == 0.0
            if not (silent_before or silent_after or (g0 == 0.0 and g1 == 0.0)):
                return False
        return True

    def apply(self, buf: np.ndarray, first_sample: int) -> None:
        """Scale ``buf`` (frames, 1) by the envelope (consumer, no array allocation)."""
        ramps = self.ramps
        n = buf.shape[0]
        end = first_sample + n
        env = self._env
        for k, (start, frames, g0, g1) in enumerate(ramps):
            lo = first_sample if k == 0 else max(first_sample, start)
            hi = end if k + 1 == len(ramps) else min(end, ramps[k + 1][0])
            if hi <= lo:
                continue
            seg = env[lo - first_sample : hi - first_sample]
            if hi <= start:
                seg.fill(g0)
            elif lo >= start + frames:
                seg.fill(g1)
            else:  # offsets within one block of the ramp: small enough for float32
                np.add(self._index[: hi - lo], float(lo - start), out=seg)
                np.clip(seg, 0.0, float(frames), out=seg)
                seg *= (g1 - g0) / frames
                seg += g0
        buf *= env[:n, None]


def ramp_value(ramp: tuple[int, int, float, float], sample: int) -> float:
    """Value of the linear ramp ``(start_sample, frames, from, to)`` at ``sample``."""
    start, frames, g0, g1 = ramp
    x = min(max((sample - start) / frames, 0.0), 1.0)
    return g0 + (g1 - g0) * x


def mix_music(
    out: np.ndarray, first_sample: int, ring: MusicRing, fade: MusicFade, gain: Gain
) -> None:
    """Add the music of ``[first_sample, first_sample + n)`` to ``out`` (frames, channels).

    Called from the audio callback after the clicks are mixed; no allocation. Music missing
    from the ring where the fade is not 0 is played as silence and the block counted: in
    :attr:`MusicRing.underruns` if the worker fell behind, else in :attr:`MusicRing.starved`
    (the beats after it were not decided yet: the beat lookahead is too short for the music).
    """
    n = out.shape[0]
    if fade.silent_over(first_sample, n):
        ring.read_sample = first_sample + n  # consumed unheard
        if gain.current != gain.target:
            gain.current = gain.target  # no ramp pending while silent
        return
    buf = ring.block[:n]
    available = ring.available  # before reading: it only grows, but for retractions
    if ring.read(first_sample, buf[:, 0]):
        if ring.write_sample < min(first_sample + n, available):
            ring.underruns += 1  # the source had it: the worker fell behind
        else:
            ring.starved += 1  # no beat decided far enough ahead for the music to be known
    fade.apply(buf, first_sample)
    gain.apply(buf)
    out += buf


class MusicTrack:
    """The render-ahead worker and what the callback needs to mix the music it renders.

    Parameters
    ----------
    sample_rate_hz : int
        Output sample rate.
    max_block_frames : int
        Largest audio block the callback mixes.
    capacity_s : float
        How far ahead (s) the worker may render.
    chunk_frames : int
        Samples rendered per call of the source (a bound on each GIL hold of the worker).
    ceiling_dbfs, level_dbfs : float
        Hard ceiling and the music's level (its peak at full scale of the source), dBFS.
    fade_in_s, fade_out_s : float
        Fade in (ending on the first beat heard) and fade out (from the beat it stops at), s.
    """

    def __init__(
        self,
        sample_rate_hz: int = 48000,
        max_block_frames: int = 4096,
        capacity_s: float = 4.0,
        chunk_frames: int = 2048,
        ceiling_dbfs: float = DEFAULT_CEILING_DBFS,
        level_dbfs: float = DEFAULT_CEILING_DBFS,
        fade_in_s: float = 0.5,
        fade_out_s: float = 0.5,
    ) -> None:
        self.sample_rate_hz = int(sample_rate_hz)
        self.max_block_frames = int(max_block_frames)
        self.ring = MusicRing(
            max(round(capacity_s * self.sample_rate_hz), 2 * self.max_block_frames),
            self.max_block_frames,
        )
        self.fade = MusicFade(self.max_block_frames)
        self.gain = Gain(
            self.max_block_frames,
            ramp_frames=round(0.005 * self.sample_rate_hz),
            ceiling_dbfs=ceiling_dbfs,
            level_dbfs=level_dbfs,
        )
        self.chunk_frames = int(chunk_frames)
        self.fade_in_frames = max(1, round(fade_in_s * self.sample_rate_hz))
        self.fade_out_frames = max(1, round(fade_out_s * self.sample_rate_hz))
        self.source: BeatAlignedSource | None = None
        # measured by the worker
        self.render_calls = 0
        self.render_s = 0.0  # wall time inside source.render, s
        self.max_render_s = 0.0  # the longest single call: bounds one GIL hold of the worker
        self.worker_cpu_s = 0.0  # CPU time of the worker thread, s
        self.errors: list[str] = []
        self._last_beat = -(2**62)
        self._commands: deque[tuple[str, object]] = deque()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._kicks = 0  # offline callers ask for a fill (written by them only)
        self._kicks_done = 0  # the worker answers (written by it only)

    @property
    def underruns(self) -> int:
        """Blocks where the music should have sounded but was not rendered in time."""
        return self.ring.underruns

    # --- control thread ---

    def set_source(self, source: BeatAlignedSource | None) -> None:
        """Render from ``source`` from now on (None: no music)."""
        self._send("source", source)

    def add_beat(self, sample_index: int) -> None:
        """The next beat falls on output sample ``sample_index``."""
        self._send("beat", int(sample_index))

    def change_at(self, beat_sample: int, source: BeatAlignedSource, crossfade_frames: int) -> None:
        """The song playing gives way to ``source`` at the beat at ``beat_sample``, crossfaded
        over ``crossfade_frames`` before it (the source set must be a
        :class:`~ras.music.song_chain.SongChain`; send it before that beat)."""
        self._send("change", (int(beat_sample), source, int(crossfade_frames)))

    def retract_from(self, sample_index: int) -> None:
        """Beats from ``sample_index`` on are taken back; music rendered from there is dropped."""
        self._send("retract", int(sample_index))

    def start(self) -> None:
        """Start the worker thread."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="ras-music-render", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the worker thread (what it was rendering is finished first)."""
        thread = self._thread
        if thread is None:
            return
        self._stop.set()
        self._wake.set()
        thread.join()
        self._thread = None

    def wait_rendered(self, end_sample: int, timeout_s: float = 2.0) -> None:
        """Block until the music before ``end_sample`` is rendered or the worker has no more to
        render (for offline backends, whose callback may wait; never from a real callback)."""
        if self.ring.write_sample >= end_sample:
            return
        self._kicks += 1
        kick = self._kicks
        self._wake.set()
        deadline = time.perf_counter() + timeout_s
        while self.ring.write_sample < end_sample and self._kicks_done < kick:
            if time.perf_counter() > deadline or self._thread is None:
                return
            time.sleep(0.0005)

    def _send(self, what: str, value: object) -> None:
        self._commands.append((what, value))
        self._wake.set()

    # --- worker thread ---

    def _run(self) -> None:
        cpu0 = time.thread_time()
        while not self._stop.is_set():
            self._wake.wait(0.05 if self.source is not None else None)  # idle without a song
            self._wake.clear()
            kick = self._kicks
            done = True
            try:
                self._handle_commands()
                done = self._fill()
            except Exception as exc:  # a broken source: no more music, the cues go on
                self.errors.append(f"{type(exc).__name__}: {exc}")
                self.source = None
                self._commands.clear()
            if done:
                self._kicks_done = kick
            self.worker_cpu_s = time.thread_time() - cpu0

    def _handle_commands(self) -> None:
        while self._commands:
            what, value = self._commands.popleft()
            if what == "source":
                self.source = value  # type: ignore[assignment]
                self._last_beat = -(2**62)
                self.ring.rewind_to(self.ring.read_sample + self.max_block_frames)
            elif self.source is None:
                continue
            elif what == "beat":
                sample = int(value)  # type: ignore[call-overload]
                if sample <= self._last_beat:  # after a retraction cut short: beats go on
                    self._retract(sample)
                self.source.add_beat(sample)
                self._last_beat = sample
                self._rerender()
            elif what == "change":
                at, incoming, frames = value  # type: ignore[misc]
                self.source.change_at(at, incoming, frames)  # type: ignore[attr-defined]
            elif what == "retract":
                self._retract(int(value))  # type: ignore[call-overload]

    def _rerender(self) -> None:
        """A change reached its boundary: what was rendered from its crossfade on is redone
        (never what the callback may be reading now)."""
        pop = getattr(self.source, "pop_rerender_from", None)
        at = pop() if pop is not None else None
        if at is not None:
            self.ring.rewind_to(max(at, self.ring.read_sample + self.max_block_frames))

    def _retract(self, sample: int) -> None:
        assert self.source is not None
        self.source.retract_beats_from(sample)
        if self._last_beat >= sample:
            self._last_beat = sample - 1
        # never rewrite what the callback may be reading now
        self.ring.rewind_to(max(sample, self.ring.read_sample + self.max_block_frames))

    def _fill(self) -> bool:
        """Render ahead, chunk by chunk, up to what the source can render and the ring holds;
        False if interrupted by a command (handled first, then the rendering goes on)."""
        source = self.source
        ring = self.ring
        while source is not None and not self._stop.is_set():
            available = int(source.available_until)
            ring.available = available
            if ring.write_sample < ring.read_sample:  # fell behind: skip what has been played
                ring.jump_to(ring.read_sample)
            start = ring.write_sample
            n = min(self.chunk_frames, available - start, ring.room())
            if n <= 0:
                return True
            t0 = time.perf_counter()
            data = np.asarray(source.render(start, n), dtype=np.float32)
            dt = time.perf_counter() - t0
            self.render_calls += 1
            self.render_s += dt
            self.max_render_s = max(self.max_render_s, dt)
            if data.shape != (n,):
                raise ValueError(f"the music source rendered {data.shape} samples, not ({n},)")
            ring.write(data)
            if self._commands:
                return False  # a retraction first, then render on
        return True


class DrumBassSource:
    """The simplest beat-aligned "song": a drum hit on every beat, a bass note between beats.

    Rendered straight onto the beats it is given (no time-stretching), so every hit starts
    exactly on its beat's sample: the reference :class:`ras.music.track.BeatAlignedSource` the
    engine's music path is tested and measured with.

    Parameters
    ----------
    sample_rate_hz : int
        Output sample rate.
    hit_s : float
        Length of the drum hit (a decaying noise burst, seeded; its sample 0 is 0), s.
    bass_hz : float
        Pitch of the bass note that fills each beat interval.
    hit_peak, bass_peak : float
        Peaks (full scale 1).
    """

    def __init__(
        self,
        sample_rate_hz: int = 48000,
        hit_s: float = 0.04,
        bass_hz: float = 82.41,
        hit_peak: float = 0.9,
        bass_peak: float = 0.35,
        seed: int = 14,
    ) -> None:
        self.sample_rate_hz = int(sample_rate_hz)
        self.hit = drum_hit(self.sample_rate_hz, hit_s, hit_peak, seed)
        self.bass_hz = float(bass_hz)
        self.bass_peak = float(bass_peak)
        self._gap = round(0.012 * self.sample_rate_hz)  # bass silent around each hit's attack
        self._ramp = round(0.005 * self.sample_rate_hz)
        self.beats: list[int] = []

    def add_beat(self, sample_index: int) -> None:
        """The next beat falls on ``sample_index`` (after the last one)."""
        if self.beats and sample_index <= self.beats[-1]:
            raise ValueError(f"beat {sample_index} is not after {self.beats[-1]}")
        self.beats.append(int(sample_index))

    def retract_beats_from(self, sample_index: int) -> None:
        """Take back the beats at or after ``sample_index``."""
        del self.beats[bisect.bisect_left(self.beats, sample_index) :]

    @property
    def available_until(self) -> int:
        """Up to the last beat: the interval after it is known once the next beat is."""
        return self.beats[-1] if self.beats else 0

    def render(self, start_sample: int, n: int) -> np.ndarray:
        """``n`` float32 samples from ``start_sample``."""
        out = np.zeros(n, dtype=np.float32)
        end = start_sample + n
        beats = self.beats
        k = max(0, bisect.bisect_right(beats, start_sample) - 2)
        while k < len(beats) and beats[k] < end:
            beat = beats[k]
            add_segment(out, start_sample, beat, self.hit)
            if k + 1 < len(beats):
                a, b = beat + self._gap, beats[k + 1] - self._gap
                lo, hi = max(a, start_sample), min(b, end)
                if hi > lo:
                    t = np.arange(lo, hi, dtype=np.float64)
                    env = np.minimum(np.minimum(t - a, b - t) / self._ramp, 1.0)
                    phase = 2 * np.pi * self.bass_hz * (t - beat) / self.sample_rate_hz
                    out[lo - start_sample : hi - start_sample] += (
                        self.bass_peak * env * np.sin(phase)
                    )
            k += 1
        return out


def drum_hit(sample_rate_hz: int, duration_s: float, peak: float, seed: int) -> np.ndarray:
    """A seeded decaying noise burst (float32); sample 0 is exactly 0, the onset."""
    n = round(duration_s * sample_rate_hz)
    rng = np.random.default_rng(seed)
    noise = rng.uniform(-1.0, 1.0, n)
    t_s = np.arange(n) / sample_rate_hz
    attack = np.minimum(np.arange(n) / max(1, round(0.0005 * sample_rate_hz)), 1.0)
    hit = attack * np.exp(-t_s / (duration_s / 5)) * noise
    return (peak * hit / np.abs(hit).max()).astype(np.float32)


def add_segment(out: np.ndarray, out_start: int, at_sample: int, sound: np.ndarray) -> None:
    """Add ``sound`` starting at ``at_sample`` to ``out`` (which starts at ``out_start``)."""
    lo = max(at_sample, out_start)
    hi = min(at_sample + len(sound), out_start + len(out))
    if hi > lo:
        out[lo - out_start : hi - out_start] += sound[lo - at_sample : hi - at_sample]

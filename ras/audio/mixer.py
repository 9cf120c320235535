"""Cue sounds and the block mixer: pure numpy, no allocation of arrays in the audio hot path.

The audio callback calls :func:`mix_block` once per block. Everything it touches is preallocated:
the cue sounds (:class:`SoundBank`), the schedule (:class:`ScheduleRing`, single producer =
the control thread, single consumer = the callback), the onset log (:class:`OnsetRing`, producer =
the callback) and the gain ramp (:class:`Gain`). Indices are plain Python ints; with the GIL an int
assignment is atomic, and each index has exactly one writer, so no locks are needed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

__all__ = [
    "CANCELLED",
    "DEFAULT_CEILING_DBFS",
    "Gain",
    "OnsetRing",
    "ScheduleRing",
    "Sound",
    "SoundBank",
    "db_to_gain",
    "mix_block",
    "render_sounds",
]

DEFAULT_CEILING_DBFS = -12.0
"""Cautious default ceiling: the output never exceeds this peak level."""


class Sound(enum.IntEnum):
    """Cue sound ids: a distinct pitch for the left and the right foot."""

    LEFT = 0
    RIGHT = 1


def db_to_gain(level_db: float) -> float:
    """Linear amplitude of a level in dB (0 dB = 1)."""
    return float(10.0 ** (level_db / 20.0))


def tone(
    freq_hz: float,
    duration_s: float,
    sample_rate_hz: int,
    attack_s: float = 0.002,
    decay_s: float = 0.025,
    peak: float = 1.0,
) -> np.ndarray:
    """A sine tone (float32, mono) with raised-cosine attack and decay, starting at phase 0.

    Sample 0 is exactly 0 and the envelope rises from there, so the onset is at sample 0.
    """
    n = round(duration_s * sample_rate_hz)
    n_attack = max(1, round(attack_s * sample_rate_hz))
    n_decay = max(1, round(decay_s * sample_rate_hz))
    if n_attack + n_decay > n:
        raise ValueError("attack + decay longer than the tone")
    t_s = np.arange(n) / sample_rate_hz
    env = np.ones(n)
    env[:n_attack] = 0.5 - 0.5 * np.cos(np.pi * np.arange(n_attack) / n_attack)
    env[n - n_decay :] = 0.5 + 0.5 * np.cos(np.pi * (np.arange(n_decay) + 1) / n_decay)
    return (peak * env * np.sin(2 * np.pi * freq_hz * t_s)).astype(np.float32)


@dataclass(frozen=True)
class SoundBank:
    """Pre-rendered mono cue sounds, zero-padded to one length.

    Attributes
    ----------
    frames : ndarray, shape (n_sounds, max_frames), float32
    lengths : ndarray, shape (n_sounds,), int64
    sample_rate_hz : int
    """

    frames: np.ndarray
    lengths: np.ndarray
    sample_rate_hz: int

    @property
    def max_frames(self) -> int:
        """Length of the longest sound (samples)."""
        return int(self.frames.shape[1])


def render_sounds(
    sample_rate_hz: int,
    left_hz: float = 880.0,
    right_hz: float = 660.0,
    duration_s: float = 0.06,
) -> SoundBank:
    """Render the cue sounds of :class:`Sound` at full scale (peak 1); the gain sets the level.

    So a level in dBFS is the peak level of the cue actually played (the one the therapist
    sees and hears): a cue at -20 dBFS peaks at 0.1 of full scale.
    """
    sounds = {
        Sound.LEFT: tone(left_hz, duration_s, sample_rate_hz),
        Sound.RIGHT: tone(right_hz, duration_s, sample_rate_hz),
    }
    max_frames = max(len(s) for s in sounds.values())
    frames = np.zeros((len(Sound), max_frames), dtype=np.float32)
    lengths = np.zeros(len(Sound), dtype=np.int64)
    for sound_id, samples in sounds.items():
        frames[sound_id, : len(samples)] = samples
        lengths[sound_id] = len(samples)
    frames.setflags(write=False)
    lengths.setflags(write=False)
    return SoundBank(frames, lengths, sample_rate_hz)


#: Sound id of a scheduled cue taken back before it began (:meth:`ScheduleRing.cancel_from`).
CANCELLED = -1


class ScheduleRing:
    """Single-producer/single-consumer ring of ``(sample_index, sound_id, gain)``, in onset order.

    ``gain`` scales one cue (1: the cue level; 0: silent, its onset still logged, as when music
    carries the beat).

    The producer (:meth:`push`) writes the slot, then advances ``write_count``; the consumer
    (:func:`mix_block`) only advances ``read_count``. Counts grow without bound; slot = count % cap.
    """

    def __init__(self, capacity: int = 4096, max_block_frames: int = 16384) -> None:
        self.capacity = int(capacity)
        self.sample_index = np.zeros(self.capacity, dtype=np.int64)
        self.sound_id = np.zeros(self.capacity, dtype=np.int64)
        self.gain = np.ones(self.capacity, dtype=np.float64)  # each cue's own level (0: silent)
        self.scratch = np.zeros(int(max_block_frames), dtype=np.float32)  # consumer's, scaling
        self.write_count = 0
        self.read_count = 0
        self.last_pushed_sample = -(2**62)

    def __len__(self) -> int:
        return self.write_count - self.read_count

    def cancel_from(self, sample_index: int) -> int:
        """Drop every pushed cue that would start at or after ``sample_index`` (producer side).

        ``sample_index`` must not be rendered yet (at least the block after the one being
        rendered), so a cue already sounding is never cut (no click). New cues may then be
        pushed from ``sample_index`` on. Returns how many pending cues are dropped.
        """
        dropped = 0
        for count in range(self.read_count, self.write_count):
            slot = count % self.capacity
            if self.sample_index[slot] >= sample_index and self.sound_id[slot] != CANCELLED:
                self.sound_id[slot] = CANCELLED  # one store: the callback sees it or not
                dropped += 1
        self.last_pushed_sample = min(self.last_pushed_sample, int(sample_index))
        return dropped

    def set_gain_from(self, sample_index: int, gain: float) -> int | None:
        """Set the gain of every pending cue at or after ``sample_index`` (producer side; not yet
        rendered, as for :meth:`cancel_from`); returns the first such cue's sample, if any."""
        first = None
        for count in range(self.read_count, self.write_count):
            slot = count % self.capacity
            if self.sample_index[slot] >= sample_index and self.sound_id[slot] != CANCELLED:
                self.gain[slot] = gain
                if first is None:
                    first = int(self.sample_index[slot])
        return first

    def push(self, sample_index: int, sound_id: int, gain: float = 1.0) -> None:
        """Append a cue (producer side). Onsets must not go backwards; the ring must have room."""
        if sample_index < self.last_pushed_sample:
            raise ValueError(
                f"cues must be scheduled in time order: sample {sample_index} "
                f"< {self.last_pushed_sample}"
            )
        if self.write_count - self.read_count >= self.capacity:
            raise OverflowError(f"cue schedule full ({self.capacity} pending cues)")
        slot = self.write_count % self.capacity
        self.sample_index[slot] = sample_index
        self.sound_id[slot] = sound_id
        self.gain[slot] = gain
        self.last_pushed_sample = sample_index
        self.write_count += 1


class OnsetRing:
    """Single-producer/single-consumer ring of played onsets ``(sample_index, sound_id)``.

    The callback pushes (dropping and counting when full); another thread drains.
    """

    def __init__(self, capacity: int = 4096, max_block_frames: int = 16384) -> None:
        self.capacity = int(capacity)
        self.sample_index = np.zeros(self.capacity, dtype=np.int64)
        self.sound_id = np.zeros(self.capacity, dtype=np.int64)
        self.gain = np.ones(self.capacity, dtype=np.float64)  # each cue's own level (0: silent)
        self.scratch = np.zeros(int(max_block_frames), dtype=np.float32)  # consumer's, scaling
        self.write_count = 0
        self.read_count = 0
        self.dropped = 0

    def push(self, sample_index: int, sound_id: int) -> None:
        """Record an onset (producer side, no allocation)."""
        if self.write_count - self.read_count >= self.capacity:
            self.dropped += 1
            return
        slot = self.write_count % self.capacity
        self.sample_index[slot] = sample_index
        self.sound_id[slot] = sound_id
        self.write_count += 1

    def drain(self) -> list[tuple[int, int]]:
        """Take every recorded onset (consumer side; allocates, not for the callback)."""
        out = []
        end = self.write_count
        for count in range(self.read_count, end):
            slot = count % self.capacity
            out.append((int(self.sample_index[slot]), int(self.sound_id[slot])))
        self.read_count = end
        return out


class Gain:
    """Output gain with a hard ceiling and short linear ramps, so changes never click.

    Parameters
    ----------
    max_frames : int
        Largest block size :meth:`apply` will see (the ramp buffer is preallocated).
    ramp_frames : int
        Duration of a full gain change (samples), e.g. 5 ms.
    ceiling_dbfs : float
        Hard ceiling: the gain never exceeds it, and the output is clipped to it.
    level_dbfs : float
        Initial target level (clamped to the ceiling).
    """

    def __init__(
        self,
        max_frames: int,
        ramp_frames: int = 240,
        ceiling_dbfs: float = DEFAULT_CEILING_DBFS,
        level_dbfs: float = DEFAULT_CEILING_DBFS,
    ) -> None:
        if ceiling_dbfs > 0:
            raise ValueError(f"ceiling must be <= 0 dBFS, got {ceiling_dbfs}")
        self.ceiling = db_to_gain(ceiling_dbfs)
        self.ramp_frames = max(1, int(ramp_frames))
        self._ramp = np.zeros(max_frames, dtype=np.float32)
        self._index = np.arange(max_frames, dtype=np.float32)
        self.current = 0.0
        self.level = 0.0
        self.muted = False
        self.set_level_dbfs(level_dbfs)

    @property
    def target(self) -> float:
        """Gain the ramp is heading for."""
        return 0.0 if self.muted else self.level

    def set_level_dbfs(self, level_dbfs: float) -> None:
        """Set the level: the cue's peak, dBFS; anything above the ceiling is clamped."""
        self.level = min(db_to_gain(level_dbfs), self.ceiling)

    def apply(self, out: np.ndarray) -> None:
        """Scale ``out`` (frames, channels) in place, ramping towards :attr:`target`."""
        n = out.shape[0]
        target = self.target
        current = self.current
        if current == target:
            if target != 1.0:
                out *= target
        else:
            step = self.ceiling / self.ramp_frames
            direction = step if target > current else -step
            ramp = self._ramp[:n]
            np.multiply(self._index[:n], direction, out=ramp)
            ramp += current + direction
            if direction > 0:
                np.minimum(ramp, target, out=ramp)
            else:
                np.maximum(ramp, target, out=ramp)
            out *= ramp[:, None]
            last = current + direction * n
            reached = last >= target if direction > 0 else last <= target
            self.current = target if reached else last
        np.clip(out, -self.ceiling, self.ceiling, out=out)


def mix_block(
    out: np.ndarray,
    first_sample: int,
    schedule: ScheduleRing,
    sounds: SoundBank,
    gain: Gain,
    onsets: OnsetRing | None = None,
) -> None:
    """Render one block: every scheduled cue overlapping ``[first_sample, first_sample + n)``.

    ``out`` (frames, channels) is overwritten. Each cue starts at exactly its sample index.
    Cues that ended before this block are consumed; cues starting in it are logged to ``onsets``.
    Cues whose onset is before ``first_sample`` are played from the matching offset (the tail of
    a cue that began in the previous block).
    """
    n = out.shape[0]
    end_sample = first_sample + n
    out.fill(0.0)
    cap = schedule.capacity
    count = schedule.read_count
    write_count = schedule.write_count
    advance = True
    while count < write_count:
        slot = count % cap
        start = int(schedule.sample_index[slot])
        sound_id = int(schedule.sound_id[slot])
        if sound_id == CANCELLED:
            if advance:  # taken back before it began: consumed unplayed, whenever it was due
                schedule.read_count = count + 1
            count += 1
            continue
        if start >= end_sample:
            break
        length = int(sounds.lengths[sound_id])
        stop = start + length
        if stop > first_sample:
            a = max(start, first_sample)
            b = min(stop, end_sample)
            cue_gain = float(schedule.gain[slot])
            if cue_gain == 1.0:
                out[a - first_sample : b - first_sample] += sounds.frames[
                    sound_id, a - start : b - start, None
                ]
            elif cue_gain != 0.0:
                scaled = np.multiply(
                    sounds.frames[sound_id, a - start : b - start],
                    cue_gain,
                    out=schedule.scratch[: b - a],
                )
                out[a - first_sample : b - first_sample] += scaled[:, None]
            if onsets is not None and start >= first_sample:
                onsets.push(start, sound_id)
        if stop > end_sample:
            advance = False  # the cue goes on in the next block: keep it (and all after it)
        elif advance:
            schedule.read_count = count + 1
        count += 1
    gain.apply(out)

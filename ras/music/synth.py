"""Music synthesised with known beats: ground truth for beat tracking, stretching and timing tests.

One call, :func:`synth_song`, gives a 4/4 song (drums: kick, snare, hi-hat; bass; chords) whose
beat and bar times are known exactly, in one of :data:`STYLES`:

``steady``
    a machine-steady groove: kick on 1 and 3, snare on 2 and 4, hi-hat on the eighths.
``drift``
    the same groove, its tempo drifting slowly and smoothly from -4 % to +4 % of ``tempo_bpm``.
``syncopated``
    kick and bass mostly off the beat (on the "and"s), snare still on 2 and 4.
``swing``
    swung eighths: every off-beat hi-hat and bass note at 2/3 of the beat, not 1/2.
``quiet_intro``
    the first two bars are only soft chords and a soft hi-hat (-24 dB), then the full groove.
``rubato``
    the groove with each beat's interval varying freely (about 15 % from beat to beat): a beat
    nobody could walk to.
``pad``
    a beatless pad: slow chords swelling in and out at irregular times, no onsets; ``beats_s``
    and ``downbeats_s`` are empty.

Plain numpy and scipy; seeded, so the same arguments give the same samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from ras.errors import UserInputError

__all__ = ["STYLES", "SynthSong", "synth_song"]

#: The styles :func:`synth_song` makes.
STYLES: tuple[str, ...] = (
    "steady",
    "drift",
    "syncopated",
    "swing",
    "quiet_intro",
    "rubato",
    "pad",
)

_BEATS_PER_BAR = 4
_FIRST_BEAT_S = 0.5
_PEAK = 0.5  # -6 dBFS
_DRIFT_FRACTION = 0.04
_RUBATO_FRACTION = 0.15
_QUIET_GAIN = 10 ** (-24 / 20)
# A minor, F, C, G: one chord a bar (Hz of the root, then the chord tones as semitones).
_PROGRESSION_HZ = (110.0, 87.31, 130.81, 98.0)
_CHORD_SEMITONES = ((0, 3, 7), (0, 4, 7), (0, 4, 7), (0, 4, 7))


@dataclass(frozen=True)
class SynthSong:
    """A synthesised song and its true beats.

    Attributes
    ----------
    audio : numpy.ndarray
        float32 mono samples, peak 0.5 (-6 dBFS).
    sample_rate_hz : int
        Sample rate, Hz.
    beats_s : numpy.ndarray
        True beat times, s (empty for ``pad``).
    downbeats_s : numpy.ndarray
        True bar starts (beat 1 of each bar), s (empty for ``pad``).
    style : str
        One of :data:`STYLES`.
    """

    audio: np.ndarray
    sample_rate_hz: int
    beats_s: np.ndarray
    downbeats_s: np.ndarray
    style: str


def synth_song(
    style: str,
    *,
    tempo_bpm: float,
    duration_s: float,
    sample_rate_hz: int = 48000,
    seed: int = 0,
) -> SynthSong:
    """Synthesise a song in ``style`` with known beats.

    Parameters
    ----------
    style : str
        One of :data:`STYLES`.
    tempo_bpm : float
        Tempo, beats/min (30–300); for ``drift`` the middle of the drift, for ``rubato`` the mean.
    duration_s : float
        Length, s (2–1200).
    sample_rate_hz : int
        Sample rate, Hz (8000–192000).
    seed : int
        Seed of the noise in the drums, the pad and the rubato.

    Returns
    -------
    SynthSong
    """
    if style not in STYLES:
        raise UserInputError(f"unknown song style {style!r}: use one of {', '.join(STYLES)}")
    if not 30 <= tempo_bpm <= 300:
        raise UserInputError(f"tempo {tempo_bpm} bpm is outside 30–300 bpm")
    if not 2 <= duration_s <= 1200:
        raise UserInputError(f"duration {duration_s} s is outside 2–1200 s")
    if not 8000 <= sample_rate_hz <= 192000:
        raise UserInputError(f"sample rate {sample_rate_hz} Hz is outside 8000–192000 Hz")
    rng = np.random.default_rng(seed)
    n = round(duration_s * sample_rate_hz)
    if style == "pad":
        audio = _pad(n, sample_rate_hz, rng)
        empty = np.zeros(0)
        return SynthSong(_peak(audio), sample_rate_hz, empty, empty.copy(), style)
    beats_s = beat_times_s(style, tempo_bpm=tempo_bpm, duration_s=duration_s, rng=rng)
    audio = _groove(style, beats_s, n, sample_rate_hz, rng)
    downbeats_s = beats_s[::_BEATS_PER_BAR].copy()
    return SynthSong(_peak(audio), sample_rate_hz, beats_s, downbeats_s, style)


def beat_times_s(
    style: str, *, tempo_bpm: float, duration_s: float, rng: np.random.Generator
) -> np.ndarray:
    """True beat times of a song, s: steady, drifting (-4 % to +4 %) or rubato (about 15 %)."""
    ibi_s = 60.0 / tempo_bpm
    n_max = int(duration_s / ibi_s * 1.3) + 2
    k = np.arange(n_max)
    if style == "drift":
        # tempo goes linearly from (1 - d) to (1 + d) x tempo over the song
        frac = np.clip(k * ibi_s / duration_s, 0.0, 1.0)
        intervals_s = ibi_s / (1.0 + _DRIFT_FRACTION * (2.0 * frac - 1.0))
    elif style == "rubato":
        # a slow swell of tempo plus beat-to-beat pushes and pulls
        swell = 0.6 * _RUBATO_FRACTION * np.sin(2 * np.pi * k / 11.0)
        jitter = _RUBATO_FRACTION * rng.uniform(-1.0, 1.0, n_max)
        intervals_s = ibi_s * (1.0 + swell + jitter)
    else:
        intervals_s = np.full(n_max, ibi_s)
    beats_s = _FIRST_BEAT_S + np.concatenate(([0.0], np.cumsum(intervals_s[:-1])))
    return beats_s[beats_s < duration_s - 0.05]


def _groove(
    style: str, beats_s: np.ndarray, n: int, fs: int, rng: np.random.Generator
) -> np.ndarray:
    """Drums, bass and chords placed on ``beats_s``."""
    out = np.zeros(n)
    ibis_s = np.diff(beats_s, append=beats_s[-1] + (beats_s[-1] - beats_s[-2]))
    off_fraction = 2.0 / 3.0 if style == "swing" else 0.5
    intro_beats = 2 * _BEATS_PER_BAR if style == "quiet_intro" else 0
    kick, snare, hat = _kick(fs), _snare(fs, rng), _hat(fs, rng)
    for i, (t_s, ibi_s) in enumerate(zip(beats_s, ibis_s, strict=True)):
        pos = i % _BEATS_PER_BAR
        bar = i // _BEATS_PER_BAR
        off_s = t_s + off_fraction * ibi_s
        quiet = i < intro_beats
        gain = _QUIET_GAIN if quiet else 1.0
        _add(out, hat, t_s, fs, 0.35 * gain)
        _add(out, hat, off_s, fs, 0.2 * gain)
        root_hz = _PROGRESSION_HZ[bar % len(_PROGRESSION_HZ)]
        if pos == 0:
            bar_s = ibi_s * _BEATS_PER_BAR
            chord = _chord(root_hz * 2, _CHORD_SEMITONES[bar % 4], bar_s, fs)
            _add(out, chord, t_s, fs, 0.12 * gain)
        if quiet:
            continue
        if pos in (1, 3):
            _add(out, snare, t_s, fs, 0.7)
        if style == "syncopated":
            if pos == 0:
                _add(out, kick, t_s, fs, 0.9)
            if pos in (1, 2):
                _add(out, kick, off_s, fs, 0.8)
            if pos in (0, 2):
                _add(out, _bass(root_hz, 0.8 * ibi_s, fs), off_s, fs, 0.35)
        else:
            if pos in (0, 2):
                _add(out, kick, t_s, fs, 0.9)
            _add(out, _bass(root_hz, 0.45 * ibi_s, fs), t_s, fs, 0.35)
            if style == "swing" and pos in (1, 3):
                _add(out, _bass(root_hz * 1.5, 0.25 * ibi_s, fs), off_s, fs, 0.25)
    return out


def _pad(n: int, fs: int, rng: np.random.Generator) -> np.ndarray:
    """Slow chords swelling in and out at irregular times (seconds-long fades): no beat."""
    t = np.arange(n) / fs
    out = np.zeros(n)
    for k in range(len(_PROGRESSION_HZ)):
        root_hz = _PROGRESSION_HZ[k] * 2
        tones = np.zeros(n)
        for semitone in _CHORD_SEMITONES[k]:
            f_hz = root_hz * 2 ** (semitone / 12) * (1 + 0.002 * rng.standard_normal())
            tones += np.sin(2 * np.pi * f_hz * t + rng.uniform(0, 2 * np.pi))
        # a smooth random envelope: low-passed noise, so swells come at irregular times
        env = _smooth_noise(n, fs, rng, cutoff_hz=0.08)
        out += tones * np.clip(env, 0.0, None)
    noise = _smooth_noise(n, fs, rng, cutoff_hz=400.0)
    return out + 0.05 * noise / (np.max(np.abs(noise)) + 1e-12)


def _smooth_noise(n: int, fs: int, rng: np.random.Generator, *, cutoff_hz: float) -> np.ndarray:
    """White noise low-passed at ``cutoff_hz`` (zero phase), scaled to unit SD."""
    sos = signal.butter(2, cutoff_hz, fs=fs, output="sos")
    x = signal.sosfiltfilt(sos, rng.standard_normal(n))
    return x / (np.std(x) + 1e-12)


def _kick(fs: int) -> np.ndarray:
    """A kick drum: a sine swept 150 -> 50 Hz, 0.25 s."""
    t = np.arange(int(0.25 * fs)) / fs
    f_hz = 50 + 100 * np.exp(-t / 0.03)
    return np.sin(2 * np.pi * np.cumsum(f_hz) / fs) * np.exp(-t / 0.07)


def _snare(fs: int, rng: np.random.Generator) -> np.ndarray:
    """A snare: noise band-passed 1–8 kHz (below Nyquist at low rates) and a 185 Hz body, 0.2 s."""
    t = np.arange(int(0.2 * fs)) / fs
    sos = signal.butter(2, (1000, _below_nyquist(8000, fs)), btype="bandpass", fs=fs, output="sos")
    noise = signal.sosfilt(sos, rng.standard_normal(t.size))
    body = 0.5 * np.sin(2 * np.pi * 185 * t) * np.exp(-t / 0.03)
    return (noise / (np.max(np.abs(noise)) + 1e-12) + body) * np.exp(-t / 0.05)


def _hat(fs: int, rng: np.random.Generator) -> np.ndarray:
    """A closed hi-hat: noise high-passed at 7 kHz (lower at low rates), 0.06 s."""
    t = np.arange(int(0.06 * fs)) / fs
    sos = signal.butter(4, _below_nyquist(7000, fs), btype="highpass", fs=fs, output="sos")
    noise = signal.sosfilt(sos, rng.standard_normal(t.size))
    return noise / (np.max(np.abs(noise)) + 1e-12) * np.exp(-t / 0.012)


def _below_nyquist(f_hz: float, fs: int) -> float:
    """``f_hz``, or 40 % of the sample rate if that is lower: a filter edge a digital filter can
    have at ``fs`` (8 kHz at 16 kHz would be Nyquist itself); unchanged from 20 kHz up."""
    return min(f_hz, 0.4 * fs)


def _bass(f_hz: float, length_s: float, fs: int) -> np.ndarray:
    """A plucked bass note: fundamental and a soft second harmonic."""
    t = np.arange(max(int(length_s * fs), 1)) / fs
    tone = np.sin(2 * np.pi * f_hz * t) + 0.3 * np.sin(4 * np.pi * f_hz * t)
    return tone * np.exp(-t / 0.25) * _fade(t.size, fs)


def _chord(root_hz: float, semitones: tuple[int, ...], length_s: float, fs: int) -> np.ndarray:
    """A sustained chord with a soft 30 ms attack, for a bar."""
    t = np.arange(max(int(length_s * fs), 1)) / fs
    tones = sum(np.sin(2 * np.pi * root_hz * 2 ** (s / 12) * t) for s in semitones)
    attack = np.clip(t / 0.03, 0.0, 1.0)
    return tones * attack * np.exp(-t / 2.0) * _fade(t.size, fs)


def _fade(n: int, fs: int) -> np.ndarray:
    """A 10 ms linear fade-out at the end of ``n`` samples (no click where a note stops)."""
    m = min(n, int(0.01 * fs))
    env = np.ones(n)
    env[n - m :] = np.linspace(1.0, 0.0, m)
    return env


def _add(out: np.ndarray, sound: np.ndarray, t_s: float, fs: int, gain: float) -> None:
    """Mix ``sound`` into ``out`` from the sample nearest ``t_s``, cut at the end."""
    i = round(t_s * fs)
    if i >= out.size:
        return
    m = min(sound.size, out.size - i)
    out[i : i + m] += gain * sound[:m]


def _peak(audio: np.ndarray) -> np.ndarray:
    """``audio`` as float32 scaled to the common peak."""
    return (audio * (_PEAK / (np.max(np.abs(audio)) + 1e-12))).astype(np.float32)

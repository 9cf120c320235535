"""Time-stretch arithmetic: a song rendered so its beats fall on given output samples.

The time map takes song beat ``k`` (a song sample) to output beat ``T_k`` (an output sample),
linear between beats. Each inter-beat interval is one *segment*, stretched on its own by one
ratio (so a tempo change costs one segment and takes effect at the next beat) with a little of
the song either side, and cut out so that its first beat lands on its output sample.
Consecutive segments overlap by :data:`CROSSFADE_S` *before* each beat: the outgoing segment
fades out and the incoming one (its pre-roll) fades in, so nothing clicks at a join and each
beat's transient comes from one segment only, near its start, where the stretcher places it best.

Stretchers (``STRETCHERS``), compared in ``benchmarks/music_stretch.py``:

``rubberband``
    Rubber Band (R2, crisp transients) through ``pedalboard.time_stretch``; pitch kept.
``phase_vocoder``
    librosa's phase vocoder (``librosa.effects.time_stretch``); pitch kept, transients smeared.
``resample``
    Naive resampling (``scipy.signal.resample``): the baseline; pitch moves with the tempo.

Tempo limits: a song is stretched at most ±10 % from its native tempo or its half or double,
whichever is nearest (:func:`tempo_multiple`, :func:`stretch_ratio_ok`, :func:`check_stretch`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy import signal

from ras.errors import UserInputError

__all__ = [
    "ATTACK_S",
    "CROSSFADE_S",
    "DEFAULT_STRETCHER",
    "MAX_STRETCH_PCT",
    "PAD_S",
    "STRETCHERS",
    "Stretcher",
    "attack_time_map",
    "check_stretch",
    "crossfade_in",
    "cue_grid_s",
    "dominant_hz",
    "hit_onsets_smp",
    "map_song_to_output",
    "pre_echo_db",
    "preload",
    "render_segment",
    "stretch_pct",
    "stretch_phase_vocoder",
    "stretch_piece",
    "stretch_ratio_ok",
    "stretch_resample",
    "stretch_rubberband",
    "tempo_multiple",
]

#: A song is stretched at most this far from its native tempo (or half/double), %.
MAX_STRETCH_PCT = 10.0
#: Overlap of consecutive segments, just before each beat, s.
CROSSFADE_S = 0.005
#: Played as recorded from each beat (its transient on the beat's sample), s.
ATTACK_S = 0.03
#: Padding stretched either side of a segment (the stretcher's edges stay outside the cut), s.
PAD_S = 0.1
#: The song's tempo multiples a cue tempo may be matched to (half, native, double).
MULTIPLES = (0.5, 1.0, 2.0)

#: ``stretcher(audio, length_ratio, sample_rate_hz)`` -> about ``len(audio) * length_ratio``
#: samples of the same music (``length_ratio`` > 1: slower, longer).
Stretcher = Callable[[np.ndarray, float, int], np.ndarray]


def stretch_rubberband(audio: np.ndarray, length_ratio: float, sample_rate_hz: int) -> np.ndarray:
    """Rubber Band through pedalboard: ``audio`` made ``length_ratio`` times longer, pitch kept.

    Parameters
    ----------
    audio : numpy.ndarray
        float32 mono samples.
    length_ratio : float
        Output length / input length (> 1: slower).
    sample_rate_hz : int
        Sample rate, Hz.

    Returns
    -------
    numpy.ndarray
        float32 mono, about ``len(audio) * length_ratio`` samples.
    """
    import pedalboard  # the native library loads only where music is rendered

    x = np.ascontiguousarray(audio, dtype=np.float32)[np.newaxis, :]
    return pedalboard.time_stretch(x, float(sample_rate_hz), stretch_factor=1.0 / length_ratio)[0]


def stretch_phase_vocoder(
    audio: np.ndarray, length_ratio: float, sample_rate_hz: int
) -> np.ndarray:
    """librosa's phase vocoder: ``audio`` made ``length_ratio`` times longer, pitch kept."""
    import librosa  # heavy import, only where this stretcher is used

    del sample_rate_hz  # the phase vocoder works in frames
    x = np.asarray(audio, dtype=np.float32)
    return librosa.effects.time_stretch(x, rate=1.0 / length_ratio).astype(np.float32)


def stretch_resample(audio: np.ndarray, length_ratio: float, sample_rate_hz: int) -> np.ndarray:
    """Naive resampling: ``audio`` made ``length_ratio`` times longer, its pitch moved with it."""
    del sample_rate_hz
    n_out = max(round(audio.size * length_ratio), 1)
    return signal.resample(np.asarray(audio, dtype=np.float64), n_out).astype(np.float32)


def preload(stretcher: str = "rubberband") -> None:
    """Load the stretcher's native library now (pedalboard's import holds the GIL for about
    0.3-0.6 s): before the music plays, never in the first render of the render-ahead worker."""
    if stretcher == "rubberband":
        import pedalboard  # noqa: F401
    elif stretcher == "phase_vocoder":
        import librosa  # noqa: F401


#: The stretchers by name.
STRETCHERS: dict[str, Stretcher] = {
    "rubberband": stretch_rubberband,
    "phase_vocoder": stretch_phase_vocoder,
    "resample": stretch_resample,
}
#: The stretcher the renderer uses (chosen on the measurements in docs/benchmarks.md).
DEFAULT_STRETCHER = "rubberband"


def tempo_multiple(native_bpm: float, target_bpm: float) -> float:
    """The song tempo multiple nearest the cue tempo: 0.5, 1 or 2 (nearest in ratio).

    ``2`` means the cue beat is twice the song's (two cue beats per song beat); ``0.5`` means
    one cue beat every other song beat.
    """
    _check_bpm(native_bpm, "native tempo")
    _check_bpm(target_bpm, "target tempo")
    return min(MULTIPLES, key=lambda m: abs(math.log(target_bpm / (native_bpm * m))))


def stretch_pct(native_bpm: float, target_bpm: float) -> float:
    """How far the song is sped up (+) or slowed down (-) to play at ``target_bpm``, %.

    Relative to the nearest of the native tempo, its half and its double.
    """
    m = tempo_multiple(native_bpm, target_bpm)
    return 100.0 * (target_bpm / (native_bpm * m) - 1.0)


def stretch_ratio_ok(
    native_bpm: float, target_bpm: float, max_pct: float = MAX_STRETCH_PCT
) -> bool:
    """Whether ``target_bpm`` is within ``max_pct`` % of the native tempo (or half/double)."""
    return abs(stretch_pct(native_bpm, target_bpm)) <= max_pct + 1e-9


def check_stretch(native_bpm: float, target_bpm: float, max_pct: float = MAX_STRETCH_PCT) -> float:
    """The tempo multiple for ``target_bpm``; a one-line :class:`UserInputError` if out of range."""
    if not stretch_ratio_ok(native_bpm, target_bpm, max_pct):
        m = tempo_multiple(native_bpm, target_bpm)
        lo, hi = native_bpm * m * (1 - max_pct / 100), native_bpm * m * (1 + max_pct / 100)
        raise UserInputError(
            f"a song at {native_bpm:.0f} bpm cannot be played at {target_bpm:.0f} bpm "
            f"({stretch_pct(native_bpm, target_bpm):+.0f} %): allowed {lo:.0f}–{hi:.0f} bpm "
            f"(±{max_pct:.0f} % of its tempo, its half or its double)"
        )
    return tempo_multiple(native_bpm, target_bpm)


def _check_bpm(bpm: float, what: str) -> None:
    if not (math.isfinite(bpm) and bpm > 0):
        raise UserInputError(f"{what} {bpm} bpm is not a positive number")


def cue_grid_s(
    beats_s: np.ndarray, multiple: float, downbeats_s: np.ndarray | None = None
) -> np.ndarray:
    """The song times the cue beats fall on, s, for a tempo ``multiple`` (0.5, 1 or 2).

    ``1``: the song's beats; ``2``: its beats and the midpoints between them; ``0.5``: every
    other beat, the half that holds more of the downbeats (else the first beat's).
    """
    beats_s = np.asarray(beats_s, dtype=np.float64)
    if multiple == 1.0:
        return beats_s.copy()
    if multiple == 2.0:
        grid = np.empty(2 * beats_s.size - 1) if beats_s.size else np.zeros(0)
        grid[0::2] = beats_s
        grid[1::2] = 0.5 * (beats_s[:-1] + beats_s[1:])
        return grid
    if multiple == 0.5:
        phase = 0
        if downbeats_s is not None and len(downbeats_s):
            on = np.isin(np.round(beats_s, 4), np.round(np.asarray(downbeats_s), 4))
            phase = int(on[1::2].sum() > on[0::2].sum())
        return beats_s[phase::2].copy()
    raise ValueError(f"tempo multiple must be one of {MULTIPLES}, got {multiple}")


def map_song_to_output(
    song_smp: np.ndarray, song_beats_smp: np.ndarray, out_beats_smp: np.ndarray
) -> np.ndarray:
    """The time map: song samples -> output samples, linear between beats (and beyond the ends,
    at the first and last interval's ratio)."""
    song_beats_smp = np.asarray(song_beats_smp, dtype=np.float64)
    out_beats_smp = np.asarray(out_beats_smp, dtype=np.float64)
    x = np.asarray(song_smp, dtype=np.float64)
    y = np.interp(x, song_beats_smp, out_beats_smp)
    r0 = (out_beats_smp[1] - out_beats_smp[0]) / (song_beats_smp[1] - song_beats_smp[0])
    r1 = (out_beats_smp[-1] - out_beats_smp[-2]) / (song_beats_smp[-1] - song_beats_smp[-2])
    y = np.where(x < song_beats_smp[0], out_beats_smp[0] + (x - song_beats_smp[0]) * r0, y)
    return np.where(x > song_beats_smp[-1], out_beats_smp[-1] + (x - song_beats_smp[-1]) * r1, y)


def attack_time_map(
    song_smp: np.ndarray,
    song_beats_smp: np.ndarray,
    out_beats_smp: np.ndarray,
    attack_smp: int,
) -> np.ndarray:
    """The time map :func:`render_segment` renders with: from each beat ``attack_smp`` samples
    at the song's own speed (the recorded attack), then linear to the next beat.

    ``song_smp`` must lie between the first and the last beat.
    """
    song_beats_smp = np.asarray(song_beats_smp, dtype=np.float64)
    out_beats_smp = np.asarray(out_beats_smp, dtype=np.float64)
    x = np.asarray(song_smp, dtype=np.float64)
    k = np.clip(np.searchsorted(song_beats_smp, x, side="right") - 1, 0, song_beats_smp.size - 2)
    b0, b1 = song_beats_smp[k], song_beats_smp[k + 1]
    t0, t1 = out_beats_smp[k], out_beats_smp[k + 1]
    a = np.minimum(attack_smp, np.floor((t1 - t0) / 2))
    within = x - b0
    body = t0 + a + (within - a) * (t1 - t0 - a) / (b1 - b0 - a)
    return np.where(within < a, t0 + within, body)


def render_segment(
    audio: np.ndarray,
    *,
    song_from_smp: float,
    song_to_smp: float,
    out_len: int,
    lead_len: int,
    sample_rate_hz: int,
    stretcher: Stretcher,
    attack_s: float = ATTACK_S,
    pad_s: float = PAD_S,
) -> np.ndarray:
    """One segment: the song from one beat (``song_from_smp``) to the next stretched to ``out_len``.

    The first ``attack_s`` after the beat is the song as recorded (the beat's transient exactly
    on its sample, whatever the stretcher does with transients); the rest is stretched so the
    next beat lands at ``out_len``, joined to the recorded attack by a :data:`CROSSFADE_S`
    crossfade that ends where the stretched part begins.

    Parameters
    ----------
    audio : numpy.ndarray
        The whole song, float32 mono at ``sample_rate_hz`` (zeros are read outside it).
    song_from_smp, song_to_smp : float
        The segment's start and end in the song, samples (fractional).
    out_len : int
        Output samples the segment fills.
    lead_len : int
        Output samples of pre-roll before the start (the song just before the beat, as recorded).
    sample_rate_hz : int
        Sample rate, Hz.
    stretcher : Stretcher
        One of :data:`STRETCHERS`.
    attack_s : float
        Length played as recorded from the beat, s (0: stretch it all).
    pad_s : float
        The song mirrored beyond each end of the stretched part, s.

    Returns
    -------
    numpy.ndarray
        ``lead_len + out_len`` float32 samples; index ``lead_len`` is ``song_from_smp``
        (to the nearest sample).
    """
    attack = min(round(attack_s * sample_rate_hz), out_len // 2)
    if attack == 0:
        return stretch_piece(
            audio,
            song_from_smp=song_from_smp,
            song_to_smp=song_to_smp,
            out_len=out_len,
            lead_len=lead_len,
            sample_rate_hz=sample_rate_hz,
            stretcher=stretcher,
            pad_s=pad_s,
        )
    join = round(CROSSFADE_S * sample_rate_hz)
    beat = round(song_from_smp)
    out = np.zeros(lead_len + out_len, dtype=np.float32)
    out[: lead_len + attack] = _read(audio, beat - lead_len, beat + attack)
    body = stretch_piece(
        audio,
        song_from_smp=song_from_smp + attack,
        song_to_smp=song_to_smp,
        out_len=out_len - attack,
        lead_len=join,
        sample_rate_hz=sample_rate_hz,
        stretcher=stretcher,
        pad_s=pad_s,
    )
    at = lead_len + attack
    w = crossfade_in(join)
    out[at - join : at] = out[at - join : at] * (1 - w) + body[:join] * w
    out[at:] = body[join:]
    return out


def stretch_piece(
    audio: np.ndarray,
    *,
    song_from_smp: float,
    song_to_smp: float,
    out_len: int,
    lead_len: int,
    sample_rate_hz: int,
    stretcher: Stretcher,
    pad_s: float = PAD_S,
) -> np.ndarray:
    """The song from ``song_from_smp`` to ``song_to_smp`` stretched, by one ratio, to ``out_len``
    samples, with ``lead_len`` samples of the song before it (same ratio) ahead of them.

    Returns ``lead_len + out_len`` float32 samples; index ``lead_len`` is ``song_from_smp`` (to
    the nearest sample, as far as the stretcher keeps its time map linear).
    """
    length_ratio = out_len / (song_to_smp - song_from_smp)
    pad = round(pad_s * sample_rate_hz)
    first = math.floor(song_from_smp) - math.ceil(lead_len / length_ratio) - 1
    last = math.ceil(song_to_smp)
    real = _read(audio, first, last)
    # beyond the segment the song is mirrored, not read on: the next beat's transient is not
    # in the chunk, so the stretcher cannot smear it back into this segment (pre-echo)
    chunk = np.pad(real, min(pad, real.size - 1), mode="reflect")
    pad = (chunk.size - real.size) // 2
    stretched = stretcher(chunk, length_ratio, sample_rate_hz)
    # the stretcher's own length sets its true ratio (it rounds to whole hops)
    true_ratio = stretched.size / chunk.size
    start = round((song_from_smp - first + pad) * true_ratio) - lead_len
    out = np.zeros(lead_len + out_len, dtype=np.float32)
    piece = stretched[max(start, 0) : start + out.size]
    out[max(-start, 0) : max(-start, 0) + piece.size] = piece
    return out


def _read(audio: np.ndarray, first: int, last: int) -> np.ndarray:
    """``audio[first:last]``, zeros where that lies outside the song."""
    out = np.zeros(last - first, dtype=np.float32)
    lo, hi = max(first, 0), min(last, audio.size)
    if hi > lo:
        out[lo - first : hi - first] = audio[lo:hi]
    return out


def crossfade_in(n: int) -> np.ndarray:
    """The incoming gain of an ``n``-sample join (raised cosine, 0 -> 1; the outgoing one is
    ``1 -`` it, so the two copies of the same music sum to the same level)."""
    if n <= 0:
        return np.zeros(0, dtype=np.float32)
    return (0.5 - 0.5 * np.cos(np.pi * (np.arange(n) + 0.5) / n)).astype(np.float32)


# --- measuring a rendering (the tests and benchmarks/music_stretch.py) ---

_HIT_BAND_HZ = 5000.0


def hit_onsets_smp(
    audio: np.ndarray,
    near_smp: np.ndarray,
    sample_rate_hz: int,
    *,
    window_s: float = 0.015,
    threshold: float = 0.25,
) -> np.ndarray:
    """Onsets of drum hits near ``near_smp``, samples: where each hit's high-passed (> 5 kHz)
    envelope first reaches ``threshold`` of its peak within ±``window_s``.

    A stretcher that smears a transient ahead of its place (pre-echo) moves this onset early.
    """
    sos = signal.butter(4, _HIT_BAND_HZ, btype="highpass", fs=sample_rate_hz, output="sos")
    env = np.abs(signal.sosfiltfilt(sos, np.asarray(audio, dtype=np.float64)))
    half = round(window_s * sample_rate_hz)
    onsets = np.empty(len(near_smp), dtype=np.int64)
    for i, centre in enumerate(np.round(near_smp).astype(np.int64)):
        lo = max(centre - half, 0)
        w = env[lo : centre + half]
        onsets[i] = lo + int(np.argmax(w >= threshold * w.max()))
    return onsets


def pre_echo_db(
    audio: np.ndarray, hits_smp: np.ndarray, sample_rate_hz: int, *, span_s: float = 0.01
) -> float:
    """Transient smearing: high-band energy in the ``span_s`` before each hit relative to the
    ``span_s`` after it, dB (median over hits; lower is sharper)."""
    sos = signal.butter(4, _HIT_BAND_HZ, btype="highpass", fs=sample_rate_hz, output="sos")
    hp = signal.sosfiltfilt(sos, np.asarray(audio, dtype=np.float64))
    span = round(span_s * sample_rate_hz)
    ratios = []
    for h in np.round(hits_smp).astype(np.int64):
        before = np.sum(hp[max(h - span, 0) : h] ** 2)
        after = np.sum(hp[h : h + span] ** 2)
        ratios.append(10 * np.log10((before + 1e-20) / (after + 1e-20)))
    return float(np.median(ratios))


def dominant_hz(
    audio: np.ndarray, sample_rate_hz: int, *, band_hz: tuple[float, float] = (60.0, 150.0)
) -> float:
    """The strongest frequency within ``band_hz`` (the bass notes and chord roots), Hz,
    interpolated between spectrum bins (parabola on log magnitude)."""
    x = np.asarray(audio, dtype=np.float64)
    spec = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    f = np.fft.rfftfreq(x.size, 1.0 / sample_rate_hz)
    inside = np.flatnonzero((f >= band_hz[0]) & (f <= band_hz[1]))
    i = inside[np.argmax(spec[inside])]
    a, b, c = np.log(spec[i - 1 : i + 2] + 1e-20)
    offset = 0.5 * (a - c) / (a - 2 * b + c) if a - 2 * b + c != 0 else 0.0
    return float((i + offset) * sample_rate_hz / x.size)

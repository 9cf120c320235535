"""Bar starts among a song's beats, where chord changes and the kick mark them clearly."""

from __future__ import annotations

import numpy as np

from ras.music.attacks import KICK_BAND_HZ, attack_strength_db, band_pass, rise_at
from ras.music.usability import MIN_BEATS

__all__ = ["DOWNBEAT_MIN_CONTRAST", "estimate_downbeats"]

#: Bar starts are given only when their beats stand out by this much (SDs of the beat score).
DOWNBEAT_MIN_CONTRAST = 1.5

#: Chroma is taken at this rate, Hz, with this hop, samples.
_CHROMA_RATE_HZ = 11025
_CHROMA_HOP = 256


def estimate_downbeats(
    *, audio: np.ndarray, sample_rate_hz: float, beats_s: np.ndarray
) -> np.ndarray:
    """Bar starts among the beats, s, where the song marks them clearly; else empty.

    Each beat is scored by how much the harmony changes on it (cosine distance between the
    median chroma of the beat and of the beat before) plus half the kick-band attack on it,
    both as z-scores. For bars of 3 and of 4 beats and every phase, the contrast is the mean
    score of the beats at that phase minus that of the others; the best bar and phase are taken
    when their contrast is at least :data:`DOWNBEAT_MIN_CONTRAST`. One phase for the whole song:
    a missed or extra beat shifts every bar after it, so a song whose bars do not line up gives
    a low contrast and no downbeats.
    """
    if beats_s.size < 2 * MIN_BEATS:
        return np.zeros(0)
    import librosa

    # chords are below 5 kHz: chroma at 11,025 Hz, tuning taken as A440 (its estimate from
    # every spectral peak of the song cost more memory than the rest of the analysis)
    y = librosa.resample(audio, orig_sr=sample_rate_hz, target_sr=_CHROMA_RATE_HZ)
    hop = _CHROMA_HOP
    chroma = librosa.feature.chroma_stft(
        y=y, sr=_CHROMA_RATE_HZ, hop_length=hop, n_fft=1024, tuning=0.0
    )
    del y
    frames = librosa.time_to_frames(beats_s, sr=_CHROMA_RATE_HZ, hop_length=hop)
    per_beat = librosa.util.sync(chroma, frames, aggregate=np.median)[:, 1 : 1 + beats_s.size]
    unit = per_beat / (np.linalg.norm(per_beat, axis=0, keepdims=True) + 1e-9)
    change = np.concatenate(([0.0], 1.0 - np.sum(unit[:, 1:] * unit[:, :-1], axis=0)))
    low = band_pass(audio, sample_rate_hz, KICK_BAND_HZ)
    kick = rise_at(*attack_strength_db(low, sample_rate_hz), beats_s)
    score = _z(change[: beats_s.size]) + 0.5 * _z(kick)
    best = (-np.inf, 4, 0)
    for beats_per_bar in (3, 4):
        phase_of = np.arange(score.size) % beats_per_bar
        for phase in range(beats_per_bar):
            on = phase_of == phase
            contrast = float(score[on].mean() - score[~on].mean())
            best = max(best, (contrast, beats_per_bar, phase))
    contrast, beats_per_bar, phase = best
    if contrast < DOWNBEAT_MIN_CONTRAST:
        return np.zeros(0)
    return beats_s[phase::beats_per_bar].copy()


def _z(x: np.ndarray) -> np.ndarray:
    """``x`` as z-scores (zeros where it does not vary)."""
    sd = float(np.std(x))
    return (x - np.mean(x)) / sd if sd > 0 else np.zeros_like(x)

"""Attacks in a song: how sharply the sound rises at each point, in a band or in all of it.

The primitives the post-processing of :mod:`ras.music.beats` is built from: snapping beats onto
attacks (:mod:`ras.music.snap`), scoring kick and snare at each beat (:mod:`ras.music.beat_level`,
:mod:`ras.music.downbeats`).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "KICK_BAND_HZ",
    "SNARE_BAND_HZ",
    "attack_strength_db",
    "band_pass",
    "rise_at",
    "sharpest_attack",
]

#: The kick's band and the snare's band (low edge 0: low-pass), Hz.
KICK_BAND_HZ = (0.0, 150.0)
SNARE_BAND_HZ = (1000.0, 5000.0)

#: Steps of the attack measure, and its windows before and after each point, s.
_STEP_S = 0.0005
_BEFORE_S = 0.010
_AFTER_S = 0.002


def attack_strength_db(audio: np.ndarray, sample_rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """How sharply the sound rises at each point: times, s, and rise, dB.

    The rise at ``t`` is the mean power in the 2 ms after ``t`` over the mean power in the 10 ms
    before it, in 0.5 ms steps; the short window after puts its peak on an attack's first
    milliseconds rather than anywhere in the 10 ms before it.
    """
    step = max(1, round(_STEP_S * sample_rate_hz))
    n_blocks = audio.size // step
    blocks = audio[: n_blocks * step].reshape(n_blocks, step)
    cum = np.concatenate(
        ([0.0], np.cumsum(np.einsum("ij,ij->i", blocks, blocks, dtype=np.float64)))
    )
    n_before = max(1, round(_BEFORE_S * sample_rate_hz / step))
    n_after = max(1, round(_AFTER_S * sample_rate_hz / step))
    k = np.arange(n_before, n_blocks - n_after + 1)
    after = (cum[k + n_after] - cum[k]) / n_after
    before = (cum[k] - cum[k - n_before]) / n_before
    floor = 1e-10 * max(float(cum[-1]) / max(n_blocks, 1), 1e-20)
    return k * step / sample_rate_hz, 10 * np.log10((after + floor) / (before + floor))


def sharpest_attack(
    times_s: np.ndarray, rise_db: np.ndarray, beats_s: np.ndarray, window_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """For each beat, the time of the sharpest rise within ``window_s``, s, and that rise, dB."""
    block_s = float(times_s[1] - times_s[0])
    reach = round(window_s / block_s)
    centre = np.searchsorted(times_s, beats_s)
    idx = np.clip(centre[:, None] + np.arange(-reach, reach + 1)[None, :], 0, times_s.size - 1)
    best = idx[np.arange(beats_s.size), np.argmax(rise_db[idx], axis=1)]
    return times_s[best], rise_db[best]


def rise_at(times_s: np.ndarray, rise_db: np.ndarray, beats_s: np.ndarray) -> np.ndarray:
    """The largest rise within 15 ms of each beat, dB, 0 where the sound falls."""
    _, strength_db = sharpest_attack(times_s, rise_db, beats_s, 0.015)
    return np.clip(strength_db, 0.0, None)


def band_pass(audio: np.ndarray, sample_rate_hz: float, band_hz: tuple[float, float]) -> np.ndarray:
    """``audio`` through a 4th-order Butterworth band (low edge 0: low-pass), float32.

    Filtered a few seconds at a time, the filter's state carried over, so a long song is never
    held in float64 whole.
    """
    from scipy import signal

    lo_hz, hi_hz = band_hz
    if lo_hz > 0:
        sos = signal.butter(4, (lo_hz, hi_hz), btype="bandpass", fs=sample_rate_hz, output="sos")
    else:
        sos = signal.butter(4, hi_hz, btype="lowpass", fs=sample_rate_hz, output="sos")
    out = np.empty(audio.size, np.float32)
    state = np.zeros((sos.shape[0], 2))
    chunk = 1 << 18
    for start in range(0, audio.size, chunk):
        out[start : start + chunk], state = signal.sosfilt(
            sos, audio[start : start + chunk], zi=state
        )
    return out

"""How loud a song is (ITU-R BS.1770 integrated loudness) and the gain that brings it to the
common target.

Every song is played at :data:`TARGET_LUFS`, so switching songs (or metronome and music) does
not jump in level; the session's cue level and hard ceiling apply after mixing, as for clicks.

Why -23 LUFS (EBU R 128, the broadcast norm) and not a streaming level (-14 LUFS): commercial
music is mastered near -14 LUFS with peaks at 0 dBFS, so bringing a quiet recording up to -14
would push its peaks far over full scale (and into the ceiling's limiting); at -23 LUFS nearly
every song keeps its peaks below full scale with its dynamics untouched, and there is headroom
left for a click or accent laid over the beat. How loud the patient hears it is set by the
session's level, not by the song.
"""

from __future__ import annotations

import math

import numpy as np
import pyloudnorm

__all__ = [
    "MAX_GAIN_DB",
    "SILENCE_LUFS",
    "TARGET_LUFS",
    "gain_to_target_db",
    "integrated_loudness_lufs",
    "peak_dbfs",
]

#: The loudness every song is played at, LUFS (EBU R 128).
TARGET_LUFS = -23.0
#: BS.1770's absolute gate, LUFS: blocks quieter than this are silence; a song that is all
#: silence has no loudness (-inf).
SILENCE_LUFS = -70.0
#: Most a song is ever raised, dB (a very quiet recording is raised this much and no more, so
#: its noise floor is not brought up to speech level).
MAX_GAIN_DB = 20.0


def integrated_loudness_lufs(audio: np.ndarray, sample_rate_hz: int) -> float:
    """Integrated loudness of mono ``audio`` (BS.1770-4, K-weighted, gated), LUFS.

    ``-inf`` when every 400 ms block is below the absolute gate (:data:`SILENCE_LUFS`) or the
    audio is shorter than one block.
    """
    x = np.asarray(audio, dtype=np.float64)
    if x.size < int(0.4 * sample_rate_hz):
        return -math.inf
    meter = pyloudnorm.Meter(int(sample_rate_hz))  # BS.1770-4 K-weighting, 400 ms blocks
    return float(meter.integrated_loudness(x))


def peak_dbfs(audio: np.ndarray) -> float:
    """Sample peak of ``audio``, dBFS (``-inf`` for silence)."""
    x = np.asarray(audio)
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    return 20.0 * math.log10(peak) if peak > 0 else -math.inf


def gain_to_target_db(
    loudness_lufs: float, target_lufs: float = TARGET_LUFS, max_gain_db: float = MAX_GAIN_DB
) -> float:
    """The gain that brings a song of ``loudness_lufs`` to ``target_lufs``, dB.

    Loud songs are turned down as far as needed; quiet ones are raised at most ``max_gain_db``.
    A silent song (``-inf``) gets 0 dB: there is nothing to bring up.
    """
    if not math.isfinite(loudness_lufs):
        return 0.0
    return min(target_lufs - loudness_lufs, max_gain_db)

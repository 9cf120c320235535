"""Tracked beats moved onto the attacks they stand for (to the millisecond: the cue is placed
on them)."""

from __future__ import annotations

import numpy as np

from ras.music.attacks import attack_strength_db, sharpest_attack

__all__ = ["SNAP_LAG_WINDOW_S", "SNAP_MIN_RISE_DB", "SNAP_WINDOW_S", "snap_to_onsets"]

#: A tracker's steady lag is looked for this far from its beats, s.
SNAP_LAG_WINDOW_S = 0.06
#: A beat, its tracker's lag taken off, is moved onto the sharpest attack this close to it, s.
SNAP_WINDOW_S = 0.02
#: An attack: the power of the 2 ms after a point this much above the 10 ms before it, dB.
SNAP_MIN_RISE_DB = 6.0


def snap_to_onsets(
    *,
    audio: np.ndarray,
    sample_rate_hz: float,
    beats_s: np.ndarray,
    lag_window_s: float = SNAP_LAG_WINDOW_S,
    window_s: float = SNAP_WINDOW_S,
    min_rise_db: float = SNAP_MIN_RISE_DB,
) -> np.ndarray:
    """Move tracked beats onto the attacks they stand for, s.

    Two steps. The tracker's steady lag: the median distance from each beat to the sharpest
    attack (:func:`attack_strength_db` at least ``min_rise_db``) within ``lag_window_s``; every
    beat moves by it. Then each beat moves onto the sharpest attack within ``window_s`` of
    where it now is, if there is one: a fine correction of the trackers' 11.6–23 ms frame grid
    that cannot jump to a neighbouring off-beat note (swung eighths are 100 ms and more away).

    Parameters
    ----------
    audio : numpy.ndarray
        Mono samples.
    sample_rate_hz : float
        Sample rate, Hz.
    beats_s : numpy.ndarray
        Tracked beats, s.
    lag_window_s : float
        How far the tracker's steady lag is looked for, s.
    window_s : float
        How far a beat may then move on its own, s.
    min_rise_db : float
        Smallest rise that counts as an attack, dB.

    Returns
    -------
    numpy.ndarray
        The beats, s, increasing.
    """
    if beats_s.size == 0:
        return beats_s
    times_s, rise_db = attack_strength_db(audio, sample_rate_hz)
    if times_s.size < 2:
        return beats_s
    at_s, strength_db = sharpest_attack(times_s, rise_db, beats_s, lag_window_s)
    found = strength_db >= min_rise_db
    lag_s = float(np.median(at_s[found] - beats_s[found])) if np.any(found) else 0.0
    shifted_s = beats_s + lag_s
    at_s, strength_db = sharpest_attack(times_s, rise_db, shifted_s, window_s)
    out = np.where(strength_db >= min_rise_db, at_s, shifted_s)
    out = np.maximum.accumulate(out)
    keep = np.concatenate(([True], np.diff(out) > window_s))
    return out[keep]

"""How periodic a song's onsets are at a beat interval: the pulse clarity (the confidence of
librosa's beats) from the onset envelope's autocorrelation."""

from __future__ import annotations

import numpy as np

from ras.music.usability import WALK_RANGE_SPM

__all__ = ["pulse_clarity"]


def pulse_clarity(onset_envelope: np.ndarray, lag_frames: float, frame_rate_hz: float) -> float:
    """How clearly an onset envelope repeats at the beat interval, 0–1.

    The envelope's normalised autocorrelation at ``lag_frames`` (interpolated) minus its median
    over every beat interval a walk can follow (:data:`WALK_RANGE_SPM`), clipped to 0–1: a
    beat stands out from the other intervals; a beatless song's best interval does not (its
    autocorrelation is about as high at any lag).
    """
    x = onset_envelope - np.mean(onset_envelope)
    energy = float(np.dot(x, x))
    if energy <= 0 or not np.isfinite(lag_frames) or lag_frames < 1 or lag_frames >= x.size - 2:
        return 0.0
    r = np.correlate(x, x, mode="full")[x.size - 1 :] / energy
    lo = int(np.floor(lag_frames))
    at_beat = float(np.interp(lag_frames, [lo, lo + 1], r[lo : lo + 2]))
    lags = np.arange(
        max(1, int(frame_rate_hz * 60 / WALK_RANGE_SPM[1])),
        min(x.size - 1, int(frame_rate_hz * 60 / WALK_RANGE_SPM[0]) + 1),
    )
    baseline = float(np.median(r[lags])) if lags.size else 0.0
    return float(np.clip(at_beat - baseline, 0.0, 1.0))

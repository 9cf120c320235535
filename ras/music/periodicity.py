"""What a song's onsets say about its beat: how periodic they are at a beat interval (the pulse
clarity, the confidence of librosa's beats) and how strong they are on, between and at every
other beat (the evidence a change of beat level must have)."""

from __future__ import annotations

import numpy as np

from ras.music.usability import WALK_RANGE_SPM

__all__ = [
    "dropped_ratio",
    "offbeat_ratio",
    "onset_envelope",
    "pulse_clarity",
    "strength_at",
]

_HOP = 512


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


def onset_envelope(audio: np.ndarray, sample_rate_hz: float) -> tuple[np.ndarray, float]:
    """librosa's onset strength of ``audio`` (512-sample hops) and its frame rate, Hz."""
    import librosa

    envelope = librosa.onset.onset_strength(y=audio, sr=sample_rate_hz, hop_length=_HOP)
    return envelope, sample_rate_hz / _HOP


def strength_at(envelope: np.ndarray, frame_rate_hz: float, times_s: np.ndarray) -> np.ndarray:
    """The onset envelope's largest value within one frame of each time (0 past its end)."""
    frames = np.round(np.asarray(times_s) * frame_rate_hz).astype(int)
    idx = frames[:, None] + np.arange(-1, 2)[None, :]
    inside = (idx >= 0) & (idx < envelope.size)
    values = np.where(inside, envelope[np.clip(idx, 0, envelope.size - 1)], 0.0)
    return values.max(axis=1) if values.size else np.zeros(0)


def offbeat_ratio(envelope: np.ndarray, frame_rate_hz: float, beats_s: np.ndarray) -> float:
    """Mean onset strength halfway between the beats over that on them (0: nothing sounds
    between the beats; near 1 and over: the midpoints are as much beats as the beats)."""
    if beats_s.size < 2:
        return 0.0
    on = float(np.mean(strength_at(envelope, frame_rate_hz, beats_s)))
    mids_s = (beats_s[:-1] + beats_s[1:]) / 2
    off = float(np.mean(strength_at(envelope, frame_rate_hz, mids_s)))
    return off / on if on > 0 else 0.0


def dropped_ratio(
    envelope: np.ndarray, frame_rate_hz: float, kept_s: np.ndarray, dropped_s: np.ndarray
) -> float:
    """Mean onset strength on the beats a halving drops over that on the beats it keeps
    (well below 1: the dropped beats are weak, the slower beat is heard; near 1: they are
    alike and halving would throw away half the beats)."""
    kept = float(np.mean(strength_at(envelope, frame_rate_hz, kept_s))) if kept_s.size else 0.0
    if kept <= 0 or dropped_s.size == 0:
        return 1.0
    return float(np.mean(strength_at(envelope, frame_rate_hz, dropped_s))) / kept

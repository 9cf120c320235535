"""The beat level: the tracked beats, halved or doubled where the drums say the beat is at the
other level."""

from __future__ import annotations

import numpy as np

from ras.music.attacks import KICK_BAND_HZ, SNARE_BAND_HZ, attack_strength_db, band_pass, rise_at
from ras.music.usability import MIN_BEATS, WALK_RANGE_SPM

__all__ = ["RELEVEL_MARGIN", "RELEVEL_MIN_SCORE", "backbeat_score", "choose_beat_level"]

#: A beat level other than the tracker's needs this backbeat score (0–1) ...
RELEVEL_MIN_SCORE = 0.6
#: ... and this much more than the tracker's level.
RELEVEL_MARGIN = 0.15


def backbeat_score(kick: np.ndarray, snare: np.ndarray) -> float:
    """How clearly kick and snare take turns beat by beat, 0–1 (1: kick, snare, kick, snare).

    ``kick`` and ``snare`` are the attack strengths of the low and the snare band at each beat;
    each is scaled by its mean, and the score is ``|sum((-1)**i * d_i)| / sum(|d_i|)`` of their
    difference ``d``.
    """
    d = snare / (snare.mean() + 1e-9) - kick / (kick.mean() + 1e-9)
    total = float(np.sum(np.abs(d)))
    if d.size < MIN_BEATS or total <= 1e-6 * d.size:
        return 0.0
    return abs(float(np.sum((-1.0) ** np.arange(d.size) * d))) / total


def choose_beat_level(
    *, audio: np.ndarray, sample_rate_hz: float, beats_s: np.ndarray
) -> np.ndarray:
    """The tracked beats, halved or doubled where the drums say the beat is at the other level.

    Trackers often pick twice or half the beat (kick on the off-beats read as eighth-note beats;
    a fast song read at half speed). Where a song has drums, the beat is where kick and snare
    take turns (Goto 2001): the backbeat. Each of the tracked beats, every other one (two
    phases), and the tracked beats with their midpoints is scored with :func:`backbeat_score`;
    another level replaces the tracked one only when its score is at least
    :data:`RELEVEL_MIN_SCORE` and :data:`RELEVEL_MARGIN` above the tracked one's, and its tempo
    stays within 40–200 bpm. A song without clear drums keeps the tracker's level.
    """
    if beats_s.size < 2 * MIN_BEATS:
        return beats_s

    tempo_bpm = 60.0 / float(np.median(np.diff(beats_s)))
    candidates = {"as tracked": beats_s}
    if tempo_bpm / 2 >= WALK_RANGE_SPM[0]:
        candidates["half, even"] = beats_s[0::2]
        candidates["half, odd"] = beats_s[1::2]
    if tempo_bpm * 2 <= WALK_RANGE_SPM[1]:
        mids_s = (beats_s[:-1] + beats_s[1:]) / 2
        candidates["double"] = np.sort(np.concatenate((beats_s, mids_s)))
    rises = {
        name: attack_strength_db(band_pass(audio, sample_rate_hz, band_hz), sample_rate_hz)
        for name, band_hz in (("kick", KICK_BAND_HZ), ("snare", SNARE_BAND_HZ))
    }
    scores = {}
    for name, seq_s in candidates.items():
        kick = rise_at(*rises["kick"], seq_s)
        snare = rise_at(*rises["snare"], seq_s)
        scores[name] = backbeat_score(kick, snare)
    best = max(scores, key=scores.get)
    if (
        best != "as tracked"
        and scores[best] >= RELEVEL_MIN_SCORE
        and scores[best] >= scores["as tracked"] + RELEVEL_MARGIN
    ):
        return candidates[best]
    return beats_s

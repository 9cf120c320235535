"""The beat level: the tracked beats, halved or doubled where the drums say the beat is at the
other level."""

from __future__ import annotations

import numpy as np

from ras.music.attacks import KICK_BAND_HZ, SNARE_BAND_HZ, attack_strength_db, band_pass, rise_at
from ras.music.periodicity import dropped_ratio, offbeat_ratio, onset_envelope
from ras.music.usability import MIN_BEATS, WALK_RANGE_SPM

__all__ = [
    "DOUBLE_MIN_OFFBEAT",
    "HALVE_MAX_DROPPED",
    "RELEVEL_MARGIN",
    "RELEVEL_MIN_SCORE",
    "backbeat_score",
    "choose_beat_level",
    "level_supported",
]

#: A beat level other than the tracker's needs this backbeat score (0–1) ...
RELEVEL_MIN_SCORE = 0.6
#: ... and this much more than the tracker's level.
RELEVEL_MARGIN = 0.15
#: Halving needs the beats it drops this much weaker than those it keeps (onset strength ratio).
HALVE_MAX_DROPPED = 0.8
#: Doubling needs onsets halfway between the tracked beats this strong (ratio to the beats').
DOUBLE_MIN_OFFBEAT = 0.25


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

    One octave at most from the tracker's own beats, and only where the onsets agree
    (:func:`level_supported`): a backbeat score can be high by accident (a four-chord loop
    whose bass alternates between bars makes every-other-beat kicks and snares "take turns"),
    and a fast song tracked at half speed and then halved again was read at a quarter of its
    tempo.
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
    envelope, frame_rate_hz = onset_envelope(audio, sample_rate_hz)
    candidates = {
        name: seq_s
        for name, seq_s in candidates.items()
        if level_supported(name, beats_s, seq_s, envelope, frame_rate_hz)
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


def level_supported(
    name: str,
    tracked_s: np.ndarray,
    candidate_s: np.ndarray,
    envelope: np.ndarray,
    frame_rate_hz: float,
) -> bool:
    """Whether the onsets support a beat level ``name`` (``"as tracked"``, ``"half, even"``,
    ``"half, odd"`` or ``"double"``) made from the ``tracked_s`` beats.

    Halving: the beats dropped must be weaker than those kept (:func:`dropped_ratio` at most
    :data:`HALVE_MAX_DROPPED`). Doubling: something must sound halfway between the tracked
    beats (:func:`offbeat_ratio` at least :data:`DOUBLE_MIN_OFFBEAT`). The tracked level is
    always supported.
    """
    if name.startswith("half"):
        dropped_s = np.setdiff1d(tracked_s, candidate_s)
        return dropped_ratio(envelope, frame_rate_hz, candidate_s, dropped_s) <= HALVE_MAX_DROPPED
    if name == "double":
        return offbeat_ratio(envelope, frame_rate_hz, tracked_s) >= DOUBLE_MIN_OFFBEAT
    return True

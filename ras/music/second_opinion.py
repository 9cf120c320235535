"""A second beat tracker's opinion on import: the therapist is told when two trackers disagree.

The default tracker (librosa) is right on far more songs than essentia in
benchmarks/beat_tracking.py, but on a real song each can be wrong with high confidence (one
song was tracked at 117.5 bpm by one and 88.9 bpm by the other, both calling it usable). When
essentia is installed (a dev extra), it tracks the song too; the two **agree** when their
tempi are within :data:`TEMPO_TOLERANCE` of each other, of half or of double, and their beats,
brought to one level, match with an F-measure of at least :data:`MIN_AGREEMENT_F`
(:func:`agreement_f`). A disagreement does not make the song unusable: it is flagged, and said
wherever the song is shown, so nobody cues with it without knowing to listen first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ras.music.track import BeatTrack

__all__ = [
    "MIN_AGREEMENT_F",
    "SECOND_METHOD",
    "TEMPO_TOLERANCE",
    "SecondOpinion",
    "agreement_f",
    "beat_f_measure",
    "compare",
    "opinion_line",
    "second_opinion",
    "tempo_related",
]

#: The tracker asked for a second opinion.
SECOND_METHOD = "essentia"
#: Tempi agree within this fraction of each other (or of each other's half or double).
TEMPO_TOLERANCE = 0.04
#: Beats agree when their F-measure (±70 ms) at one level is at least this.
MIN_AGREEMENT_F = 0.8
#: A beat matches one of the other tracker's within this, s (mir_eval's window).
MATCH_WINDOW_S = 0.07


@dataclass(frozen=True)
class SecondOpinion:
    """What the second tracker said.

    Attributes
    ----------
    tracker : str
        The second tracker's name (``""``: no second opinion was made).
    tempo_bpm : float
        Its tempo, beats/min (NaN when not made).
    agreement : float
        F-measure of its beats against the default's at one level, 0–1 (NaN when not made).
    agree : bool or None
        Whether the trackers agree (None: not checked).
    """

    tracker: str = ""
    tempo_bpm: float = math.nan
    agreement: float = math.nan
    agree: bool | None = None


def beat_f_measure(a_s: np.ndarray, b_s: np.ndarray, window_s: float = MATCH_WINDOW_S) -> float:
    """F-measure of beats ``b_s`` against ``a_s``, each matched at most once within
    ``window_s``, 0–1 (0 if either is empty)."""
    if a_s.size == 0 or b_s.size == 0:
        return 0.0
    matched, i, j = 0, 0, 0
    a, b = np.sort(a_s), np.sort(b_s)
    while i < a.size and j < b.size:  # both sorted: a greedy walk pairs the nearest in order
        d = b[j] - a[i]
        if abs(d) <= window_s:
            matched, i, j = matched + 1, i + 1, j + 1
        elif d < 0:
            j += 1
        else:
            i += 1
    return 2.0 * matched / (a.size + b.size)


def tempo_related(a_bpm: float, b_bpm: float, tolerance: float = TEMPO_TOLERANCE) -> bool:
    """Whether two tempi are within ``tolerance`` of each other, of half or of double."""
    if not (math.isfinite(a_bpm) and math.isfinite(b_bpm)) or a_bpm <= 0 or b_bpm <= 0:
        return False
    return any(abs(b_bpm / (f * a_bpm) - 1.0) <= tolerance for f in (1.0, 0.5, 2.0))


def agreement_f(a_s: np.ndarray, b_s: np.ndarray) -> float:
    """F-measure of two trackers' beats at one level: where one has about twice the beats of
    the other, every other of its beats (the better of the two phases) against the other's."""
    if a_s.size < 2 or b_s.size < 2:
        return beat_f_measure(a_s, b_s)
    ratio = float(np.median(np.diff(a_s)) / np.median(np.diff(b_s)))
    if abs(ratio / 2.0 - 1.0) <= 0.1:  # b beats twice as fast
        return max(beat_f_measure(a_s, b_s[k::2]) for k in (0, 1))
    if abs(ratio * 2.0 - 1.0) <= 0.1:  # a beats twice as fast
        return max(beat_f_measure(a_s[k::2], b_s) for k in (0, 1))
    return beat_f_measure(a_s, b_s)


def compare(primary: BeatTrack, second: BeatTrack, name: str = SECOND_METHOD) -> SecondOpinion:
    """The second tracker's result against the default's."""
    agreement = agreement_f(primary.beats_s, second.beats_s)
    agree = tempo_related(primary.tempo_bpm, second.tempo_bpm) and agreement >= MIN_AGREEMENT_F
    return SecondOpinion(name, float(second.tempo_bpm), float(agreement), bool(agree))


def second_opinion(
    *, audio: np.ndarray, sample_rate_hz: float, primary: BeatTrack
) -> SecondOpinion:
    """Track the song with :data:`SECOND_METHOD` and compare; no opinion (``agree`` None)
    when it is not installed."""
    from ras.music.beats import BeatTracker, essentia_standard

    try:
        essentia_standard()  # a dev extra: the check is optional
    except ImportError:
        return SecondOpinion()

    tracker = BeatTracker(SECOND_METHOD, downbeats=False)
    second = tracker.track(audio=audio, sample_rate_hz=sample_rate_hz).beat_track_
    return compare(primary, second)


def opinion_line(
    primary_tracker: str, primary_bpm: float, second_tracker: str, second_bpm: float,
    agree: bool | None,
) -> str:  # fmt: skip
    """What the therapist is told, in one line: the trackers disagree (with both tempi), agree,
    or no second opinion was made (no second tracker installed, or analysed before ras had
    one)."""
    if agree is None:
        return "second opinion not available: no second beat tracker checked this song"
    if agree:
        return f"second opinion: {second_tracker} agrees ({second_bpm:.1f} bpm)"
    first = primary_tracker.split(" ", 1)[0] or "the default tracker"
    theirs = f"{second_bpm:.1f} bpm" if math.isfinite(second_bpm) else "no beat"
    ours = f"{primary_bpm:.1f} bpm" if math.isfinite(primary_bpm) else "no beat"
    return (
        f"trackers disagree: {first} {ours}, {second_tracker} {theirs}"
        " — listen before cueing with it"
    )

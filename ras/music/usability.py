"""Whether a tracked song can cue walking: its tempo, its steadiness and the rule.

**Usable for cueing** when all hold, else ``usable=False`` with the first failing reason:
at least :data:`MIN_BEATS` beats; tempo stability (CV of the inter-beat intervals) at most
:data:`MAX_STABILITY_PCT`; confidence at least :data:`MIN_CONFIDENCE`; and the tempo, its half or
its double within :data:`WALK_RANGE_SPM` steps/min.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "MAX_STABILITY_PCT",
    "MIN_BEATS",
    "MIN_CONFIDENCE",
    "WALK_RANGE_SPM",
    "judge_usable",
    "tempo_and_stability",
]

#: Fewer tracked beats than this: no beat to cue with.
MIN_BEATS = 8
#: Lowest confidence (0–1) a song is cued with: essentia's "very low" below 1 of 5.32; for
#: librosa's pulse clarity, between the beatless songs (at most 0.09: synthetic pads and the
#: Hungarian Dance) and the steady real songs (0.31 and over) of benchmarks/beat_tracking.py.
MIN_CONFIDENCE = 0.2
#: Largest coefficient of variation of the inter-beat intervals a song is cued with, %.
MAX_STABILITY_PCT = 8.0
#: Cadences a walk can follow, steps/min (the tempo, its half or its double must be inside).
WALK_RANGE_SPM = (40.0, 200.0)


def tempo_and_stability(beats_s: np.ndarray) -> tuple[float, float]:
    """Tempo (60 / median inter-beat interval, bpm) and stability (CV of the intervals, %).

    Fewer than 3 beats: ``(nan, nan)``.
    """
    if beats_s.size < 3:
        return float("nan"), float("nan")
    ibis_s = np.diff(beats_s)
    tempo_bpm = 60.0 / float(np.median(ibis_s))
    stability_pct = 100.0 * float(np.std(ibis_s) / np.mean(ibis_s))
    return tempo_bpm, stability_pct


def judge_usable(
    *,
    n_beats: int,
    tempo_bpm: float,
    stability_pct: float,
    confidence: float,
    min_confidence: float = MIN_CONFIDENCE,
    max_stability_pct: float = MAX_STABILITY_PCT,
) -> tuple[bool, str]:
    """Whether a tracked song can cue walking, and why not in the therapist's words."""
    if n_beats < MIN_BEATS:
        return False, (
            f"no steady beat was found: only {n_beats} beats tracked "
            f"(at least {MIN_BEATS} are needed)"
        )
    if stability_pct > max_stability_pct:
        return False, (
            f"the beat is not steady enough to walk to: tempo varies {stability_pct:.0f} % "
            f"(at most {max_stability_pct:.0f} % can be cued)"
        )
    if confidence < min_confidence:
        return False, (
            f"the beat could not be found with confidence: confidence {confidence:.2f} "
            f"(at least {min_confidence:.2f} is needed)"
        )
    lo, hi = WALK_RANGE_SPM
    if not any(lo <= f * tempo_bpm <= hi for f in (1.0, 0.5, 2.0)):
        return False, (
            f"the tempo {tempo_bpm:.0f} bpm is outside what a walk can follow: it, its half or "
            f"its double must be within {lo:.0f}–{hi:.0f} steps/min"
        )
    return True, ""

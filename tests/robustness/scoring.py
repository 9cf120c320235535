"""Scores of detected events against a reference: F1, precision, recall, error; bout edges.

Matching is :func:`analysis.gait_events.match_events` (one-to-one, nearest first) within
``TOLERANCE_S`` (50 ms), counting only detections and references inside the reference's scoring
region; the errors are detected minus reference. Counts are summed over both feet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from analysis.gait_events import match_events
from tests.robustness.cases import Recording, Reference, in_intervals
from tests.robustness.runners import Detected

__all__ = [
    "TOLERANCE_S",
    "Score",
    "edge_flags",
    "same_events",
    "score_events",
    "score_recording",
]

TOLERANCE_S = 0.05


@dataclass(frozen=True)
class Score:
    """Matching counts and errors of one event kind, possibly summed over feet and runs.

    Attributes
    ----------
    tp, fp, fn : int
        Matched, extra and missed events.
    error_s : ndarray
        Detected minus reference of each match, s.
    """

    tp: int = 0
    fp: int = 0
    fn: int = 0
    error_s: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)

    def __add__(self, other: Score) -> Score:
        return Score(
            self.tp + other.tp,
            self.fp + other.fp,
            self.fn + other.fn,
            np.concatenate([self.error_s, other.error_s]),
        )

    @property
    def n_reference(self) -> int:
        return self.tp + self.fn

    @property
    def f1(self) -> float:
        d = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / d if d else float("nan")

    @property
    def precision(self) -> float:
        d = self.tp + self.fp
        return self.tp / d if d else float("nan")

    @property
    def recall(self) -> float:
        d = self.tp + self.fn
        return self.tp / d if d else float("nan")

    @property
    def median_abs_ms(self) -> float:
        return float(np.median(np.abs(self.error_s))) * 1000 if self.error_s.size else np.nan

    @property
    def bias_ms(self) -> float:
        return float(np.mean(self.error_s)) * 1000 if self.error_s.size else np.nan


def total(scores: Iterable[Score]) -> Score:
    """Sum of scores."""
    out = Score()
    for s in scores:
        out = out + s
    return out


def score_events(
    detected_t_s: np.ndarray, reference_t_s: np.ndarray, region_t_s: np.ndarray
) -> tuple[Score, np.ndarray, np.ndarray]:
    """Match within :data:`TOLERANCE_S` inside ``region_t_s``.

    Returns the score, the references that were scored and the error of each (NaN: missed), s.
    """
    det = np.asarray(detected_t_s, dtype=float)
    det = det[np.isfinite(det)]
    det = det[in_intervals(det, region_t_s)]
    ref = np.sort(np.asarray(reference_t_s, dtype=float))
    ref = ref[in_intervals(ref, region_t_s)]
    m = match_events(det, ref, TOLERANCE_S)
    error = np.asarray(m["error"], dtype=float)
    per_ref = np.full(ref.size, np.nan)
    per_ref[np.asarray(m["ref_index"], dtype=np.int64)] = error
    return Score(int(m["tp"]), int(m["fp"]), int(m["fn"]), error), ref, per_ref


def edge_flags(ref_t_s: np.ndarray, bouts_t_s: np.ndarray) -> np.ndarray:
    """Which references are the first or last of their walking bout."""
    ref = np.asarray(ref_t_s)
    edge = np.zeros(ref.size, dtype=bool)
    for lo, hi in np.asarray(bouts_t_s).reshape(-1, 2):
        inside = np.flatnonzero((ref >= lo - TOLERANCE_S) & (ref <= hi + TOLERANCE_S))
        if inside.size:
            edge[inside[[0, -1]]] = True
    return edge


def _edge_scores(ref: np.ndarray, error: np.ndarray, r: Reference) -> dict[str, Score]:
    """Recall and errors of the first / last ICs of bouts, and of the others (no fp here)."""
    edge = edge_flags(ref, r.bouts_t_s)
    out = {}
    for name, mask in (("ic_edge", edge), ("ic_inner", ~edge)):
        e = error[mask]
        found = np.isfinite(e)
        out[name] = Score(int(found.sum()), 0, int((~found).sum()), e[found])
    return out


def score_recording(rec: Recording, detected: Mapping[str, Detected]) -> dict[str, Score]:
    """IC and TO scores of one detector on both feet, plus bout-edge and inner IC recall."""
    parts: dict[str, list[Score]] = {"ic": [], "to": [], "ic_edge": [], "ic_inner": []}
    for side, det in detected.items():
        r = rec.reference[side]
        ic, ref, error = score_events(det.ic_t_s, r.ic_t_s, r.ic_region_t_s)
        parts["ic"].append(ic)
        for name, s in _edge_scores(ref, error, r).items():
            parts[name].append(s)
        if r.to_t_s is not None:
            parts["to"].append(score_events(det.to_t_s, r.to_t_s, r.to_region_t_s)[0])
    out = {k: total(v) for k, v in parts.items() if v}
    return out


def same_events(
    a: Sequence[tuple[int, int, float, int]],
    b: Sequence[tuple[int, int, float, int]],
    idx_tol: float = 1e-3,
) -> tuple[bool, float]:
    """Whether two causal detectors emitted the same events (segment, kind, detection sample;
    event index within ``idx_tol`` samples: float32 vs float64), and the largest index gap."""
    if len(a) != len(b):
        return False, float("inf")
    if not a:
        return True, 0.0
    if any(x[0] != y[0] or x[1] != y[1] or x[3] != y[3] for x, y in zip(a, b, strict=True)):
        return False, float("inf")
    gap = max(abs(x[2] - y[2]) for x, y in zip(a, b, strict=True))
    return gap <= idx_tol, gap

"""Run every detector on one row of the suite and collect its scores.

:func:`evaluate` prepares each recording of a :class:`~tests.robustness.grid.Row` (gaps,
alignment), runs the adapters of :data:`~tests.robustness.runners.RUNNERS`, scores them
(:mod:`tests.robustness.scoring`) and checks that the C port emitted the live detector's events.
:func:`check_acceptance` states the issue's targets.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from tests.robustness.cases import Recording
from tests.robustness.grid import Row
from tests.robustness.runners import RUNNERS, Detected, Prepared, prepare
from tests.robustness.scoring import Score, same_events, score_recording, total

__all__ = [
    "MIN_IC_F1",
    "MIN_IC_PRECISION",
    "RowResult",
    "acceptance_groups",
    "add_runner",
    "check_acceptance",
    "check_group",
    "evaluate",
]

#: Acceptance (issue 11, point 7): on every condition, offline and live.
MIN_IC_F1 = 0.98
MIN_IC_PRECISION = 0.99


@dataclass
class RowResult:
    """Scores of every detector on one row.

    Attributes
    ----------
    row : Row
        What was run.
    scores : dict
        ``{runner: {"ic" | "to" | "ic_edge" | "ic_inner": Score}}`` summed over the row's
        recordings and both feet.
    aligned, flips : int
        Feet that went through alignment, and how many of them it turned around.
    max_rotation_error_deg : float or None
        Largest error of an estimated mounting.
    alignment_failures : list of str
        Messages of alignments that raised.
    c_equals_live : bool or None
        The C port emitted the live detector's events (None: one of them did not run).
    c_max_idx_gap : float
        Largest difference of an event's sample index between them.
    notes : list of str
        The disturbances, with parameters.
    seconds : float
        Wall time of the row (preparation and all runners).
    prepared : list of (Recording, dict of Prepared)
        Kept for runners added later (:func:`add_runner`).
    """

    row: Row
    scores: dict[str, dict[str, Score]] = field(default_factory=dict)
    aligned: int = 0
    flips: int = 0
    max_rotation_error_deg: float | None = None
    alignment_failures: list[str] = field(default_factory=list)
    c_equals_live: bool | None = None
    c_max_idx_gap: float = 0.0
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    prepared: list[tuple[Recording, dict[str, Prepared]]] = field(default_factory=list, repr=False)


def _sum(parts: Sequence[dict[str, Score]]) -> dict[str, Score]:
    keys = {k for p in parts for k in p}
    return {k: total(p[k] for p in parts if k in p) for k in sorted(keys)}


def add_runner(result: RowResult, name: str, detected: Sequence[Mapping[str, Detected]]) -> None:
    """Score another detector's events (one mapping per recording of the row) into ``result``."""
    pairs = zip(result.prepared, detected, strict=True)
    parts = [score_recording(rec, det) for (rec, _), det in pairs]
    result.scores[name] = _sum(parts)


def evaluate(
    row: Row, runners: Mapping[str, Callable[[Prepared], Detected]] = RUNNERS
) -> RowResult:
    """Every runner on every recording of ``row``; see :class:`RowResult`."""
    t0 = time.perf_counter()
    result = RowResult(row)
    parts: dict[str, list[dict[str, Score]]] = {name: [] for name in runners}
    same: list[bool] = []
    for rec in row.build():
        prepared = prepare(rec)
        result.prepared.append((rec, prepared))
        for note in rec.notes:
            if note not in result.notes:
                result.notes.append(note)
        for p in prepared.values():
            if p.alignment_failed:
                result.alignment_failures.append(p.alignment_failed)
            if p.flipped is not None:
                result.aligned += 1
                result.flips += int(p.flipped)
                err = p.rotation_error_deg or 0.0
                result.max_rotation_error_deg = max(result.max_rotation_error_deg or 0.0, err)
        detected = {name: {s: run(p) for s, p in prepared.items()} for name, run in runners.items()}
        for name, det in detected.items():
            parts[name].append(score_recording(rec, det))
        if "live" in detected and "C port" in detected:
            for s in prepared:
                ok, gap = same_events(detected["live"][s].raw, detected["C port"][s].raw)
                same.append(ok)
                result.c_max_idx_gap = max(result.c_max_idx_gap, gap)
    result.scores = {name: _sum(p) for name, p in parts.items()}
    result.c_equals_live = all(same) if same else None
    result.seconds = time.perf_counter() - t0
    return result


def acceptance_groups(results: Sequence[RowResult]) -> dict[str, list[RowResult]]:
    """The issue's conditions, each pooled over every recording it was applied to: every
    disturbance (``"condition: spikes"``: the gaitmap walks and the virtual walks together),
    and every virtual gait (``"gait: sim parkinson"``: all its rows, both rates)."""
    groups: dict[str, list[RowResult]] = {}
    for res in results:
        groups.setdefault(f"condition: {res.row.condition}", []).append(res)
        if res.row.data.startswith("sim "):
            gait = " ".join(res.row.data.split()[:2])
            groups.setdefault(f"gait: {gait}", []).append(res)
    return groups


def check_group(results: Sequence[RowResult]) -> list[str]:
    """What a pooled group misses: IC F1 >= 0.98 and precision >= 0.99 offline and live over
    its rows summed, the C port equal to live on every row, no flip on any."""
    out = []
    for name in ("offline", "live"):
        parts = [r.scores[name]["ic"] for r in results if name in r.scores]
        if not parts:
            continue
        ic = total(parts)
        if not ic.f1 >= MIN_IC_F1:
            out.append(f"{name} IC F1 {ic.f1:.3f} < {MIN_IC_F1} ({ic.tp}/{ic.fp}/{ic.fn})")
        if not ic.precision >= MIN_IC_PRECISION:
            out.append(f"{name} IC precision {ic.precision:.3f} < {MIN_IC_PRECISION}")
    for res in results:
        out += [
            f"{res.row.label}: {w}"
            for w in check_acceptance(res)
            if not w.startswith(("offline", "live"))
        ]
    return out


def check_acceptance(result: RowResult) -> list[str]:
    """What in ``result`` misses the targets: IC F1 >= 0.98 and precision >= 0.99 offline and
    live, the C port equal to live, no alignment flip (empty list: all met)."""
    out = []
    for name in ("offline", "live"):
        ic = result.scores.get(name, {}).get("ic")
        if ic is None:
            continue
        if not ic.f1 >= MIN_IC_F1:
            out.append(f"{name} IC F1 {ic.f1:.3f} < {MIN_IC_F1}")
        if not ic.precision >= MIN_IC_PRECISION:
            out.append(f"{name} IC precision {ic.precision:.3f} < {MIN_IC_PRECISION}")
    if result.c_equals_live is False:
        out.append(f"C port differs from live (largest index gap {result.c_max_idx_gap:g})")
    if result.flips:
        out.append(f"alignment turned {result.flips} of {result.aligned} feet around")
    if result.alignment_failures:
        out.append(f"alignment failed: {result.alignment_failures[0]}")
    return out

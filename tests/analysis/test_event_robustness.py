"""Acceptance of the gait-event detectors on the robustness suite's quick rows (issue 11, pt 7).

Every condition (each disturbance, pooled over the recordings it was applied to in the quick
rows, and each virtual gait; tests/robustness/grid.py ``QUICK``: one row per failure the
reviewers saw on held-back data, plus the virtual patient's presets): IC F1 >= 0.98 within
50 ms and precision >= 0.99, offline and live; on every row the firmware's C port emits exactly
the live detector's events and alignment never turns a foot around. The full table, row by row
and with gaitmap alongside, is benchmarks/gait_robustness.py (docs/benchmarks.md).
"""

from __future__ import annotations

from functools import cache

import pytest

from tests.robustness.grid import Row, rows
from tests.robustness.scoring import total
from tests.robustness.suite import (
    MIN_IC_F1,
    MIN_IC_PRECISION,
    RowResult,
    acceptance_groups,
    evaluate,
)

ROWS = {row.label: row for row in rows(quick=True)}


@cache
def result(label: str) -> RowResult:
    """Every detector on one row, once per test session."""
    return evaluate(ROWS[label])


@cache
def groups() -> dict[str, list[str]]:
    """Condition -> labels of its quick rows."""
    members = acceptance_groups([_Shell(row) for row in ROWS.values()])
    return {name: [m.row.label for m in ms] for name, ms in members.items()}


class _Shell:
    """A row without results, to group labels."""

    def __init__(self, row: Row) -> None:
        self.row = row


def _aligned(row: Row) -> bool:
    return any(rec.needs_alignment for rec in row.build())


@pytest.mark.parametrize("group", list(groups()))
@pytest.mark.parametrize("runner", ["offline", "live"])
def test_initial_contacts_found_without_extras(group, runner):
    ic = total(result(label).scores[runner]["ic"] for label in groups()[group])
    assert ic.n_reference > 0
    assert ic.f1 >= MIN_IC_F1, (ic.tp, ic.fp, ic.fn)
    assert ic.precision >= MIN_IC_PRECISION, (ic.tp, ic.fp, ic.fn)


@pytest.mark.parametrize("label", list(ROWS))
def test_offline_and_live_find_the_same_initial_contacts(label):
    scores = result(label).scores
    off, live = scores["offline"]["ic"], scores["live"]["ic"]
    assert (off.tp, off.fp, off.fn) == (live.tp, live.fp, live.fn)


@pytest.mark.parametrize("label", list(ROWS))
def test_c_port_emits_the_live_events(label):
    same, gap = result(label).c_equals_live, result(label).c_max_idx_gap
    assert same, f"largest index gap {gap}"


@pytest.mark.parametrize("label", [k for k, row in ROWS.items() if _aligned(row)])
def test_alignment_never_turns_a_foot_around(label):
    res = result(label)
    aligned, failures, flips = res.aligned, res.alignment_failures, res.flips
    assert aligned > 0 and not failures
    assert flips == 0, f"max rotation error {res.max_rotation_error_deg:.0f} deg"

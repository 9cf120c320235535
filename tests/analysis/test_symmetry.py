"""Symmetry index and ratio: exact answers, basis bookkeeping, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.errors import AnalysisInputError
from analysis.events import GaitEvents
from analysis.spatiotemporal import spatiotemporal_parameters
from analysis.symmetry import (
    BASIS_PARETIC,
    BASIS_RIGHT_LEFT,
    gait_symmetry,
    side_symmetry,
    symmetry_index_pct,
    symmetry_ratio,
)


def asymmetric_walk(n: int = 20, right_offset_s: float = 0.4):
    """Right step (L→R) ``right_offset_s``, left step (R→L) 1 − that; stance 0.7 L / 0.6 R."""
    left = np.arange(n, dtype=float)
    right = left + right_offset_s
    return spatiotemporal_parameters(
        GaitEvents.from_arrays(
            ic_left_t_s=left,
            ic_right_t_s=right,
            to_left_t_s=left + 0.7,
            to_right_t_s=right + 0.6,
            step_length_left_m=np.full(n, 0.5),
            step_length_right_m=np.full(n, 0.7),
        )
    )


def si(x_np: float, x_p: float) -> float:
    return (x_np - x_p) / (0.5 * (x_np + x_p)) * 100.0


def test_scalar_formulas():
    assert symmetry_index_pct(1.0, 1.0) == 0.0
    assert symmetry_index_pct(1.2, 0.8) == pytest.approx(40.0)
    assert symmetry_ratio(0.8, 1.2) == pytest.approx(1.5)
    assert math.isnan(symmetry_index_pct(0.0, 0.0))
    assert math.isnan(symmetry_ratio(0.0, 1.0))
    assert math.isnan(symmetry_index_pct(math.nan, 1.0))


def test_perfectly_symmetric_gait_gives_si_0_and_ratio_1():
    left = np.arange(20.0)
    r = spatiotemporal_parameters(
        GaitEvents.from_arrays(
            ic_left_t_s=left,
            ic_right_t_s=left + 0.5,
            to_left_t_s=left + 0.6,
            to_right_t_s=left + 1.1,
        )
    )
    s = gait_symmetry(r)
    for m in ("step_time", "stance_time", "swing_time"):
        assert getattr(s, f"{m}_si_pct") == pytest.approx(0.0, abs=1e-9)
        assert getattr(s, f"{m}_ratio") == pytest.approx(1.0)
    assert s.basis == BASIS_RIGHT_LEFT


@pytest.mark.parametrize(
    ("affected", "paretic"),
    [("left", "left"), ("right", "right"), (1, "left"), (np.int64(2), "right"), ("L", "left")],
)
def test_known_asymmetry_on_the_paretic_basis(affected, paretic):
    s = gait_symmetry(asymmetric_walk(), affected)
    left = {"step_time": 0.6, "stance_time": 0.7, "swing_time": 0.3, "step_length": 0.5}
    right = {"step_time": 0.4, "stance_time": 0.6, "swing_time": 0.4, "step_length": 0.7}
    p, np_ = (left, right) if paretic == "left" else (right, left)
    assert s.basis == BASIS_PARETIC
    assert s.paretic_side == paretic
    for m in left:
        assert getattr(s, f"{m}_si_pct") == pytest.approx(si(np_[m], p[m]))
        assert getattr(s, f"{m}_ratio") == pytest.approx(p[m] / np_[m])
    assert s.reason == ""


@pytest.mark.parametrize("affected", [None, "unknown", 0, ""])
def test_without_affected_side_right_vs_left_is_used_and_said(affected):
    s = gait_symmetry(asymmetric_walk(), affected)
    assert s.basis == BASIS_RIGHT_LEFT
    assert s.paretic_side is None
    assert s.step_time_si_pct == pytest.approx(si(0.4, 0.6))  # (R − L) / mean
    assert s.step_time_ratio == pytest.approx(0.6 / 0.4)  # L / R


def test_side_symmetry_returns_the_basis():
    assert side_symmetry(1.0, 2.0, "right") == pytest.approx((si(1.0, 2.0), 2.0, BASIS_PARETIC))
    assert side_symmetry(1.0, 2.0)[2] == BASIS_RIGHT_LEFT


def test_missing_side_gives_nan_with_reason():
    r = spatiotemporal_parameters(GaitEvents.from_arrays(ic_left_t_s=[], ic_right_t_s=[]))
    s = gait_symmetry(r, "left")
    assert math.isnan(s.step_time_si_pct) and math.isnan(s.step_time_ratio)
    assert "step time" in s.reason


@pytest.mark.parametrize("bad", ["middle", 3, -1, 1.5, True])
def test_bad_affected_side(bad):
    with pytest.raises(AnalysisInputError, match="affected_side"):
        side_symmetry(1.0, 1.0, bad)

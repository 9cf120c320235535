"""Phase coordination index (Plotnik 2007): exact answers, robustness, bad input."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from analysis.errors import AnalysisInputError
from analysis.events import GaitEvents
from analysis.pci import STABLE_PCI_STRIDES, phase_coordination_index


def pci_by_hand(phases_deg: list[float]) -> float:
    cv = statistics.stdev(phases_deg) / statistics.mean(phases_deg) * 100
    phi_abs = statistics.mean(abs(p - 180.0) for p in phases_deg)
    return cv + 100 * phi_abs / 180


def test_perfect_alternation_gives_pci_0():
    left = np.arange(25.0)
    r = phase_coordination_index(GaitEvents.from_arrays(ic_left_t_s=left, ic_right_t_s=left + 0.5))
    assert r.pci_pct == 0.0
    assert np.all(r.phases_deg == 180.0)
    assert r.n_strides == 24
    assert r.stable


def test_constant_phase_offset():
    left = np.arange(25.0)
    for ref, phase in (("left", 144.0), ("right", 216.0)):
        r = phase_coordination_index(
            GaitEvents.from_arrays(ic_left_t_s=left, ic_right_t_s=left + 0.4), reference_side=ref
        )
        assert r.reference_side == ref
        assert np.allclose(r.phases_deg, phase)
        assert r.phase_cv_pct == pytest.approx(0.0, abs=1e-9)
        assert r.phase_abs_deg == pytest.approx(36.0)
        assert r.pci_pct == pytest.approx(100 * 36 / 180)


def test_variable_phase_matches_the_formula():
    fractions = [0.5, 0.45, 0.55, 0.52, 0.47, 0.5, 0.6, 0.41, 0.5, 0.53]
    stride_s = [1.0, 1.1, 0.9, 1.0, 1.05, 0.95, 1.0, 1.0, 1.1, 1.0]
    left = np.r_[0.0, np.cumsum(stride_s)]
    right = left[:-1] + np.array(fractions) * np.array(stride_s)
    r = phase_coordination_index(
        GaitEvents.from_arrays(ic_left_t_s=left, ic_right_t_s=right), reference_side="left"
    )
    expected_phases = [360.0 * f for f in fractions]
    assert np.allclose(r.phases_deg, expected_phases)
    assert r.pci_pct == pytest.approx(pci_by_hand(expected_phases))
    assert not r.stable and r.n_strides < STABLE_PCI_STRIDES


def test_missed_contact_excludes_the_strides_around_it():
    left = np.arange(20.0)
    right = np.delete(left + 0.5, 5)  # right IC at 5.5 s missed
    r = phase_coordination_index(
        GaitEvents.from_arrays(ic_left_t_s=left, ic_right_t_s=right), reference_side="left"
    )
    assert r.n_strides == 19 - 3  # strides starting at L4, L5, L6 touch the gap
    assert r.pci_pct == 0.0  # a 360° "phase" averaged in would not give 0


def test_auto_reference_is_the_longer_swing():
    left = np.arange(10.0)
    right = left + 0.5
    r = phase_coordination_index(
        GaitEvents.from_arrays(
            ic_left_t_s=left,
            ic_right_t_s=right,
            to_left_t_s=left + 0.7,  # left swing 0.3 s
            to_right_t_s=right + 0.6,  # right swing 0.4 s
        )
    )
    assert r.reference_side == "right"
    assert "longer" in r.reference_rule
    r2 = phase_coordination_index(GaitEvents.from_arrays(ic_left_t_s=left, ic_right_t_s=right))
    assert r2.reference_side == "left" and "no toe-offs" in r2.reference_rule


@pytest.mark.parametrize(("left", "right"), [([], []), ([0.0, 1.0], [0.5]), ([0.0], [0.5])])
def test_too_few_strides_is_nan_with_reason(left, right):
    r = phase_coordination_index(GaitEvents.from_arrays(ic_left_t_s=left, ic_right_t_s=right))
    assert math.isnan(r.pci_pct)
    assert "PCI needs at least 2" in r.reason


def test_bad_input():
    with pytest.raises(AnalysisInputError, match="reference_side"):
        phase_coordination_index(
            GaitEvents.from_arrays(ic_left_t_s=[0.0], ic_right_t_s=[0.5]), reference_side="up"
        )
    with pytest.raises(AnalysisInputError, match="strictly increasing"):
        phase_coordination_index(GaitEvents.from_arrays(ic_left_t_s=[1.0, 0.0], ic_right_t_s=[0.5]))
    with pytest.raises(AnalysisInputError, match="finite"):
        phase_coordination_index(
            GaitEvents.from_arrays(ic_left_t_s=[0.0, 1.0], ic_right_t_s=[np.nan])
        )

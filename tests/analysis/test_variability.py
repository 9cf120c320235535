"""Coefficient of variation: exact answers and bad input."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from analysis.errors import AnalysisInputError
from analysis.events import GaitEvents
from analysis.spatiotemporal import spatiotemporal_parameters
from analysis.variability import coefficient_of_variation_pct, gait_variability


def test_cv_formula():
    assert coefficient_of_variation_pct([1.0, 2.0, 3.0]) == pytest.approx(1.0 / 2.0 * 100.0)
    assert coefficient_of_variation_pct([2.0, 2.0, 2.0]) == 0.0


@pytest.mark.parametrize("values", [[], [1.0], [0.0, 0.0], [-1.0, 1.0]])
def test_cv_undefined_is_nan(values):
    assert math.isnan(coefficient_of_variation_pct(values))


@pytest.mark.parametrize(("values", "match"), [([1.0, np.nan], "NaN"), ([[1.0, 2.0]], "1-D")])
def test_cv_bad_input(values, match):
    with pytest.raises(AnalysisInputError, match=match):
        coefficient_of_variation_pct(values)


def test_stride_time_cv_of_a_known_walk():
    stride_s = np.array([1.0, 1.1, 0.95, 1.05, 1.0, 1.1, 0.9, 1.0])
    left = np.r_[0.0, np.cumsum(stride_s)]
    right = left[:-1] + stride_s / 2
    r = spatiotemporal_parameters(GaitEvents.from_arrays(ic_left_t_s=left, ic_right_t_s=right))
    v = gait_variability(r)
    left_strides = list(stride_s)
    expected_left = statistics.stdev(left_strides) / statistics.mean(left_strides) * 100
    assert v.stride_time_cv_pct.left == pytest.approx(expected_left)
    all_strides = list(r.strides_time_s)
    assert len(all_strides) == 2 * len(stride_s) - 1
    expected = statistics.stdev(all_strides) / statistics.mean(all_strides) * 100
    assert v.stride_time_cv_pct.both == pytest.approx(expected)
    assert v.stride_time_sd_s == pytest.approx(statistics.stdev(all_strides))
    steps = list(r.steps_time_s)
    assert v.step_time_cv_pct.both == pytest.approx(
        statistics.stdev(steps) / statistics.mean(steps) * 100
    )


def test_perfectly_regular_walk_has_zero_cv():
    left = np.arange(10.0)
    v = gait_variability(
        spatiotemporal_parameters(GaitEvents.from_arrays(ic_left_t_s=left, ic_right_t_s=left + 0.5))
    )
    assert v.stride_time_cv_pct.both == pytest.approx(0.0, abs=1e-9)


def test_too_few_strides_is_nan_with_reason():
    r = spatiotemporal_parameters(
        GaitEvents.from_arrays(ic_left_t_s=[0.0, 1.0], ic_right_t_s=[0.5])
    )
    v = gait_variability(r)
    assert r.n_strides == 1
    assert math.isnan(v.stride_time_cv_pct.both)
    assert "stride_time_cv_pct" in v.reason
    assert "stride_time_left_cv_pct" in v.reason

"""Agreement of detected with true freezing episodes: per episode and per sample (time)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.errors import AnalysisInputError
from analysis.freezing_eval import episode_agreement, sample_agreement

TRUE = [(10.0, 14.0), (30.0, 31.0), (50.0, 60.0)]


def test_episodes_found_missed_and_false_alarms_per_hour():
    detected = [(9.0, 11.0), (12.0, 13.0), (40.0, 42.0), (59.5, 65.0), (70.0, 71.0)]
    a = episode_agreement(detected_t_s=detected, true_t_s=TRUE, duration_s=1800.0)
    assert (a.n_true, a.n_detected, a.n_found, a.n_false) == (3, 5, 2, 2)
    assert a.sensitivity == pytest.approx(2 / 3)
    assert a.false_per_hour == pytest.approx(2 / 0.5)
    # touching is not overlapping; a tolerance widens the true episodes
    touch = [(31.0, 33.0)]
    assert episode_agreement(detected_t_s=touch, true_t_s=TRUE, duration_s=60).n_found == 0
    tol = episode_agreement(detected_t_s=touch, true_t_s=TRUE, duration_s=60, tolerance_s=0.5)
    assert tol.n_found == 1 and tol.n_false == 0


def test_no_true_episodes_gives_no_sensitivity_but_counts_false_alarms():
    a = episode_agreement(detected_t_s=[(1.0, 2.0)], true_t_s=[], duration_s=3600.0)
    assert math.isnan(a.sensitivity) and a.n_false == 1 and a.false_per_hour == 1.0
    b = episode_agreement(detected_t_s=np.zeros((0, 2)), true_t_s=TRUE, duration_s=60.0)
    assert b.sensitivity == 0.0 and b.n_false == 0


def test_sample_agreement_is_exact_on_the_intervals():
    # detected overlaps 10-14 for 2 s, 50-60 for 10 s and adds 3 s of false frozen time
    detected = [(8.0, 12.0), (49.0, 61.0), (59.0, 62.0)]
    s = sample_agreement(detected_t_s=detected, true_t_s=TRUE, start_t_s=0.0, end_t_s=100.0)
    assert s.true_frozen_s == pytest.approx(15.0)
    assert s.detected_frozen_s == pytest.approx(4.0 + 13.0)  # overlapping detections count once
    assert s.sensitivity == pytest.approx(12.0 / 15.0)
    assert s.specificity == pytest.approx((85.0 - 5.0) / 85.0)
    # only the span counts
    part = sample_agreement(detected_t_s=detected, true_t_s=TRUE, start_t_s=0.0, end_t_s=20.0)
    assert part.sensitivity == pytest.approx(2.0 / 4.0)
    assert part.specificity == pytest.approx((16.0 - 2.0) / 16.0)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: episode_agreement(detected_t_s=[(2.0, 1.0)], true_t_s=[], duration_s=1), "ends"),
        (lambda: episode_agreement(detected_t_s=[1.0], true_t_s=[], duration_s=1), "shape"),
        (lambda: episode_agreement(detected_t_s=[], true_t_s=[], duration_s=0), "duration_s"),
        (
            lambda: sample_agreement(detected_t_s=[], true_t_s=[], start_t_s=5, end_t_s=1),
            "start_t_s < end_t_s",
        ),
        (
            lambda: sample_agreement(
                detected_t_s=[(0.0, np.nan)], true_t_s=[], start_t_s=0, end_t_s=1
            ),
            "finite",
        ),
    ],
)
def test_bad_input_is_one_line(call, match):
    with pytest.raises(AnalysisInputError, match=match) as err:
        call()
    assert "\n" not in str(err.value)

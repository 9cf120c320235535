"""Synchronisation of steps to beats: exact answers, audibility, cue pauses, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.errors import AnalysisInputError
from analysis.synchronisation import mean_resultant_length, synchronisation

IBI_S = 0.5
BEATS = np.arange(0.0, 20.0, IBI_S)


def test_steps_exactly_on_beats():
    r = synchronisation(step_t_s=BEATS[2:-2], beat_t_s=BEATS)
    assert r.resultant_length_r == pytest.approx(1.0)
    assert r.mean_asynchrony_ms == pytest.approx(0.0, abs=1e-9)
    assert np.allclose(r.phases_deg, 0.0)
    assert r.within_window_pct == 100.0
    assert r.n_steps_counted == BEATS.size - 4


def test_steps_50_ms_before_the_beats():
    s = synchronisation(step_t_s=BEATS[2:-2] - 0.050, beat_t_s=BEATS)
    assert s.mean_asynchrony_ms == pytest.approx(-50.0)
    assert np.allclose(s.phases_deg, 360.0 * -0.050 / IBI_S)
    assert s.mean_phase_deg == pytest.approx(360.0 * -0.050 / IBI_S)
    assert s.resultant_length_r == pytest.approx(1.0)
    assert s.within_window_pct == 100.0  # 50 ms = exactly 10 % of 0.5 s


def test_window_and_spread_phases():
    offsets = np.tile([-0.03, 0.07], 10)  # inside, outside ± 10 % of 0.5 s (= 50 ms)
    steps = BEATS[2:22] + offsets
    r = synchronisation(step_t_s=steps, beat_t_s=BEATS)
    assert r.within_window_pct == pytest.approx(50.0)
    assert r.mean_asynchrony_ms == pytest.approx(20.0)
    # four phases 90° apart cancel: R = 0, mean phase undefined
    steps = BEATS[2:22] + np.tile([0.0, 0.125, -0.125, 0.25], 5)
    r = synchronisation(step_t_s=steps, beat_t_s=BEATS)
    assert r.resultant_length_r == pytest.approx(0.0, abs=1e-12)
    assert math.isnan(r.mean_phase_deg)


def test_ibi_is_the_interval_the_step_lies_in():
    beats = np.array([0.0, 0.5, 1.0, 1.6, 2.2])
    r = synchronisation(step_t_s=[0.95, 1.66], beat_t_s=beats)
    assert np.allclose(r.phases_deg, [360 * -0.05 / 0.5, 360 * 0.06 / 0.6])
    assert np.allclose(r.beats_t_s, [1.0, 1.6])


def test_only_audible_beats_count():
    audible = np.ones(BEATS.size, dtype=bool)
    audible[::4] = False
    steps = BEATS[1:-1] + 0.01
    r = synchronisation(step_t_s=steps, beat_t_s=BEATS, beat_audible=audible)
    assert r.n_steps_counted == int(audible[1:-1].sum())
    assert r.n_beats_audible == int(audible.sum())
    assert not np.isin(np.round(r.beats_t_s, 9), np.round(BEATS[~audible], 9)).any()


def test_steps_far_from_the_cue_are_not_counted():
    beats = np.r_[np.arange(0.0, 5.01, 0.5), np.arange(20.0, 25.01, 0.5)]  # cue paused 5–20 s
    steps = np.arange(-3.0, 28.0, 0.5)
    r = synchronisation(step_t_s=steps, beat_t_s=beats)
    assert r.n_steps_counted == beats.size  # only the steps on beats; none in the pause
    assert r.n_steps_total == steps.size
    # a step 0.1 s before the first beat uses the first interval
    r = synchronisation(step_t_s=[-0.1, 0.5], beat_t_s=beats)
    assert np.allclose(r.phases_deg, [360 * -0.1 / 0.5, 0.0])


@pytest.mark.parametrize(
    ("steps", "beats"), [([], BEATS), ([1.0], [1.0]), ([1.0], []), ([30.0, 31.0], BEATS)]
)
def test_nothing_to_compare_gives_nan_with_reason(steps, beats):
    r = synchronisation(step_t_s=steps, beat_t_s=beats)
    assert math.isnan(r.resultant_length_r) and math.isnan(r.mean_asynchrony_ms)
    assert r.n_steps_counted == 0 and r.phases_deg.size == 0
    assert r.reason


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"step_t_s": [0.0, np.nan], "beat_t_s": BEATS}, "finite"),
        ({"step_t_s": [1.0, 0.5], "beat_t_s": BEATS}, "strictly increasing"),
        ({"step_t_s": [1.0], "beat_t_s": BEATS[::-1]}, "strictly increasing"),
        ({"step_t_s": [1.0], "beat_t_s": BEATS, "beat_audible": [True]}, "beat_audible"),
        ({"step_t_s": [1.0], "beat_t_s": BEATS, "window_fraction": 2.0}, "window_fraction"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(AnalysisInputError, match=match):
        synchronisation(**kwargs)


def test_the_resultant_length_of_equal_phases_never_exceeds_one() -> None:
    """Equal phases give R = 1; rounding made it 1 + 2e-16 for some angles, which a live
    reading checked against its 0-1 range and failed."""
    angles_rad = np.linspace(-3.0, 3.0, 2001)
    r = np.array([mean_resultant_length(np.full(7, a)) for a in angles_rad])
    assert r.max() == 1.0 and r.min() > 1.0 - 1e-12

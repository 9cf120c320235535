"""Spatio-temporal parameters: exact answers on synthetic event times, robustness, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.errors import AnalysisInputError
from analysis.events import GaitEvents, gait_events_from_steps
from analysis.spatiotemporal import (
    SIDE_LEFT,
    SIDE_RIGHT,
    pair_initial_contacts,
    spatiotemporal_parameters,
)


def walk(n: int = 20, stride_s: float = 1.0, right_offset_s: float = 0.5, stance_s: float = 0.6):
    """Left ICs every stride, right ICs ``right_offset_s`` later, TOs ``stance_s`` after IC."""
    left = np.arange(n) * stride_s
    right = left + right_offset_s
    return left, right, left + stance_s, right + stance_s


def test_perfect_alternation_gives_the_constructed_times():
    left, right, to_l, to_r = walk()
    r = spatiotemporal_parameters(
        GaitEvents.from_arrays(
            ic_left_t_s=left, ic_right_t_s=right, to_left_t_s=to_l, to_right_t_s=to_r
        )
    )
    assert r.n_steps == 2 * 20 - 1
    assert r.n_steps_excluded == 0
    assert r.n_strides == 2 * 20 - 2
    assert r.step_time_s.both == pytest.approx(0.5)
    assert r.cadence_spm == pytest.approx(60.0 / 0.5)
    assert r.stride_time_s.both == pytest.approx(1.0)
    assert r.stance_time_s.left == pytest.approx(0.6)
    assert r.swing_time_s.right == pytest.approx(0.4)
    assert r.stance_pct.both == pytest.approx(60.0)
    # initial DS: TO of the other foot (IC_other_prev + 0.6) − IC = 0.1; terminal: 0.6 − 0.5 = 0.1
    assert r.double_support_pct.both == pytest.approx((0.1 + 0.1) / 1.0 * 100.0)
    assert math.isnan(r.gait_speed_m_per_s.both)
    assert "stride lengths" in r.reason


def test_steps_are_attributed_to_the_side_whose_ic_ends_them():
    # right IC 0.4 s after left: right step (L→R) 0.4 s, left step (R→L) 0.6 s
    left, right, _, _ = walk(right_offset_s=0.4)
    r = spatiotemporal_parameters(GaitEvents.from_arrays(ic_left_t_s=left, ic_right_t_s=right))
    assert r.step_time_s.right == pytest.approx(0.4)
    assert r.step_time_s.left == pytest.approx(0.6)
    n_right, n_left = 20, 19  # L0 R0 L1 ... L19 R19: 20 right steps, 19 left steps
    assert r.step_time_s.both == pytest.approx((n_right * 0.4 + n_left * 0.6) / (n_right + n_left))
    assert r.cadence_spm == pytest.approx(60.0 / r.step_time_s.both)
    assert set(r.steps_side[r.steps_time_s < 0.5]) == {SIDE_RIGHT}
    assert set(r.steps_side[r.steps_time_s > 0.5]) == {SIDE_LEFT}


def test_missed_detection_is_excluded_not_averaged_in():
    left = np.arange(6.0)
    right = np.array([0.5, 1.5, 3.5, 4.5])  # the right IC at 2.5 s was missed
    r = spatiotemporal_parameters(GaitEvents.from_arrays(ic_left_t_s=left, ic_right_t_s=right))
    # steps touching the two consecutive left ICs (2 s, 3 s) are dropped: 1.5→2, 2→3, 3→3.5
    assert r.n_steps == 6
    assert r.n_steps_excluded == 3
    assert r.step_time_s.both == pytest.approx(0.5)  # a 1 s "step" averaged in would raise it
    assert np.allclose(r.steps_time_s, 0.5)
    assert r.n_strides == 4
    assert np.allclose(r.strides_time_s, 1.0)


def test_extra_detection_is_excluded():
    left = np.arange(5.0)
    right = np.array([0.5, 1.5, 1.7, 2.5, 3.5])  # 1.7 s is a spurious right IC
    r = spatiotemporal_parameters(GaitEvents.from_arrays(ic_left_t_s=left, ic_right_t_s=right))
    # 1.7 → 2 (0.3 s) would pass the 0.5 × median limit; it touches the same-side pair
    assert r.n_steps == 6
    assert np.allclose(r.steps_time_s, 0.5)
    assert 1.7 not in r.steps_end_t_s and 2.0 not in r.steps_end_t_s


def test_pause_longer_than_the_gap_threshold_is_excluded():
    left = np.array([0.0, 1.0, 2.0, 10.0, 11.0, 12.0])
    right = np.array([0.5, 1.5, 2.5, 10.5, 11.5])
    r = spatiotemporal_parameters(GaitEvents.from_arrays(ic_left_t_s=left, ic_right_t_s=right))
    assert r.n_steps == 10 - 1  # 11 ICs, 10 steps, the 7.5 s one excluded
    assert r.step_time_s.both == pytest.approx(0.5)
    assert r.n_strides == 7  # no stride spans the pause
    assert np.allclose(r.strides_time_s, 1.0)


def test_relative_limits_exclude_long_and_short_steps():
    left = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    right = np.array([0.5, 1.5, 2.1, 3.5, 4.5])  # 2→2.1 is 0.1 s, 2.1→3 is 0.9 s
    p = pair_initial_contacts(GaitEvents.from_arrays(ic_left_t_s=left, ic_right_t_s=right))
    assert p.median_step_time_s == pytest.approx(0.5)
    bad = p.step_time_s[~p.step_valid]
    assert sorted(np.round(bad, 6)) == [0.1, 0.9]  # < 0.5 × median and > 1.5 × median
    # a 1.2 s step is below 2 s but above 1.5 × median: excluded too
    r = spatiotemporal_parameters(
        GaitEvents.from_arrays(
            ic_left_t_s=[0.0, 1.0, 2.0, 3.2, 4.2], ic_right_t_s=[0.5, 1.5, 2.0 + 0.0001, 3.7]
        )
    )
    assert r.steps_time_s.max() <= 0.75


def test_stride_length_and_gait_speed_per_stride():
    left = np.array([0.0, 1.0, 2.2, 3.2])
    right = np.array([0.5, 1.6, 2.7, 3.7])
    lengths_m = np.array([1.0, 1.5, 1.2])  # per left stride
    r = spatiotemporal_parameters(
        GaitEvents.from_arrays(ic_left_t_s=left, ic_right_t_s=right, stride_length_left_m=lengths_m)
    )
    speeds = lengths_m / np.diff(left)
    assert np.allclose(r.strides_speed_m_per_s[r.strides_side == SIDE_LEFT], speeds)
    assert r.gait_speed_m_per_s.left == pytest.approx(speeds.mean())
    assert r.gait_speed_m_per_s.both == pytest.approx(speeds.mean())  # right lengths unknown
    assert math.isnan(r.gait_speed_m_per_s.right)
    assert r.stride_length_m.left == pytest.approx(lengths_m.mean())
    # the same lengths aligned per IC (the stride ending at that IC, as the store keeps them)
    r2 = spatiotemporal_parameters(
        GaitEvents.from_arrays(
            ic_left_t_s=left, ic_right_t_s=right, stride_length_left_m=np.r_[np.nan, lengths_m]
        )
    )
    assert np.array_equal(r2.strides_speed_m_per_s, r.strides_speed_m_per_s, equal_nan=True)


def test_step_length_per_side():
    left, right, _, _ = walk(n=5)
    r = spatiotemporal_parameters(
        GaitEvents.from_arrays(
            ic_left_t_s=left,
            ic_right_t_s=right,
            step_length_left_m=np.full(5, 0.5),
            step_length_right_m=np.full(5, 0.7),
        )
    )
    assert r.step_length_m.left == pytest.approx(0.5)
    assert r.step_length_m.right == pytest.approx(0.7)
    # L0 R0 L1 ... R4: 5 right steps, 4 left steps
    assert r.step_length_m.both == pytest.approx((5 * 0.7 + 4 * 0.5) / 9)


def test_missing_or_doubled_toe_off_leaves_only_that_stride_undefined():
    left, right, to_l, to_r = walk(n=6)
    to_l_missing = np.delete(to_l, 2)  # stride L2→L3 has no TO
    to_l_doubled = np.sort(np.r_[to_l, 2.7])  # stride L2→L3 has two
    for to_left in (to_l_missing, to_l_doubled):
        r = spatiotemporal_parameters(
            GaitEvents.from_arrays(
                ic_left_t_s=left, ic_right_t_s=right, to_left_t_s=to_left, to_right_t_s=to_r
            )
        )
        lm = r.strides_side == SIDE_LEFT
        undefined = r.strides_start_t_s[lm][np.isnan(r.strides_stance_time_s[lm])]
        assert list(undefined) == [2.0]
        assert r.stance_time_s.left == pytest.approx(0.6)
        assert r.swing_time_s.left == pytest.approx(0.4)


def test_one_foot_toe_offs_give_stance_but_no_double_support():
    left, right, to_l, _ = walk(n=6)
    r = spatiotemporal_parameters(
        GaitEvents.from_arrays(ic_left_t_s=left, ic_right_t_s=right, to_left_t_s=to_l)
    )
    assert r.stance_time_s.left == pytest.approx(0.6)
    assert math.isnan(r.stance_time_s.right)
    assert math.isnan(r.double_support_pct.both)
    assert "double support" in r.reason


@pytest.mark.parametrize(
    ("left", "right"),
    [([], []), ([1.0], []), ([1.0], [1.5]), ([1.0, 2.0], [])],
)
def test_too_few_events_give_an_explicit_empty_result(left, right):
    r = spatiotemporal_parameters(GaitEvents.from_arrays(ic_left_t_s=left, ic_right_t_s=right))
    assert r.n_strides == 0
    assert math.isnan(r.stride_time_s.both)
    assert math.isnan(r.gait_speed_m_per_s.both)
    assert r.strides_time_s.size == 0
    assert r.reason
    if r.n_steps == 0:
        assert math.isnan(r.cadence_spm)
        assert "no valid step" in r.reason


def test_growing_input_stays_consistent():
    left, right, to_l, to_r = walk(n=10, right_offset_s=0.45)
    for k in range(11):
        r = spatiotemporal_parameters(
            GaitEvents.from_arrays(
                ic_left_t_s=left[:k],
                ic_right_t_s=right[:k],
                to_left_t_s=to_l[:k],
                to_right_t_s=to_r[:k],
            )
        )
        assert r.n_steps == max(0, 2 * k - 1)
        if r.n_steps:
            assert np.all(np.isin(np.round(r.steps_time_s, 9), [0.45, 0.55]))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"ic_left_t_s": [0.0, np.nan, 2.0], "ic_right_t_s": [0.5]}, "finite"),
        ({"ic_left_t_s": [0.0, 2.0, 1.0], "ic_right_t_s": [0.5]}, "strictly increasing"),
        ({"ic_left_t_s": [0.0, 1.0, 1.0], "ic_right_t_s": [0.5]}, "strictly increasing"),
        ({"ic_left_t_s": [[0.0, 1.0]], "ic_right_t_s": [0.5]}, "1-D"),
        ({"ic_left_t_s": ["a"], "ic_right_t_s": [0.5]}, "numbers"),
        (
            {"ic_left_t_s": [0.0, 1.0], "ic_right_t_s": [0.5], "to_left_t_s": [0.6, np.inf]},
            "finite",
        ),
        (
            {"ic_left_t_s": [0.0, 1.0], "ic_right_t_s": [0.5], "stride_length_left_m": [1, 1, 1]},
            "expected 2",
        ),
        (
            {"ic_left_t_s": [0.0, 1.0], "ic_right_t_s": [0.5], "stride_length_left_m": [-1.0]},
            ">= 0",
        ),
    ],
)
def test_bad_input_raises_one_clear_line(kwargs, match):
    with pytest.raises(AnalysisInputError, match=match) as info:
        spatiotemporal_parameters(GaitEvents.from_arrays(**kwargs))
    assert "\n" not in str(info.value)


def test_a_tighter_pause_limit_excludes_steps_the_default_keeps():
    slow_left, slow_right, _, _ = walk(stride_s=2.4, right_offset_s=1.2)
    slow = GaitEvents.from_arrays(ic_left_t_s=slow_left, ic_right_t_s=slow_right)
    assert spatiotemporal_parameters(slow).n_steps > 0
    assert spatiotemporal_parameters(slow, max_step_time_s=1.0).n_steps == 0


def test_real_walk_with_motion_capture_events(ref_events):
    """gaitmap example (healthy adult, 2 × 20 m with a turn): reference ICs/TCs from mocap."""
    rate_hz = 204.8  # sample rate of imu_sample.csv, to which the event indices refer
    ic, to, ref_strides = {}, {}, {}
    for foot, ev in ref_events.items():
        ic[foot] = np.unique(np.r_[ev["pre_ic"], ev["ic"]]) / rate_hz
        to[foot] = np.unique(ev["tc"]) / rate_hz
        ref_strides[foot] = {
            (round(a / rate_hz, 9), round(b / rate_hz, 9))
            for a, b in zip(ev["pre_ic"], ev["ic"], strict=True)
        }
    r = spatiotemporal_parameters(
        GaitEvents.from_arrays(
            ic_left_t_s=ic["left"],
            ic_right_t_s=ic["right"],
            to_left_t_s=to["left"],
            to_right_t_s=to["right"],
        )
    )
    for foot, code in (("left", SIDE_LEFT), ("right", SIDE_RIGHT)):
        m = r.strides_side == code
        mine = {
            (round(a, 9), round(b, 9))
            for a, b in zip(r.strides_start_t_s[m], r.strides_end_t_s[m], strict=True)
        }
        assert mine <= ref_strides[foot]  # no stride invented across the turn's gap
        # the reference lacks one left IC at the turn: that costs at most three strides of the
        # other foot (the one without a left IC inside and the two whose steps touch it)
        assert len(mine) >= len(ref_strides[foot]) - 3
    # healthy adult: stance about 60–70 % of the stride, PCI a few per cent
    assert 55.0 < r.stance_pct.both < 72.0
    assert 15.0 < r.double_support_pct.both < 40.0
    assert 90.0 < r.cadence_spm < 130.0


def test_gait_events_from_stored_step_rows():
    dtype = np.dtype(
        [("t_s", "f8"), ("side", "i1"), ("kind", "i1"), ("stride_length_m", "f8")]
    )  # the fields of ras.store.rows.STEP_DTYPE this needs
    rows = np.array(
        [
            (0.0, 1, 1, np.nan),
            (0.1, 2, 2, np.nan),
            (0.5, 2, 1, np.nan),
            (0.6, 1, 2, np.nan),
            (1.0, 1, 1, 1.2),
            (1.0, 1, 1, 1.2),  # delivered twice
            (1.1, 2, 2, np.nan),
            (1.5, 2, 1, 1.3),
            (1.2, 1, 3, np.nan),  # mid-swing: ignored
        ],
        dtype=dtype,
    )
    ev = gait_events_from_steps(rows)
    assert list(ev.left.ic_t_s) == [0.0, 1.0]
    assert list(ev.right.ic_t_s) == [0.5, 1.5]
    assert list(ev.left.to_t_s) == [0.6]
    assert list(ev.right.to_t_s) == [0.1, 1.1]
    assert np.array_equal(ev.left.stride_length_m, [np.nan, 1.2], equal_nan=True)
    r = spatiotemporal_parameters(ev)
    assert r.gait_speed_m_per_s.left == pytest.approx(1.2 / 1.0)
    with pytest.raises(AnalysisInputError, match="fields"):
        gait_events_from_steps(np.zeros(3))


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("fault", ["missed", "extra"])
def test_random_missed_or_extra_detections_never_create_a_false_step(seed, fault):
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.normal(0.55, 0.03, 300))  # true ICs, alternating L, R, L, ...
    is_left = np.arange(t.size) % 2 == 0
    keep = np.ones(t.size, dtype=bool)
    extra_t, extra_left = np.zeros(0), np.zeros(0, dtype=bool)
    if fault == "missed":
        keep = rng.random(t.size) > 0.1
    else:  # at most one spurious IC, of either foot, inside a gap between true ICs
        gaps = rng.choice(t.size - 1, size=30, replace=False)
        extra_t = t[gaps] + rng.uniform(0.05, 0.95, gaps.size) * np.diff(t)[gaps]
        extra_left = rng.random(gaps.size) < 0.5
    left = np.sort(np.r_[t[keep & is_left], extra_t[extra_left]])
    right = np.sort(np.r_[t[keep & ~is_left], extra_t[~extra_left]])
    r = spatiotemporal_parameters(GaitEvents.from_arrays(ic_left_t_s=left, ic_right_t_s=right))
    true_steps = set(zip(np.round(t[:-1], 9), np.round(t[1:], 9), strict=True))
    start = np.round(r.steps_end_t_s - r.steps_time_s, 9)
    found = set(zip(start, np.round(r.steps_end_t_s, 9), strict=True))
    assert found <= true_steps
    assert len(found) > 0.4 * len(true_steps)

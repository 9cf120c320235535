"""Online cadence estimator: arithmetic and robustness (missed, extra, stop, out of order)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ras.cadence import (
    CadenceEstimator,
    cadence_confidence,
    cadence_spm,
    classify_interval,
    clean_steps,
)
from ras.errors import UserInputError
from ras.events import StepEvent
from ras.protocol.messages import Side, StepKind

L, R = Side.LEFT, Side.RIGHT


def ic(t_s: float, side: Side) -> StepEvent:
    return StepEvent(1, side, StepKind.INITIAL_CONTACT, t_s, int(t_s * 1e6), t_s, 0, 0)


def walk(n: int, step_s: float = 0.6, left_s: float | None = None, t0_s: float = 0.0):
    """ICs alternating L, R; step time left (R→L) ``left_s``, right ``2·step − left``."""
    left_s = step_s if left_s is None else left_s
    t, out = t0_s, []
    for i in range(n):
        side = L if i % 2 == 0 else R
        out.append((t, side))
        t += (2 * step_s - left_s) if side == L else left_s
    return out


def feed(pairs, est=None) -> CadenceEstimator:
    est = est or CadenceEstimator()
    for t, s in pairs:
        est.update(event=ic(t, s))
    return est


def test_cadence_spm_is_60_over_the_typical_step_time():
    assert cadence_spm(np.array([0.5, 0.6, 0.7])) == pytest.approx(100.0)  # pairs 1.1, 1.3
    assert cadence_spm(np.array([0.8])) == pytest.approx(75.0)
    assert math.isnan(cadence_spm(np.array([])))


def test_asymmetric_steps_give_the_mean_step_time_not_one_foots():
    """Alternating short/long steps: the median of raw steps lands on the short foot's side."""
    steps_s = np.array([0.60, 0.70, 0.61, 0.69, 0.62, 0.71, 0.60])
    mean_spm = 60.0 / steps_s.mean()
    assert 60.0 / np.median(steps_s) - mean_spm > 3.0  # what the naive median would say
    assert cadence_spm(steps_s) == pytest.approx(mean_spm, abs=1.5)


def test_classify_interval():
    assert classify_interval(0.6, 0.6) == ("step", 1)
    assert classify_interval(1.2, 0.6) == ("missed", 2)
    assert classify_interval(0.3, 0.6) == ("extra", 0)
    assert classify_interval(1.9, 0.6) == ("stop", 0)  # > 3 steps = 1.5 cycles
    assert classify_interval(3.0, math.nan) == ("stop", 0)
    assert classify_interval(0.1, math.nan) == ("extra", 0)


def test_steady_walk_per_foot_and_stride():
    est = feed(walk(20, step_s=0.6, left_s=0.55))
    assert est.cadence_spm_ == pytest.approx(100.0, rel=0.05)
    assert est.step_time_left_s_ == pytest.approx(0.55)
    assert est.step_time_right_s_ == pytest.approx(0.65)
    assert est.stride_time_left_s_ == pytest.approx(1.2)
    assert est.stride_time_right_s_ == pytest.approx(1.2)
    assert est.stride_time_s_ == pytest.approx(1.2)
    assert est.confidence_ > 0.5


def test_perfect_walk_full_confidence():
    est = feed(walk(20))
    assert est.cadence_spm_ == pytest.approx(100.0)
    assert est.confidence_ == pytest.approx(1.0)
    assert cadence_confidence(np.full(4, 0.6), window_steps=8) == pytest.approx(3 / 7)


def test_undefined_until_min_steps():
    est = feed(walk(4))  # 3 steps < min_steps 4
    assert math.isnan(est.cadence_spm_)
    assert est.confidence_ == 0.0
    feed(walk(5)[4:], est)
    assert est.cadence_spm_ == pytest.approx(100.0)


def test_missed_ic_is_split_not_slow():
    pairs = walk(20)
    del pairs[12]
    est = feed(pairs)
    assert est.cadence_spm_ == pytest.approx(100.0)
    assert est.n_missed_ == 1
    assert est.confidence_ < 1.0


def test_extra_ic_is_merged():
    pairs = walk(20)
    pairs.insert(12, (pairs[11][0] + 0.25, R))
    est = feed(pairs)
    assert est.cadence_spm_ == pytest.approx(100.0)
    assert est.n_extra_ == 1


def test_clean_steps_extra_and_missed():
    t = np.array([0, 0.6, 1.2, 1.8, 2.1, 2.4, 3.6, 4.2])
    sides = [L, R, L, R, L, L, L, R]
    c = clean_steps(t, sides)
    np.testing.assert_allclose(c.step_times_s, [0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6])
    assert c.n_extra == 1 and c.n_missed == 1
    assert c.interpolated.tolist() == [False] * 4 + [True, True, False]


def test_stop_restarts_window():
    pairs = walk(20)
    last_t = pairs[-1][0]
    est = feed(pairs)
    assert not math.isnan(est.cadence_spm_)
    restart = walk(4, step_s=0.5, t0_s=last_t + 5.0)
    feed(restart, est)
    assert math.isnan(est.cadence_spm_)  # 3 steps since the restart
    feed(walk(6, step_s=0.5, t0_s=last_t + 5.0)[4:], est)
    assert est.cadence_spm_ == pytest.approx(120.0)


def test_expire_after_silence():
    est = feed(walk(20))
    est.expire(t_s=11.6)
    assert not math.isnan(est.cadence_spm_)
    est.expire(t_s=11.4 + 2.0)
    assert math.isnan(est.cadence_spm_)


def test_out_of_order_between_feet():
    pairs = walk(20)
    swapped = list(pairs)
    for i in range(1, 19, 4):  # right IC delivered after the next left IC
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
    assert feed(swapped).__dict__ == feed(pairs).__dict__ | {"_t": feed(pairs)._t}


def test_late_ic_dropped_and_duplicate_ignored():
    est = feed(walk(20))
    est.update(event=ic(0.0, L))
    assert est.n_dropped_late_ == 1
    before = est.cadence_spm_
    est.update(event=ic(walk(20)[-1][0], R))
    assert est.cadence_spm_ == before


def test_turn_short_steps_median():
    pairs = walk(16)
    t = pairs[-1][0]
    for i, d in enumerate([0.4, 0.45, 0.42]):  # three short turn steps
        t += d
        pairs.append((t, L if i % 2 else R))
    est = feed(pairs)
    assert est.cadence_spm_ == pytest.approx(100.0)


def test_non_ic_ignored_and_bad_settings():
    est = CadenceEstimator()
    est.update(event=StepEvent(1, L, StepKind.TOE_OFF, 1.0, 0, 1.0, 0, 0))
    assert math.isnan(est.last_ic_t_s_)
    with pytest.raises(UserInputError, match="window_steps must be between"):
        CadenceEstimator(window_steps=1)


def test_per_foot_medians_cover_the_side_window():
    """Per-foot step times are medians of the last side_window_steps / 2 steps of each foot."""
    rng = np.random.default_rng(3)
    t, pairs, left_steps = 0.0, [], []
    for i in range(40):
        side = L if i % 2 == 0 else R
        step_s = 0.6 + rng.normal(0.0, 0.03)
        t += step_s
        pairs.append((t, side))
        if side == L and i > 0:
            left_steps.append(step_s)
    wide = feed(pairs, CadenceEstimator(side_window_steps=20))
    narrow = feed(pairs, CadenceEstimator(side_window_steps=8))
    assert wide.step_time_left_s_ == pytest.approx(np.median(left_steps[-10:]))
    assert narrow.step_time_left_s_ == pytest.approx(np.median(left_steps[-4:]))
    with pytest.raises(ValueError, match="side_window_steps"):
        CadenceEstimator(side_window_steps=1)


def test_a_window_that_starts_while_one_foot_is_unplugged_keeps_the_cadence():
    """One sensor unplugged for 30 of its ICs: once the buffer starts inside that stretch,
    same-foot intervals must still count as strides, not as slow steps (it read 40 spm)."""
    rng = np.random.default_rng(0)
    est = CadenceEstimator()
    t, seen = 0.0, []
    for i in range(160):
        side = L if i % 2 == 0 else R
        t += 0.75 + rng.normal(0.0, 0.02)
        if side == L and 40 <= i < 70:
            continue  # left sensor unplugged for about 22 s
        est.update(event=ic(t, side))
        if i >= 10:
            seen.append(est.cadence_spm_)
    assert np.nanmin(seen) > 75.0 and np.nanmax(seen) < 85.0


def test_one_sensor_only_gives_twice_its_stride_rate():
    est = feed([(1.2 * k, L) for k in range(30)])  # one foot, stride 1.2 s
    assert est.cadence_spm_ == pytest.approx(100.0, rel=0.01)

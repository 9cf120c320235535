"""Freeze index: a synthetic tremble in a 1 Hz walk is found where it was put; gates; bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.errors import AnalysisInputError
from analysis.freezing import (
    DEFAULT_FREEZE_INDEX_THRESHOLD,
    DEFAULT_POWER_THRESHOLD_M2_S4,
    FreezeIndex,
    freezing_of_gait,
)

FS_HZ = 100.0
WINDOW_S = 4.0
FREEZE_S = (20.0, 30.0)


def walk_with_freeze(duration_s: float = 60.0) -> tuple[np.ndarray, np.ndarray]:
    """1 Hz walk (with its 2 Hz harmonic) and a 5 Hz tremble instead of it in FREEZE_S."""
    t = np.arange(round(duration_s * FS_HZ)) / FS_HZ
    acc = 3.0 * np.sin(2 * np.pi * 1.0 * t) + 1.0 * np.sin(2 * np.pi * 2.0 * t)
    frz = (t >= FREEZE_S[0]) & (t < FREEZE_S[1])
    acc[frz] = 1.0 * np.sin(2 * np.pi * 5.0 * t[frz])
    return t, acc


def test_tremble_in_a_walk_is_detected_at_the_right_times():
    _, acc = walk_with_freeze()
    r = freezing_of_gait(acc_m_s2=acc, sampling_rate_hz=FS_HZ)
    half = WINDOW_S / 2
    inside = (r.window_center_t_s - half >= FREEZE_S[0]) & (
        r.window_center_t_s + half <= FREEZE_S[1]
    )
    outside = (r.window_center_t_s + half <= FREEZE_S[0]) | (
        r.window_center_t_s - half >= FREEZE_S[1]
    )
    assert inside.sum() > 0 and outside.sum() > 0
    assert r.frozen[inside].all()
    assert not r.frozen[outside].any()
    assert r.n_episodes == 1
    start, end = r.episodes_t_s[0]
    assert FREEZE_S[0] - half <= start <= FREEZE_S[0] + half
    assert FREEZE_S[1] - half <= end <= FREEZE_S[1] + half
    assert r.frozen_pct == pytest.approx(r.frozen_time_s / r.analysed_time_s * 100)
    assert 0 < r.frozen_pct < 100


def test_episode_times_follow_the_signal_clock():
    _, acc = walk_with_freeze()
    a = FreezeIndex().detect(acc_m_s2=acc, sampling_rate_hz=FS_HZ)
    b = FreezeIndex().detect(acc_m_s2=acc, sampling_rate_hz=FS_HZ, first_t_s=100.0)
    assert np.allclose(b.episodes_t_s_, a.episodes_t_s_ + 100.0)
    assert b.frozen_pct_ == a.frozen_pct_


def test_band_power_is_mean_square_and_freeze_index_is_the_ratio():
    t = np.arange(round(8 * FS_HZ)) / FS_HZ
    acc = 2.0 * np.sin(2 * np.pi * 5.0 * t) + 1.0 * np.sin(2 * np.pi * 1.0 * t)
    r = freezing_of_gait(acc_m_s2=acc, sampling_rate_hz=FS_HZ)
    # total = 2²/2 + 1²/2; FI = (2²/2) / (1²/2)
    assert np.allclose(r.total_power_m2_s4, 2.5, rtol=0.02)
    assert np.allclose(r.freeze_index, 4.0, rtol=0.02)


def test_walking_alone_and_standing_still_are_not_freezes():
    t, _ = walk_with_freeze()
    walking = 3.0 * np.sin(2 * np.pi * t) + np.sin(4 * np.pi * t)
    r = freezing_of_gait(acc_m_s2=walking, sampling_rate_hz=FS_HZ)
    assert r.n_episodes == 0 and r.frozen_pct == 0.0
    # sensor noise while standing: FI is high (white noise has more 3–8 Hz than 0.5–3 Hz
    # bandwidth) but the power gate keeps it from counting as a freeze
    noise = np.random.default_rng(1).normal(0.0, 0.02, t.size)
    r = freezing_of_gait(acc_m_s2=noise, sampling_rate_hz=FS_HZ)
    assert (r.freeze_index >= DEFAULT_FREEZE_INDEX_THRESHOLD).any()
    assert (r.total_power_m2_s4 < DEFAULT_POWER_THRESHOLD_M2_S4).all()
    assert r.n_episodes == 0
    r = freezing_of_gait(acc_m_s2=np.zeros(t.size), sampling_rate_hz=FS_HZ)
    assert r.n_episodes == 0 and np.isnan(r.freeze_index).all()


def test_shorter_than_a_window_gives_an_empty_result():
    r = freezing_of_gait(acc_m_s2=np.zeros(round(WINDOW_S * FS_HZ) - 1), sampling_rate_hz=FS_HZ)
    assert r.window_center_t_s.size == 0 and r.episodes_t_s.shape == (0, 2)
    assert math.isnan(r.frozen_pct)
    assert "shorter than one" in r.reason


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"acc_m_s2": [0.0, np.nan] * 500, "sampling_rate_hz": FS_HZ}, "finite"),
        ({"acc_m_s2": np.zeros((1000, 3)), "sampling_rate_hz": FS_HZ}, "1-D"),
        ({"acc_m_s2": np.zeros(1000), "sampling_rate_hz": 12.0}, "Nyquist"),
        ({"acc_m_s2": np.zeros(1000), "sampling_rate_hz": 0.0}, "sampling_rate_hz"),
        ({"acc_m_s2": np.zeros(1000), "sampling_rate_hz": FS_HZ, "step_s": 5.0}, "step_s"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(AnalysisInputError, match=match):
        freezing_of_gait(**kwargs)

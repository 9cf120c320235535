"""Live stride length and gait speed from the sensors' per-stride reports."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.spatiotemporal import stride_speeds_m_per_s
from ras.events import StepEvent
from ras.live_strides import RecentStrides
from ras.protocol.messages import Side, StepKind


def step(length_m: float | None, time_s: float | None, t_s: float = 0.0) -> StepEvent:
    return StepEvent(
        sensor_id=1,
        side=Side.LEFT,
        kind=StepKind.INITIAL_CONTACT,
        t_s=t_s,
        device_t_us=0,
        received_t_s=t_s,
        seq=0,
        stride_index=0,
        stride_time_s=time_s,
        stride_length_m=length_m,
    )


def test_stride_speed_is_length_over_time_and_nan_where_unknown():
    got = stride_speeds_m_per_s([1.2, 1.0, 1.0, np.nan], [1.0, 0.0, np.nan, 1.0])
    assert got[0] == pytest.approx(1.2)
    assert np.isnan(got[1:]).all()


def test_recent_strides_give_medians_and_ignore_steps_without_strides():
    strides = RecentStrides(window_strides=3)
    assert math.isnan(strides.gait_speed_m_per_s_)
    for length_m, time_s in [(9.9, 1.0), (1.0, 1.0), (1.2, 1.2), (1.4, 1.0)]:
        strides.update(event=step(length_m, time_s))
        strides.update(event=step(None, None))  # a toe-off without stride figures
    # the window holds the last three: speeds 1.0, 1.0, 1.4 m/s; lengths 1.0, 1.2, 1.4 m
    assert strides.stride_length_m_ == pytest.approx(1.2)
    assert strides.gait_speed_m_per_s_ == pytest.approx(1.0)


def test_lengths_without_times_give_no_speed():
    strides = RecentStrides().update(event=step(1.3, None))
    assert strides.stride_length_m_ == pytest.approx(1.3)
    assert math.isnan(strides.gait_speed_m_per_s_)

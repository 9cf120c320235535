"""analysis.summary: one recording's headline measures, the row of ras analyse's cohort table."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.imu_io import write_imu_csv
from analysis.pipeline import FootAnalysis, RecordingAnalysis
from analysis.segments import MAX_FILL_S, load_imu_segments
from analysis.spatiotemporal import spatiotemporal_parameters
from analysis.summary import MEASURES, recording_events, recording_summary, stride_lengths_per_ic
from ras.sim.presets import make_params
from ras.sim.recording import simulate_walk


def _foot(ic: list[float], ends: list[float], lengths: list[float]) -> FootAnalysis:
    events = {
        k: np.asarray(ic if k == "ic" else [], dtype=float) for k in ("ic", "to", "msw", "ms")
    }
    strides = {"next_ic_t_s": np.asarray(ends), "stride_length_m": np.asarray(lengths)}
    return FootAnalysis("left", 100.0, events, strides, None, (), (), 0, ())


def test_stride_length_goes_to_the_ic_that_ends_it() -> None:
    # the stride ending at 2.0 s was dropped (a gap): its IC keeps NaN
    foot = _foot([1.0, 2.0, 3.0, 4.0], [3.0, 4.0], [1.2, 1.3])
    got = stride_lengths_per_ic(foot)
    np.testing.assert_array_equal(np.isnan(got), [True, True, False, False])
    np.testing.assert_allclose(got[2:], [1.2, 1.3])


def test_a_one_foot_recording_has_events_only_on_that_foot() -> None:
    events = recording_events({"left": _foot([1.0, 2.1, 3.2], [2.1, 3.2], [1.0, 1.1])})
    assert events.right.ic_t_s.size == 0 and events.left.ic_t_s.size == 3
    np.testing.assert_allclose(events.left.stride_length_m, [np.nan, 1.0, 1.1])


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("summary") / "walk.csv"
    walk = simulate_walk(make_params("healthy"), duration_s=30.0, sampling_rate_hz=100.0, seed=3)
    write_imu_csv(path, walk.feet)
    feet = load_imu_segments(path, None, None, MAX_FILL_S)
    return walk, feet, RecordingAnalysis().analyse(feet).feet_


def test_summary_of_a_walk_is_the_measures_of_its_events(recording) -> None:  # type: ignore[no-untyped-def]
    walk, feet, result = recording
    summary = recording_summary(result, feet)
    assert set(summary.values) == set(MEASURES)
    st = spatiotemporal_parameters(recording_events(result))
    assert summary.values["cadence_spm"] == st.cadence_spm
    assert summary.values["n_steps"] == st.n_steps
    assert summary.values["duration_s"] == pytest.approx(29.99)
    true_spm = spatiotemporal_parameters(
        recording_events(
            {side: _foot(list(walk.ic_t_s[side]), [], []) for side in ("left", "right")}
        )
    ).cadence_spm
    assert summary.values["cadence_spm"] == pytest.approx(true_spm, abs=1.5)
    assert 1.2 < summary.values["stride_length_m"] < 1.7
    assert summary.values["n_freezing_episodes"] == 0
    assert {k for k, v in summary.values.items() if not math.isfinite(v)} == set(summary.reasons)


def test_a_blank_measure_says_why(recording) -> None:  # type: ignore[no-untyped-def]
    _, feet, result = recording
    summary = recording_summary({"left": result["left"]}, {"left": feet["left"]})
    for key in ("step_time_si_pct", "pci_pct"):
        assert math.isnan(summary.values[key]) and summary.reasons[key], key

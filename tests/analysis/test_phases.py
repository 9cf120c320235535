"""Per-phase summaries and change against a reference, flagged against the MCIDs."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from analysis.errors import AnalysisInputError
from analysis.events import GaitEvents
from analysis.mcid import (
    GAIT_SPEED_MCID,
    MCID_PARKINSON,
    classify_gait_speed_change,
    gait_speed_mcid,
)
from analysis.phases import compare_summaries, summarise_phases

STRIDE_LENGTH_M = 1.2
# (name, start, end, step time): cadence 100, 120 and 60 / 0.55 steps/min
PLAN = [("baseline", 0.0, 30.0, 0.6), ("cued", 30.0, 60.0, 0.5), ("probe", 60.0, 90.0, 0.55)]


def session(measured: tuple[str, ...] = ("left", "right")):
    """ICs alternating L/R from t = 0 at each phase's step time; beats on the cued steps.

    Returns (phases, events, beats); the feet in ``measured`` have stride lengths.
    """
    t, phases = [], []
    now = 0.0
    for name, start, end, step_s in PLAN:
        phases.append((name, start, end))
        now = max(now, start)
        while now < end - 1e-9:
            t.append(now)
            now += step_s
    t = np.round(np.array(t), 9)
    left, right = t[0::2], t[1::2]
    events = GaitEvents.from_arrays(
        ic_left_t_s=left,
        ic_right_t_s=right,
        stride_length_left_m=np.full(left.size, STRIDE_LENGTH_M) if "left" in measured else None,
        stride_length_right_m=np.full(right.size, STRIDE_LENGTH_M) if "right" in measured else None,
    )
    return phases, events, t[(t >= 30.0) & (t < 60.0)]


def test_each_phase_is_summarised_from_its_own_events():
    phases, events, beats = session()
    summaries = summarise_phases(phases, events, beat_t_s=beats)
    assert [s.name for s in summaries] == ["baseline", "cued", "probe"]
    for s, (_, _, _, step_s) in zip(summaries, PLAN, strict=True):
        st = s.spatiotemporal
        assert st.cadence_spm == pytest.approx(60.0 / step_s)
        assert np.allclose(st.steps_time_s, step_s)  # no step spans a phase boundary
        assert st.gait_speed_m_per_s.both == pytest.approx(STRIDE_LENGTH_M / (2 * step_s))
        assert s.pci.pci_pct == pytest.approx(0.0, abs=1e-6)
        assert s.symmetry.step_time_si_pct == pytest.approx(0.0, abs=1e-6)
        assert s.freezing is None
    by = {s.name: s for s in summaries}
    assert by["cued"].synchronisation.resultant_length_r == pytest.approx(1.0)
    assert by["cued"].synchronisation.mean_asynchrony_ms == pytest.approx(0.0, abs=1e-6)
    assert math.isnan(by["baseline"].synchronisation.resultant_length_r)
    assert by["baseline"].synchronisation.reason
    m = by["cued"].measures()
    assert m["cadence_spm"] == pytest.approx(120.0) and m["sync_r"] == pytest.approx(1.0)


def test_change_against_baseline_is_flagged_by_diagnosis():
    phases, events, beats = session(measured=("left",))
    summaries = summarise_phases(phases, events, beat_t_s=beats, affected_side="left")
    by_name = {s.name: s for s in summaries}
    base, cued = by_name["baseline"], by_name["cued"]
    assert base.symmetry.basis == "paretic"
    expected_change = STRIDE_LENGTH_M / 1.0 - STRIDE_LENGTH_M / 1.2
    for diagnosis, level in (
        ("parkinson", "moderate"),
        ("stroke", "important"),
        ("older_adults", "substantial"),
        (None, "substantial"),
    ):
        c = compare_summaries(cued, base, diagnosis=diagnosis)
        assert c.changes["gait_speed_m_per_s"].change == pytest.approx(expected_change)
        assert c.gait_speed.level == level
        assert c.gait_speed.direction == "improvement"
        assert c.gait_speed.meets_mcid
    c = compare_summaries(base, cued, diagnosis="pd")
    assert c.gait_speed.direction == "decline" and c.gait_speed.level == "moderate"
    assert c.changes["cadence_spm"].change == pytest.approx(100.0 - 120.0)
    assert c.community_ambulation and not c.responder  # 1.0 m/s, but slower than the cued 1.2
    assert compare_summaries(cued, base).community_ambulation
    assert compare_summaries(cued, base).responder  # +0.2 m/s and 1.2 m/s


@pytest.mark.parametrize(
    ("change", "diagnosis", "level", "meets"),
    [
        (0.06, "parkinson", "small", True),
        (0.059, "parkinson", "below MCID", False),
        (0.14, "parkinson", "moderate", True),
        (-0.25, "parkinson", "large", True),
        (0.15, "stroke", "below MCID", False),
        (0.16, "stroke", "important", True),
        (0.05, "unknown", "small", True),
        (0.10, "older_adults", "substantial", True),
        (0.049, None, "below MCID", False),
    ],
)
def test_mcid_thresholds(change, diagnosis, level, meets):
    f = classify_gait_speed_change(change, diagnosis)
    assert (f.level, f.meets_mcid) == (level, meets)


def test_mcid_table_is_immutable_and_cited():
    assert gait_speed_mcid("Parkinson").levels_m_per_s == (
        ("small", 0.06),
        ("moderate", 0.14),
        ("large", 0.22),
    )
    assert gait_speed_mcid("stroke").levels_m_per_s == (("important", 0.16),)
    assert gait_speed_mcid(None).levels_m_per_s == (("small", 0.05), ("substantial", 0.10))
    assert all(m.citation for m in GAIT_SPEED_MCID.values())
    with pytest.raises(TypeError):
        GAIT_SPEED_MCID["stroke"] = MCID_PARKINSON  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        MCID_PARKINSON.levels_m_per_s = ()  # type: ignore[misc]
    nan = classify_gait_speed_change(math.nan, "stroke")
    assert nan.level == "unknown" and not nan.meets_mcid
    with pytest.raises(AnalysisInputError, match="diagnosis"):
        gait_speed_mcid("flu")


def test_freezing_per_phase():
    """Detected once over the recording, counted in the phase where the episode starts."""
    fs, window_s, step_s = 100.0, 4.0, 0.5
    t = np.arange(round(40 * fs)) / fs
    acc = 3.0 * np.sin(2 * np.pi * t)
    late = t >= 20.0
    acc[late] = np.sin(2 * np.pi * 5.0 * t[late])  # trembling in the second phase only
    s = summarise_phases(
        [("a", 0.0, 20.0), ("b", 20.0, 40.0), ("c", 40.0, 60.0)],
        GaitEvents.from_arrays(ic_left_t_s=[], ic_right_t_s=[]),
        acc_mps2=acc,
        sampling_rate_hz=fs,
    )
    assert s[0].freezing.n_episodes == 0 and s[0].measures()["n_freezing_episodes"] == 0
    b = s[1].freezing
    assert b.n_episodes == 1 and s[1].measures()["n_freezing_episodes"] == 1
    start, end = b.episodes_t_s[0]
    assert 20.0 - window_s / 2 <= start <= 20.0 + window_s / 2
    # the last decision covers step / 2 past the last window's centre
    assert end == pytest.approx(40.0 - window_s / 2 + step_s / 2)
    assert b.analysed_time_s == pytest.approx(end - 20.0)
    assert b.frozen_pct == pytest.approx((end - max(start, 20.0)) / (end - 20.0) * 100.0)
    # no acceleration in phase c: no count, and the reason says so
    assert math.isnan(s[2].measures()["n_freezing_episodes"])
    assert "no raw IMU" in s[2].freezing.reason
    assert math.isnan(s[0].spatiotemporal.cadence_spm)


@pytest.mark.parametrize(
    ("phases", "match"),
    [([("a", 10.0, 5.0)], "start_s < end_s"), ([("a", 0.0)], "name, start_s, end_s")],
)
def test_bad_phases(phases, match):
    with pytest.raises(AnalysisInputError, match=match):
        summarise_phases(phases, GaitEvents.from_arrays(ic_left_t_s=[], ic_right_t_s=[]))


def test_acc_needs_a_sampling_rate():
    no_events = GaitEvents.from_arrays(ic_left_t_s=[], ic_right_t_s=[])
    with pytest.raises(AnalysisInputError, match="sampling_rate_hz"):
        summarise_phases([("a", 0.0, 1.0)], no_events, acc_mps2=[0.0])

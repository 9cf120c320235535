"""The offline pipeline (analysis.pipeline) on virtual walks with gaps, a late clock and a turned
sensor: no event inside a gap, segments analysed apart with correct times, one rotation per foot."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from analysis.errors import AnalysisInputError
from analysis.gait_events import match_events
from analysis.pipeline import RecordingAnalysis, analyse_foot
from analysis.segments import segment_arrays
from ras.sim.presets import make_params
from ras.sim.recording import SimulatedWalk, simulate_walk

RATE_HZ = 100.0


@pytest.fixture(scope="module")
def walk() -> SimulatedWalk:
    return simulate_walk(make_params("healthy"), duration_s=40.0, sampling_rate_hz=RATE_HZ, seed=8)


def _inside(times: np.ndarray, start: float, end: float) -> np.ndarray:
    return (times >= start - 1.0 / RATE_HZ) & (times <= end)


def test_no_event_is_placed_in_a_filled_gap(walk) -> None:  # type: ignore[no-untyped-def]
    foot = walk.feet["left"]
    ic = walk.ic_t_s["left"][12]
    acc = foot.acc_mps2.copy()
    lost = np.abs(np.arange(foot.n_samples) / RATE_HZ - ic) <= 0.04  # 0.09 s around a true IC
    acc[lost] = np.nan
    result = analyse_foot(segment_arrays(acc, foot.gyr_dps, RATE_HZ, "left"))
    (gap,) = result.gaps
    assert gap.action == "filled" and gap.n_samples == int(lost.sum())
    for kind, times in result.events_t_s.items():
        assert not _inside(times, gap.start_t_s, gap.end_t_s).any(), kind
    for col in ("ic_t_s", "to_t_s", "next_ic_t_s"):
        assert not _inside(result.strides[col], gap.start_t_s, gap.end_t_s).any()
    others = walk.ic_t_s["left"][np.abs(walk.ic_t_s["left"] - ic) > 0.5]
    assert match_events(result.events_t_s["ic"], others, 0.06)["fn"] <= 1


def test_events_on_filled_samples_are_dropped(walk) -> None:  # type: ignore[no-untyped-def]
    """The same signal with a few samples marked as filled: what lands there is dropped."""
    parts = segment_arrays(walk.feet["left"].acc_mps2, walk.feet["left"].gyr_dps, RATE_HZ, "left")
    clean = analyse_foot(parts)
    ic = clean.events_t_s["ic"][10]
    seg = parts.segments[0]
    mask = np.abs(seg.t_s - ic) <= 0.025
    marked = replace(parts, segments=(replace(seg, imu=replace(seg.imu, filled=mask)),))
    result = analyse_foot(marked)
    np.testing.assert_allclose(
        result.events_t_s["ic"], np.delete(clean.events_t_s["ic"], 10), atol=1e-9
    )
    on_mask = sum(int(_inside(t, ic - 0.025, ic + 0.025).sum()) for t in clean.events_t_s.values())
    assert result.dropped_in_gaps == on_mask >= 1
    assert any(f"{on_mask} events fell on samples filled" in w for w in result.warnings)
    assert len(result.strides["ic_t_s"]) == len(clean.strides["ic_t_s"]) - 2
    assert ic not in result.strides["ic_t_s"] and ic not in result.strides["next_ic_t_s"]


def test_long_gap_splits_and_times_stay_on_the_file_clock(walk) -> None:  # type: ignore[no-untyped-def]
    """Rows missing for 1.5 s in mid-walk, on a clock starting at 100 s."""
    t = np.arange(walk.feet["left"].n_samples) / RATE_HZ
    keep = (t < 18.0) | (t >= 19.5)
    feet = {
        side: segment_arrays(f.acc_mps2[keep], f.gyr_dps[keep], RATE_HZ, side, t_s=100.0 + t[keep])
        for side, f in walk.feet.items()
    }
    result = RecordingAnalysis().analyse(feet).feet_
    for side, r in result.items():
        assert [g.action for g in r.gaps] == ["split"]
        assert (r.gaps[0].start_t_s, r.gaps[0].end_t_s) == pytest.approx((118.0, 119.5))
        ic = r.events_t_s["ic"]
        assert not ((ic > 117.9) & (ic < 119.6)).any()
        truth = 100.0 + walk.ic_t_s[side]
        for lo, hi in ((101.5, 117.0), (120.5, 138.5)):  # each side of the gap, ends left out
            ref = truth[(truth > lo) & (truth < hi)]
            m = match_events(ic[(ic > lo - 0.1) & (ic < hi + 0.1)], ref, 0.06)
            assert m["tp"] >= ref.size - 1 and ref.size >= 10, (side, lo)
        # strides never span the gap, and each says which segment it is from
        s = r.strides
        assert set(s["segment"].tolist()) == {0, 1}
        assert np.all((s["next_ic_t_s"] < 118.0) | (s["ic_t_s"] >= 119.5))
        assert r.alignment is not None and r.alignment["source"] == "none"
        assert r.warnings == ()


def test_t_s_start_shifts_every_time_by_exactly_that(walk) -> None:  # type: ignore[no-untyped-def]
    f = walk.feet["right"]
    t = np.arange(f.n_samples) / RATE_HZ
    a = analyse_foot(segment_arrays(f.acc_mps2, f.gyr_dps, RATE_HZ, "right", t_s=t))
    b = analyse_foot(segment_arrays(f.acc_mps2, f.gyr_dps, RATE_HZ, "right", t_s=t + 100.0))
    for kind in a.events_t_s:
        assert a.events_t_s[kind].size > 10
        np.testing.assert_allclose(b.events_t_s[kind], a.events_t_s[kind] + 100.0, atol=1e-9)
    for col, values in a.strides.items():
        shift = 100.0 if col.endswith("_t_s") else 0.0
        np.testing.assert_allclose(b.strides[col], values + shift, atol=1e-9)


def test_one_rotation_per_foot_over_its_segments(walk) -> None:  # type: ignore[no-untyped-def]
    q = Rotation.from_euler("zy", [180, 35], degrees=True).as_matrix()
    f = walk.feet["left"]
    gyr = f.gyr_dps @ q.T
    gyr[1500:1650] = np.nan  # a long gap: two segments, one sensor mounting
    parts = segment_arrays(f.acc_mps2 @ q.T, gyr, RATE_HZ, "left")
    aligned = analyse_foot(parts, align=True)
    assert aligned.alignment["source"] == "estimated"
    r = np.asarray(aligned.alignment["rotation"])
    c = q.T @ r.T
    assert abs(np.degrees(np.arctan2(c[1, 0], c[0, 0]))) < 15.0  # forward is forward
    assert aligned.alignment["quality"]["steps"] >= 25
    fixed = analyse_foot(parts, rotation=q.T)
    assert fixed.alignment["source"] == "fixed" and fixed.warnings == ()
    m = match_events(aligned.events_t_s["ic"], fixed.events_t_s["ic"], 0.02)
    assert m["f1"] >= 0.95
    # not aligned: the file's frame is checked and the user told what to do
    raw = analyse_foot(parts)
    assert raw.alignment["source"] == "none"
    assert any("walk backward" in w and "--align" in w for w in raw.warnings)


def test_feet_without_an_analysable_segment(walk) -> None:  # type: ignore[no-untyped-def]
    f = walk.feet["right"]
    gyr = f.gyr_dps.copy()
    gyr[150:] = np.nan  # 1.5 s left: too short
    short = segment_arrays(f.acc_mps2, gyr, RATE_HZ, "right")
    good = segment_arrays(walk.feet["left"].acc_mps2, walk.feet["left"].gyr_dps, RATE_HZ, "left")
    result = RecordingAnalysis().analyse({"left": good, "right": short}).feet_
    assert result["right"].events_t_s["ic"].size == 0 and result["right"].alignment is None
    assert any("too short" in w for w in result["right"].warnings)
    assert result["left"].events_t_s["ic"].size > 20
    with pytest.raises(AnalysisInputError, match="long enough to analyse"):
        RecordingAnalysis().analyse({"right": short})

"""The live detector over a stream with gaps (analysis.live_stream): the same events as the
offline analysis of the same samples, short gaps bridged, long ones restarting it."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.causal_events import EVENT_IC, CausalGaitEventDetector
from analysis.errors import AnalysisInputError
from analysis.live_stream import LiveGaitEvents
from analysis.pipeline import analyse_foot
from analysis.segments import segment_arrays
from ras.sim.presets import make_params
from ras.sim.recording import simulate_walk

FS = 100.0


@pytest.fixture(scope="module")
def walk():  # type: ignore[no-untyped-def]
    return simulate_walk(make_params("healthy"), duration_s=40.0, sampling_rate_hz=FS, seed=5)


def _samples(walk) -> np.ndarray:  # type: ignore[no-untyped-def]
    foot = walk.feet["left"]
    return np.hstack([foot.acc_mps2, foot.gyr_dps])


def _feed(stream: LiveGaitEvents, x: np.ndarray, lost: np.ndarray, batch: int = 10) -> list:
    """Feed ``x`` in batches, leaving out the lost samples (as a radio loses packets)."""
    out = []
    for a in range(0, len(x), batch):
        keep = np.flatnonzero(~lost[a : a + batch]) + a
        runs = np.split(keep, np.flatnonzero(np.diff(keep) > 1) + 1)
        for r in runs:
            if r.size:
                out += stream.feed(int(r[0]), x[r])
    return out


def _offline_ic_t_s(x: np.ndarray, lost: np.ndarray) -> np.ndarray:
    """ras analyse's pipeline on the same samples with the lost ones as NaN rows."""
    y = x.copy()
    y[lost] = np.nan
    segments = segment_arrays(y[:, :3], y[:, 3:], FS, "left")
    return analyse_foot(segments).events_t_s["ic"]


def test_without_gaps_it_is_the_live_detector(walk) -> None:  # type: ignore[no-untyped-def]
    x = _samples(walk)
    events = _feed(LiveGaitEvents(FS), x, np.zeros(len(x), dtype=bool), batch=7)
    plain = CausalGaitEventDetector(FS).process(x)
    assert [(e.kind, e.idx, e.detected_idx) for e in events] == [
        (e.kind, e.idx, e.detected_idx) for e in plain
    ]


@pytest.mark.parametrize("gap_n", [3, 10, 25])
def test_gaps_give_the_offline_events(walk, gap_n) -> None:  # type: ignore[no-untyped-def]
    """Gaps of 30 ms and 100 ms (bridged) and 250 ms (split) every 2.3 s: the same ICs as the
    offline analysis of the same data, none inside a gap."""
    x = _samples(walk)
    lost = np.zeros(len(x), dtype=bool)
    starts = np.arange(150, len(x) - 100, 230)
    for s in starts:
        lost[s : s + gap_n] = True
    stream = LiveGaitEvents(FS)
    events = _feed(stream, x, lost)
    live_ic = np.array([e.idx / FS for e in events if e.kind == EVENT_IC])
    np.testing.assert_allclose(live_ic, _offline_ic_t_s(x, lost), rtol=0, atol=1e-9)
    for e in events:
        lo, hi = int(np.floor(e.idx)), int(np.ceil(e.idx))
        assert not lost[lo] and not lost[hi]
    if gap_n <= 10:
        assert stream.bridged_samples_ == lost.sum() and stream.restarts_ == 0
    else:
        assert stream.bridged_samples_ == 0 and stream.restarts_ == starts.size
    # a split loses the swing under way; a bridged gap at most the event it covers
    assert live_ic.size >= (0.9 if gap_n <= 10 else 0.7) * walk.ic_t_s["left"].size


def test_repeated_and_overlapping_batches_are_fed_once(walk) -> None:  # type: ignore[no-untyped-def]
    x = _samples(walk)
    once = LiveGaitEvents(FS)
    twice = LiveGaitEvents(FS)
    a = [(e.kind, e.idx) for e in once.feed(0, x)]
    b = []
    for start in range(0, len(x), 50):
        b += [
            (e.kind, e.idx)
            for e in twice.feed(max(start - 20, 0), x[max(start - 20, 0) : start + 50])
        ]
    assert a == b
    assert twice.repeated_samples_ > 0


def test_restart_forgets_the_swing_in_progress(walk) -> None:  # type: ignore[no-untyped-def]
    x = _samples(walk)
    stream = LiveGaitEvents(FS)
    first = stream.feed(0, x[:1000])
    stream.restart()
    rest = stream.feed(1000, x[1000:])
    assert stream.restarts_ == 1
    whole = [e.idx for e in LiveGaitEvents(FS).feed(0, x) if e.kind == EVENT_IC]
    split = [e.idx for e in first + rest if e.kind == EVENT_IC]
    assert set(split) <= set(whole) and len(whole) - len(split) <= 1


def test_bad_input() -> None:
    with pytest.raises(AnalysisInputError, match="50–1000 Hz"):
        LiveGaitEvents(20.0)
    with pytest.raises(AnalysisInputError, match=r"expected \(n, 6\)"):
        LiveGaitEvents(FS).feed(0, np.zeros((5, 3)))

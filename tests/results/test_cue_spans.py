"""ras.results: when the cue sounded (from the recorded cue states) and the cadence at the end of
cueing as an average over the cued phase's last 30 s."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from ras.events import CueState, CueStateEvent, StepEvent
from ras.protocol.messages import Side, StepKind
from ras.results.outcomes import CUED_END_LABEL, CUED_END_S, session_outcomes
from ras.results.session_data import CueSpan, cue_spans, load_session
from ras.store.store import Store
from tests.conftest import record_walk

PHASES = [("baseline", 0.0), ("cued", 30.0), ("probe", 90.0)]


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "r.sqlite3") as s:
        s.add_patient("P-R", diagnosis="parkinson")
        yield s


def test_cue_spans_follow_the_recorded_cue_states(store):
    sid = record_walk(store, "P-R", PHASES, (0.3, 119.7), cadence_spm=100.0, end_t_s=120.0)
    store.record(
        sid,
        [
            CueStateEvent(30.0, CueState.START, "plan"),
            CueStateEvent(40.0, CueState.OFF),
            CueStateEvent(50.0, CueState.ON),
            CueStateEvent(60.0, CueState.PAUSE),
            CueStateEvent(61.0, CueState.PAUSE),  # no change: one stretch
            CueStateEvent(70.0, CueState.RESUME),
            CueStateEvent(90.0, CueState.STOP, "plan"),
        ],
    )
    spans = cue_spans(load_session(store, sid))
    assert spans == [
        CueSpan(0.0, 30.0, "uncued phase"),
        CueSpan(30.0, 40.0),
        CueSpan(40.0, 50.0, "off"),
        CueSpan(50.0, 60.0),
        CueSpan(60.0, 70.0, "paused"),
        CueSpan(70.0, 90.0),
        CueSpan(90.0, 120.0, "uncued phase"),
    ]
    assert sum(s.duration_s for s in spans if s.audible) == 40.0


def test_a_session_without_recorded_cue_states_sounded_through_its_cued_phase(store):
    """Sessions recorded before schema v5 have no cue states: the cued phase stands in."""
    sid = record_walk(store, "P-R", PHASES, (0.3, 119.7), cadence_spm=100.0, end_t_s=120.0)
    assert [(s.start_t_s, s.end_t_s, s.why) for s in cue_spans(load_session(store, sid))] == [
        (0.0, 30.0, "uncued phase"),
        (30.0, 90.0, ""),
        (90.0, 120.0, "uncued phase"),
    ]


def test_cadence_at_the_end_of_cueing_is_the_mean_of_its_last_30_s(store):
    # 90 steps/min until 30 s before the cued phase ends, 120 steps/min from then on
    sid = record_walk(store, "P-R", PHASES, (0.3, 60.0), cadence_spm=90.0, end_t_s=120.0)
    last = float(store.steps(sid)["t_s"].max())
    fast = np.arange(last + 0.5, 119.7, 0.5)
    store.record(
        sid,
        [
            StepEvent(
                1 + (i + 1) % 2,
                Side.RIGHT if i % 2 == 0 else Side.LEFT,
                StepKind.INITIAL_CONTACT,
                float(t),
                int(t * 1e6),
                float(t),
                1000 + i,
                500 + i // 2,
            )
            for i, t in enumerate(fast)
        ],
    )
    out = session_outcomes(load_session(store, sid))
    assert CUED_END_S == 30.0 and CUED_END_LABEL == "Cadence over the last 30 s of cueing"
    assert out.cued_end_cadence_spm == pytest.approx(120.0)
    assert out.cued_end_reason == ""
    cued = out.phase("cued")
    assert cued is not None and cued.value("cadence_spm") < 110.0  # the phase's mean is not it


def test_no_cued_phase_no_cadence_at_the_end_of_cueing(store):
    sid = record_walk(
        store, "P-R", [("baseline", 0.0)], (0.3, 29.7), cadence_spm=100.0, end_t_s=30.0
    )
    out = session_outcomes(load_session(store, sid))
    assert math.isnan(out.cued_end_cadence_spm) and out.cued_end_reason == "no cued phase"

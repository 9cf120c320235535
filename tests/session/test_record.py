"""The complete clinical record (issue 13): every cue state change, therapist action, clinical
event and sensor link change of a live session is stored with its time and source."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from ras.events import CueState, LinkState, MarkerKind
from ras.session.actions import Action, Plug
from ras.session.host import SessionHost
from ras.session.request import SessionRequest
from ras.session.runner import SessionRunner
from ras.session.settings import SessionSettings
from ras.store.store import Store
from ras.tempo.commands import Cues, Marker, NextPhase, NudgeBpm, Pause, Resume, SetTempo
from tests.conftest import add_patient

SCRIPT: list[Action] = [
    Cues(on=False),
    Cues(on=False),  # already off: answered, logged, but not a change of state
    Cues(on=True),
    Pause(),
    Resume(),
    NudgeBpm(1.0),  # within the 2 % step
    SetTempo(130.0),  # a large jump
    SetTempo(130.0),  # the same tempo again: no change
    Marker("", MarkerKind.FALL),
    Marker("steadied at the door", MarkerKind.NEAR_FALL),
    Plug("left", connected=False),
    Plug("left", connected=True),
    NextPhase(),  # the therapist ends the cued phase early
]


@pytest.mark.timing  # ends 'complete': every cue decided within 0.25 s real
def test_every_change_and_action_is_stored_with_its_time(tmp_path: Path) -> None:
    db = str(tmp_path / "ras.sqlite3")
    add_patient(db, "P-REC")
    settings = SessionSettings(
        baseline_s=15.0, cued_s=120.0, probe_s=3.0, plan="fixed", tempo_bpm=100.0
    )
    host = SessionHost(
        SessionRequest("P-REC", settings, audio="none", speed=20.0, db=db), watch=True
    )
    session_id = host.begin()
    todo = list(SCRIPT)
    results = []

    def tick(runner: SessionRunner) -> None:
        snap = host.snapshot()
        results.extend(snap.results)
        if todo and runner.phase == "cued" and snap.tempo_actions:
            host.send(todo.pop(0))

    outcome = host.run(on_tick=tick)
    assert outcome.status == "complete", outcome
    assert not todo
    with Store(db) as store:
        states = store.cue_states(session_id)
        actions = store.actions(session_id)
        markers = store.markers(session_id)
        links = store.link_events(session_id)
        phases = store.phases(session_id)
    cued = next(p for p in phases if p.name == "cued")
    assert [(s.state, s.source) for s in states] == [
        (CueState.START, "plan"),
        (CueState.OFF, "therapist"),
        (CueState.ON, "therapist"),
        (CueState.PAUSE, "therapist"),
        (CueState.RESUME, "therapist"),
        (CueState.STOP, "therapist"),  # ended early with 'next'
    ]
    assert states[0].t_s == cued.start_t_s and states[-1].t_s == cued.end_t_s
    assert all(a.t_s <= b.t_s for a, b in itertools.pairwise(states))
    assert [a.action for a in actions] == [
        "cues off",
        "cues off",
        "cues on",
        "pause",
        "resume",
        "+1 bpm",
        "set 130 bpm",
        "set 130 bpm",
        "fall",
        "near-fall",
        "unplug left sensor",
        "plug in left sensor",
        "next phase",
    ]
    assert all(a.ok for a in actions), actions
    by_action = {a.action: a for a in actions}
    assert actions[0].message.startswith("cue off at")
    assert actions[1].message == "no change: the cue is already off"
    with Store(db) as store:
        jump = next(c for c in store.tempo_changes(session_id) if c.new_bpm == 130.0)
    assert actions[6].message == (
        f"tempo 101.0 -> 130.0 bpm from {jump.effective_t_s:.1f} s (set);"
        " large jump: +28.7 %, more than the 2 % limit"
    )
    assert actions[7].message == "no change: the tempo is 130.0 bpm"
    assert "large jump" not in by_action["+1 bpm"].message
    assert [(m.kind, m.note) for m in markers if m.kind is not MarkerKind.NOTE] == [
        (MarkerKind.FALL, ""),
        (MarkerKind.NEAR_FALL, "steadied at the door"),
    ]
    unplug_t_s = by_action["unplug left sensor"].t_s
    lost = [e for e in links if e.state is not LinkState.CONNECTED and e.t_s >= unplug_t_s]
    assert lost, links
    assert [r.action for r in results] == SCRIPT

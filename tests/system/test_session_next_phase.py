"""The therapist ends a phase early ('next'): through the real session assembly on ptys.

A virtual patient walks; 'next' right at the start is refused (no cadence yet) and the session
keeps running; later 'next' ends the baseline, the cued phase and the probe early, each phase
after it keeps its planned duration, every early end is a marker, and the stored phases say so.
"""

from __future__ import annotations

import pytest

from ras.audio.backends import parse_audio_spec
from ras.bus import SessionBus
from ras.session.live import begin_session, run_live_session
from ras.session.request import SimulatedSensors
from ras.session.runner import SessionRunner
from ras.session.settings import SessionSettings
from ras.session_clock import SessionClock
from ras.store.store import Store
from ras.tempo.commands import NextPhase

SPEED = 20.0
PLANNED_S = {"baseline": 60.0, "cued": 120.0, "probe": 60.0}
EARLY_S = {"baseline": 20.0, "cued": 30.0, "probe": 10.0}  # when the therapist says 'next'


@pytest.mark.slow
@pytest.mark.timing  # each phase ends within 2 session s (100 ms real) of its 'next'
def test_next_ends_each_phase_early_and_is_logged(tmp_path):
    db = str(tmp_path / "ras.sqlite3")
    with Store(db) as store:
        store.add_patient("P-NEXT")
    db_path, session_id, side = begin_session(db, "P-NEXT", {})
    sent: dict[str, float] = {}
    started: dict[str, float] = {}
    messages: list[str] = []

    def tick(runner: SessionRunner) -> None:
        while not runner.messages.empty():
            messages.append(runner.messages.get())
        while not runner.results.empty():
            messages.append(runner.results.get().text())
        now = runner.clock.now_s()
        if "early" not in sent:
            runner.submit(NextPhase())  # at once: nothing to start the cue at yet
            sent["early"] = now
            return
        phase = runner.phase
        started.setdefault(phase, now)  # first tick seen in this phase
        if phase not in sent and now - started[phase] >= EARLY_S[phase]:
            runner.submit(NextPhase())
            sent[phase] = now

    settings = SessionSettings(
        baseline_s=PLANNED_S["baseline"], cued_s=PLANNED_S["cued"], probe_s=PLANNED_S["probe"]
    )
    sensors = SimulatedSensors(seed=2, imu_rate_hz=0)
    result = run_live_session(
        db_path=db_path,
        session_id=session_id,
        settings=settings,
        sensors=sensors,
        audio=parse_audio_spec("none"),
        clock=SessionClock(speed=SPEED),
        bus=SessionBus(),
        affected_side=side,
        on_tick=tick,
    )
    assert result.summary.completed and result.status == "complete"
    assert any("no steady walking yet" in m for m in messages), messages
    with Store(db) as store:
        phases = {name: (start, end) for name, start, end in store.phases(session_id)}
        markers = [m.note for m in store.markers(session_id)]
    assert set(phases) == {"baseline", "cued", "probe"}
    for name, (start, end) in phases.items():
        duration_s = end - start
        # ended by 'next' after EARLY_S (the command lands on the next loop tick), well before
        # the planned duration
        assert EARLY_S[name] <= duration_s < EARLY_S[name] + 2.0, (name, duration_s)
    assert markers == [
        "therapist: baseline ended early, cued next",
        "therapist: cued ended early, probe next",
        "therapist: probe ended early, end next",
    ]

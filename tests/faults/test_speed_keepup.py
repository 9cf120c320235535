"""Finite clock speeds only, and a session that cannot keep up says so (issue 16, point 4).

The runner is driven with real parts: a real :class:`SessionClock`, a real :class:`CueEngine`
on the ``none`` backend (the same paced renderer as wav) and a real bus. A clock that jumps
ahead (its start moved back, as a stalled engine loop sees it) makes cues too late to play;
nothing here depends on how fast the machine is.
"""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from ras.audio import CueEngine, make_backend
from ras.audio.backends import parse_audio_spec
from ras.bus import SessionBus
from ras.errors import UserInputError
from ras.session.live import begin_session, run_live_session
from ras.session.request import SimulatedSensors, check_session_speed
from ras.session.runner import (
    MAX_LOOKAHEAD_S,
    MIN_LOOKAHEAD_S,
    SessionRunner,
    SessionSummary,
    lookahead_for_speed,
)
from ras.session.settings import SessionSettings
from ras.session_clock import MAX_SPEED, MIN_SPEED, SessionClock, check_speed
from ras.store.store import Store
from ras.tempo.commands import NudgeBpm

RAS = [sys.executable, "-m", "ras"]
BAD_SPEEDS = ["inf", "-inf", "nan", "0", "-3", "1e300", str(MAX_SPEED + 1), "1e-9"]


@pytest.mark.parametrize("text", BAD_SPEEDS)
def test_check_speed_refuses_what_no_clock_can_keep(text):
    with pytest.raises(UserInputError) as err:
        check_speed(float(text))
    msg = str(err.value)
    assert "\n" not in msg and f"from {MIN_SPEED:g} to {MAX_SPEED:g}" in msg
    with pytest.raises(UserInputError):  # the guard: no component gets such a clock
        SessionClock(speed=float(text))


def test_check_session_speed_holds_the_audio_and_sensor_rules():
    assert check_session_speed(MAX_SPEED, simulated=True, audio_kind="wav") == MAX_SPEED
    assert check_session_speed(1.0, simulated=False, audio_kind="default") == 1.0
    with pytest.raises(UserInputError, match="a WAV file or no sound"):
        check_session_speed(5.0, simulated=True, audio_kind="default")
    with pytest.raises(UserInputError, match="real sensors run in real time"):
        check_session_speed(5.0, simulated=False)


def test_lookahead_is_real_time_enough_at_high_speed():
    assert lookahead_for_speed(1.0) == MIN_LOOKAHEAD_S
    fast = lookahead_for_speed(MAX_SPEED)
    assert MIN_LOOKAHEAD_S < fast <= MAX_LOOKAHEAD_S
    assert fast / MAX_SPEED >= 0.05  # at least 50 ms of real time to schedule each cue


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--simulate", "healthy", "--audio", "none", "--speed", "inf"],
        ["run", "--simulate", "healthy", "--audio", "none", "--speed", "1e300"],
        ["monitor", "--simulate", "healthy", "--speed", "inf", "--duration", "2"],
    ],
    ids=["run-inf", "run-1e300", "monitor-inf"],
)
def test_cli_refuses_an_endless_speed_in_one_line(tmp_path, argv):
    proc = subprocess.run(
        [*RAS, *argv, *(["--db", str(tmp_path / "r.db")] if argv[0] == "run" else [])],
        capture_output=True,
        text=True,
        timeout=60,
    )
    err = proc.stderr.strip()
    assert proc.returncode == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "--speed" in err and f"{MAX_SPEED:g}" in err


def test_gui_refuses_an_endless_speed_before_opening(capsys):
    from ras.cli import main

    assert main(["gui", "--audio", "none", "--speed", "nan"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"to {MAX_SPEED:g}" in err


def _runner(speed: float, **settings: float) -> tuple[SessionRunner, CueEngine]:
    clock = SessionClock(speed=speed)
    runner = SessionRunner(
        SessionSettings(plan="fixed", tempo_bpm=120.0, **settings),
        clock=clock,
        bus=SessionBus(),
    )
    engine = CueEngine(make_backend("none"), clock=clock, on_onset=runner.cue_played)
    runner.cues = engine
    return runner, engine


def _messages(runner: SessionRunner) -> list[str]:
    out = []
    while not runner.messages.empty():
        out.append(runner.messages.get())
    return out


def _assert_every_cue_accounted_for(s: SessionSummary) -> None:
    assert s.cues_planned > 0
    assert s.cues_planned == s.cues_played + s.cues_skipped + s.cues_cancelled
    assert bool(s.degraded_reason) == (s.cues_skipped > 0)


def test_cues_too_late_to_play_are_counted_reported_once_and_degrade(tmp_path):
    runner, engine = _runner(20.0, baseline_s=5.0, cued_s=20.0, probe_s=0.0)
    jumped = []

    def tick(r: SessionRunner) -> None:
        if r.phase == "cued" and not jumped and r.summary.cues_planned >= 3:
            # the engine loop stalls: 10 s of session time pass in one step
            r.clock.start_perf_s -= 10.0 / r.clock.speed
            jumped.append(r.clock.now_s())

    engine.start()
    try:
        summary = runner.run(on_tick=tick)
    finally:
        engine.stop()
    assert jumped and summary.completed
    assert summary.cues_skipped >= 10  # ~20 beats at 120 bpm fell in the jump
    _assert_every_cue_accounted_for(summary)
    assert summary.cues_played >= 3 and summary.cues_late == 0
    assert f"{summary.cues_skipped} of {summary.cues_planned} cues skipped" in (
        summary.degraded_reason
    )
    assert "at 20x speed" in summary.degraded_reason
    warnings = [m for m in _messages(runner) if "cues are being skipped" in m]
    assert len(warnings) == 1  # one line the first time, not one per cue


def test_summary_is_filled_when_ctrl_c_comes_inside_run():
    runner, engine = _runner(20.0, baseline_s=5.0, cued_s=60.0, probe_s=5.0)
    sent = []

    def tick(r: SessionRunner) -> None:
        if r.phase != "cued":
            return
        if not sent:
            r.submit(NudgeBpm(5.0))
            sent.append(r.clock.now_s())
        elif r.summary.n_beats >= 6 and r.scheduler is not None and r.scheduler.changes_:
            raise KeyboardInterrupt

    engine.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            runner.run(on_tick=tick)
    finally:
        engine.stop()
    s = runner.summary
    assert not s.completed and s.reason == "stopped with Ctrl-C"
    assert math.isfinite(s.end_t_s) and s.end_t_s >= sent[0]
    assert s.final_tempo_bpm == pytest.approx(125.0)
    assert len(s.changes) >= 1 and s.changes[-1].new_bpm == pytest.approx(125.0)
    # the cues decided ahead of the stop were taken back, not played after the end
    _assert_every_cue_accounted_for(s)
    assert all(o.t_s <= s.end_t_s + 0.2 for o in engine.onsets)


def test_stop_records_its_reason():
    runner, engine = _runner(20.0, baseline_s=5.0, cued_s=60.0, probe_s=5.0)

    def tick(r: SessionRunner) -> None:
        if r.phase == "cued" and r.summary.n_beats >= 2:
            r.stop("stopped by SIGTERM")

    engine.start()
    try:
        s = runner.run(on_tick=tick)
    finally:
        engine.stop()
    assert not s.completed and s.reason == "stopped by SIGTERM"
    assert s.final_tempo_bpm == pytest.approx(120.0)


@pytest.mark.slow
def test_a_short_session_at_top_speed_keeps_or_reports_every_cue(tmp_path):
    """A whole live session (virtual patient on ptys) at the top speed: every planned cue is
    played, skipped or taken back, and the session is degraded exactly when one was skipped."""
    db = str(tmp_path / "ras.sqlite3")
    with Store(db) as store:
        store.add_patient("P-FAST")
    db_path, session_id, side = begin_session(db, "P-FAST", {})
    clock = SessionClock(speed=MAX_SPEED)
    result = run_live_session(
        db_path=db_path,
        session_id=session_id,
        settings=SessionSettings(baseline_s=20.0, cued_s=60.0, probe_s=10.0, plan="fixed"),
        sensors=SimulatedSensors(seed=2, imu_rate_hz=0),
        audio=parse_audio_spec("none"),
        clock=clock,
        bus=SessionBus(),
        affected_side=side,
    )
    s = result.summary
    assert s.completed
    _assert_every_cue_accounted_for(s)
    with Store(db) as store:
        phases = {name: start for name, start, _ in store.phases(session_id)}
        n_cues = len(store.cues(session_id)["t_s"])
    assert n_cues == s.cues_played
    # phases end on session time as planned, however late the loop saw them
    assert phases["cued"] - phases["baseline"] == pytest.approx(20.0, abs=1e-6)
    assert phases["probe"] - phases["cued"] == pytest.approx(60.0, abs=1e-6)


def test_a_phase_end_takes_back_only_the_cues_after_it():
    """At the probe's planned start the engine silences the cues from that time on, not from
    wherever its renderer is: a renderer lagging the clock still plays the cued phase's last
    cues (they were silenced with the rest, 248 of 913 in a loaded wav run at 60x)."""
    clock = SessionClock(speed=10.0)
    engine = CueEngine(make_backend("none"), clock=clock, block_frames=1024)
    engine.start()
    try:
        first = engine.earliest_cue_s() + 1.0  # 0.1 s of real time ahead, or more
        times_s = [first + 1.0 * k for k in range(6)]
        samples = [engine.schedule_cue(t) for t in times_s]
        cutoff = engine.cancel_pending(from_t_s=times_s[3] - 0.01)
    finally:
        engine.stop()
    assert samples[2] < cutoff <= samples[3]
    assert [o.sample_index for o in engine.onsets] == samples[:3]

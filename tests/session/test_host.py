"""The session host, as any front-end uses it, without Qt: request, actions, snapshots, end.

A short virtual-patient session at 20x through :class:`ras.session.host.SessionHost`: the
request is checked once (the speed/audio rule, the sensors' options), actions come back as
typed results (the cue cannot be changed outside the cued phase; the runner says so), one
snapshot type carries the live state, and the outcome and the stored settings are the same for
every front-end.
"""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ras.commands.run import format_status
from ras.errors import UserInputError
from ras.events import Phase
from ras.protocol.messages import Side
from ras.session.actions import Plug, Ramp, Volume
from ras.session.host import SessionHost
from ras.session.request import SensorPorts, SessionRequest, SimulatedSensors, check_request
from ras.session.runner import LiveDetail, SessionRunner, StatusSnapshot
from ras.session.settings import SessionSettings
from ras.session.snapshot import live_readings
from ras.store.store import Store
from ras.tempo.commands import Marker, NudgeBpm, Pause, Resume
from tests.conftest import add_patient

SPEED = 20.0


def _request(db: str, **kw: object) -> SessionRequest:
    settings = SessionSettings(baseline_s=20.0, cued_s=20.0, probe_s=5.0, plan="fixed")
    base = {"settings": settings, "audio": "none", "speed": SPEED, "db": db}
    return SessionRequest("P-HOST", **{**base, **kw})  # type: ignore[arg-type]


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "ras.sqlite3")
    add_patient(path, "P-HOST")
    return path


def test_the_request_is_checked_once_in_the_therapists_words(db: str) -> None:
    with pytest.raises(UserInputError, match="WAV file or no sound") as err:
        check_request(_request(db, audio="default"))
    assert "--" not in str(err.value)
    with pytest.raises(UserInputError, match="real sensors run in real time"):
        check_request(_request(db, sensors=SensorPorts(("/dev/null",))))
    with pytest.raises(UserInputError, match="at least one sensor port"):
        check_request(_request(db, sensors=SensorPorts(), speed=1.0))
    with pytest.raises(UserInputError, match="IMU rate between"):
        check_request(_request(db, sensors=SimulatedSensors(sensor_steps="host", imu_rate_hz=5)))
    request, audio = check_request(_request(db, level_dbfs=0.0, ceiling_dbfs=-6.0))
    assert audio.kind == "none" and request.level_dbfs == -6.0
    with pytest.raises(UserInputError):
        SessionHost(_request(db, speed=float("inf")))
    with Store(db) as store:
        assert store.list_sessions() == []  # nothing written for a refused request


@pytest.mark.timing  # ends 'complete': every cue decided within 0.25 s real
def test_a_session_through_the_host(db: str) -> None:
    host = SessionHost(_request(db, via="test"), watch=True)
    assert host.snapshot().status is None  # before it runs
    session_id = host.begin()
    seen: dict[str, object] = {}
    results = []

    def tick(runner: SessionRunner) -> None:
        snap = host.snapshot()
        results.extend(snap.results)
        if "baseline" not in seen:
            seen["baseline"] = snap.tempo_actions
            host.send(NudgeBpm(1.0))  # refused: the cue can change in the cued phase only
            host.send(Marker("before the cue"))
            host.send(Plug("left", connected=False))
            host.send(Plug("left", connected=True))
        elif runner.phase == "cued" and snap.tempo_actions and "cued" not in seen:
            seen["cued"] = snap
            host.send(NudgeBpm(2.0))
            host.send(Ramp(on=True))
            host.send(Volume(-12.0))

    outcome = host.run(on_tick=tick)
    assert outcome.state == "finished" and outcome.status == "complete", outcome
    assert outcome.started and outcome.summary is not None and outcome.summary.completed
    assert outcome.recorder_stats is not None and outcome.recorder_stats.events_written > 0
    assert seen["baseline"] is False
    by_type = {type(r.action).__name__: r for r in results}
    nudges = [r for r in results if isinstance(r.action, NudgeBpm)]
    assert [r.ok for r in nudges] == [False, True]
    assert "cued phase only" in nudges[0].message and nudges[0].text().startswith("error: ")
    assert by_type["Marker"].ok and "before the cue" in by_type["Marker"].message
    assert by_type["Plug"].ok and by_type["Volume"].ok
    assert by_type["Ramp"].ok and "ramp on toward" in by_type["Ramp"].message
    snap = seen["cued"]
    assert snap.status is not None and snap.status.phase == "cued" and len(snap.sensors) == 2
    with Store(db) as store:
        info = store.get_session(session_id)
        markers = [m.note for m in store.markers(session_id)]
        changes = store.tempo_changes(session_id)
    assert info.settings["via"] == "test" and info.settings["simulate"] == "healthy"
    assert {"audio", "speed", "level_dbfs", "ceiling_dbfs", "sensor_steps"} <= set(info.settings)
    assert "before the cue" in markers
    # the runner keeps the beat from which a change sounds (the nudge, the ramp's steps)
    therapist = [c for c in changes if c.source == "therapist"]
    assert therapist and all(c.effective_t_s >= c.t_s for c in therapist), therapist


def test_an_action_before_the_session_runs_is_refused_and_a_stop_waits(db: str) -> None:
    host = SessionHost(_request(db))
    host.send(Marker("too early"))
    [result] = host.results()
    assert not result.ok and "not started" in result.message
    assert host.stop("stopped before it began") is False
    start = time.monotonic()
    outcome = host.run()
    assert time.monotonic() - start < 30.0
    assert outcome.status == "incomplete" and "stopped before it began" in outcome.reason


def test_the_host_needs_no_qt() -> None:
    code = (
        "import sys, ras.session.host, ras.session.request, ras.session.snapshot;"
        " sys.exit(1 if any(m.startswith(('PySide6', 'gui')) for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.timing  # the cadence read on the tick after a step: under 3 session s (150 ms real)
def test_the_snapshot_says_which_figures_are_current_and_why(db: str) -> None:
    """Issue 13: sync R and asynchrony showed during the uncued probe and while paused, and an
    unplugged foot's step time, SI, battery and clock sync kept showing."""
    settings = SessionSettings(baseline_s=20.0, cued_s=120.0, probe_s=20.0, plan="fixed")
    host = SessionHost(_request(db, settings=settings), watch=True)
    seen: dict[str, object] = {}

    def tick(runner: SessionRunner) -> None:
        snap = host.snapshot()
        r = snap.readings
        if not r or snap.status is None:
            return
        phase = snap.status.phase
        if phase == "baseline" and math.isfinite(r["cadence_spm"].value) and "baseline" not in seen:
            seen["baseline"] = snap
        elif phase == "cued" and math.isfinite(r["sync_r"].value) and "cued" not in seen:
            seen["cued"] = snap
            host.send(Pause())
        elif "cued" in seen and "paused" not in seen and snap.detail.paused:
            seen["paused"] = snap
            host.send(Resume())
            host.send(Plug("left", connected=False))
        elif "paused" in seen and "unplugged" not in seen:
            left = [v for v in snap.sensors if v.side == Side.LEFT]
            if left and not left[0].connected and math.isfinite(r["step_time_right_s"].value):
                seen["unplugged"] = snap
                host.send(Plug("left", connected=True))
        elif phase == "probe" and "probe" not in seen:
            seen["probe"] = snap

    outcome = host.run(on_tick=tick)
    assert outcome.state == "finished" and outcome.summary.completed, outcome  # ran to its end
    assert set(seen) == {"baseline", "cued", "paused", "unplugged", "probe"}

    base = seen["baseline"].readings
    assert base["tempo_bpm"].reason == base["sync_r"].reason == "no cue in the baseline"
    assert math.isnan(base["sync_r"].value) and math.isnan(base["mean_asynchrony_ms"].value)
    assert base["cadence_spm"].current and base["cadence_spm"].age_s < 3.0

    cued = seen["cued"].readings
    assert all(cued[k].current for k in ("tempo_bpm", "sync_r", "mean_asynchrony_ms"))
    assert 0.0 <= cued["sync_r"].value <= 1.0

    paused = seen["paused"]
    r = paused.readings
    assert r["sync_r"].reason == r["mean_asynchrony_ms"].reason == "cue paused"
    assert math.isnan(r["sync_r"].value) and math.isnan(r["mean_asynchrony_ms"].value)
    assert paused.detail.phases_rad == () and paused.status.sync_reason == "cue paused"
    assert r["tempo_bpm"].reason == "cue paused" and math.isfinite(r["tempo_bpm"].value)

    unplugged = seen["unplugged"]
    r = unplugged.readings
    [left] = [v for v in unplugged.sensors if v.side == Side.LEFT]
    assert left.battery_pct is None and not left.clock_synced
    assert left.reason.startswith("left sensor disconnected") and left.state_age_s >= 0.0
    for key in ("step_time_left_s", "step_time_si_pct"):
        assert r[key].reason == left.reason and math.isnan(r[key].value), key
    assert math.isfinite(r["step_time_right_s"].value)

    probe = seen["probe"].readings
    assert probe["sync_r"].reason == "no cue in the probe" and math.isnan(probe["sync_r"].value)
    assert probe["tempo_bpm"].reason == "no cue in the probe"
    # ras run's status line, from the same runner state, shows no sync R either
    assert "sync R --" in format_status(seen["probe"].status)
    assert "sync R --" in format_status(paused.status)
    assert "sync R --" not in format_status(seen["cued"].status)


def test_a_figure_from_old_steps_says_how_old() -> None:
    status = StatusSnapshot(
        t_s=100.0,
        phase=Phase.BASELINE,
        cadence_spm=104.0,
        tempo_bpm=None,
        sync_r=math.nan,
        step_time_si_pct=4.0,
        cues_on=False,
        sync_reason="no cue in the baseline",
        step_age_s=0.4,
    )
    detail = LiveDetail(0.6, 0.55, (), math.nan, 0, False, False, "", math.nan)
    r = live_readings(
        status, detail, foot_step_age_s={Side.LEFT: 7.2, Side.RIGHT: 0.4}, stride_age_s=0.4
    )
    assert r["step_time_left_s"].reason == "no left step for 7 s"
    assert math.isnan(r["step_time_left_s"].value) and r["step_time_left_s"].age_s == 7.2
    assert r["step_time_si_pct"].reason == "no left step for 7 s"
    assert r["step_time_right_s"].current and r["step_time_right_s"].value == 0.55
    assert r["cadence_spm"].current and r["cadence_spm"].value == 104.0
    stopped = live_readings(dataclasses.replace(status, step_age_s=5.0), detail, stride_age_s=5.0)
    assert stopped["cadence_spm"].reason == "no steps for 5 s"
    assert stopped["stride_length_m"].reason == "no steps for 5 s"

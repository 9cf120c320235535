"""Simulated sessions of each preset for the report tests (one database, built once)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import add_patient, run_simulated

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: patient id -> (preset, diagnosis, affected side or None, number of sessions)
PATIENTS = {
    "P-HE": ("healthy", "healthy control", None, 1),
    "P-PD": ("parkinson", "parkinson", None, 2),
    "P-ST": ("stroke", "stroke", "left", 1),
}
NAMES = {"P-HE": "Hanna Healthy", "P-PD": "Paul Parkinson", "P-ST": "Stella Stroke"}
#: Raw IMU off: these reports say why freezing is not measured (test_freezing_report.py has
#: sessions with raw IMU).
PHASES_S = ("--baseline", "20", "--cued", "40", "--probe", "20", "--imu-rate", "0")


@pytest.fixture(scope="session")
def sessions_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[int]]]:
    """A database with simulated sessions per preset; returns (path, patient -> session ids)."""
    db = tmp_path_factory.mktemp("reports") / "ras.sqlite3"
    ids: dict[str, list[int]] = {}
    next_id = 1
    for patient, (preset, diagnosis, side, n) in PATIENTS.items():
        options = ["--diagnosis", diagnosis, "--name", NAMES[patient]]
        add_patient(db, patient, *options, *(["--affected-side", side] if side else []))
        for k in range(n):
            run_simulated(db, preset, "--patient", patient, *PHASES_S, speed=25, seed=11 + k)
            ids.setdefault(patient, []).append(next_id)
            next_id += 1
    return db, ids


def _script() -> list[tuple[float, object]]:
    from ras.events import MarkerKind
    from ras.session.actions import Plug
    from ras.tempo.commands import Cues, Marker, Pause, Resume, SetTempo

    return [
        (6.0, Cues(on=False)),
        (12.0, Cues(on=True)),
        (18.0, Pause()),
        (22.0, Resume()),
        (26.0, SetTempo(140.0)),  # a large jump from about 110 bpm
        (30.0, Marker("", MarkerKind.FALL)),
        (31.0, Plug("left", connected=False)),
        (35.0, Plug("left", connected=True)),
        (38.0, Marker("lost balance turning", MarkerKind.NEAR_FALL)),
        (40.0, Pause()),
        (40.5, Pause()),  # already paused: no change, still in the record
    ]


@pytest.fixture(scope="session")
def scripted_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A simulated healthy session in which the therapist turns the cue off and on, pauses
    and resumes it, makes a large tempo jump, records a fall and a near-fall and unplugs the
    left sensor for a few seconds; returns (database, session id)."""
    from ras.session.host import SessionHost
    from ras.session.request import SessionRequest, SimulatedSensors
    from ras.session.settings import SessionSettings

    db = tmp_path_factory.mktemp("scripted") / "ras.sqlite3"
    add_patient(db, "P-SCR", "--diagnosis", "parkinson")
    settings = SessionSettings(
        baseline_s=20.0, cued_s=50.0, probe_s=15.0, plan="fixed", tempo_bpm=110.0
    )
    request = SessionRequest(
        "P-SCR",
        settings,
        sensors=SimulatedSensors("healthy", seed=5),
        audio="none",
        speed=10.0,  # slow enough that a loaded machine keeps up (no skipped cue: "complete")
        db=str(db),
    )
    host = SessionHost(request, watch=True)
    session_id = host.begin()
    todo = _script()
    cued_t_s: list[float] = []

    def tick(runner) -> None:
        if runner.phase != "cued":
            return
        now = host.clock.now_s()
        if not cued_t_s:
            cued_t_s.append(now)
        while todo and now - cued_t_s[0] >= todo[0][0]:
            host.send(todo.pop(0)[1])

    outcome = host.run(on_tick=tick)
    assert outcome.status == "complete", outcome
    assert not todo
    return db, session_id

"""The complete clinical record in the exports (issue 13): a scripted session with cues off/on,
pause/resume, a large tempo jump, a fall, an unplugged sensor and a refused action; each
appears with its time in the CSV, the JSON and the BIDS events."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from ras.cli import main
from ras.events import MarkerKind
from ras.session.actions import Action, Plug
from ras.session.host import SessionHost
from ras.session.request import SessionRequest, SimulatedSensors
from ras.session.runner import SessionRunner
from ras.session.settings import SessionSettings
from ras.store.store import Store
from ras.tempo.commands import Cues, Marker, Pause, Resume, SetTempo
from tests.conftest import add_patient

# the unplugged sensor is back within 10 session s of its unplug, 4 of them after the replug:
# 200 ms real at 20x for the link to find it again
pytestmark = pytest.mark.timing

#: (session time in the cued phase to send it at, s; the action)
SCRIPT: list[tuple[float, Action]] = [
    (4.0, Cues(on=False)),
    (10.0, Cues(on=True)),
    (14.0, Pause()),
    (18.0, Resume()),
    (22.0, SetTempo(130.0)),  # a large jump from 100 bpm
    (24.0, Marker("lost balance turning", MarkerKind.FALL)),
    (26.0, Plug("left", connected=False)),
    (32.0, Plug("left", connected=True)),
    (34.0, Marker("=1+1", MarkerKind.NOTE)),
]


@pytest.fixture(scope="module")
def record_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """The scripted session (patient P-REC), with raw IMU at 100 Hz; a 'resume' sent during
    baseline is refused and logged as such."""
    db = str(tmp_path_factory.mktemp("record") / "ras.sqlite3")
    add_patient(db, "P-REC", "--diagnosis", "parkinson")
    settings = SessionSettings(
        baseline_s=8.0, cued_s=45.0, probe_s=5.0, plan="fixed", tempo_bpm=100.0
    )
    sensors = SimulatedSensors("parkinson", seed=3, imu_rate_hz=100)
    request = SessionRequest("P-REC", settings, sensors, audio="none", speed=20.0, db=db)
    host = SessionHost(request, watch=True)
    session_id = host.begin()
    todo = list(SCRIPT)
    cued_t_s: list[float] = []  # when the cued phase began (session s)
    early = [Resume()]  # sent in the baseline, where there is nothing to resume: refused

    def tick(runner: SessionRunner) -> None:
        now_s = runner.clock.now_s()
        if runner.phase == "baseline" and early:
            host.send(early.pop())
        if runner.phase == "cued" and not cued_t_s:
            cued_t_s.append(now_s)
        if todo and cued_t_s and now_s >= cued_t_s[0] + todo[0][0]:
            host.send(todo.pop(0)[1])

    outcome = host.run(on_tick=tick)
    assert outcome.status == "complete", outcome
    assert not todo
    return Path(db), session_id


def _export(db: Path, sid: int, fmt: str, out: Path) -> None:
    assert main(["export", str(sid), "--format", fmt, "--out", str(out), "--db", str(db)]) == 0


def _rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def _stored(db: Path, sid: int) -> dict[str, list]:
    with Store(db) as store:
        return {
            "cue_states": store.cue_states(sid),
            "actions": store.actions(sid),
            "markers": store.markers(sid),
            "link_events": store.link_events(sid),
        }


def test_csv_has_every_cue_state_action_clinical_event_and_link_change(record_db, tmp_path):
    db, sid = record_db
    _export(db, sid, "csv", tmp_path)
    stored = _stored(db, sid)
    states = _rows(tmp_path / f"session-{sid}_cue_states.csv")
    assert [(r["state"], r["source"]) for r in states] == [
        ("start", "plan"),
        ("off", "therapist"),
        ("on", "therapist"),
        ("pause", "therapist"),
        ("resume", "therapist"),
        ("stop", "plan"),
    ]
    assert [float(r["t_s"]) for r in states] == [s.t_s for s in stored["cue_states"]]
    assert [r["audible"] for r in states] == ["true", "false", "true", "false", "true", "false"]
    assert {r["phase"] for r in states[1:-1]} == {"cued"}
    actions = _rows(tmp_path / f"session-{sid}_actions.csv")
    assert [(r["action"], r["ok"]) for r in actions] == [
        ("resume", "false"),
        ("cues off", "true"),
        ("cues on", "true"),
        ("pause", "true"),
        ("resume", "true"),
        ("set 130 bpm", "true"),
        ("fall", "true"),
        ("unplug left sensor", "true"),
        ("plug in left sensor", "true"),
        ("marker", "true"),
    ]
    assert [float(r["t_s"]) for r in actions] == [a.t_s for a in stored["actions"]]
    assert "large jump: +30.0 %" in actions[5]["message"]
    assert actions[0]["message"] == stored["actions"][0].message != ""
    markers = _rows(tmp_path / f"session-{sid}_markers.csv")
    assert [(r["kind"], r["label"], r["note"]) for r in markers] == [
        ("fall", "fall", "lost balance turning"),
        ("note", "note", "'=1+1"),
    ]
    links = _rows(tmp_path / f"session-{sid}_link_events.csv")
    assert [float(r["t_s"]) for r in links] == [e.t_s for e in stored["link_events"]]
    unplug_t_s = float(actions[7]["t_s"])
    lost = [r for r in links if r["state"] == "disconnected" and float(r["t_s"]) >= unplug_t_s]
    assert lost and lost[0]["side"] == "left"
    back = [r for r in links if r["state"] == "connected" and float(r["t_s"]) > unplug_t_s]
    assert back and back[0]["side"] == "left"


def test_json_has_the_same_record_with_units(record_db, tmp_path):
    db, sid = record_db
    _export(db, sid, "json", tmp_path)
    doc = json.loads((tmp_path / f"session-{sid}.json").read_text(encoding="utf-8"))
    stored = _stored(db, sid)
    for table in ("cue_states", "actions", "markers", "link_events"):
        assert doc[table]["units"] == {"t_s": "s"}, table
        assert [r["t_s"] for r in doc[table]["records"]] == [e.t_s for e in stored[table]], table
    assert [r["state"] for r in doc["cue_states"]["records"]] == [
        s.state.value for s in stored["cue_states"]
    ]
    assert doc["actions"]["records"][0]["ok"] is False
    assert doc["markers"]["records"][1] == {
        "t_s": stored["markers"][1].t_s,
        "phase": "cued",
        "kind": "note",
        "label": "note",
        "note": "=1+1",
    }
    assert doc["patient"]["diagnosis_label"] == "Parkinson's disease"


def test_bids_events_have_every_change_with_onset_and_duration(record_db, tmp_path):
    db, sid = record_db
    _export(db, sid, "bids", tmp_path)
    [events] = tmp_path.glob("sub-PREC/ses-*/motion/*_events.tsv")
    rows = _rows(events, "\t")
    stored = _stored(db, sid)

    def onsets(trial_type: str) -> list[float]:
        return [float(r["onset"]) for r in rows if r["trial_type"] == trial_type]

    states = stored["cue_states"]
    for state in ("start", "off", "on", "pause", "resume", "stop"):
        expected = [s.t_s for s in states if s.state.value == state]
        assert onsets(f"cue_{state}") == pytest.approx(expected, abs=1e-6), state
    off = next(r for r in rows if r["trial_type"] == "cue_off")
    assert float(off["duration"]) == pytest.approx(states[2].t_s - states[1].t_s, abs=1e-5)
    assert off["source"] == "therapist" and off["phase"] == "cued"
    refused = [r for r in rows if r["trial_type"] == "therapist_action_refused"]
    assert [r["note"].split(":")[0] for r in refused] == ["resume"]
    applied = [r["note"] for r in rows if r["trial_type"] == "therapist_action"]
    assert len(applied) == len(stored["actions"]) - 1
    assert any(n.startswith("set 130 bpm: ") and "large jump" in n for n in applied)
    [fall] = [r for r in rows if r["trial_type"] == "clinical_fall"]
    assert (fall["note"], fall["source"]) == ("lost balance turning", "therapist")
    assert float(fall["onset"]) == pytest.approx(stored["markers"][0].t_s, abs=1e-6)
    assert [r["note"] for r in rows if r["trial_type"] == "marker"] == ["'=1+1"]
    assert 130.0 in [float(r["value"]) for r in rows if r["trial_type"] == "tempo_change"]
    lost = [r for r in rows if r["trial_type"] == "link_disconnected" and r["side"] == "left"]
    assert lost and 0.0 < float(lost[0]["duration"]) < 10.0
    levels = json.loads(events.with_suffix(".json").read_text(encoding="utf-8"))["trial_type"]
    assert {r["trial_type"] for r in rows} <= set(levels["Levels"])

"""`ras export`: CSV, JSON and Motion-BIDS of simulated sessions, complete and interrupted."""

from __future__ import annotations

import csv
import json
import os
import re
import stat
from pathlib import Path

import numpy as np
import pytest

from ras.cli import main
from ras.store.store import Store
from tests.conftest import record_walk, refused_in_process

BIDS_NAME = re.compile(
    r"^sub-[A-Za-z0-9]+_ses-[A-Za-z0-9]+_task-[A-Za-z0-9]+(_tracksys-[A-Za-z0-9]+)?"
    r"_(motion\.tsv|motion\.json|channels\.tsv|channels\.json|events\.tsv|events\.json)$"
)
CHANNEL_TYPES = {
    "ACCEL",
    "ANGACCEL",
    "GYRO",
    "JNTANG",
    "LATENCY",
    "MAGN",
    "MISC",
    "ORNT",
    "POS",
    "VEL",
}
COMPONENTS = {"x", "y", "z", "quat_x", "quat_y", "quat_z", "quat_w", "n/a"}


def export(db: Path, session: int | str, fmt: str, out: Path, *extra: str) -> int:
    return main(
        ["export", str(session), "--format", fmt, "--out", str(out), "--db", str(db), *extra]
    )


def owner_only(root: Path) -> None:
    for p in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode == (0o700 if p.is_dir() else 0o600), (p, oct(mode))


def all_text(root: Path) -> str:
    return "\n".join(p.read_text() for p in root.rglob("*") if p.is_file())


def read_tsv(path: Path, delimiter: str = "\t") -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def read_csv(path: Path) -> list[dict[str, str]]:
    return read_tsv(path, ",")


def test_csv_export_has_every_table_with_units_in_names(imu_db, tmp_path):
    db, sid = imu_db
    out = tmp_path / "csv"
    assert export(db, sid, "csv", out) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        f"session-{sid}_{t}.csv"
        for t in sorted(
            (
                *("session", "phases", "steps", "cues", "tempo_changes", "cue_states"),
                *("actions", "markers", "link_events", "parameters"),
                *("cue_modes", "song_events"),
            )
        )
    ]
    owner_only(out)
    rows = {n: read_csv(out / n) for n in names}
    steps = rows[f"session-{sid}_steps.csv"]
    assert len(steps) > 100 and {"t_s", "side", "event", "phase", "stride_length_m"} <= set(
        steps[0]
    )
    assert {r["event"] for r in steps} >= {"initial_contact", "toe_off"}
    changes = rows[f"session-{sid}_tempo_changes.csv"]
    assert changes and list(changes[0]) == [
        "t_s",
        "phase",
        "old_bpm",
        "new_bpm",
        "source",
        "reason",
        "effective_t_s",
    ]
    assert changes[0]["source"] == "plan" and changes[0]["reason"]
    params = rows[f"session-{sid}_parameters.csv"]
    measures = {(r["phase"], r["measure"]): r for r in params}
    assert float(measures[("baseline", "cadence_spm")]["value"]) > 30
    assert measures[("cued", "sync_r")]["value"] != ""
    # raw IMU was recorded, so freezing was analysed (a count, possibly zero)
    assert measures[("cued", "n_freezing_episodes")]["value"] != ""
    facts = {r["key"]: r["value"] for r in rows[f"session-{sid}_session.csv"]}
    assert facts["status"] == "complete" and facts["complete"] == "true"
    assert "Erika" not in all_text(out) and "patient_name" not in facts


def test_json_export_is_one_document_and_names_only_on_request(imu_db, tmp_path):
    db, sid = imu_db
    assert export(db, sid, "json", tmp_path / "a") == 0
    doc = json.loads((tmp_path / "a" / f"session-{sid}.json").read_text())
    assert doc["format"] == "ras-session" and doc["session"]["complete"] is True
    assert doc["patient"] == {
        "pseudo_id": "P-ST",
        "diagnosis": "stroke",
        "diagnosis_label": "stroke",
        "diagnosis_note": None,
        "affected_side": "left",
        "birth_year": None,
        "sex": None,
        "height_m": None,
        "leg_length_m": None,
    }
    for table in (
        *("phases", "steps", "cues", "tempo_changes", "cue_states", "actions", "markers"),
        *("link_events", "parameters", "cue_modes", "song_events"),
    ):
        assert "records" in doc[table] and "units" in doc[table]
    assert doc["steps"]["units"]["t_s"] == "s"
    assert doc["tempo_changes"]["records"][0]["source"] == "plan"
    assert "Erika" not in (tmp_path / "a" / f"session-{sid}.json").read_text()
    assert export(db, sid, "json", tmp_path / "b", "--with-names") == 0
    named = json.loads((tmp_path / "b" / f"session-{sid}.json").read_text())
    assert named["patient"]["name"] == "Erika Musterfrau"


def test_motion_bids_export_has_the_required_files_and_columns(imu_db, tmp_path):
    db, sid = imu_db
    out = tmp_path / "bids"
    assert export(db, sid, "bids", out) == 0
    owner_only(out)
    desc = json.loads((out / "dataset_description.json").read_text())
    assert desc["Name"] and desc["BIDSVersion"]
    assert (out / "participants.tsv").exists() and (out / "README").exists()
    motion_dir = out / "sub-PST" / f"ses-{sid}" / "motion"
    files = sorted(p.name for p in motion_dir.iterdir())
    assert all(BIDS_NAME.match(f) for f in files), files
    motions = sorted(motion_dir.glob("*_motion.tsv"))
    assert [m.name.split("tracksys-")[1].split("_")[0] for m in motions] == [
        "imuleftfoot",
        "imurightfoot",
    ]
    for motion in motions:
        base = motion.name[: -len("_motion.tsv")]
        channels = read_tsv(motion_dir / f"{base}_channels.tsv")
        assert list(channels[0])[:5] == ["name", "component", "type", "tracked_point", "units"]
        assert {c["type"] for c in channels} <= CHANNEL_TYPES
        assert {c["component"] for c in channels} <= COMPONENTS
        assert [c["type"] for c in channels].count("ACCEL") == 3
        assert [c["type"] for c in channels].count("GYRO") == 3
        sidecar = json.loads((motion_dir / f"{base}_motion.json").read_text())
        for key in ("SamplingFrequency", "TaskName", "TrackingSystemName"):
            assert sidecar[key], key
        assert sidecar["SamplingFrequency"] == 100.0
        assert sidecar["MotionChannelCount"] == len(channels)
        # not motion.json fields (the validator refuses them): the frame is in channels.json
        assert not {"SpatialAxes", "RecordingStatus", "RecordingComplete"} & set(sidecar)
        frames = json.loads((motion_dir / f"{base}_channels.json").read_text())
        foot = frames["reference_frame"]["Levels"]["foot"]
        assert foot["SpatialAxes"] == "ALS"
        assert {c["reference_frame"] for c in channels} == {"foot", "n/a"}
        # motion.tsv has no header: every line is numbers, one column per channel
        data = np.loadtxt(motion, delimiter="\t", ndmin=2)
        assert data.shape[1] == len(channels) and data.shape[0] > 1000
        latency = data[:, [c["type"] for c in channels].index("LATENCY")]
        assert np.all(np.diff(latency) > 0)
        acc_z = data[:, [c["name"] for c in channels].index(f"{base.split('tracksys-')[1]}_acc_z")]
        assert 5.0 < float(np.median(acc_z)) < 15.0  # gravity, m/s^2
    [events] = motion_dir.glob("*_events.tsv")
    rows = read_tsv(events)
    assert list(rows[0])[:2] == ["onset", "duration"]
    kinds = {r["trial_type"] for r in rows}
    assert {"initial_contact", "toe_off", "cue", "tempo_change", "phase_baseline"} <= kinds
    onsets = [float(r["onset"]) for r in rows]
    assert onsets == sorted(onsets)
    scans = read_tsv(out / "sub-PST" / f"ses-{sid}" / f"sub-PST_ses-{sid}_scans.tsv")
    assert {s["filename"] for s in scans} == {f"motion/{m.name}" for m in motions}
    assert "Erika" not in all_text(out)


def test_a_session_killed_mid_way_exports_and_says_incomplete(killed_db, tmp_path):
    db, sid = killed_db
    for fmt in ("csv", "json", "bids"):
        assert export(db, sid, fmt, tmp_path / fmt) == 0, fmt
    facts = {
        r["key"]: r["value"] for r in read_csv(tmp_path / "csv" / f"session-{sid}_session.csv")
    }
    assert facts["status"] == "incomplete" and facts["complete"] == "false"
    assert "INCOMPLETE" in facts["status_note"]
    phases = read_csv(tmp_path / "csv" / f"session-{sid}_phases.csv")
    assert phases[-1]["phase"] == "cued" and phases[-1]["end_t_s"] == ""
    doc = json.loads((tmp_path / "json" / f"session-{sid}.json").read_text())
    assert doc["session"]["complete"] is False and doc["session"]["status"] == "incomplete"
    readme = (tmp_path / "bids" / "README").read_text()
    assert "INCOMPLETE" in readme
    sessions = read_tsv(tmp_path / "bids" / "sub-simparkinson" / "sub-simparkinson_sessions.tsv")
    assert sessions[0]["status"] == "incomplete"


def test_a_session_still_open_exports_as_incomplete(tmp_path):
    db = tmp_path / "open.sqlite3"
    with Store(db) as store:
        store.add_patient("P-O")
        sid = record_walk(store, "P-O", [("baseline", 0.0)], (0.5, 20.0), cadence_spm=60 / 0.55)
    assert export(db, sid, "json", tmp_path / "j") == 0
    doc = json.loads((tmp_path / "j" / f"session-{sid}.json").read_text())
    assert doc["session"]["complete"] is False and doc["session"]["status"] == "running"


def test_bad_input_gives_one_line_errors(imu_db, tmp_path, capsys):
    db, sid = imu_db
    out = str(tmp_path / "o")
    base = ["--out", out, "--db", str(db)]
    refused_in_process(capsys, ["export", "42", "--format", "csv", *base], "no session 42")
    refused_in_process(capsys, ["export", "x1", "--format", "csv", *base], "'x1'")
    refused_in_process(
        capsys, ["export", str(sid), "--format", "xlsx", *base], "xlsx", "csv, json, bids"
    )
    blocker = tmp_path / "file"
    blocker.write_text("")
    refused_in_process(
        capsys,
        ["export", str(sid), "--format", "csv", "--out", str(blocker), "--db", str(db)],
        str(blocker),
    )
    refused_in_process(
        capsys,
        ["export", str(sid), "--format", "bids", "--out", str(blocker / "sub"), "--db", str(db)],
        str(blocker),
    )
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        refused_in_process(
            capsys,
            ["export", str(sid), "--format", "csv", "--out", str(locked / "x"), "--db", str(db)],
            str(locked),
        )
    empty_db = tmp_path / "e.sqlite3"
    with Store(empty_db) as store:
        store.add_patient("P-E")
        empty = store.begin_session("P-E")
        store.end_session(empty)
    refused_in_process(
        capsys,
        ["export", str(empty), "--format", "csv", "--out", out, "--db", str(empty_db)],
        "empty",
    )


@pytest.mark.parametrize("fmt", ["csv", "json", "bids"])
def test_export_prints_where_the_files_went(imu_db, tmp_path, capsys, fmt):
    db, sid = imu_db
    assert export(db, sid, fmt, tmp_path / fmt) == 0
    assert f"exported session {sid} as {fmt}" in capsys.readouterr().out

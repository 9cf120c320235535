"""One Motion-BIDS dataset from several exports: two patients x two sessions, merged, and
accepted by the BIDS validator (npm bids-validator, installed by
scripts/install-bids-validator.sh when missing)."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest

from ras.cli import main
from ras.store import Store
from tests.conftest import add_patient, music_events, run_simulated

ROOT = Path(__file__).resolve().parents[2]
INSTALL_VALIDATOR = ROOT / "scripts" / "install-bids-validator.sh"
PHASES = ("--baseline", "5", "--cued", "10", "--probe", "5", "--imu-rate", "100")
#: session id -> patient; sessions 1 and 3 of P-A, 2 and 4 of P-B
SESSIONS = {1: "P-A", 2: "P-B", 3: "P-A", 4: "P-B"}
#: the session cued with music
MUSIC_SESSION = 3


@pytest.fixture(scope="module")
def two_by_two_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two patients with two short sessions each (raw IMU); P-B's first session has a
    refused 'off' (typed in the baseline), a fall and a note; P-A's second is cued with music
    (two songs, music + click, back to the metronome: records written into its cued phase)."""
    db = tmp_path_factory.mktemp("bids2x2") / "ras.sqlite3"
    add_patient(db, "P-A", "--diagnosis", "Parkinson's disease, H&Y 2")
    add_patient(
        db,
        "P-B",
        *("--diagnosis", "stroke", "--affected-side", "left", "--name", "B B"),
        *(
            "--birth-year",
            "1950",
            "--sex",
            "female",
            "--height-m",
            "1.64",
            "--leg-length-m",
            "0.82",
        ),
    )
    typed = {2: ["off", "fall slipped", "marker =1+1"]}
    for sid, patient in SESSIONS.items():
        preset = "stroke" if patient == "P-B" else "parkinson"
        commands = typed.get(sid, [])
        run_simulated(db, preset, "--patient", patient, *PHASES, seed=sid, commands=commands)
    with Store(db) as store:
        cued_t_s = next(start for name, start, _ in store.phases(MUSIC_SESSION) if name == "cued")
        store.record(MUSIC_SESSION, music_events(cued_t_s, scale=0.2))
    return db


def _export(db: Path, sid: int, out: Path, *extra: str) -> None:
    argv = ["export", str(sid), "--format", "bids", "--out", str(out), "--db", str(db)]
    assert main([*argv, *extra]) == 0


def _tsv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _dataset(db: Path, out: Path) -> Path:
    for sid in SESSIONS:  # one after another, patients interleaved
        _export(db, sid, out)
    return out


def test_exports_one_after_another_make_one_dataset(two_by_two_db, tmp_path):
    out = _dataset(two_by_two_db, tmp_path / "ds")
    participants = _tsv(out / "participants.tsv")
    assert [(p["participant_id"], p["diagnosis"]) for p in participants] == [
        ("sub-PA", "parkinson"),
        ("sub-PB", "stroke"),
    ]
    assert participants[0]["diagnosis_note"] == "Parkinson's disease, H&Y 2"
    assert participants[1]["affected_side"] == "left"
    assert [(p["sex"], p["height"], p["leg_length"]) for p in participants] == [
        ("n/a", "n/a", "n/a"),
        ("female", "1.640000", "0.820000"),
    ]
    year = int(_tsv(out / "sub-PB" / "sub-PB_sessions.tsv")[0]["acq_time"][:4])
    expected_age = {"PA": "n/a", "PB": str(year - 1950)}  # P-A has no year of birth
    for sub, ids in (("PA", ["ses-1", "ses-3"]), ("PB", ["ses-2", "ses-4"])):
        sessions = _tsv(out / f"sub-{sub}" / f"sub-{sub}_sessions.tsv")
        assert [s["session_id"] for s in sessions] == ids
        assert {s["status"] for s in sessions} == {"complete"}
        assert {s["age"] for s in sessions} == {expected_age[sub]}
        for ses in ids:
            assert len(list((out / f"sub-{sub}" / ses / "motion").glob("*_motion.tsv"))) == 2
    readme = (out / "README").read_text(encoding="utf-8").splitlines()
    assert [line.split(":")[0] for line in readme if line.startswith("sub-")] == [
        "sub-PA ses-1",
        "sub-PA ses-3",
        "sub-PB ses-2",
        "sub-PB ses-4",
    ]
    described = json.loads((out / "participants.json").read_text())
    assert described["diagnosis"]["Levels"]["parkinson"] == "Parkinson's disease"
    assert set(described) == set(participants[0])
    assert described["height"]["Units"] == "m"
    description = json.loads((out / "dataset_description.json").read_text())
    assert [g["Name"] for g in description["GeneratedBy"]] == ["ras"]


def test_exporting_a_session_again_replaces_only_its_own_rows_and_files(two_by_two_db, tmp_path):
    db = two_by_two_db
    out = _dataset(db, tmp_path / "ds")
    # what a researcher added by hand stays
    desc_path = out / "dataset_description.json"
    description = json.loads(desc_path.read_text())
    desc_path.write_text(json.dumps({**description, "Authors": ["A. Researcher"]}))
    with (out / "participants.tsv").open("a", encoding="utf-8") as fh:
        fh.write("sub-other\tn/a\tn/a\tn/a\n")
    motion = out / "sub-PB" / "ses-2" / "motion"
    stale = motion / "sub-PB_ses-2_task-rasgait_tracksys-imuoldfoot_motion.tsv"
    stale.write_text("1\t2\n")
    other_session = sorted((out / "sub-PB" / "ses-4" / "motion").iterdir())
    before = {p: p.read_bytes() for p in other_session}
    _export(db, 2, out, "--with-names")
    assert json.loads(desc_path.read_text())["Authors"] == ["A. Researcher"]
    participants = _tsv(out / "participants.tsv")
    assert [p["participant_id"] for p in participants] == ["sub-PA", "sub-PB", "sub-other"]
    assert [p["name"] for p in participants] == ["n/a", "B B", "n/a"]
    assert [s["session_id"] for s in _tsv(out / "sub-PB" / "sub-PB_sessions.tsv")] == [
        "ses-2",
        "ses-4",
    ]
    assert not stale.exists()
    assert len(list(motion.glob("*_motion.tsv"))) == 2
    assert {p: p.read_bytes() for p in other_session} == before


def test_a_dataset_that_is_not_bids_is_refused_in_one_line(two_by_two_db, tmp_path, capsys):
    out = tmp_path / "ds"
    out.mkdir()
    (out / "participants.tsv").write_text("who\tage\nsomeone\t3\n")
    argv = ["export", "1", "--format", "bids", "--out", str(out), "--db", str(two_by_two_db)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "participants.tsv" in err and "participant_id" in err


def _validator() -> str:
    """The validator's command: installed by the project's script if it is not yet."""
    done = subprocess.run(
        ["bash", str(INSTALL_VALIDATOR)], capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.slow
def test_the_bids_validator_finds_no_error_in_two_patients_by_two_sessions(two_by_two_db, tmp_path):
    out = _dataset(two_by_two_db, tmp_path / "ds")
    done = subprocess.run(
        [_validator(), "--json", str(out)], capture_output=True, text=True, timeout=600
    )
    report = json.loads(done.stdout)
    assert report["issues"]["errors"] == []
    assert done.returncode == 0, done.stderr
    assert report["summary"]["subjects"] == ["PA", "PB"]
    assert sorted(report["summary"]["sessions"]) == ["1", "2", "3", "4"]
    assert {"motion", "channels", "events"} <= set(report["summary"]["dataTypes"])


def test_a_default_session_records_raw_imu_and_imu_rate_0_turns_it_off(tmp_path):
    """`ras run` keeps the sensors' raw IMU unless told not to: its BIDS export has motion data."""
    db = tmp_path / "ras.sqlite3"
    add_patient(db, "P-D")
    short = ("--baseline", "5", "--cued", "5", "--probe", "5")
    run_simulated(db, "healthy", "--patient", "P-D", *short)
    run_simulated(db, "healthy", "--patient", "P-D", *short, "--imu-rate", "0")
    out = tmp_path / "ds"
    for sid in (1, 2):
        _export(db, sid, out)
    motion = sorted((out / "sub-PD" / "ses-1" / "motion").glob("*_motion.tsv"))
    assert len(motion) == 2
    assert all(len(m.read_text().splitlines()) > 500 for m in motion)  # 100 Hz for ~10 s
    assert not list((out / "sub-PD" / "ses-2" / "motion").glob("*_motion.tsv"))
    readme = (out / "README").read_text(encoding="utf-8")
    assert "sub-PD ses-2: session complete. No raw IMU was recorded" in readme
    assert "sub-PD ses-1: session complete.\n" in readme


def test_the_music_session_s_events_carry_its_modes_and_songs(two_by_two_db, tmp_path):
    out = tmp_path / "ds"
    _export(two_by_two_db, MUSIC_SESSION, out)
    (events_tsv,) = (out / "sub-PA" / f"ses-{MUSIC_SESSION}" / "motion").glob("*_events.tsv")
    rows = _tsv(events_tsv)
    music = [r for r in rows if r["trial_type"].startswith(("cue_mode_", "song_"))]
    assert [r["trial_type"] for r in music] == [
        "cue_mode_music",
        "song_start",
        "song_stretch",
        "song_stretch",
        "song_stop",
        "song_start",
        "cue_mode_music_click",
        "cue_mode_metronome",
        "song_stop",
    ]
    onsets = [float(r["onset"]) for r in music]
    assert [round(t - onsets[0], 6) for t in onsets] == [0, 0, 2, 3, 4, 4, 6, 8, 8]
    assert music[1]["note"].startswith("Walking Tune (A. Band); native 105.0 bpm, cue 100.0 bpm")
    sidecar = json.loads(events_tsv.with_suffix(".json").read_text())
    assert {r["trial_type"] for r in rows} <= set(sidecar["trial_type"]["Levels"])

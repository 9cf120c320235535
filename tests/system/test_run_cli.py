"""`ras run`, `ras sessions`, `ras patients` as a user runs them: real processes, ptys, SQLite."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from ras.session_clock import SessionClock
from ras.sim.rig import VirtualPatientRig
from ras.store.store import Store
from tests.conftest import assert_one_line_error as one_line_error

RAS = [sys.executable, "-m", "ras"]
GUARD_S = 300


def ras(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*RAS, *args], input=stdin, capture_output=True, text=True, timeout=GUARD_S, check=False
    )


@pytest.mark.slow
@pytest.mark.timing  # ends 'complete': every cue decided within 0.25 s real
def test_a_simulated_session_runs_records_and_is_listed(tmp_path):
    db = str(tmp_path / "ras.sqlite3")
    proc = ras(
        "run",
        "--simulate",
        "healthy",
        "--audio",
        "none",
        "--speed",
        "10",
        "--db",
        db,
        "--baseline",
        "20",
        "--cued",
        "60",
        "--probe",
        "10",
        stdin="bogus command\n+\nmarker patient smiled\n",
    )
    assert proc.returncode == 0, proc.stderr
    assert "complete" in proc.stdout and "session 1" in proc.stdout
    assert "cued" in proc.stdout and "cadence" in proc.stdout and "tempo" in proc.stdout
    # a malformed live command is reported in one line and the session keeps running
    assert "error: " in proc.stderr and "bogus" in proc.stderr
    listed = ras("sessions", "--db", db)
    assert listed.returncode == 0 and "complete" in listed.stdout
    with Store(db) as store:
        assert store.integrity_ok()
        steps = store.steps(1)
        cues = store.cues(1)
        changes = store.tempo_changes(1)
        markers = store.markers(1)
    assert len(steps) > 100 and len(cues) > 50
    assert any(c.source == "plan" for c in changes)
    # the therapist's "+" arrived during the baseline: refused there, so no therapist change;
    # the marker is kept whatever the phase
    assert [m.note for m in markers] == ["patient smiled"]
    assert os.stat(db).st_mode & 0o077 == 0  # owner-only


def test_bad_input_gives_one_line_errors(tmp_path):
    db = str(tmp_path / "x.sqlite3")
    one_line_error(
        ras("run", "--simulate", "healthy", "--plan", "zigzag", "--db", db),
        "zigzag",
        "fixed, iso-ramp, adaptive",
    )
    one_line_error(ras("run", "--simulate", "healthy", "--tempo", "500", "--db", db), "between")
    one_line_error(ras("run", "--simulate", "healthy", "--patient", "P-404", "--db", db), "P-404")
    one_line_error(
        ras("run", "--simulate", "healthy", "--speed", "5", "--db", db), "WAV file or no sound"
    )
    one_line_error(ras("run", "--simulate", "healthy", "--audio", "mp3:x", "--db", db), "mp3")
    blocker = tmp_path / "file"
    blocker.write_text("")
    one_line_error(
        ras("run", "--simulate", "healthy", "--db", str(blocker / "db.sqlite3")), str(blocker)
    )
    one_line_error(ras("sessions", "--db", db, "--patient", "nobody"), "nobody")


def test_a_sound_device_that_fails_is_one_line_and_leaves_no_session(tmp_path):
    db = str(tmp_path / "x.sqlite3")
    proc = ras("run", "--simulate", "healthy", "--audio", "device:no-such-device-xyz", "--db", db)
    one_line_error(proc, "--audio none")
    with Store(db) as store:
        sessions = store.list_sessions()
        patients = [p.pseudo_id for p in store.list_patients()]
    assert sessions == []  # a session that never started is not in the history
    assert patients == ["sim-healthy"]  # the virtual patient it was for is kept


def test_patients_add_and_list(tmp_path):
    db = str(tmp_path / "p.sqlite3")
    assert (
        ras(
            "patients",
            "--db",
            db,
            "--add",
            "P-001",
            "--diagnosis",
            "stroke",
            "--affected-side",
            "left",
        ).returncode
        == 0
    )
    out = ras("patients", "--db", db).stdout
    assert "P-001" in out and "stroke" in out and "left" in out
    one_line_error(ras("patients", "--db", db, "--add", "P-001"), "P-001")


@pytest.mark.slow
@pytest.mark.timing  # real time: what is 0.5 s old at the kill must be stored
def test_kill_9_keeps_everything_up_to_half_a_second_before(tmp_path):
    """The sensors live in this process (their truth logs survive); `ras run` is killed."""
    db = str(tmp_path / "k.sqlite3")
    assert ras("patients", "--db", db, "--add", "P-K").returncode == 0
    clock = SessionClock()
    with VirtualPatientRig("healthy", clock, seed=5) as rig:
        ports = [p for p in rig.ports if p]
        child = subprocess.Popen(
            [
                *RAS,
                "run",
                "--port",
                ports[0],
                "--port",
                ports[1],
                "--patient",
                "P-K",
                "--audio",
                "none",
                "--db",
                db,
                "--baseline",
                "5",
                "--cued",
                "600",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + GUARD_S
            while clock.now_s() < 15.0:
                assert child.poll() is None, child.communicate()
                assert time.monotonic() < deadline
                time.sleep(0.05)
            kill_t_s = clock.now_s()
            child.send_signal(signal.SIGKILL)
            child.communicate(timeout=GUARD_S)
        finally:
            if child.poll() is None:
                child.kill()
                child.communicate()
        truth = {s.sensor_id: s.truth_log for s in rig.sensors}
    with Store(db) as store:
        assert store.integrity_ok()
        store.mark_interrupted()
        [session] = store.list_sessions("P-K")
        assert session.status == "incomplete"
        steps = store.steps(session.id)
    stored = {(int(s["sensor_id"]), int(s["seq"])) for s in steps}
    # `ras run` probes each port before its link opens it; frames sent in between are flushed
    # by the open, so the comparison starts at the first step the session stored per sensor
    first_seq = {sid: min(q for i, q in stored if i == sid) for sid in truth}
    expected = {
        (sensor_id, r.seq)
        for sensor_id, log in truth.items()
        for r in log
        if r.msg_type.name == "STEP"
        and r.delivered_intact
        and r.seq >= first_seq[sensor_id]
        and r.t_s <= kill_t_s - 0.5
    }
    assert len(expected) > 40
    assert expected <= stored, f"missing {sorted(expected - stored)[:5]}"


def _wav_peak(path) -> float:
    import wave

    import numpy as np

    with wave.open(str(path)) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    return float(np.abs(pcm).max()) / 32767.0


@pytest.mark.slow
def test_cue_level_and_its_ceiling(tmp_path):
    def run(*extra):
        wav = tmp_path / f"cues{len(list(tmp_path.glob('*.wav')))}.wav"
        proc = ras(
            "run", "--simulate", "healthy", "--audio", f"wav:{wav}", "--speed", "20",
            "--db", str(tmp_path / "db.sqlite3"), "--baseline", "20", "--cued", "15",
            "--probe", "1", *extra,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return _wav_peak(wav), proc.stderr

    import numpy as np

    from ras.audio import Sound
    from ras.audio.mixer import render_sounds

    bank = render_sounds(48000)  # the plain cues' own peak; the level scales a full-scale cue
    cue_peak = max(float(np.abs(bank.frames[int(s)]).max()) for s in (Sound.LEFT, Sound.RIGHT))
    peak, _ = run("--level", "-20")
    assert peak == pytest.approx(cue_peak * 10 ** (-20 / 20), rel=0.02)
    peak, err = run("--level", "-6", "--ceiling", "-18")  # asks too loud: the ceiling holds
    assert peak == pytest.approx(cue_peak * 10 ** (-18 / 20), rel=0.02)
    assert "above the ceiling" in err
    one_line_error(ras("run", "--simulate", "healthy", "--ceiling", "3"), "--ceiling", "0 dBFS")
    one_line_error(ras("run", "--simulate", "healthy", "--level", "loud"), "--level", "loud")

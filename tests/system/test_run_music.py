"""`ras run --music` as a user runs it: a synthetic song added with `ras music add`, a closed-loop
virtual patient walking to it through the real engine (wav output), the record and the report;
a song gone from disk and a song too far from the cadence each fall back to the metronome in
one line with every beat cued."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ras.events import CueMode, SongEventKind
from ras.music.synth import synth_song
from ras.report.session import build_session_report
from ras.results.outcomes import session_outcomes
from ras.results.session_data import load_session
from ras.store import Store
from tests.conftest import add_patient
from tests.music_checks import assert_every_beat_cued

RAS = [sys.executable, "-m", "ras"]
GUARD_S = 120
RATE_HZ = 22050
#: The healthy virtual patient walks at about 110 steps/min (seed 1).
SESSION = ["--simulate", "healthy", "--seed", "1", "--speed", "10", "--plan", "iso-ramp"]


def ras(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*RAS, *args, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=GUARD_S,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def run_with_music(
    db: Path, songs: str, audio: str, phases_s: tuple[int, int, int]
) -> subprocess.CompletedProcess:
    """``ras run`` of patient P-1 with ``--music songs``, phases (baseline, cued, probe) in s."""
    baseline, cued, probe = (str(s) for s in phases_s)
    return ras(
        db, "run", *SESSION, "--patient", "P-1", "--music", songs, "--audio", audio,
        "--baseline", baseline, "--cued", cued, "--probe", probe,
    )  # fmt: skip


def song_file(path: Path, tempo_bpm: float, duration_s: float) -> Path:
    made = synth_song("steady", tempo_bpm=tempo_bpm, duration_s=duration_s, sample_rate_hz=RATE_HZ)
    sf.write(path, made.audio, RATE_HZ)
    return path


@pytest.mark.timing  # ends 'complete': every cue decided within 0.25 s real
def test_a_closed_loop_session_walks_to_a_song_and_the_record_and_report_say_so(tmp_path):
    db = tmp_path / "ras.sqlite3"
    add_patient(db, "P-1")
    song = song_file(tmp_path / "Walk.wav", 112.0, 60.0)
    added = ras(db, "music", "add", str(song), "--patient", "P-1")
    assert added.returncode == 0, added.stderr
    proc = run_with_music(db, "Walk", f"wav:{tmp_path / 'cue.wav'}", (20, 60, 10))
    out = proc.stdout + proc.stderr  # the status lines, then the session's log
    assert proc.returncode == 0, out
    assert "session 1 complete" in out
    assert "song start at 2" in out and ": Walk (" in out  # with its time
    with Store(db) as store:
        data = load_session(store, 1)
        report = build_session_report(store, 1).document.text()
    modes, songs = data.cue_modes, data.song_events
    assert (modes[0].mode, modes[0].source) == (CueMode.MUSIC, "plan")
    kinds = [e.kind for e in songs]
    assert kinds[0] is SongEventKind.START and kinds[-1] is SongEventKind.STOP
    start_t, stop_t = songs[0].t_s, songs[-1].t_s
    cue_t_s = np.sort(data.cues["t_s"])
    assert np.argmin(np.abs(cue_t_s - start_t)) == 0  # the song starts on the cue's first beat
    # one stretch record per tempo change while the song played, each at its beat
    during = [c for c in data.tempo_changes if start_t < c.effective_t_s < stop_t]
    stretches = [e for e in songs if e.kind is SongEventKind.STRETCH]
    assert len(during) >= 1
    assert [round(e.t_s, 6) for e in stretches] == [round(c.effective_t_s, 6) for c in during]
    for e in stretches:
        assert e.stretch_pct == pytest.approx(100 * (e.tempo_bpm / e.native_tempo_bpm - 1))
    # the virtual patient walked to the music's beats as to clicks
    out_cued = session_outcomes(data)
    phases = out_cued.sync_phases_deg[
        (out_cued.sync_steps_t_s > start_t + 5) & (out_cued.sync_steps_t_s < stop_t)
    ]
    r = abs(np.mean(np.exp(1j * np.deg2rad(phases))))
    assert phases.size > 40 and r > 0.8
    assert_every_beat_cued(data)
    assert "Music" in report and "Walk" in report
    assert "on music)" in report
    # the wav holds music under the beats for most of the session, not 58 ms clicks (~7 %)
    audio, _ = sf.read(tmp_path / "cue.wav")
    assert np.mean(np.abs(audio) > 1e-3) > 0.3

"""Issue 14's acceptance run through the GUI: a closed-loop simulated session with music, set up,
run and summed up in the real main window (offscreen, sped up).

The set-up page's cue sound is set to music and the patient's two songs ticked; after a
baseline, the cued phase plays the first stretched onto the cue's beats, the therapist raises the
tempo once and changes to the other song with the live page's song menu. The virtual patient
entrains to the music's beats as to clicks, every beat is cued, the record holds the cue mode and
song records, and the summary page and the session report name the songs and the time on
music.
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from gui_helpers import click, log_text, type_into
from PySide6 import QtCore

from ras.events import CueMode, SongEventKind
from ras.music.library import MusicLibrary
from ras.music.synth import synth_song
from ras.results.session_data import load_session
from ras.store.store import Store
from tests.gui.test_session_flow import save_pdf
from tests.music_checks import assert_every_beat_cued, resultant_length, step_phases_deg
from tests.report.report_helpers import pdf_text, requires_poppler
from tests.session.test_music_session import known_beats

RATE_HZ = 22050
#: The healthy virtual patient walks at about 110 steps/min; the songs are close to that
#: (title -> native tempo, bpm).
SONGS = {"Walk Along": 112.0, "Step Along": 108.0}


def add_songs(db: str, folder) -> None:
    """Patient P-1 with the songs (their beats known, as the synthesiser placed them)."""
    with Store(db) as store:
        store.add_patient("P-1", diagnosis="stroke", affected_side="left")
        for k, (title, tempo_bpm) in enumerate(SONGS.items()):
            made = synth_song(
                "steady", tempo_bpm=tempo_bpm, duration_s=90.0, sample_rate_hz=RATE_HZ, seed=k
            )
            path = folder / f"song{k}.wav"
            sf.write(path, made.audio, RATE_HZ)
            MusicLibrary(store, known_beats(tempo_bpm)).add(path, patient="P-1", title=title)


@requires_poppler
@pytest.mark.timing  # songs decoded and changed on a busy core within the 6 s cued phase
def test_a_session_with_music_runs_through_the_gui(qtbot, window, db, tmp_path, monkeypatch):
    w, s = window, window.setup
    add_songs(db, tmp_path)
    s.reload_patients(select="P-1")
    click(qtbot, s.use_sim)
    s.preset.setCurrentText("healthy")
    s.plan.setCurrentText("iso-ramp")
    type_into(qtbot, s.baseline_s, 20)
    type_into(qtbot, s.cued_s, 120)  # 6 s at 20x: room for the clicks on a loaded machine
    type_into(qtbot, s.probe_s, 0)
    s.audio.setCurrentText("none")
    m = s.music
    m.sound.setCurrentIndex(m.sound.findData(CueMode.MUSIC))
    listed = [m.songs.item(i).text().split(" — ")[1] for i in range(m.songs.count())]
    assert sorted(listed) == sorted(SONGS)
    first, other = listed  # ticked, the session plays them in the list's order
    for i in range(2):
        m.songs.item(i).setCheckState(QtCore.Qt.CheckState.Checked)
    click(qtbot, s.start_btn)
    assert w.current_page() is w.live, s.error.text()

    # the cued phase: the first song plays (the music line names it), the therapist adds 1 bpm,
    # then changes the song with the song menu (the action the typed `song NAME` posts)
    live, controls = w.live, w.live.controls
    monkeypatch.setattr(controls, "confirm_jump", lambda old, new: True)
    qtbot.waitUntil(lambda: first in (live.music_line.full_text or ""), timeout=30000)
    qtbot.waitUntil(controls.plus.isEnabled, timeout=5000)
    click(qtbot, controls.plus)
    qtbot.waitUntil(lambda: "you: +1 bpm" in log_text(w), timeout=5000)
    assert f"song start: {first}" in log_text(w)
    menu = live.song_menu
    items = {item.text(): item for item in menu.menu().actions()}
    assert menu.isEnabled() and items[first].isChecked() and items[other].isEnabled()
    items[other].trigger()
    qtbot.waitUntil(lambda: f"you: song {other}" in log_text(w), timeout=5000)
    qtbot.waitUntil(lambda: f"song '{other}' from " in log_text(w), timeout=5000)  # the result

    # the summary names the song and the time on music; so does the session report
    qtbot.waitUntil(lambda: w.current_page() is w.summary, timeout=60000)  # a hang guard
    # the change was heard from the next phrase, said in the log with its time
    started = [line for line in log_text(w).splitlines() if f"song start: {other} (" in line]
    assert started[0].endswith("; chosen by the therapist)")
    assert "Complete" in w.summary.status.text()
    values = w.summary.values
    assert values["music"].text().endswith(" min · 2 songs")
    played = values["songs"].text().split(" · ")
    assert [p.rsplit(" ", 2)[0] for p in played] == [first, other]
    pdf = tmp_path / "report.pdf"
    save_pdf(qtbot, w.summary.report_btn, pdf, monkeypatch)
    report = pdf_text(pdf)
    assert first in report and other in report and "on music)" in report

    with Store(db) as store:
        (session,) = store.list_sessions("P-1")
        data = load_session(store, session.id)
    mode = data.cue_modes[0]
    assert (mode.mode, mode.source) == (CueMode.MUSIC, "plan")
    songs = data.song_events
    assert songs[0].kind is SongEventKind.START and songs[-1].kind is SongEventKind.STOP
    starts = [(e.title, e.source) for e in songs if e.kind is SongEventKind.START]
    assert starts[:2] == [(first, "plan"), (other, "therapist")]  # then each ends: the next
    start_t, stop_t = songs[0].t_s, songs[-1].t_s
    therapist = [c for c in data.tempo_changes if c.source == "therapist"]
    assert len(therapist) == 1 and start_t < therapist[0].effective_t_s < stop_t
    stretches = [e for e in songs if e.kind is SongEventKind.STRETCH]
    assert therapist[0].effective_t_s in [e.t_s for e in stretches]
    # the virtual patient walked to the music's beats as to clicks
    phases = step_phases_deg(data, start_t + 5.0, stop_t)
    assert phases.size > 40 and resultant_length(phases) > 0.8
    assert_every_beat_cued(data)
    assert np.isfinite(data.cues["t_s"]).all()


def test_a_song_without_a_trackable_beat_is_never_offered_and_the_set_up_page_says_why(
    qtbot, db, tmp_path
):
    """As ``ras run --music`` refuses it (tests/system/test_music_bad_input.py), the set-up page
    never lets a music session start with it: the cue sound stays the metronome, saying why."""
    from gui.app import make_app
    from gui.setup_view import SetupPage

    made = synth_song("pad", tempo_bpm=100.0, duration_s=21.0, sample_rate_hz=RATE_HZ)
    sf.write(tmp_path / "pad.wav", made.audio, RATE_HZ)
    with Store(db) as store:
        store.add_patient("P-2", diagnosis="stroke", affected_side="left")
        library = MusicLibrary(store, known_beats(100.0, usable=False))
        library.add(tmp_path / "pad.wav", patient="P-2", title="Pad")
    make_app()
    page = SetupPage(db, simulate="healthy", audio="none")
    qtbot.addWidget(page)
    page.reload_patients(select="P-2")
    m = page.music
    assert not m.sound.isEnabled() and m.songs.count() == 0
    assert m.why.text() == (
        "no song can cue walking ('Pad': the beat is not clear enough (confidence 0.05)):"
        " add another with `ras music add`"
    )
    assert page.request().settings.cue_mode == "metronome"

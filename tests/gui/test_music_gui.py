"""Music cues in the GUI (issue 14 point 6): the set-up page's cue sound, songs and levels reach
the session request; songs to avoid are never listed; a patient without a song has the music
choices disabled with one line why; live, the mode key and button post a Mode action, the music
line shows the song playing, the song menu posts the typed `song NAME` action and greys
the songs that cannot play at the cue tempo, and the log shows mode switches and song starts
and stops."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PySide6 import QtCore, QtWidgets

from gui.music_setup import NO_SONG, song_rows
from ras.events import CueMode, CueModeEvent, SongEvent, SongEventKind
from ras.music.library import MusicLibrary
from ras.music.second_opinion import SecondOpinion
from ras.music.synth import synth_song
from ras.music.track import BeatTrack
from ras.session.actions import Mode, parse_action
from ras.session.music import SongView
from ras.session.request import check_request
from ras.session.snapshot import LiveSnapshot
from ras.store.store import Store
from tests.gui.gui_helpers import click
from tests.gui.test_live_fit import PANEL_PX, SCREENS, TITLE_BAR_PX, clipped, outside
from tests.gui.test_wheel_guard import wheel

RATE_HZ = 22050
#: title -> (native tempo bpm, beat confidence, usable, avoid)
SONGS = {
    "Walk Slow": (100.0, 0.91, True, False),
    "Quick Step": (120.0, 0.88, True, False),
    "Sad Song": (110.0, 0.93, True, True),
    "No Beat": (90.0, 0.20, False, False),
}


def _track(tempo_bpm: float, confidence: float, usable: bool) -> BeatTrack:
    beats_s = np.arange(0.3, 20.0, 60.0 / tempo_bpm)
    return BeatTrack(
        beats_s=beats_s,
        tempo_bpm=tempo_bpm,
        tempo_stability_pct=0.5,
        confidence=confidence,
        usable=usable,
        reason="" if usable else "no steady beat",
        tracker="test",
    )


@pytest.fixture(scope="module")
def song_files(tmp_path_factory) -> dict[str, Path]:
    """Synthetic songs, one per title, written once for the module."""
    folder = tmp_path_factory.mktemp("songs")
    out = {}
    for k, (title, (tempo_bpm, *_)) in enumerate(SONGS.items()):
        song = synth_song(
            "steady", tempo_bpm=tempo_bpm, duration_s=20.5, sample_rate_hz=RATE_HZ, seed=k
        )
        out[title] = folder / f"{title}.wav"
        sf.write(out[title], song.audio, RATE_HZ)
    return out


@pytest.fixture
def setup_page(qtbot, db, song_files):
    """The set-up page with P-017 (four songs: one to avoid, one unusable) and P-099 (none)."""
    from gui.app import make_app
    from gui.setup_view import SetupPage

    make_app()
    with Store(db) as store:
        store.add_patient("P-017", diagnosis="stroke", affected_side="left")
        store.add_patient("P-099", diagnosis="stroke", affected_side="right")
        for title, (tempo_bpm, confidence, usable, avoid) in SONGS.items():
            track = _track(tempo_bpm, confidence, usable)
            library = MusicLibrary(store, lambda *, audio, sample_rate_hz, t=track: t)
            library.add(song_files[title], patient="P-017", title=title, avoid=avoid)
    page = SetupPage(db, simulate="stroke", audio="none")
    qtbot.addWidget(page)
    page.reload_patients(select="P-017")
    return page


def listed(page) -> list[str]:
    songs = page.music.songs
    return [songs.item(i).text() for i in range(songs.count())]


def test_only_the_offered_songs_are_listed_with_tempo_and_confidence(setup_page) -> None:
    assert listed(setup_page) == [
        "120 bpm, conf. 0.88 — Quick Step",
        "100 bpm, conf. 0.91 — Walk Slow",
    ]  # library order (no baseline yet); the song to avoid and the unusable one never listed
    assert setup_page.music.sound.isEnabled()
    assert setup_page.music.why.isHidden()


def test_the_chosen_cue_sound_songs_and_levels_reach_the_request(qtbot, setup_page) -> None:
    m = setup_page.music
    m.sound.setCurrentIndex(m.sound.findData(CueMode.MUSIC_CLICK))
    assert m.details.isVisibleTo(setup_page) and m.click_level.isEnabled()
    m.songs.item(1).setCheckState(QtCore.Qt.CheckState.Checked)  # Walk Slow
    m.music_level.setValue(-4)
    m.click_level.setValue(-9)
    request = setup_page.request()
    settings = request.settings
    with Store(setup_page.db) as store:
        walk_slow = MusicLibrary(store).find("Walk Slow", patient="P-017")
    assert (settings.cue_mode, settings.music) == ("music+click", (walk_slow.sha256,))
    assert (settings.music_level_db, settings.click_level_db) == (-4.0, -9.0)
    check_request(request)  # the song named is one the session accepts


def test_no_song_ticked_is_automatic_and_the_metronome_hides_the_songs(setup_page) -> None:
    m = setup_page.music
    m.sound.setCurrentIndex(m.sound.findData(CueMode.MUSIC))
    assert not m.click_level.isEnabled()  # the click plays with music + click only
    assert setup_page.request().settings.music == ()
    m.sound.setCurrentIndex(m.sound.findData(CueMode.METRONOME))
    assert not m.details.isVisibleTo(setup_page)
    assert setup_page.request().settings.cue_mode == "metronome"


def test_a_patient_without_a_song_has_the_music_choices_disabled_saying_why(setup_page) -> None:
    m = setup_page.music
    m.sound.setCurrentIndex(m.sound.findData(CueMode.MUSIC))
    setup_page.patient.setCurrentIndex(setup_page.patient.findData("P-099"))
    assert not m.sound.isEnabled()
    assert m.why.text() == NO_SONG and m.why.isVisibleTo(setup_page)
    assert listed(setup_page) == []
    assert setup_page.request().settings.cue_mode == "metronome"
    setup_page.patient.setCurrentIndex(setup_page.patient.findData("P-017"))
    assert m.sound.isEnabled() and len(listed(setup_page)) == 2


def test_the_wheel_never_changes_the_music_fields_without_focus(setup_page) -> None:
    m = setup_page.music
    m.sound.setCurrentIndex(m.sound.findData(CueMode.MUSIC_CLICK))
    setup_page.show()
    fields = (m.sound, m.music_level, m.click_level)
    before = [m.sound.currentIndex(), m.music_level.value(), m.click_level.value()]
    for f in fields:
        wheel(f, -1)
        wheel(f, +2)
    assert [m.sound.currentIndex(), m.music_level.value(), m.click_level.value()] == before


def test_songs_are_listed_in_the_iso_principle_order_from_the_last_baseline(
    setup_page,
) -> None:
    with Store(setup_page.db) as store:
        offered = [s.song for s in MusicLibrary(store).offered("P-017")]
    rows = song_rows(offered, 101.0)
    assert [r.text.split(" — ")[1] for r in rows] == ["Walk Slow", "Quick Step"]
    assert rows[0].why.startswith("Walk Slow: 100 bpm")
    assert rows[1].why == ("does not fit the last baseline 101 steps/min within its stretch range")
    assert [r.why for r in song_rows(offered, math.nan)] == ["", ""]


def test_a_song_the_beat_trackers_disagree_on_has_a_warning_mark(setup_page, tmp_path) -> None:
    """The second tracker heard 88.9 bpm where the default heard 100: the row keeps its text,
    gains a warning mark, and its tooltip says so first."""

    def disagreeing(*, audio, sample_rate_hz, primary) -> SecondOpinion:
        return SecondOpinion("essentia", 88.9, 0.29, False)

    with Store(setup_page.db) as store:
        library = MusicLibrary(store, lambda *, audio, sample_rate_hz: _track(100, 0.9, True),
                               disagreeing)  # fmt: skip
        made = synth_song("steady", tempo_bpm=100, duration_s=20.5, sample_rate_hz=RATE_HZ, seed=9)
        sf.write(tmp_path / "fishin.wav", made.audio, RATE_HZ)
        library.add(tmp_path / "fishin.wav", patient="P-099", title="Fishin")
    setup_page.reload_patients(select="P-099")
    assert setup_page.music.songs.count() == 1
    fishin = setup_page.music.songs.item(0)
    assert fishin.text() == "100 bpm, conf. 0.90 — Fishin"
    assert not fishin.icon().isNull()
    assert fishin.toolTip().splitlines()[:2] == [
        "trackers disagree: test 100.0 bpm, essentia 88.9 bpm — listen before cueing with it",
        "100 bpm, conf. 0.90 — Fishin",
    ]


def test_the_second_opinion_is_in_every_rows_tooltip(setup_page) -> None:
    with Store(setup_page.db) as store:
        offered = [s.song for s in MusicLibrary(store).offered("P-017")]
    rows = song_rows(offered, math.nan)
    assert [r.warning for r in rows] == ["", ""]  # analysed without a second tracker
    assert all(r.tooltip.endswith("no second beat tracker checked this song") for r in rows)
    item = setup_page.music.songs.item(0)
    assert item.icon().isNull()
    assert item.toolTip() == rows[0].tooltip


# --- live ---------------------------------------------------------------------------------


@pytest.fixture
def live(qtbot):
    from gui.app import make_app
    from gui.live_view import LivePage

    make_app()
    page = LivePage()
    qtbot.addWidget(page)
    page.reset("P-017", 60, 300, 60, True, -12.0)
    page.show()
    qtbot.waitExposed(page)
    return page


def test_the_mode_key_and_button_post_mode_actions_in_turn(qtbot, live) -> None:
    controls = live.controls
    controls.set_mode_enabled(True)
    posted: list[tuple[object, str]] = []
    controls.action.connect(lambda action, label: posted.append((action, label)))
    click(qtbot, controls.mode_btn)
    live.show_music(SongView(mode=CueMode.MUSIC, title="Walk Slow"))
    qtbot.keyClick(live, QtCore.Qt.Key.Key_F6)
    live.show_music(SongView(mode=CueMode.MUSIC_CLICK, title="Walk Slow"))
    qtbot.keyClick(live, QtCore.Qt.Key.Key_F6)
    assert posted == [
        (Mode(CueMode.MUSIC), "cue: music"),
        (Mode(CueMode.MUSIC_CLICK), "cue: music+click"),
        (Mode(CueMode.METRONOME), "cue: metronome"),
    ]


def test_a_switch_the_session_could_not_make_shows_the_mode_playing_again(qtbot, live):
    from gui.controls import MODE_SETTLE_S

    controls = live.controls
    controls.set_mode_enabled(True)
    click(qtbot, controls.mode_btn)
    metronome = SongView(mode=CueMode.METRONOME)
    live.show_music(metronome)  # the switch is not heard yet: the button says what was asked
    assert controls.mode_btn.text() == "Music [F6]"
    controls._mode_posted_s -= MODE_SETTLE_S + 1.0  # as if that long had passed
    live.show_music(metronome)
    assert controls.mode_btn.text() == "Metronome [F6]"


def test_the_mode_button_is_off_outside_the_cued_phase(live) -> None:
    live.controls.set_mode_enabled(False)
    assert not live.controls.mode_btn.isEnabled()


def test_the_music_line_shows_the_song_playing_and_greys_the_metronome(live) -> None:
    view = SongView(
        mode=CueMode.MUSIC,
        title="Walk Slow",
        native_tempo_bpm=100.0,
        stretch_pct=3.24,
        beat_confidence=0.91,
    )
    live.show_state(LiveSnapshot(state="running", t_s=50.0, music=view))
    text = live.music_line.full_text
    assert text == "100 bpm · stretch +3.2 % · conf. 0.91 · ♪ Walk Slow"
    assert not live.music_line.property("stale")
    assert live.controls.mode_btn.text() == "Music [F6]"
    fallback = CueModeEvent(60.0, CueMode.METRONOME, "system", "no song fits the tempo")
    live.show_state(LiveSnapshot(state="running", t_s=61.0, records=[fallback]))
    assert live.music_line.full_text == "metronome: no song fits the tempo"
    assert live.music_line.property("stale")


def test_the_log_shows_mode_switches_and_song_starts_and_stops_with_their_time(live) -> None:
    """Each once, from the records at their time (the session says none of them as a notice;
    the therapist's own switch is said by the action's result, a stretch by the tempo line)."""
    records = [
        CueModeEvent(65.0, CueMode.MUSIC, "therapist"),
        SongEvent(
            65.5,
            SongEventKind.START,
            "ab" * 32,
            "Walk Slow",
            native_tempo_bpm=100.0,
            stretch_pct=2.0,
        ),
        SongEvent(70.0, SongEventKind.STRETCH, "ab" * 32, "Walk Slow", stretch_pct=4.0),
        SongEvent(90.0, SongEventKind.STOP, "ab" * 32, "Walk Slow", reason="cues off"),
        CueModeEvent(95.0, CueMode.METRONOME, "system", "no song fits the tempo"),
    ]
    said = ["song choice: Walk Slow: 100 bpm — 2 % from the baseline 98 steps/min"]
    snap = LiveSnapshot(state="running", t_s=96.0, records=records, messages=said)
    live.show_state(snap)
    assert live.log.toPlainText().splitlines() == [
        "   1:36  song choice: Walk Slow: 100 bpm — 2 % from the baseline 98 steps/min",
        "   1:05  song start: Walk Slow (100 bpm, stretch +2.0 %)",
        "   1:30  song stop: Walk Slow (cues off)",
        "   1:35  cue: the metronome plays on (no song fits the tempo)",
    ]


@pytest.mark.parametrize(("width_px", "height_px"), SCREENS)
def test_the_live_page_with_music_still_fits_a_laptop_screen(qtbot, db, width_px, height_px):
    from gui.app import make_app
    from gui.main_window import MainWindow

    make_app()
    w = MainWindow(db, simulate="stroke", audio="none")
    qtbot.addWidget(w)
    live = w.live
    live.reset("P-017", 60, 300, 60, True, -12.0)
    w.show_page(live)
    room = QtCore.QSize(width_px, height_px - PANEL_PX - TITLE_BAR_PX)
    w.resize(room)
    w.show()
    qtbot.waitExposed(w)
    title = "A Very Long Song Title That Goes On And On (Extended Live Version)"
    view = SongView(CueMode.MUSIC_CLICK, title, 128.0, -7.5, 0.93)
    live.show_state(LiveSnapshot(state="running", t_s=100.0, music=view))
    QtWidgets.QApplication.processEvents()
    assert w.size() == room  # a long title widens nothing
    assert outside(w, live) == []
    assert clipped(live) == []
    assert live.music_line.text().endswith("…")  # elided; the whole line in its tooltip
    assert live.music_line.toolTip().startswith(
        f"128 bpm · stretch -7.5 % · conf. 0.93 · ♪ {title}"
    )
    assert live.log.height() >= 60


@pytest.fixture
def offered(setup_page) -> list:
    """P-017's offered songs: Quick Step (120 bpm), Walk Slow (100 bpm)."""
    with Store(setup_page.db) as store:
        return [s.song for s in MusicLibrary(store).offered("P-017")]


def test_the_song_menu_posts_the_typed_song_action_and_greys_songs_that_cannot_play(
    live, offered
) -> None:
    menu = live.song_menu
    menu.set_songs(offered)
    items = {item.text(): item for item in menu.menu().actions()}
    assert list(items) == ["Quick Step", "Walk Slow"]
    assert not menu.isEnabled()  # songs change in the cued phase only
    menu.set_cued(True)
    assert menu.isEnabled()
    menu.show_music(SongView(CueMode.MUSIC, "Walk Slow", 100.0, 4.0, 0.91), 104.0)
    assert items["Walk Slow"].isChecked() and items["Walk Slow"].isEnabled()
    quick = items["Quick Step"]  # 120 bpm cannot be stretched to 104 bpm
    assert not quick.isChecked() and not quick.isEnabled()
    assert quick.toolTip().startswith("'Quick Step' cannot play now: ")
    posted: list[tuple[object, str]] = []
    live.controls.action.connect(lambda action, label: posted.append((action, label)))
    menu.show_music(SongView(CueMode.METRONOME), 118.0)  # now Quick Step fits, Walk Slow not
    assert not any(item.isChecked() for item in items.values())
    quick.trigger()
    assert posted == [(parse_action("song Quick Step"), "song Quick Step")]
    assert posted[0][0] == Mode(song="Quick Step")  # what ras run's typed `song NAME` posts


def test_a_session_without_songs_has_the_song_menu_greyed_saying_why(live) -> None:
    live.song_menu.set_cued(True)
    assert not live.song_menu.isEnabled()
    assert live.song_menu.toolTip().startswith("No song in this session")

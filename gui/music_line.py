"""The live screen's music line: the song playing as the cue, or why the metronome plays.

One line of text beside the cue-sound button: the song, its native tempo, how far it is
stretched to the cue tempo and the beat tracker's confidence; greyed with the reason when the
metronome plays ("metronome", or the session's reason for falling back, e.g. "no song fits the
tempo"). A long title is elided to the room there is (the whole line is in the tooltip), so the
line never widens the page.

Beside it, the "Song ▾" menu lists this session's songs: the one playing checked, those that
cannot play at the current cue tempo greyed with the reason as their tooltip. Choosing one posts
the action the typed ``song NAME`` of ``ras run`` posts (:func:`ras.session.actions.parse_action`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from ras.events import CueMode, CueModeEvent
from ras.session.actions import describe, parse_action
from ras.session.music import SongView, stretch_refusal
from ras.store.songs import SongRecord

__all__ = ["MusicLine", "SongMenu", "music_text", "song_problem"]

_HELP = (
    "The cue sound: the song playing, its native tempo, how far it is stretched to the cue"
    " tempo (+: faster), and how sure the beat tracker was of its beats (0–1)"
)


def music_text(view: SongView, fallback: str = "") -> tuple[str, bool]:
    """The line for ``view`` and whether it is greyed (no song playing); ``fallback`` is the
    session's last reason for playing the metronome ("" if it was chosen)."""
    if view.mode.has_music and view.title:
        about = []  # the figures first: a long title is elided, never them
        if math.isfinite(view.native_tempo_bpm):
            about.append(f"{view.native_tempo_bpm:.0f} bpm")
        if math.isfinite(view.stretch_pct):
            about.append(f"stretch {view.stretch_pct:+.1f} %")
        if math.isfinite(view.beat_confidence):
            about.append(f"conf. {view.beat_confidence:.2f}")
        return " · ".join([*about, f"♪ {view.title}"]), False
    if view.mode.has_music:
        return f"{view.mode.value}: no song playing yet", True
    return (f"metronome: {fallback}" if fallback else "metronome"), True


class MusicLine(QtWidgets.QLabel):
    """The music line (:meth:`show_music` with each poll's :class:`SongView`)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent, objectName="musicLine")
        self.full_text = None
        self.fallback = ""  # the session's last reason for the metronome
        # the room decides the width, never the text
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(40)
        self.show_music(SongView())

    def take_records(self, records: list[object]) -> None:
        """Remember why the session last switched the cue sound (its fallback reason)."""
        for rec in records:
            if isinstance(rec, CueModeEvent):
                fell_back = rec.mode is CueMode.METRONOME and rec.source == "system"
                self.fallback = rec.reason if fell_back else ""

    def show_music(self, view: SongView) -> None:
        text, stale = music_text(view, self.fallback)
        if text == self.full_text and stale == self.property("stale"):
            return  # most polls: nothing changed
        self.full_text = text
        self.setProperty("stale", stale)
        self.setStyleSheet(f"color: {'#777' if stale else '#00695c'}; font-size: 12pt;")
        self.ensurePolished()
        self.setToolTip(f"{text}\n{_HELP}")
        self._elide()

    def _elide(self) -> None:
        metrics = QtGui.QFontMetrics(self.font())
        self.setText(
            metrics.elidedText(self.full_text, QtCore.Qt.TextElideMode.ElideRight, self.width())
        )

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._elide()


def song_problem(song: SongRecord, tempo_bpm: float | None) -> str:
    """Why ``song`` cannot play at the cue tempo ``tempo_bpm`` (bpm), "" if it can or the tempo
    is not known yet (the session says why when the song is chosen)."""
    if tempo_bpm is None or not math.isfinite(tempo_bpm) or tempo_bpm <= 0:
        return ""
    return stretch_refusal(song, tempo_bpm)


class SongMenu(QtWidgets.QPushButton):
    """ "Song ▾": this session's songs (:meth:`set_songs`); each poll :meth:`show_music` checks
    the one playing and greys those that cannot play at the cue tempo. Choosing one emits
    :attr:`action` with the ``song NAME`` action and how the log shows it."""

    #: (Action, log label), as :class:`gui.controls.ControlsPanel` emits them.
    action = QtCore.Signal(object, str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Song ▾", parent, objectName="small")  # looks like the F6 button
        self.setStyleSheet("QPushButton::menu-indicator { image: none; width: 0px; }")  # the ▾
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)  # keys stay with the shortcuts
        self.setMenu(QtWidgets.QMenu(self))
        self.menu().setToolTipsVisible(True)  # a greyed song says why on hover
        self.songs: tuple[SongRecord, ...] = ()
        self.set_songs(())

    def set_songs(self, songs: Sequence[SongRecord]) -> None:
        """The session's songs, in its order (greyed until :meth:`set_cued`)."""
        self.songs = tuple(songs)
        menu = self.menu()
        menu.clear()
        for song in self.songs:
            item = menu.addAction(song.title.replace("&", "&&"))  # no mnemonic
            item.setCheckable(True)
            item.triggered.connect(lambda _=False, s=song: self._choose(s))
        self.set_cued(False)

    def set_cued(self, on: bool) -> None:
        """Enabled in the cued phase (``on``) of a session with songs; else greyed, saying why."""
        self.setEnabled(on and bool(self.songs))
        if not self.songs:
            self.setToolTip("No song in this session: it cues with the metronome only")
        elif not on:
            self.setToolTip("Songs change in the cued phase only")
        else:
            self.setToolTip("Play another of this session's songs from its next phrase")

    def show_music(self, view: SongView, tempo_bpm: float | None) -> None:
        """Check the song playing; grey, with the reason, those that cannot play at
        ``tempo_bpm`` (bpm; None: not known)."""
        playing = view.title if view.mode.has_music else ""
        for item, song in zip(self.menu().actions(), self.songs, strict=True):
            why = song_problem(song, tempo_bpm)
            item.setChecked(song.title == playing)
            item.setEnabled(not why)
            item.setToolTip(why or f"{song.tempo_bpm:.0f} bpm, conf. {song.beat_confidence:.2f}")

    def _choose(self, song: SongRecord) -> None:
        action = parse_action(f"song {song.title}")  # what ras run's typed word posts
        self.action.emit(action, describe(action))

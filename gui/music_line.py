"""The live screen's music line: the song playing as the cue, or why the metronome plays.

One line of text beside the cue-sound button: the song, its native tempo, how far it is
stretched to the cue tempo and the beat tracker's confidence; greyed with the reason when the
metronome plays ("metronome", or the session's reason for falling back, e.g. "no song fits the
tempo"). A long title is elided to the room there is (the whole line is in the tooltip), so the
line never widens the page.
"""

from __future__ import annotations

import math

from PySide6 import QtCore, QtGui, QtWidgets

from ras.events import CueMode, CueModeEvent
from ras.session.music import SongView

__all__ = ["MusicLine", "music_text"]

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

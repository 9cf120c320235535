"""The set-up page's music choices: cue sound, the patient's songs, music and click levels.

The songs listed are the patient's offered songs (usable for cueing, never those flagged avoid),
in the order the iso-principle would play them from the patient's last baseline cadence
(:func:`ras.music.choice.choose_songs`), else in library order. None ticked: the session chooses
among all of them once this session's baseline cadence is known.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6 import QtCore, QtWidgets

from ras.errors import RasError
from ras.events import CueMode
from ras.music.choice import choose_songs
from ras.music.library import MusicLibrary, opinion
from ras.session.settings import LIMITS
from ras.store.songs import PatientSong, SongRecord
from ras.store.store import Store

__all__ = ["NO_SONG", "MusicChoice", "SongRow", "last_baseline_spm", "song_rows", "why_no_song"]

#: Why the music choices are disabled for a patient without a song to play.
NO_SONG = "no song yet: add some with `ras music add`"

#: The mark on a song the beat trackers disagree on.
WARNING_ICON = QtWidgets.QStyle.StandardPixmap.SP_MessageBoxWarning

#: The cue sounds as the set-up page names them.
CUE_SOUNDS = {
    CueMode.METRONOME: "Metronome",
    CueMode.MUSIC: "Music",
    CueMode.MUSIC_CLICK: "Music + click",
}


@dataclass(frozen=True)
class SongRow:
    """One song as the list shows it.

    Attributes
    ----------
    ref : str
        The song's hash (what the session settings name it by).
    text : str
        Title, native tempo (bpm) and beat confidence (0–1).
    why : str
        Where the iso-principle puts it (its tooltip), "" without a baseline.
    warning : str
        Why to listen before cueing with it (the beat trackers disagree: a warning mark and
        the first line of its tooltip), "" if none.
    second_opinion : str
        The second beat tracker's word on it, one line (:func:`ras.music.library.opinion`).
    """

    ref: str
    text: str
    why: str
    warning: str = ""
    second_opinion: str = ""

    @property
    def tooltip(self) -> str:
        """The warning first, then the row, where the iso-principle puts it and the second
        opinion when it is not a warning."""
        lines = [self.warning, self.text, self.why]
        lines += [] if self.warning else [self.second_opinion]
        return "\n".join(line for line in lines if line)


def _row(song: SongRecord, why: str) -> SongRow:
    # the figures first: a long title is elided, never them
    text = f"{song.tempo_bpm:.0f} bpm, conf. {song.beat_confidence:.2f} — {song.title}"
    said = opinion(song)
    warning = said if song.trackers_agree is False else ""
    return SongRow(song.sha256, text, why, warning, said)


def song_rows(
    songs: Sequence[SongRecord], baseline_spm: float, target_bpm: float | None = None
) -> list[SongRow]:
    """The songs in the order the iso-principle would play them from ``baseline_spm``
    (steps/min; those that fit neither the start nor the target last), or as given if NaN."""
    if not math.isfinite(baseline_spm):
        return [_row(s, "") for s in songs]
    chosen = choose_songs(songs, baseline_spm=baseline_spm, target_bpm=target_bpm)
    taken = {c.song.sha256 for c in chosen}
    rest = [s for s in songs if s.sha256 not in taken]
    misfit = f"does not fit the last baseline {baseline_spm:.0f} steps/min within its stretch range"
    return [_row(c.song, c.why) for c in chosen] + [_row(s, misfit) for s in rest]


def why_no_song(songs: Sequence[PatientSong]) -> str:
    """Why a patient with ``songs`` (those to avoid included) has none to offer, in one line:
    their songs that cannot cue walking with the tracker's reason, all to avoid, or none yet."""
    unusable = [p.song for p in songs if not p.avoid and not p.song.usable]
    if unusable:
        named = "; ".join(f"{s.title!r}: {s.reason}" for s in unusable[:2])
        more = f" and {len(unusable) - 2} more" if len(unusable) > 2 else ""
        return f"no song can cue walking ({named}{more}): add another with `ras music add`"
    if songs:
        return "every song of this patient is marked 'avoid': add another with `ras music add`"
    return NO_SONG


def last_baseline_spm(store: Store, patient: str) -> float:
    """The baseline cadence of the patient's last session that measured one, steps/min
    (NaN if none)."""
    from ras.report.progress import patient_course  # loads the sessions only when asked

    for session in reversed(patient_course(store, patient)):
        spm = session.value("baseline", "cadence_spm")
        if math.isfinite(spm):
            return spm
    return math.nan


def _level(value_db: float, key: str) -> QtWidgets.QDoubleSpinBox:
    lo, hi, _ = LIMITS[key]
    w = QtWidgets.QDoubleSpinBox(
        minimum=lo, maximum=hi, value=value_db, suffix=" dB", singleStep=1.0, decimals=0
    )
    w.setMinimumHeight(44)
    return w


class MusicChoice(QtWidgets.QWidget):
    """Cue sound (metronome, music, music + click), the songs and the levels of one patient.

    :meth:`load` fills it for a patient; :meth:`order` re-orders the songs for a plan;
    the chosen values are :attr:`cue_mode`, :attr:`music`, :attr:`music_level_db`,
    :attr:`click_level_db`.
    """

    def __init__(self, db: str | None, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.sound = QtWidgets.QComboBox()
        for mode, text in CUE_SOUNDS.items():
            self.sound.addItem(text, mode)
        self.sound.setMinimumHeight(44)
        self.sound.setToolTip(
            "Metronome: clicks; Music: the patient's songs stretched so their beats are the cue;"
            " Music + click: the click laid over the music's beats"
        )
        self.why = QtWidgets.QLabel(wordWrap=True)  # no song: why the choices are disabled
        self.why.setStyleSheet("color: #555; font-size: 12pt;")
        self.songs_title = QtWidgets.QLabel(wordWrap=True)
        self.songs_title.setStyleSheet("color: #555; font-size: 12pt;")
        self.songs = QtWidgets.QListWidget()
        self.songs.setMaximumHeight(90)
        self.songs.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.songs.setTextElideMode(QtCore.Qt.TextElideMode.ElideRight)
        self.songs.setToolTip("Tick the songs to play, in this order; none ticked: automatic")
        self.music_level = _level(0.0, "music_level_db")
        self.music_level.setToolTip("The music's level relative to the cue volume")
        self.click_level = _level(-6.0, "click_level_db")
        self.click_level.setToolTip("In music + click, the click's level relative to the music")
        self.details = QtWidgets.QWidget()  # shown with music only
        form = QtWidgets.QFormLayout(self.details)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.songs_title)
        form.addRow(self.songs)
        form.addRow("Music level", self.music_level)
        form.addRow("Click level", self.click_level)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.sound)
        lay.addWidget(self.why)
        lay.addWidget(self.details)
        self._offered: list[SongRecord] = []
        self._baseline_spm = math.nan
        self._target_bpm: float | None = None
        self.sound.currentIndexChanged.connect(self._sound_changed)
        self._sound_changed()

    # --- what was chosen --------------------------------------------------------------------

    @property
    def cue_mode(self) -> CueMode:
        """The cue sound chosen."""
        return CueMode(self.sound.currentData())

    @property
    def music(self) -> tuple[str, ...]:
        """The songs ticked, in the list's order (hashes); empty: automatic."""
        checked = QtCore.Qt.CheckState.Checked
        items = [self.songs.item(i) for i in range(self.songs.count())]
        return tuple(
            it.data(QtCore.Qt.ItemDataRole.UserRole) for it in items if it.checkState() == checked
        )

    @property
    def music_level_db(self) -> float:
        return float(self.music_level.value())

    @property
    def click_level_db(self) -> float:
        return float(self.click_level.value())

    # --- filling ------------------------------------------------------------------------------

    def load(self, patient: str | None) -> None:
        """The patient's offered songs (none for no patient), ordered from their last baseline;
        without a song, the cue sound is the metronome and the choices say why."""
        self._offered, self._baseline_spm = [], math.nan
        why = NO_SONG
        if patient:
            try:
                with Store(self.db) as store:
                    library = MusicLibrary(store)
                    self._offered = [s.song for s in library.offered(patient)]
                    if self._offered:
                        self._baseline_spm = last_baseline_spm(store, patient)
                    else:
                        why = why_no_song(library.songs(patient, include_avoided=True))
            except RasError:
                self._offered = []
        has_songs = bool(self._offered)
        if not has_songs:
            self.sound.setCurrentIndex(self.sound.findData(CueMode.METRONOME))
        self.sound.setEnabled(has_songs)
        self.why.setText("" if has_songs else why)
        self.why.setVisible(not has_songs)
        self._fill()
        self._sound_changed()

    def order(self, target_pct: float | None) -> None:
        """Re-order the songs for a ramp to ``target_pct`` % of the baseline (None: fixed)."""
        base = self._baseline_spm
        target = (
            None if target_pct is None or not math.isfinite(base) else base * (1 + target_pct / 100)
        )
        if target != self._target_bpm:
            self._target_bpm = target
            self._fill()

    def _fill(self) -> None:
        ticked = set(self.music)
        self.songs.clear()
        for row in song_rows(self._offered, self._baseline_spm, self._target_bpm):
            item = QtWidgets.QListWidgetItem(row.text)
            item.setData(QtCore.Qt.ItemDataRole.UserRole, row.ref)
            item.setToolTip(row.tooltip)
            if row.warning:  # the trackers disagree: listen before cueing with it
                item.setIcon(self.style().standardIcon(WARNING_ICON))
            item.setCheckState(
                QtCore.Qt.CheckState.Checked
                if row.ref in ticked
                else QtCore.Qt.CheckState.Unchecked
            )
            self.songs.addItem(item)
        base = self._baseline_spm
        self.songs_title.setText(
            "Songs (none ticked: chosen at the baseline), in the order for the last baseline,"
            f" {base:.0f} steps/min"
            if math.isfinite(base)
            else "Songs (none ticked: chosen at the baseline), in library order"
        )

    def _sound_changed(self) -> None:
        self.details.setVisible(self.cue_mode.has_music)
        self.click_level.setEnabled(self.cue_mode is CueMode.MUSIC_CLICK)

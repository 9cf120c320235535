"""Therapist controls: big buttons and keyboard shortcuts, usable mid-walk."""

from __future__ import annotations

import math
import time

from PySide6 import QtCore, QtGui, QtWidgets

from gui.widgets import BigButton
from ras.audio.mixer import DEFAULT_CEILING_DBFS
from ras.errors import UserInputError
from ras.events import CueMode, MarkerKind, Phase
from ras.session.actions import Action, Mode, Ramp, Volume
from ras.session.runner import LiveDetail
from ras.tempo.commands import (
    Command,
    Cues,
    Marker,
    Match,
    NextPhase,
    NudgeBpm,
    NudgePct,
    Pause,
    Resume,
    SetTempo,
    jump_pct,
    tempo_after,
)

__all__ = ["CLINICAL_EVENTS", "SHORTCUTS", "ControlsPanel", "jump_question"]

#: The clinical events, each one button and one key (the note typed beside goes with it).
CLINICAL_EVENTS = {
    MarkerKind.FALL: ("Fall", "F1"),
    MarkerKind.NEAR_FALL: ("Near-fall", "F2"),
    MarkerKind.FREEZING: ("Freezing", "F3"),
    MarkerKind.REST: ("Rest", "F4"),
    MarkerKind.ASSISTANCE: ("Assist", "F5"),
}

#: Key -> what it does (also listed in docs/gui.md and the buttons' second lines).
SHORTCUTS = {
    "Up": "+1 bpm",
    "Down": "−1 bpm",
    "PgUp": "+N %",
    "PgDown": "−N %",
    "T": "type an exact tempo (Enter sets it)",
    "M": "match the patient's cadence now",
    "R": "start / hold the ramp",
    "C": "cues off / on (probe)",
    "P": "pause / resume the cue",
    "N": "write a marker note (Enter saves it)",
    **{key: f"clinical event: {kind.label}" for kind, (_, key) in CLINICAL_EVENTS.items()},
    "F6": "cue sound: metronome → music → music + click (from the next beat)",
    "Ctrl+N": "end this phase now (baseline → cue, cued → probe, probe → end)",
    "]": "volume +3 dB",
    "[": "volume −3 dB",
    "Ctrl+E": "end the session",
}


#: The cue sounds in the order the mode key cycles them, and how the button names them.
MODE_CYCLE = (CueMode.METRONOME, CueMode.MUSIC, CueMode.MUSIC_CLICK)
MODE_LABEL = {
    CueMode.METRONOME: "Metronome",
    CueMode.MUSIC: "Music",
    CueMode.MUSIC_CLICK: "Music+click",
}


#: Real seconds a cue-sound switch may take to be heard (it takes effect from the next beat,
#: decided up to 2 s ahead with music) before the button shows the session's mode again.
MODE_SETTLE_S = 4.0


def next_mode(mode: CueMode) -> CueMode:
    """The cue sound the mode key switches to from ``mode``."""
    return MODE_CYCLE[(MODE_CYCLE.index(mode) + 1) % len(MODE_CYCLE)]


_NEXT_LABEL = {
    Phase.BASELINE: "Start cue now",
    Phase.CUED: "Start probe now",
    Phase.PROBE: "End probe now",
}


def jump_question(old_bpm: float, new_bpm: float, limit_pct: float) -> str:
    """What the therapist is asked before a tempo change larger than ``limit_pct``."""
    size_pct = jump_pct(old_bpm, new_bpm)
    return (
        f"Change the cue from {old_bpm:.1f} to {new_bpm:.1f} bpm?\n\n"
        f"That is {size_pct:+.1f} %, more than the {limit_pct:g} % this session allows in one"
        " step. Enter changes it, Esc keeps the tempo."
    )


class ControlsPanel(QtWidgets.QWidget):
    """Posts the therapist's actions; each is also shown in the tempo plot and the log.

    Signals
    -------
    action(action, label)
        A :data:`ras.session.actions.Action` and how the log shows it.
    refused(reason)
        An action that could not be made (e.g. a marker note with control characters).
    end_session()
        The therapist asked to end the session.
    """

    action = QtCore.Signal(object, str)
    refused = QtCore.Signal(str)
    end_session = QtCore.Signal()

    def __init__(
        self,
        ceiling_dbfs: float = DEFAULT_CEILING_DBFS,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ceiling_dbfs = ceiling_dbfs
        self.minus = BigButton("−1 bpm", "↓")
        self.plus = BigButton("+1 bpm", "↑")
        self.minus_pct = BigButton("−N %", "PgDn")
        self.plus_pct = BigButton("+N %", "PgUp")
        self.pct = QtWidgets.QDoubleSpinBox(
            minimum=0.5, maximum=12.0, singleStep=0.5, value=5.0, suffix=" %", decimals=1
        )
        self.pct.setToolTip("N: the step of the % buttons (changes above ~12 % are noticed)")
        self.bpm = QtWidgets.QDoubleSpinBox(
            minimum=30.0, maximum=200.0, singleStep=1.0, value=100.0, suffix=" bpm", decimals=1
        )
        self.bpm.setKeyboardTracking(False)
        self.set_bpm = BigButton("Set tempo", "T, Enter")
        self.match = BigButton("Match patient", "M")
        self.ramp_btn = BigButton("Hold ramp", "R", checkable=True)
        self.cues_btn = BigButton("Cues OFF (probe)", "C", checkable=True)
        self.pause_btn = BigButton("Pause cue", "P", checkable=True)
        self.note = QtWidgets.QLineEdit(placeholderText="note, e.g. freezing at the turn")
        self.note.setMinimumHeight(44)
        self.mark = BigButton("Add marker", "N, Enter")
        self.events = {
            kind: BigButton(text, key, name="event")
            for kind, (text, key) in CLINICAL_EVENTS.items()
        }
        for kind, b in self.events.items():
            b.setToolTip(
                f"Record a {kind.label} now (with the note typed beside, if any) — key: "
                f"{CLINICAL_EVENTS[kind][1]}"
            )
        self._tempo_bpm = math.nan
        self._cadence_spm = math.nan
        self.large_jump_pct = math.inf
        self.next_btn = BigButton("Start cue now", "Ctrl+N")
        # the cue sound now; a press switches to the next (the live page adds the music beside)
        self.mode_btn = QtWidgets.QPushButton(objectName="small")  # one line: a small row
        self.mode_btn.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)  # keys stay with shortcuts
        self._mode = CueMode.METRONOME  # what the cue sounds like (as last posted or shown)
        self._shown_mode = CueMode.METRONOME  # the mode the session last said
        self._mode_posted_s = -math.inf  # when the therapist last switched it (monotonic s)
        self.vol = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.vol.setRange(-60, int(ceiling_dbfs))
        self.vol.setValue(int(ceiling_dbfs))
        self.vol.setMinimumWidth(120)
        self.vol_label = QtWidgets.QLabel()
        self.end = BigButton("End session", "Ctrl+E", name="danger")
        self._vol_timer = QtCore.QTimer(self, singleShot=True, interval=250)
        self._vol_timer.timeout.connect(self._volume)
        self._layout()
        self._wire()
        self._update_vol_label()
        self.jump_box: QtWidgets.QMessageBox | None = None
        self.reset_mode()
        self.set_state("", None, None, tempo_actions=False)

    def _layout(self) -> None:
        row1 = QtWidgets.QHBoxLayout()
        for w in (
            self.minus,
            self.plus,
            self.minus_pct,
            self.plus_pct,
            self.pct,
            self.bpm,
            self.set_bpm,
            self.match,
            self.ramp_btn,
        ):
            row1.addWidget(w)
        row2 = QtWidgets.QHBoxLayout()
        for w in (self.cues_btn, self.pause_btn, self.next_btn):
            row2.addWidget(w)
        row2.addSpacing(12)
        for w in self.events.values():
            row2.addWidget(w)
        row3 = QtWidgets.QHBoxLayout()
        row3.addWidget(self.note, 1)
        row3.addWidget(self.mark)
        row3.addSpacing(12)
        # the cue sound: the F6 button, then what the live page puts beside it (the music line
        # and the song menu); in this row, so the log above keeps its room
        self.music_slot = QtWidgets.QHBoxLayout()
        self.music_slot.setSpacing(6)
        self.music_slot.addWidget(self.mode_btn)
        row3.addLayout(self.music_slot, 3)  # the most room: a long title is elided last
        row3.addSpacing(12)
        self.sound_box = QtWidgets.QWidget()  # the cue volume, at the end of the last row
        self.sound_box.setToolTip("Cue volume — keys [ and ]")
        vol_box = QtWidgets.QHBoxLayout(self.sound_box)
        vol_box.setContentsMargins(0, 0, 0, 0)
        vol_box.addWidget(self.vol_label)
        vol_box.addWidget(self.vol, 1)
        row3.addWidget(self.sound_box)  # its slider at its minimum width: the music has the room
        self.note.setMinimumWidth(200)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        for row in (row1, row2, row3):
            row.setSpacing(4)
            lay.addLayout(row)

    def _wire(self) -> None:
        self.minus.clicked.connect(lambda: self._tempo(NudgeBpm(-1.0), "−1 bpm"))
        self.plus.clicked.connect(lambda: self._tempo(NudgeBpm(+1.0), "+1 bpm"))
        self.minus_pct.clicked.connect(lambda: self._pct(-1))
        self.plus_pct.clicked.connect(lambda: self._pct(+1))
        self.set_bpm.clicked.connect(self._set)
        self.bpm.editingFinished.connect(self._set_if_focused)
        self.match.clicked.connect(lambda: self._tempo(Match(), "match patient"))
        self.ramp_btn.clicked.connect(
            lambda checked: self._post(Ramp(not checked), "ramp held" if checked else "ramp on")
        )
        self.cues_btn.clicked.connect(
            lambda checked: self._post(Cues(on=not checked), "cues off" if checked else "cues on")
        )
        self.pause_btn.clicked.connect(
            lambda checked: self._post(
                Pause() if checked else Resume(), "pause" if checked else "resume"
            )
        )
        self.mark.clicked.connect(self._marker)
        for kind, button in self.events.items():
            button.clicked.connect(lambda _=False, k=kind: self._event(k))
        self.next_btn.clicked.connect(
            lambda: self._post(NextPhase(), self.next_btn.base_text.lower())
        )
        self.note.returnPressed.connect(self._marker)
        self.vol.valueChanged.connect(self._update_vol_label)
        self.vol.valueChanged.connect(lambda _: self._vol_timer.start())
        self.end.clicked.connect(self._end)
        self.mode_btn.clicked.connect(self._switch_mode)
        keys = {
            "Up": self.plus.click,
            "Down": self.minus.click,
            "PgUp": self.plus_pct.click,
            "PgDown": self.minus_pct.click,
            "T": self._focus_bpm,
            "M": self.match.click,
            "R": self.ramp_btn.click,
            "C": self.cues_btn.click,
            "P": self.pause_btn.click,
            "N": self.note.setFocus,
            "]": lambda: self.vol.setValue(self.vol.value() + 3),
            "[": lambda: self.vol.setValue(self.vol.value() - 3),
            "Ctrl+E": self.end.click,
            "Ctrl+N": self.next_btn.click,
            "F6": self.mode_btn.click,
            **{key: self.events[kind].click for kind, (_, key) in CLINICAL_EVENTS.items()},
        }
        self.shortcuts = []
        for key, slot in keys.items():
            sc = QtGui.QShortcut(QtGui.QKeySequence(key), self)
            sc.setContext(QtCore.Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(slot)
            self.shortcuts.append(sc)

    def _post(self, action: Action, label: str) -> None:
        self.action.emit(action, label)

    def _switch_mode(self) -> None:
        """Post the next cue sound (from the next beat); shown at once, corrected by the
        session if it cannot play it (e.g. no song fits the tempo)."""
        mode = next_mode(self._mode)
        self._post(Mode(mode), f"cue: {mode.value}")
        self._mode_posted_s = time.monotonic()
        self._show_mode(mode)

    def _show_mode(self, mode: CueMode) -> None:
        self._mode = mode
        self.mode_btn.setText(f"{MODE_LABEL[mode]} [F6]")
        self.mode_btn.setToolTip(
            f"Cue sound now: {mode.value}; F6 switches to {next_mode(mode).value}"
            " from the next beat (cued phase)"
        )

    def set_mode(self, mode: CueMode) -> None:
        """The cue sound the session says is playing: shown when it changes, or once a switch
        the therapist asked for has had time to take effect (:data:`MODE_SETTLE_S`) and the
        session still plays another (it could not: e.g. no song fits the tempo)."""
        settled = time.monotonic() - self._mode_posted_s > MODE_SETTLE_S
        if mode != self._shown_mode or (settled and mode != self._mode):
            self._shown_mode = mode
            self._show_mode(mode)

    def reset_mode(self, mode: CueMode = CueMode.METRONOME) -> None:
        """A new session starts with ``mode``."""
        self._shown_mode = mode
        self._show_mode(mode)

    def set_mode_enabled(self, on: bool) -> None:
        """The cue sound can be switched (the cued phase)."""
        self.mode_btn.setEnabled(on)

    def _volume(self) -> None:
        level_dbfs = float(self.vol.value())
        self._post(Volume(level_dbfs), f"volume {level_dbfs:.0f} dBFS")

    def _tempo(self, command: Command, label: str) -> None:
        """Post a tempo command; one larger than the session allows in a step asks first."""
        old = self._tempo_bpm
        new = tempo_after(command, old, self._cadence_spm)
        big = (
            new is not None
            and math.isfinite(old)
            and math.isfinite(new)
            and abs(jump_pct(old, new)) > self.large_jump_pct
        )
        if big and not self.confirm_jump(old, new):
            self.refused.emit(f"{label} not sent: kept {old:.1f} bpm")
            return
        self._post(command, label)

    def confirm_jump(self, old_bpm: float, new_bpm: float) -> bool:
        """Ask before a large tempo jump (Enter confirms, Esc cancels)."""
        box = QtWidgets.QMessageBox(
            QtWidgets.QMessageBox.Icon.Question,
            "Large tempo change",
            jump_question(old_bpm, new_bpm, self.large_jump_pct),
            QtWidgets.QMessageBox.StandardButton.Yes | QtWidgets.QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QtWidgets.QMessageBox.StandardButton.Yes)
        box.setEscapeButton(QtWidgets.QMessageBox.StandardButton.Cancel)
        self.jump_box = box  # for a test to answer
        try:
            return box.exec() == QtWidgets.QMessageBox.StandardButton.Yes
        finally:
            self.jump_box = None

    def _pct(self, sign: int) -> None:
        n = self.pct.value()
        self._tempo(NudgePct(sign * n), f"{'+' if sign > 0 else '−'}{n:g} %")

    def _set(self) -> None:
        bpm = self.bpm.value()
        self._tempo(SetTempo(bpm), f"set {bpm:g} bpm")

    def _focus_bpm(self) -> None:
        self.bpm.setFocus()
        self.bpm.selectAll()

    def _set_if_focused(self) -> None:
        if self.bpm.hasFocus():
            self._set()
            self.bpm.clearFocus()

    def _marker(self) -> None:
        text = " ".join(self.note.text().split())
        if text:
            try:
                marker = Marker(text)
            except UserInputError as err:
                self.refused.emit(str(err))
            else:
                self._post(marker, f"marker: {text}")
                self.note.clear()
        self.note.clearFocus()

    def _event(self, kind: MarkerKind) -> None:
        """A clinical event now, with the note typed beside (if any)."""
        text = " ".join(self.note.text().split())
        try:
            marker = Marker(text, kind)
        except UserInputError as err:
            self.refused.emit(str(err))
            return
        self._post(marker, f"{kind.label}: {text}" if text else kind.label)
        self.note.clear()
        self.note.clearFocus()

    def _update_vol_label(self) -> None:
        self.vol_label.setText(f"Vol. {self.vol.value()} dBFS")
        self.vol.setToolTip(
            f"Cue volume: the peak of each cue, at most {self.ceiling_dbfs:g} dBFS — keys [ and ]"
        )

    def set_level(self, level_dbfs: float) -> None:
        """Show the level chosen in set-up (no signal)."""
        self.vol.blockSignals(True)
        self.vol.setValue(round(min(level_dbfs, self.ceiling_dbfs)))
        self.vol.blockSignals(False)
        self._update_vol_label()

    def set_state(
        self,
        phase: str,
        tempo_bpm: float | None,
        detail: LiveDetail | None,
        *,
        tempo_actions: bool,
        cadence_spm: float = math.nan,
        large_jump_pct: float = math.inf,
    ) -> None:
        """Reflect the engine's state: which controls apply (``tempo_actions``: the session
        says the cue can be changed now), toggles' positions, and what a tempo command would
        change (the tempo in force, the cadence, the session's large-jump limit)."""
        self._tempo_bpm = math.nan if tempo_bpm is None else tempo_bpm
        self._cadence_spm = cadence_spm
        self.large_jump_pct = large_jump_pct
        next_label = _NEXT_LABEL.get(phase)
        self.next_btn.setEnabled(next_label is not None)
        if next_label is not None and self.next_btn.base_text != next_label:
            self.next_btn.set_label(next_label)
        cued = tempo_actions and detail is not None
        self.set_mode_enabled(cued)
        for w in (
            self.minus,
            self.plus,
            self.minus_pct,
            self.plus_pct,
            self.set_bpm,
            self.match,
            self.cues_btn,
            self.pause_btn,
            self.ramp_btn,
        ):
            w.setEnabled(cued)
        if not cued:
            return
        self.cues_btn.setChecked(not detail.cues_on)
        self.cues_btn.set_label("Cues ON" if not detail.cues_on else "Cues OFF (probe)")
        self.pause_btn.setChecked(detail.paused)
        self.pause_btn.set_label("Resume cue" if detail.paused else "Pause cue")
        held = detail.ramp == "held"
        self.ramp_btn.setChecked(held or not detail.ramp)
        self.ramp_btn.set_label("Start ramp" if held or not detail.ramp else "Hold ramp")
        if tempo_bpm is not None and not self.bpm.hasFocus():
            self.bpm.blockSignals(True)
            self.bpm.setValue(round(tempo_bpm))
            self.bpm.blockSignals(False)

    def _end(self) -> None:
        self.end_session.emit()

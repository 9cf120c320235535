"""The set-up page's lab recording choice: stream the session on the lab streaming layer.

Ticked, the session's settings have ``lsl`` on, as ``ras run --lsl`` sets them; the session host
does the rest (:mod:`ras.lsl`). Without pylsl the choice is disabled, saying what to install.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from ras.errors import RasError
from ras.lsl.outlet import RECORDER_WAIT_S, load_pylsl

__all__ = ["LSL_HELP", "LSL_INSTALL", "LSL_NOTE", "LslChoice", "lsl_missing"]

#: What streaming to LSL does (the checkbox's tooltip).
LSL_HELP = (
    "Streams this session's steps, cue onsets and markers (phases, tempo changes, clinical"
    " events) as three LSL streams ('ras steps', 'ras cues', 'ras markers') for a lab recording"
    " EEG or motion capture beside the walk, on the same clock. Before its baseline the session"
    f" waits up to {RECORDER_WAIT_S:g} s for a recorder such as LabRecorder to connect, then"
    " starts and streams anyway."
)
#: What streaming to LSL does, in short (the line under the checkbox).
LSL_NOTE = (
    "steps, cue onsets and markers, for a recorder such as LabRecorder (the session waits up to"
    f" {RECORDER_WAIT_S:g} s for it)"
)
#: How to get LSL streaming, as the README says.
LSL_INSTALL = "pip install 'ras[lsl]'"


def lsl_missing() -> str:
    """Why this computer cannot stream on LSL (pylsl or its liblsl missing), "" if it can."""
    try:
        load_pylsl()  # the check the session itself makes
    except RasError:
        return f"needs pylsl, which is not installed: {LSL_INSTALL}, then restart ras gui"
    return ""


class LslChoice(QtWidgets.QGroupBox):
    """A "Lab recording" group with the one checkbox :attr:`stream`; :attr:`lsl` is the
    choice (always False where pylsl is missing)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Lab recording", parent)
        self.stream = QtWidgets.QCheckBox("Stream to LSL")
        self.stream.setMinimumHeight(44)
        self.note = QtWidgets.QLabel(wordWrap=True)  # in short; or why it cannot stream
        self.note.setStyleSheet("color: #555; font-size: 12pt;")
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(self.stream, 0, QtCore.Qt.AlignmentFlag.AlignLeft)  # a click beside: none
        lay.addWidget(self.note)
        missing = lsl_missing()
        self.stream.setEnabled(not missing)
        self.stream.setToolTip(f"Streaming to LSL {missing}" if missing else LSL_HELP)
        self.note.setText(missing or LSL_NOTE)

    @property
    def lsl(self) -> bool:
        """Stream the session on LSL."""
        return self.stream.isEnabled() and self.stream.isChecked()

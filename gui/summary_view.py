"""After the session: its summary, report export, and the way to the patient's history."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from gui.live_series import LiveSeries
from gui.plots import LivePlots
from gui.report import export_session_report
from gui.session_controller import SessionController
from gui.theme import fmt
from gui.widgets import BigButton

__all__ = ["SummaryPage"]


class SummaryPage(QtWidgets.QWidget):
    """What the session gave; buttons for report, history and a new session."""

    history_requested = QtCore.Signal(str)
    new_session = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller: SessionController | None = None
        self.title = QtWidgets.QLabel(objectName="pageTitle")
        self.status = QtWidgets.QLabel(wordWrap=True)
        self.form = QtWidgets.QFormLayout()
        self.values: dict[str, QtWidgets.QLabel] = {}
        for key, label in (
            ("baseline", "Baseline cadence (end of baseline)"),
            ("cued_end", "Cadence at the end of cueing"),
            ("final_tempo", "Cue tempo at the end"),
            ("final", "Cadence at the end (probe)"),
            ("steps", "Step events"),
            ("beats", "Beats decided"),
            ("changes", "Tempo changes (plan / adaptive / therapist)"),
            ("records", "Records saved"),
        ):
            value = QtWidgets.QLabel("—")
            value.setStyleSheet("font-size: 22pt; font-weight: bold;")
            self.values[key] = value
            self.form.addRow(QtWidgets.QLabel(label), value)
        self.report_btn = BigButton("Export report (PDF)…")
        self.history_btn = BigButton("Patient history")
        self.new_btn = BigButton("New session", name="primary")
        buttons = QtWidgets.QHBoxLayout()
        for b in (self.report_btn, self.history_btn):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.new_btn)
        self.plots = LivePlots()
        middle = QtWidgets.QHBoxLayout()
        middle.addLayout(self.form, 0)
        middle.addWidget(self.plots, 1)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(self.status)
        lay.addLayout(middle, 1)
        lay.addLayout(buttons)
        self.report_btn.clicked.connect(self._export)
        self.history_btn.clicked.connect(
            lambda: self.history_requested.emit(
                self.controller.config.patient_id if self.controller else ""
            )
        )
        self.new_btn.clicked.connect(self._new)

    def show_session(self, controller: SessionController, series: LiveSeries) -> None:
        """Fill in from a finished (or failed) session and what the live view collected."""
        self.controller = controller
        self.plots.update_from(series)
        sid = controller.session_id
        self.title.setText(
            f"Session {sid if sid is not None else '—'} — patient {controller.config.patient_id}"
        )
        s = controller.summary
        stats = controller.recorder_stats
        if controller.state == "failed":
            text = f"The session could not run: {controller.error}"
            color = "#c00000"
        elif s is not None and s.completed:
            text, color = "Complete: all phases ran. The data is saved.", "#1a7f37"
        else:
            reason = s.reason if s is not None and s.reason else "ended early"
            text, color = f"Incomplete ({reason}). The data recorded so far is saved.", "#b35900"
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {color}; font-size: 17pt; font-weight: bold;")
        v = self.values
        if s is not None:
            v["baseline"].setText(fmt(s.baseline_spm, ".1f", " steps/min"))
            v["cued_end"].setText(fmt(s.cued_end_cadence_spm, ".1f", " steps/min"))
            v["final_tempo"].setText(fmt(s.final_tempo_bpm, ".1f", " bpm"))
            v["final"].setText(fmt(s.final_cadence_spm, ".1f", " steps/min"))
            v["steps"].setText(str(s.n_steps))
            v["beats"].setText(str(s.n_beats))
            by = [
                sum(1 for c in s.changes if c.source == src)
                for src in ("plan", "adaptive", "therapist")
            ]
            v["changes"].setText(f"{len(s.changes)}  ({by[0]} / {by[1]} / {by[2]})")
        v["records"].setText(str(stats.events_written) if stats is not None else "—")
        self.report_btn.setEnabled(sid is not None)
        self.report_btn.setToolTip("Save a PDF report of this session")

    def _export(self) -> None:
        c = self.controller
        if c is None or c.session_id is None or c.db_path is None:
            return
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save report", f"ras-session-{c.session_id}.pdf", "PDF (*.pdf)"
        )
        if not path:
            return
        try:
            export_session_report(c.db_path, c.session_id, path)
        except Exception as err:  # shown, never fatal: the session data is safe
            QtWidgets.QMessageBox.warning(self, "Report", f"The report could not be saved: {err}")
            return
        self.status.setText(f"Report saved: {path}")

    def _new(self) -> None:
        self.new_session.emit()

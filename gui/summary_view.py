"""After the session: phase averages with their changes, what happened, and what to do next.

The figures are :mod:`gui.summary_figures`' (the stored session, its outcomes per phase, and the
changes of :mod:`ras.report.compare`). They are first read from this laptop's file, where the
session was just recorded; with a clinic server configured, the page pushes the session and
reads it back from the server (:mod:`gui.summary_record`, in its worker thread), so the previous
session compared with, and the session report and export, are the whole clinic record's.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from PySide6 import QtCore, QtWidgets

from analysis.errors import AnalysisInputError
from gui.background import BackgroundJobs, JobResult
from gui.live_series import LiveSeries
from gui.plots import LivePlots
from gui.report import export_session_report, save_pdf
from gui.session_controller import SessionController
from gui.summary_figures import SessionFigures, session_figures
from gui.summary_record import (
    LAPTOP_ONLY,
    ClinicCheck,
    SessionRecord,
    check_clinic_record,
    export_record,
    record_report,
)
from gui.theme import COLORS, fmt
from gui.widgets import BigButton
from ras.clinic.config import configured_server
from ras.errors import RasError
from ras.export.api import EXPORT_FORMATS, export_session
from ras.report.progress import local_text
from ras.results.outcomes import CUED_END_LABEL, MEASURE_BY_KEY
from ras.store.store import Store

__all__ = [
    "CHECKING",
    "PHASES",
    "SUMMARY_MEASURES",
    "ScreenPage",
    "SessionFigures",
    "SummaryPage",
    "session_figures",
]

#: The phases shown, left to right, and the measures, top to bottom.
PHASES = ("baseline", "cued", "probe")
SUMMARY_MEASURES = (
    "cadence_spm",
    "gait_speed_m_per_s",
    "stride_length_m",
    "step_time_si_pct",
    "stride_time_cv_pct",
    "sync_r",
)
_FORMAT_NAMES = {"csv": "CSV tables…", "json": "JSON document…", "bids": "Motion-BIDS dataset…"}
#: Said near the comparison while the clinic record is checked.
CHECKING = "Checking the clinic record for the previous session…"


def _server_configured() -> bool:
    """Whether a clinic server is set (a setting that cannot be read counts: the push says
    in one line what is wrong with it)."""
    try:
        return configured_server() is not None
    except RasError:
        return True


#: Short row titles of the phase table (the unit follows in small print).
_ROW_TITLES = {
    "cadence_spm": "Cadence",
    "gait_speed_m_per_s": "Gait speed",
    "stride_length_m": "Stride length",
    "step_time_si_pct": "Step-time SI",
    "stride_time_cv_pct": "Stride-time CV",
    "sync_r": "Sync R",
}


def _small(text: str = "") -> QtWidgets.QLabel:
    label = QtWidgets.QLabel(text)
    label.setStyleSheet(f"font-size: 11pt; color: {COLORS['muted']};")
    return label


def _cell(
    grid: QtWidgets.QGridLayout, row: int, col: int
) -> tuple[QtWidgets.QLabel, QtWidgets.QLabel]:
    """A value in large type with its changes in small print below it."""
    box = QtWidgets.QVBoxLayout()
    box.setSpacing(0)
    value = QtWidgets.QLabel("—")
    value.setStyleSheet("font-size: 17pt; font-weight: bold;")
    change = _small()
    box.addWidget(value)
    box.addWidget(change)
    box.addStretch(1)
    grid.addLayout(box, row, col)
    return value, change


class ScreenPage(QtWidgets.QWidget):
    """A page that takes the height its window gives it, scrolling only below its minimum.

    The main window puts a page in a resizable scroll area, which sizes a page whose layout has
    a height-for-width (any word-wrapped label) to its *preferred* height for the width: here
    about twice a 1366×768 screen, which pushed all but the top of the page out of view.
    """

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt API)
        return -1  # no preferred height: the scroll area gives the viewport's (or the minimum)


class SummaryPage(ScreenPage):
    """What the session gave; buttons for the report, export, history and a new session."""

    history_requested = QtCore.Signal(str)
    new_session = QtCore.Signal()
    pushed = QtCore.Signal(str)  # the clinic server's line after the push ('' if no server)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller: SessionController | None = None
        self.figures: SessionFigures | None = None
        self.title = QtWidgets.QLabel(objectName="pageTitle")
        self.status = QtWidgets.QLabel(wordWrap=True)
        self.clinic = QtWidgets.QLabel(wordWrap=True)  # the push to a clinic server
        self.clinic.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # a server's words, as they are
        self.clinic.hide()
        # where the report and export read the session: this laptop's file, or the server's
        self.record: SessionRecord | None = None
        self._checking = False  # the clinic record is being checked: no comparison yet
        self._busy = False  # a report or export is being made in the worker thread
        self._status_before = ""  # the status line before it said so
        self.push_jobs = BackgroundJobs("ras-push", self)  # the push, then server reads
        self.push_jobs.done.connect(self._job_done)
        self._then: dict[int, Callable[[JobResult], None]] = {}
        self._push_job = 0
        # the buttons first: above the fold on the smallest screen
        self.report_btn = BigButton("Session report (PDF)…")
        self.export_btn = BigButton("Export data")
        menu = QtWidgets.QMenu(self.export_btn)
        self.export_actions = {}
        for fmt_name in EXPORT_FORMATS:
            action = menu.addAction(_FORMAT_NAMES.get(fmt_name, fmt_name))
            action.triggered.connect(lambda _=False, f=fmt_name: self._export_data(f))
            self.export_actions[fmt_name] = action
        self.export_btn.setMenu(menu)
        self.history_btn = BigButton("Patient history")
        self.new_btn = BigButton("New session", name="primary")
        buttons = QtWidgets.QHBoxLayout()
        for b in (self.report_btn, self.export_btn, self.history_btn):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.new_btn)

        # phase averages: one row per measure, one column per phase
        grid = QtWidgets.QGridLayout()
        grid.setHorizontalSpacing(28)
        grid.setVerticalSpacing(2)
        self.legend = _small()
        self.legend.setWordWrap(True)
        self.compare_note = _small()  # which record the previous session comes from, if unsure
        self.compare_note.setWordWrap(True)
        self.compare_note.hide()
        for j, phase in enumerate(PHASES, start=1):
            head = QtWidgets.QLabel(phase.capitalize())
            head.setStyleSheet("font-weight: bold;")
            grid.addWidget(head, 0, j)
        self.cells: dict[tuple[str, str], QtWidgets.QLabel] = {}
        self.changes: dict[tuple[str, str], QtWidgets.QLabel] = {}
        for i, key in enumerate(SUMMARY_MEASURES, start=1):
            unit = MEASURE_BY_KEY[key].unit
            title = QtWidgets.QVBoxLayout()
            title.setSpacing(0)
            title.addWidget(QtWidgets.QLabel(_ROW_TITLES[key]))
            title.addWidget(_small(unit or "0–1"))
            title.addStretch(1)
            grid.addLayout(title, i, 0)
            for j, phase in enumerate(PHASES, start=1):
                self.cells[(phase, key)], self.changes[(phase, key)] = _cell(grid, i, j)
        grid.setColumnStretch(len(PHASES) + 1, 1)

        # what happened, counted
        self.form = QtWidgets.QFormLayout()
        self.form.setVerticalSpacing(2)
        self.values: dict[str, QtWidgets.QLabel] = {}
        for key, label in (
            ("steps", "Steps (initial contacts)"),
            ("cued_min", "Minutes cued (cue sounding)"),
            ("cued_end", CUED_END_LABEL),
            ("final_tempo", "Cue tempo at the end"),
            ("changes", "Tempo changes"),
            ("cue", "Cue turned off / paused"),
            ("music", "Music (minutes cued, songs)"),
            ("songs", "Songs played (minutes)"),
            ("events", "Clinical events"),
            ("notes", "Notes"),
            ("links", "Sensor disconnections"),
            ("records", "Records saved"),
        ):
            value = QtWidgets.QLabel("—")
            value.setStyleSheet("font-size: 13pt; font-weight: bold;")
            self.values[key] = value
            name = QtWidgets.QLabel(label)
            name.setStyleSheet("font-size: 13pt;")
            self.form.addRow(name, value)
        self.values["songs"].setWordWrap(True)  # long titles wrap, never widen the page

        # the outcomes first; the session's timeline (the live plots) one tab away
        figures = QtWidgets.QWidget()
        left = QtWidgets.QVBoxLayout()
        left.addLayout(grid)
        left.addWidget(self.legend)
        left.addWidget(self.compare_note)
        left.addStretch(1)
        right = QtWidgets.QVBoxLayout()
        right.addLayout(self.form)
        right.addStretch(1)
        columns = QtWidgets.QHBoxLayout(figures)
        columns.addLayout(left, 0)
        columns.addSpacing(32)
        columns.addLayout(right, 0)
        columns.addStretch(1)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidget(figures)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.plots = LivePlots()
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.addTab(scroll, "Outcomes")
        self.tabs.addTab(self.plots, "Session timeline")
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(self.status)
        lay.addWidget(self.clinic)
        lay.addLayout(buttons)
        lay.addWidget(self.tabs, 1)
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
        s = controller.summary
        stats = controller.recorder_stats
        if controller.state == "failed":
            text = f"The session could not run: {controller.error}"
            color = COLORS["bad"]
        elif s is not None and s.completed:
            text, color = "Complete: all phases ran. The data is saved.", COLORS["ok"]
        else:
            reason = s.reason if s is not None and s.reason else "ended early"
            text = f"Incomplete ({reason}). The data recorded so far is saved."
            color = COLORS["warn"]
        self.figures = None
        self.record = None
        if sid is not None:
            try:
                self.figures = session_figures(controller.db_path, sid)
                self.record = SessionRecord(sid, db=controller.db_path)
            except (RasError, AnalysisInputError) as err:  # e.g. no step: nothing to measure
                text += f" No figures: {err}"
        server = controller.started and _server_configured()
        self._checking = server and self.figures is not None
        started = ""
        if self.figures is not None:
            started = f" — {local_text(self.figures.data.info.started_utc)}"
        self.title.setText(
            f"Session {'#' + str(sid) if sid is not None else '—'} — patient "
            f"{controller.config.patient_id}{started}"
        )
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {color}; font-size: 15pt; font-weight: bold;")
        self.tabs.setCurrentIndex(0)
        self._fill_figures()
        v = self.values
        v["final_tempo"].setText(fmt(s.final_tempo_bpm if s else None, ".1f", " bpm"))
        v["records"].setText(str(stats.events_written) if stats is not None else "—")
        self._show_compare_note(CHECKING if self._checking else "")
        self._busy = False
        self._set_buttons()
        if controller.started:  # a session that never started is not kept: nothing to push
            self._push(controller.db_path or controller.config.db, sid, server)

    def _set_buttons(self) -> None:
        """Report and export open once there are figures and the record to read is known."""
        ready = self.figures is not None and not self._checking and not self._busy
        self.report_btn.setEnabled(ready)
        self.export_btn.setEnabled(ready)
        waiting = "; waits for the clinic record" if self._checking else ""
        self.report_btn.setToolTip(f"Save a PDF report of this session{waiting}")
        self.export_btn.setToolTip(
            f"Save this session's record as CSV, JSON or Motion-BIDS{waiting}"
        )

    def _submit(self, job: Callable[[], Any], then: Callable[[JobResult], None]) -> int:
        """Run ``job`` in the page's worker thread; ``then`` gets its result on this thread."""
        number = self.push_jobs.submit(job)
        self._then[number] = then
        return number

    def _job_done(self, result: JobResult) -> None:
        then = self._then.pop(result.job, None)
        if then is not None:
            then(result)

    def _push(
        self, db: str | os.PathLike[str] | None, session_id: int | None, server: bool
    ) -> None:
        """Push the session to the clinic server, if one is configured, off the GUI thread,
        and read it back from there (see :func:`gui.summary_record.check_clinic_record`)."""
        self._show_clinic("Sending this session to the clinic server…" if server else "")
        patient = self.controller.config.patient_id if self.controller is not None else ""
        read = self.figures is not None
        self._push_job = self._submit(
            lambda: check_clinic_record(db, session_id, patient=patient, read=read), self._pushed
        )

    def _pushed(self, result: JobResult) -> None:
        if result.job != self._push_job:
            return  # an earlier session's push
        check: ClinicCheck = (
            result.value
            if not result.error
            else ClinicCheck(
                f"{result.error}; the session stays on this laptop",
                laptop_only=LAPTOP_ONLY if self.figures is not None else "",
            )
        )
        if check.figures is not None and check.record is not None:
            self.figures, self.record = check.figures, check.record
        self._checking = False
        self._show_clinic(check.line, warn=bool(check.laptop_only))
        self._show_compare_note(check.laptop_only)
        self._fill_figures()
        self._set_buttons()
        self.pushed.emit(check.line)

    def _show_clinic(self, line: str, *, warn: bool = False) -> None:
        warn = warn or "stays on this laptop" in line
        color = COLORS["warn"] if warn else COLORS["muted"]
        self.clinic.setStyleSheet(f"color: {color}; font-size: 12pt;")
        self.clinic.setText(line)
        self.clinic.setVisible(bool(line))

    def _show_compare_note(self, line: str) -> None:
        color = COLORS["muted"] if line == CHECKING else COLORS["warn"]
        self.compare_note.setStyleSheet(f"color: {color}; font-size: 11pt;")
        self.compare_note.setText(line)
        self.compare_note.setVisible(bool(line))

    def _fill_figures(self) -> None:
        f = self.figures
        for (phase, key), cell in self.cells.items():
            cell.setText("—" if f is None else f.value(phase, key))
            cell.setToolTip("" if f is None else f.reason(phase, key))
        self._fill_changes()
        if f is None:
            for key in (
                "steps",
                "cued_min",
                "cued_end",
                "changes",
                "cue",
                "music",
                "songs",
                "events",
                "notes",
                "links",
            ):
                self.values[key].setText("—")
            return
        counts = f.counts()
        v = self.values
        v["steps"].setText(str(f.dose.n_steps))
        v["cued_min"].setText(f"{f.dose.cued_min:.1f} min")
        v["cued_end"].setText(fmt(f.outcomes.cued_end_cadence_spm, ".1f", " steps/min"))
        v["cued_end"].setToolTip(f.outcomes.cued_end_reason)
        for key in ("changes", "cue", "music", "songs", "events", "notes", "links"):
            v[key].setText(counts[key])

    def _fill_changes(self) -> None:
        """The legend and each cell's changes: vs this session's baseline, and vs the previous
        session once the record it comes from is known."""
        f = self.figures
        prev_id = f.previous.info.id if f is not None and f.previous is not None else None
        if self._checking:
            prev_id = None
        where = "the clinic server's " if self.record is not None and self.record.on_server else ""
        self.legend.setText(
            "Averages per phase. Below each: the change vs this session's baseline"
            + (
                f", and vs the same phase of {where}session #{prev_id} (MCID flagged there only)."
                if prev_id
                else "."
            )
        )
        for label in self.changes.values():
            label.setText("")
        if f is None:
            return
        for phase in PHASES:
            base = f.vs_baseline(phase)
            prev = f.vs_previous(phase) if prev_id is not None else {}
            for key in SUMMARY_MEASURES:
                parts = []
                if key in base and base[key].text != "—":
                    parts.append(f"{base[key].text} vs baseline")
                if key in prev and prev[key].text != "—":
                    parts.append(f"{prev[key].text} vs #{prev_id}")
                label = self.changes[(phase, key)]
                label.setText("\n".join(parts))
                tone = prev[key].tone if key in prev else ""
                color = (
                    COLORS["ok"]
                    if tone == "good"
                    else COLORS["bad"]
                    if tone == "bad"
                    else COLORS["muted"]
                )
                label.setStyleSheet(f"font-size: 11pt; color: {color};")

    def _export(self) -> None:
        c = self.controller
        if c is None or c.session_id is None:
            return
        record = self.record
        number = record.session_id if record is not None else c.session_id
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save report", f"ras-session-{number}.pdf", "PDF (*.pdf)"
        )
        if not path:
            return
        if record is not None and record.on_server:  # read in the worker, drawn here
            self._in_worker("Making the session report from the clinic record…")
            self._submit(lambda: record_report(record), lambda r: self._report_made(r, path))
            return
        try:
            export_session_report(c.db_path, c.session_id, path)
        except Exception as err:  # shown, never fatal: the session data is safe
            QtWidgets.QMessageBox.warning(self, "Report", f"The report could not be saved: {err}")
            return
        self.status.setText(f"Report saved: {path}")

    def _in_worker(self, doing: str) -> None:
        """A report or export is being made off the GUI thread: say so, buttons wait."""
        self._busy = True
        self._set_buttons()
        self._status_before = self.status.text()
        self.status.setText(doing)

    def _report_made(self, result: JobResult, path: str) -> None:
        self._busy = False
        self._set_buttons()
        try:
            if result.error:
                raise RasError(result.error)
            save_pdf(result.value, path)
        except Exception as err:  # shown, never fatal: the session data is safe
            self.status.setText(self._status_before)
            QtWidgets.QMessageBox.warning(self, "Report", f"The report could not be saved: {err}")
            return
        self.status.setText(f"Report saved: {path}")

    def _export_data(self, fmt_name: str) -> None:
        c = self.controller
        if c is None or c.session_id is None:
            return
        out = QtWidgets.QFileDialog.getExistingDirectory(self, "Export into folder")
        if not out:
            return
        record = self.record
        if record is not None and record.on_server:  # read and written in the worker
            self._in_worker("Exporting the session from the clinic record…")
            self._submit(
                lambda: export_record(record, fmt_name, out),
                lambda r: self._exported(r, fmt_name, out),
            )
            return
        try:
            with Store(c.db_path) as store:
                files = export_session(store, c.session_id, fmt_name, out)
        except Exception as err:  # shown, never fatal: the session data is safe
            QtWidgets.QMessageBox.warning(self, "Export", f"The export failed: {err}")
            return
        self.status.setText(f"Exported {len(files)} file(s) ({fmt_name}) to {out}")

    def _exported(self, result: JobResult, fmt_name: str, out: str) -> None:
        self._busy = False
        self._set_buttons()
        if result.error:
            self.status.setText(self._status_before)
            QtWidgets.QMessageBox.warning(self, "Export", f"The export failed: {result.error}")
            return
        self.status.setText(f"Exported {len(result.value)} file(s) ({fmt_name}) to {out}")

    def _new(self) -> None:
        self.new_session.emit()

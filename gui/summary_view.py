"""After the session: phase averages with their changes, what happened, and what to do next.

The figures are :mod:`ras.results`' (the stored session, its outcomes per phase) and the changes
:mod:`ras.report.compare`'s, as in the session report: within the session against the baseline
(plain differences), and against the patient's previous session (gait speed flagged against the
MCID there only). Nothing is computed here but counts of what was recorded.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from dataclasses import dataclass

from PySide6 import QtCore, QtWidgets

from analysis.errors import AnalysisInputError
from gui.background import BackgroundJobs, JobResult
from gui.live_series import LiveSeries
from gui.plots import LivePlots
from gui.report import export_session_report
from gui.session_controller import SessionController
from gui.theme import COLORS, fmt
from gui.widgets import BigButton
from ras.clinic.config import configured_server
from ras.clinic.records import push_after_session
from ras.errors import RasError
from ras.events import CueState, LinkState, MarkerKind
from ras.export.api import EXPORT_FORMATS, export_session
from ras.report.compare import Change, compare_phases, compare_sessions, format_value
from ras.report.progress import TrainingDose, local_text, training_dose
from ras.report.session import previous_session
from ras.results.music import music_use
from ras.results.outcomes import (
    CUED_END_LABEL,
    MEASURE_BY_KEY,
    SessionOutcomes,
    session_outcomes,
)
from ras.results.session_data import SessionData, load_session
from ras.store.store import Store

__all__ = [
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


@dataclass(frozen=True, eq=False)
class SessionFigures:
    """A stored session with its outcomes, dose and the patient's previous session."""

    data: SessionData
    outcomes: SessionOutcomes
    dose: TrainingDose
    previous: SessionData | None = None
    previous_outcomes: SessionOutcomes | None = None

    def value(self, phase: str, key: str) -> str:
        """Measure ``key`` of ``phase`` as shown ("—" if not measured)."""
        p = self.outcomes.phase(phase)
        text = format_value(key, math.nan if p is None else p.value(key))
        return "—" if text == "not measured" else text

    def reason(self, phase: str, key: str) -> str:
        """Why ``key`` of ``phase`` is blank ("" if it is measured)."""
        p = self.outcomes.phase(phase)
        return f"no {phase} phase" if p is None else p.reasons.get(key, "")

    def vs_baseline(self, phase: str) -> dict[str, Change]:
        """Changes of ``phase`` against this session's baseline (no MCID: one session)."""
        a, b = self.outcomes.phase(phase), self.outcomes.phase("baseline")
        if phase == "baseline" or a is None or b is None:
            return {}
        return compare_phases(a, b)

    def vs_previous(self, phase: str) -> dict[str, Change]:
        """Changes of ``phase`` against the same phase of the previous session (MCID-flagged)."""
        if self.previous_outcomes is None:
            return {}
        a, b = self.outcomes.phase(phase), self.previous_outcomes.phase(phase)
        if a is None or b is None:
            return {}
        return compare_sessions(a, b, self.data.patient.diagnosis)

    def counts(self) -> dict[str, str]:
        """What happened, counted: clinical events, cue changes, sensor disconnections."""
        kinds = Counter(m.kind for m in self.data.markers)
        events = [
            f"{k.label} {kinds[k]}" for k in MarkerKind if k is not MarkerKind.NOTE and kinds[k]
        ]
        states = Counter(s.state for s in self.data.cue_states)
        cue = [
            f"{word} {states[s]}"
            for s, word in ((CueState.OFF, "off"), (CueState.PAUSE, "paused"))
            if states[s]
        ]
        lost = Counter(
            e.side.name.lower() for e in self.data.link_events if e.state is LinkState.DISCONNECTED
        )
        by = Counter(c.source for c in self.data.tempo_changes)
        songs = self.dose.n_songs
        music = f"{self.dose.music_min:.1f} min · {songs} song{'' if songs == 1 else 's'}"
        played = " · ".join(f"{u.title} {u.minutes:.1f} min" for u in music_use(self.data).songs)
        return {
            "events": " · ".join(events) or "none",
            "notes": str(kinds[MarkerKind.NOTE]),
            "cue": " · ".join(cue) or "none",
            "music": music if self.dose.music_s > 0 or songs else "none",
            "songs": played or "none",
            "links": " · ".join(f"{side} {n}" for side, n in sorted(lost.items())) or "none",
            "changes": f"{sum(by.values())}"
            + "".join(
                f" · {src} {by[src]}" for src in ("plan", "adaptive", "therapist") if by[src]
            ),
        }


def session_figures(db: str | os.PathLike[str] | None, session_id: int) -> SessionFigures:
    """Read a session's figures from the store; RasError (one line) if it cannot be read."""
    with Store(db) as store:
        data = load_session(store, session_id, with_imu=True)
        prev = previous_session(store, data)
    return SessionFigures(
        data,
        session_outcomes(data),
        training_dose(data),
        prev,
        session_outcomes(prev) if prev is not None else None,
    )


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
        self.push_jobs = BackgroundJobs("ras-push", self)
        self.push_jobs.done.connect(self._pushed)
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
        if sid is not None:
            try:
                self.figures = session_figures(controller.db_path, sid)
            except (RasError, AnalysisInputError) as err:  # e.g. no step: nothing to measure
                text += f" No figures: {err}"
        started = ""
        if self.figures is not None:
            started = f" — {local_text(self.figures.data.info.started_utc)}"
        self.title.setText(
            f"Session {'#' + str(sid) if sid is not None else '—'} — patient "
            f"{controller.config.patient_id}{started}"
        )
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {color}; font-size: 15pt; font-weight: bold;")
        self._fill_figures()
        v = self.values
        v["final_tempo"].setText(fmt(s.final_tempo_bpm if s else None, ".1f", " bpm"))
        v["records"].setText(str(stats.events_written) if stats is not None else "—")
        self.report_btn.setEnabled(self.figures is not None)
        self.export_btn.setEnabled(self.figures is not None)
        self.report_btn.setToolTip("Save a PDF report of this session")
        self.export_btn.setToolTip("Save this session's record as CSV, JSON or Motion-BIDS")
        if controller.started:  # a session that never started is not kept: nothing to push
            self._push(controller.db_path or controller.config.db, sid)

    def _push(self, db: str | os.PathLike[str] | None, session_id: int | None) -> None:
        """Push the session to the clinic server, if one is configured, off the GUI thread."""
        try:
            server = configured_server() is not None
        except RasError:
            server = True  # the push says in one line what is wrong with the setting
        self._show_clinic("Sending this session to the clinic server…" if server else "")
        self._push_job = self.push_jobs.submit(lambda: push_after_session(db, session_id))

    def _pushed(self, result: JobResult) -> None:
        if result.job != self._push_job:
            return  # an earlier session's push
        line = (
            result.value
            if not result.error
            else f"{result.error}; the session stays on this laptop"
        )
        self._show_clinic(line)
        self.pushed.emit(line)

    def _show_clinic(self, line: str) -> None:
        color = COLORS["warn"] if "stays on this laptop" in line else COLORS["muted"]
        self.clinic.setStyleSheet(f"color: {color}; font-size: 12pt;")
        self.clinic.setText(line)
        self.clinic.setVisible(bool(line))

    def _fill_figures(self) -> None:
        f = self.figures
        for (phase, key), cell in self.cells.items():
            change = self.changes[(phase, key)]
            cell.setText("—" if f is None else f.value(phase, key))
            cell.setToolTip("" if f is None else f.reason(phase, key))
            change.setText("")
        prev_id = f.previous.info.id if f is not None and f.previous is not None else None
        self.tabs.setCurrentIndex(0)
        self.legend.setText(
            "Averages per phase. Below each: the change vs this session's baseline"
            + (
                f", and vs the same phase of session #{prev_id} (MCID flagged there only)."
                if prev_id
                else "."
            )
        )
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
        for phase in PHASES:
            base, prev = f.vs_baseline(phase), f.vs_previous(phase)
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
        counts = f.counts()
        v = self.values
        v["steps"].setText(str(f.dose.n_steps))
        v["cued_min"].setText(f"{f.dose.cued_min:.1f} min")
        v["cued_end"].setText(fmt(f.outcomes.cued_end_cadence_spm, ".1f", " steps/min"))
        v["cued_end"].setToolTip(f.outcomes.cued_end_reason)
        for key in ("changes", "cue", "music", "songs", "events", "notes", "links"):
            v[key].setText(counts[key])

    def _export(self) -> None:
        c = self.controller
        if c is None or c.session_id is None:
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

    def _export_data(self, fmt_name: str) -> None:
        c = self.controller
        if c is None or c.session_id is None:
            return
        out = QtWidgets.QFileDialog.getExistingDirectory(self, "Export into folder")
        if not out:
            return
        try:
            with Store(c.db_path) as store:
                files = export_session(store, c.session_id, fmt_name, out)
        except Exception as err:  # shown, never fatal: the session data is safe
            QtWidgets.QMessageBox.warning(self, "Export", f"The export failed: {err}")
            return
        self.status.setText(f"Exported {len(files)} file(s) ({fmt_name}) to {out}")

    def _new(self) -> None:
        self.new_session.emit()

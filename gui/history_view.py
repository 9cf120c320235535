"""Per-patient history: every session (local dates, dose, outcomes) and trends across them.

The record (the clinic server when one is configured, else this laptop's file) is read in a
worker thread (:class:`gui.background.BackgroundJobs`): a slow or unreachable server never
freezes the screen, which says meanwhile that it is loading, and then which record it shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gui.background import BackgroundJobs, JobResult, one_line
from gui.history_model import (
    COLUMNS,
    DOSE_KEY,
    TRENDS,
    HistoryLoad,
    HistoryRecord,
    Trend,
    record_to_read,
    trend_series,
)
from gui.plots import TICK_FONT, curve_data, legend_title
from gui.report import save_pdf
from gui.summary_view import ScreenPage
from gui.theme import COLORS, NORMAL_SI_BAND_PCT
from gui.widgets import BigButton
from ras.report.progress import CourseSession, tick_labels

__all__ = ["HistoryPage"]

#: How each walk is drawn in the trends: (colour, symbol, legend).
_WALK_STYLE = {
    "baseline": (COLORS["muted"], "o", "● baseline"),
    "probe": (COLORS["cadence"], "s", "■ probe"),
}


def _trend_plot(trend: Trend) -> pg.PlotWidget:
    w = pg.PlotWidget()
    if trend.key == DOSE_KEY:
        w.setTitle(f"<b>{trend.title}</b>", size="12pt")
    else:
        keys = [(c, label) for c, _, label in _WALK_STYLE.values()]
        w.setTitle(legend_title(trend.title, keys), size="12pt")
    w.setLabel("left", trend.unit)
    w.showGrid(x=False, y=True, alpha=0.25)
    w.setMouseEnabled(x=False, y=False)
    w.hideButtons()
    w.setMenuEnabled(False)
    for name in ("left", "bottom"):
        w.getAxis(name).setTickFont(TICK_FONT)
        w.getAxis(name).enableAutoSIPrefix(False)
    w.setMinimumHeight(150)
    return w


class TrendPlot:
    """One trend across sessions: a curve per uncued walk, or bars for the dose."""

    def __init__(self, trend: Trend) -> None:
        self.trend = trend
        self.widget = _trend_plot(trend)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.bars: pg.BarGraphItem | None = None
        if trend.key == DOSE_KEY:
            self.bars = pg.BarGraphItem(x=[], height=[], width=0.6, brush=COLORS["ok"])
            self.widget.addItem(self.bars)
        else:
            for walk, (color, symbol, _) in _WALK_STYLE.items():
                self.curves[walk] = self.widget.plot(
                    pen=pg.mkPen(color, width=2 if walk == "baseline" else 3),
                    symbol=symbol,
                    symbolBrush=color,
                )
        if trend.key == "step_time_si_pct":
            self.widget.addItem(
                pg.LinearRegionItem(
                    (-NORMAL_SI_BAND_PCT, NORMAL_SI_BAND_PCT),
                    orientation="horizontal",
                    movable=False,
                    brush=pg.mkBrush(*COLORS["band"]),
                    pen=pg.mkPen(None),
                )
            )
        self.empty = pg.TextItem("not measured", color=COLORS["muted"], anchor=(0.5, 0.5))
        self.empty.setFont(TICK_FONT)
        self.widget.addItem(self.empty)

    def show(self, course: list[CourseSession]) -> None:
        """Draw the sessions of ``course`` at x = 1, 2, ... with their local dates as ticks."""
        x = np.arange(1, len(course) + 1, dtype=float)
        labels = tick_labels(course)
        step = max(1, -(-len(course) // 6))  # at most about six labels
        ticks = [(float(k), t) for k, t in zip(x, labels, strict=True)][::step]
        self.widget.getAxis("bottom").setTicks([ticks, []])
        self.widget.setXRange(0.5, max(len(course), 1) + 0.5, padding=0)
        series = trend_series(course, self.trend)
        drawn = 0
        for name, values in series.items():
            xs, ys = curve_data(x, np.asarray(values, dtype=float))
            drawn += int(np.isfinite(ys).sum())
            if self.bars is not None:
                self.bars.setOpts(x=xs, height=ys, width=0.6)
            else:
                self.curves[name].setData(xs, ys, connect="finite")
        self.empty.setVisible(drawn == 0 and bool(course))
        self.empty.setPos((len(course) + 1) / 2, 0.5)
        if self.bars is not None:
            top = max(series["dose"], default=0.0)
            self.widget.setYRange(0.0, max(1.0, 1.15 * top), padding=0)
            return
        shown = np.array([v for vs in series.values() for v in vs], dtype=float)
        shown = shown[np.isfinite(shown)]
        if self.trend.key == "gait_speed_m_per_s":  # from 0: changes read true
            top = float(shown.max()) if shown.size else 1.25
            self.widget.setYRange(0.0, max(1.5, 1.2 * top), padding=0)
        elif shown.size:  # at least min_span: a few mm of stride length are not a trend
            mid, half = (shown.max() + shown.min()) / 2, (shown.max() - shown.min()) / 2
            half = max(half * 1.15, self.trend.min_span / 2)
            self.widget.setYRange(float(mid - half), float(mid + half), padding=0)


class HistoryPage(ScreenPage):
    """A patient's sessions (table, local dates) and trends of gait and training dose.

    :meth:`show_patient` returns at once: the record is opened and read in the page's worker
    thread (:attr:`loading` meanwhile), and :attr:`loaded` is emitted once the page shows it.
    """

    back = QtCore.Signal()
    loaded = QtCore.Signal()  # the page shows what was read (or why nothing could be)

    #: What the page says about what is shown (under the table's title).
    EXPLAINED = (
        "Dates in local time. Steps: initial contacts. Speed, cadence, stride length,"
        " step-time SI and stride-time CV: baseline → probe, the uncued walks before and"
        " after the cue (as in the reports); — where not measured (hover for why)."
    )

    def __init__(self, db: str | None, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.rows: list[CourseSession] = []
        self.loading = False
        self.record = HistoryRecord(db)  # used by the worker thread only
        self.jobs = BackgroundJobs("ras-history", self)
        self.jobs.done.connect(self._done)
        self._replies: dict[int, Callable[[JobResult], None]] = {}
        self._load_job = 0
        self._opened = False  # a record is open (a patient change reads it)
        self._opened_notice = ("", COLORS["muted"])  # what opening it said, and in which colour
        title = QtWidgets.QLabel("Patient history", objectName="pageTitle")
        self.patient = QtWidgets.QComboBox()
        self.patient.setMinimumHeight(44)
        self.patient.setMinimumWidth(220)
        self.source = _plain_label()
        self.source.setStyleSheet("font-size: 12pt; font-weight: bold;")
        self.notice = _plain_label()
        self.notice.hide()
        self.note = _plain_label()
        self.note.setStyleSheet("color: #555; font-size: 12pt;")
        self.table = QtWidgets.QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([c.title for c in COLUMNS])
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setStyleSheet("QTableWidget, QHeaderView::section { font-size: 12pt; }")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.trends = [TrendPlot(t) for t in TRENDS]
        self.back_btn = BigButton("Back")
        self.report_btn = BigButton("Progress report (PDF)…")
        self.report_btn.clicked.connect(self._export)
        self.report_btn.setToolTip("Save a PDF of this patient's progress across sessions")
        top = QtWidgets.QHBoxLayout()
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(QtWidgets.QLabel("Patient"))
        top.addWidget(self.patient)
        top.addWidget(self.report_btn)
        top.addWidget(self.back_btn)
        grid = QtWidgets.QGridLayout()
        for k, t in enumerate(self.trends):
            grid.addWidget(t.widget, k // 3, k % 3)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.source)
        lay.addWidget(self.notice)
        lay.addWidget(self.note)
        lay.addWidget(self.table, 2)
        lay.addLayout(grid, 3)
        self.patient.currentIndexChanged.connect(lambda _: self._load())
        self.back_btn.clicked.connect(self._back)

    # --- reading the record (in the worker) -----------------------------------------------

    def show_patient(self, patient_id: str) -> None:
        """Open the record (pushing this laptop's pending sessions to a configured server),
        list its patients, select ``patient_id`` (if given) and show its history."""
        self._opened = False
        self._set_loading(f"Loading the patient history from {record_to_read()}…")
        self._show_notice("")
        self.patient.blockSignals(True)
        self.patient.clear()
        self.patient.blockSignals(False)
        record, wanted = self.record, patient_id or None
        self._load_job = self._ask(lambda: record.open(wanted), self._shown)

    def _load(self) -> None:
        """Another patient chosen: read its sessions from the record already open."""
        pid = self.patient.currentData()
        if not pid or not self._opened:
            return
        self._set_loading(f"Loading {pid}'s sessions from {self.record.name}…", keep_source=True)
        self._show_notice(*self._opened_notice)  # not an error about the patient before
        record = self.record
        self._load_job = self._ask(lambda: record.course(pid), self._course)

    def _ask(self, job: Callable[[], Any], reply: Callable[[JobResult], None]) -> int:
        """Run ``job`` in the worker; ``reply`` gets its result in the GUI thread."""
        number = self.jobs.submit(job)
        self._replies[number] = reply
        return number

    def _done(self, result: JobResult) -> None:
        reply = self._replies.pop(result.job, None)
        if reply is not None:
            reply(result)

    def _shown(self, result: JobResult) -> None:
        if result.job != self._load_job:
            return  # an older visit's answer
        load: HistoryLoad | None = result.value
        if load is None:  # no record could be read: why, in one line
            self.source.setText("Record: none could be read")
            self._finish_loading([], result.error)
            return
        self._opened = True
        self.source.setText(f"Record: {load.record}")
        self._opened_notice = (load.notice, COLORS["warn"] if load.fallback else COLORS["muted"])
        self._show_notice(*self._opened_notice)
        self.patient.blockSignals(True)
        for pid in load.patients:
            self.patient.addItem(pid, pid)
        self.patient.setCurrentIndex(max(self.patient.findData(load.patient), 0))
        self.patient.blockSignals(False)
        self._finish_loading(load.course, load.error)

    def _course(self, result: JobResult) -> None:
        if result.job == self._load_job:
            self._finish_loading(result.value or [], result.error)

    def _set_loading(self, text: str, *, keep_source: bool = False) -> None:
        self.loading = True
        if not keep_source:
            self.source.setText(text)
        self.note.setText(text if keep_source else "")
        self.patient.setEnabled(False)
        self.report_btn.setEnabled(False)
        self._show_rows([])

    def _finish_loading(self, rows: list[CourseSession], error: str) -> None:
        self.loading = False
        self.note.setText(self.EXPLAINED)
        if error:
            self._show_notice(error, COLORS["bad"])
        self.patient.setEnabled(self._opened)
        self._show_rows(rows)
        self.report_btn.setEnabled(any(r.outcomes is not None for r in rows))
        self.loaded.emit()

    def _show_rows(self, rows: list[CourseSession]) -> None:
        self.rows = rows
        self._fill_table()
        for t in self.trends:
            t.show(self.rows)

    def _show_notice(self, text: str, color: str = COLORS["muted"]) -> None:
        self.notice.setText(text)
        self.notice.setStyleSheet(f"color: {color}; font-size: 12pt;")
        self.notice.setVisible(bool(text))

    def close_record(self) -> None:
        """Close the record once the jobs asked are done, and end the worker thread (the next
        :meth:`show_patient` opens the record again, in a new one)."""
        self._opened = False
        self._load_job = 0  # what a job still running reads is not shown
        self.jobs.stop(self.record.close)
        self.record = HistoryRecord(self.db)  # the old one stays the old thread's alone

    # --- the progress report ----------------------------------------------------------------

    def _export(self) -> None:
        pid = self.patient.currentData()
        if not pid or not self._opened:
            return
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save progress report", f"ras-progress-{pid}.pdf", "PDF (*.pdf)"
        )
        if not path:
            return
        self.report_btn.setEnabled(False)
        self._show_notice(*self._opened_notice)
        self.note.setText(f"Building {pid}'s progress report from {self.record.name}…")
        record = self.record  # the record the sessions shown were read from, never another
        self._ask(lambda: record.progress_report(pid), lambda r: self._report_built(r, path))

    def _report_built(self, result: JobResult, path: str) -> None:
        self.report_btn.setEnabled(any(r.outcomes is not None for r in self.rows))
        self.note.setText(self.EXPLAINED)
        error = result.error
        if not error:
            try:
                save_pdf(result.value, path)
            except Exception as err:  # shown, never fatal
                error = one_line(err)
        if error:
            self._show_notice(f"The report could not be saved: {error}", COLORS["bad"])
            return
        self.note.setText(f"Progress report saved: {path}")

    def _fill_table(self) -> None:
        self.table.setRowCount(len(self.rows))
        for i, s in enumerate(self.rows):
            for j, col in enumerate(COLUMNS):
                item = QtWidgets.QTableWidgetItem(col.text(s))
                why = col.why(s)
                if why:
                    item.setToolTip(why)
                self.table.setItem(i, j, item)
        self.table.scrollToBottom()  # the latest session in view

    def _back(self) -> None:
        self.close_record()  # no connection to the server kept while the page is not shown
        self.back.emit()

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 (Qt API)
        self.close_record()
        super().closeEvent(event)


def _plain_label() -> QtWidgets.QLabel:
    """A word-wrapped label that shows its text as it is (a server's message is never markup)."""
    label = QtWidgets.QLabel(wordWrap=True)
    label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
    return label

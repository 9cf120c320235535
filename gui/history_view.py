"""Per-patient history: every session (local dates, dose, outcomes) and trends across them."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from gui.history_model import COLUMNS, DOSE_KEY, TRENDS, Trend, patient_history, trend_series
from gui.plots import TICK_FONT, curve_data, legend_title
from gui.report import export_progress_report
from gui.summary_view import ScreenPage
from gui.theme import COLORS, NORMAL_SI_BAND_PCT
from gui.widgets import BigButton
from ras.errors import RasError
from ras.report.progress import CourseSession, tick_labels
from ras.store.store import Store

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
    """A patient's sessions (table, local dates) and trends of gait and training dose."""

    back = QtCore.Signal()

    def __init__(self, db: str | None, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.rows: list[CourseSession] = []
        title = QtWidgets.QLabel("Patient history", objectName="pageTitle")
        self.patient = QtWidgets.QComboBox()
        self.patient.setMinimumHeight(44)
        self.patient.setMinimumWidth(220)
        self.note = QtWidgets.QLabel(wordWrap=True)
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
        lay.addWidget(self.note)
        lay.addWidget(self.table, 2)
        lay.addLayout(grid, 3)
        self.patient.currentIndexChanged.connect(lambda _: self._load())
        self.back_btn.clicked.connect(self._back)

    def show_patient(self, patient_id: str) -> None:
        """List the patients, select ``patient_id`` (if given) and show its history."""
        self.patient.blockSignals(True)
        self.patient.clear()
        try:
            with Store(self.db) as store:
                for p in store.list_patients():
                    self.patient.addItem(p.pseudo_id, p.pseudo_id)
        except RasError as err:
            self.note.setText(str(err))
        i = self.patient.findData(patient_id)
        self.patient.setCurrentIndex(max(i, 0))
        self.patient.blockSignals(False)
        self._load()

    def _load(self) -> None:
        pid = self.patient.currentData()
        self.rows = []
        self.note.setText(
            "Dates in local time. Steps: initial contacts. Speed, cadence, stride length,"
            " step-time SI and stride-time CV: baseline → probe, the uncued walks before and"
            " after the cue (as in the reports); — where not measured (hover for why)."
        )
        if pid:
            try:
                self.rows = patient_history(self.db, pid)
            except RasError as err:
                self.note.setText(str(err))
        self._fill_table()
        for t in self.trends:
            t.show(self.rows)
        self.report_btn.setEnabled(any(r.outcomes is not None for r in self.rows))
        self.report_btn.setToolTip("Save a PDF of this patient's progress across sessions")

    def _export(self) -> None:
        pid = self.patient.currentData()
        if not pid:
            return
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save progress report", f"ras-progress-{pid}.pdf", "PDF (*.pdf)"
        )
        if not path:
            return
        try:
            export_progress_report(self.db, pid, path)
        except Exception as err:  # shown, never fatal
            QtWidgets.QMessageBox.warning(self, "Report", f"The report could not be saved: {err}")
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
        self.back.emit()

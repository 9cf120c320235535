"""Per-patient history: every session with end-of-phase figures, and trends."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from gui.history_model import GAIT_SPEED_MISSING, SessionRow, patient_history
from gui.plots import TICK_FONT, curve_data, legend_title
from gui.report import export_progress_report
from gui.theme import COLORS, NORMAL_SI_BAND_PCT, fmt
from gui.widgets import BigButton
from ras.errors import RasError
from ras.store.store import Store

__all__ = ["HistoryPage"]

_COLUMNS = (
    "session",
    "date (UTC)",
    "status",
    "plan",
    "steps",
    "cadence baseline",
    "cadence probe",
    "SI baseline %",
    "SI probe %",
    "speed probe m/s",
)


def _trend_plot(title: str, unit: str) -> pg.PlotWidget:
    w = pg.PlotWidget()
    w.setTitle(title, size="13pt")
    w.setLabel("left", unit)
    w.setLabel("bottom", "session")
    w.showGrid(x=True, y=True, alpha=0.25)
    w.setMouseEnabled(x=False, y=False)
    w.hideButtons()
    w.setMenuEnabled(False)
    for name in ("left", "bottom"):
        w.getAxis(name).setTickFont(TICK_FONT)
        w.getAxis(name).enableAutoSIPrefix(False)
    return w


class HistoryPage(QtWidgets.QWidget):
    """A patient's sessions (table) and trends of gait speed, cadence and symmetry."""

    back = QtCore.Signal()

    def __init__(self, db: str | None, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.rows: list[SessionRow] = []
        title = QtWidgets.QLabel("Patient history", objectName="pageTitle")
        self.patient = QtWidgets.QComboBox()
        self.patient.setMinimumHeight(44)
        self.patient.setMinimumWidth(260)
        self.note = QtWidgets.QLabel(wordWrap=True)
        self.note.setStyleSheet("color: #555; font-size: 12pt;")
        self.note.setText(
            "Per-phase outcomes from analysis/ (the same as in the reports);"
            " — where a figure could not be measured (hover for why)."
        )
        self.table = QtWidgets.QTableWidget(0, len(_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(_COLUMNS))
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(
            QtWidgets.QHeaderView.ResizeMode.ResizeToContents
        )
        self.speed_plot = _trend_plot("Gait speed", "m/s")
        self.speed_plot.setTitle(
            legend_title(
                "Gait speed", [(COLORS["muted"], "● baseline"), (COLORS["cadence"], "■ probe")]
            ),
            size="13pt",
        )
        self.speed_text = pg.TextItem("not measured", color=COLORS["muted"], anchor=(0.5, 0.5))
        self.speed_text.setFont(TICK_FONT)
        self.speed_plot.addItem(self.speed_text)
        self.speed_plot.setToolTip(GAIT_SPEED_MISSING)
        self.base_speed = self.speed_plot.plot(
            pen=pg.mkPen(COLORS["muted"], width=2), symbol="o", symbolBrush=COLORS["muted"]
        )
        self.probe_speed = self.speed_plot.plot(
            pen=pg.mkPen(COLORS["cadence"], width=3), symbol="s", symbolBrush=COLORS["cadence"]
        )
        self.cadence_plot = _trend_plot("Cadence", "steps/min")
        self.cadence_plot.setTitle(
            legend_title(
                "Cadence", [(COLORS["muted"], "● baseline"), (COLORS["cadence"], "■ probe")]
            ),
            size="13pt",
        )
        self.base_curve = self.cadence_plot.plot(
            pen=pg.mkPen(COLORS["muted"], width=2),
            symbol="o",
            symbolBrush=COLORS["muted"],
        )
        self.probe_curve = self.cadence_plot.plot(
            pen=pg.mkPen(COLORS["cadence"], width=3),
            symbol="s",
            symbolBrush=COLORS["cadence"],
        )
        self.si_plot = _trend_plot("Step-time symmetry (probe)", "%")
        self.si_plot.addItem(
            pg.LinearRegionItem(
                (-NORMAL_SI_BAND_PCT, NORMAL_SI_BAND_PCT),
                orientation="horizontal",
                movable=False,
                brush=pg.mkBrush(*COLORS["band"]),
                pen=pg.mkPen(None),
            )
        )
        self.si_curve = self.si_plot.plot(
            pen=pg.mkPen(COLORS["si"], width=3), symbol="o", symbolBrush=COLORS["si"]
        )
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
        trends = QtWidgets.QHBoxLayout()
        for w in (self.speed_plot, self.cadence_plot, self.si_plot):
            trends.addWidget(w)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.note)
        lay.addWidget(self.table, 2)
        lay.addLayout(trends, 3)
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
        if pid:
            try:
                self.rows = patient_history(self.db, pid)
            except RasError as err:
                self.note.setText(str(err))
        self._fill_table()
        self._fill_trends()
        self.report_btn.setEnabled(bool(self.rows))
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
        for i, r in enumerate(self.rows):
            cells = (
                str(r.session_id),
                r.started_utc.replace("T", " ").rstrip("Z"),
                r.status,
                r.plan,
                str(r.n_steps),
                fmt(r.baseline.cadence_spm),
                fmt(r.probe.cadence_spm),
                fmt(r.baseline.step_time_si_pct, "+.1f"),
                fmt(r.probe.step_time_si_pct, "+.1f"),
                fmt(r.probe.gait_speed_mps, ".2f"),
            )
            why = {
                5: r.baseline.reasons.get("cadence_spm", ""),
                6: r.probe.reasons.get("cadence_spm", ""),
                7: r.baseline.reasons.get("step_time_si_pct", ""),
                8: r.probe.reasons.get("step_time_si_pct", ""),
                9: r.probe.reasons.get("gait_speed_m_per_s", "") or GAIT_SPEED_MISSING,
            }
            for j, text in enumerate(cells):
                item = QtWidgets.QTableWidgetItem(text)
                if text == "—" and why.get(j):
                    item.setToolTip(why[j])
                self.table.setItem(i, j, item)

    def _fill_trends(self) -> None:
        x = np.arange(1, len(self.rows) + 1, dtype=float)
        ticks = [[(float(k), str(r.session_id)) for k, r in zip(x, self.rows, strict=True)]]
        for w in (self.speed_plot, self.cadence_plot, self.si_plot):
            w.getAxis("bottom").setTicks(ticks)
            w.setXRange(0.5, max(len(self.rows), 1) + 0.5)
        for curve, values in (
            (self.base_curve, [r.baseline.cadence_spm for r in self.rows]),
            (self.probe_curve, [r.probe.cadence_spm for r in self.rows]),
            (self.si_curve, [r.probe.step_time_si_pct for r in self.rows]),
        ):
            curve.setData(*curve_data(x, np.asarray(values, dtype=float)), connect="finite")
        speeds = []
        for curve, values in (
            (self.base_speed, [r.baseline.gait_speed_mps for r in self.rows]),
            (self.probe_speed, [r.probe.gait_speed_mps for r in self.rows]),
        ):
            data = curve_data(x, np.asarray(values, dtype=float))
            curve.setData(*data, connect="finite")
            speeds.append(data[1].size)
        self.speed_text.setVisible(not any(speeds))
        self.speed_text.setPos((len(self.rows) + 1) / 2, 0.75)
        shown = [v for r in self.rows for v in (r.baseline.gait_speed_mps, r.probe.gait_speed_mps)]
        top = max([v for v in shown if np.isfinite(v)], default=1.25)
        self.speed_plot.setYRange(0.0, max(1.5, 1.2 * top))  # from 0: changes read true

    def _back(self) -> None:
        self.back.emit()

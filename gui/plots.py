"""The live plots (pyqtgraph): cadence vs cue tempo, step times left/right, symmetry, sync."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gui.live_series import LiveSeries
from gui.theme import COLORS, NORMAL_SI_BAND_PCT, SOURCE_STYLE, fmt_clock

__all__ = ["TICK_FONT", "LivePlots", "SyncStrip", "TimeAxis", "curve_data", "legend_title"]

pg.setConfigOptions(background="w", foreground="k", antialias=False)
LABELLED_ACTIONS = 8  # the newest therapist actions keep their label on the plot
LABEL_HEIGHTS = (0.96, 0.84, 0.72)  # where the labels of action and marker lines sit (0-1)
_FONT = QtGui.QFont()
_FONT.setPointSize(12)
TICK_FONT = _FONT
_SMALL = QtGui.QFont()
_SMALL.setPointSize(10)


class TimeAxis(pg.AxisItem):
    """Session seconds shown as m:ss."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph API)
        return [fmt_clock(v) for v in values]


def curve_data(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` to plot, or empty arrays when no y is finite.

    pyqtgraph takes nanmin of the data for its bounds, which warns on all-NaN data (an error
    under strict warnings, raised inside a paint).
    """
    y = np.asarray(y, dtype=float)
    if not np.isfinite(y).any():
        return np.empty(0), np.empty(0)
    return np.asarray(x, dtype=float), y


def legend_title(title: str, entries: list[tuple[str, str]]) -> str:
    """A plot title with an inline legend (``(color, text)`` pairs), as HTML.

    Used instead of pyqtgraph's LegendItem, whose samples crashed PySide6 when a page was shown
    again (a segfault in ItemSample's override lookup).
    """
    keys = "&nbsp;&nbsp;".join(f'<span style="color:{c}">{t}</span>' for c, t in entries)
    return f"<b>{title}</b>&nbsp;&nbsp;&nbsp;{keys}"


def _plot(title: str, y_label: str) -> pg.PlotWidget:
    w = pg.PlotWidget(axisItems={"bottom": TimeAxis("bottom")})
    w.setTitle(title, size="14pt")
    w.setLabel("left", y_label)
    w.showGrid(x=False, y=True, alpha=0.2)
    w.getAxis("left").setStyle(maxTickLevel=1)  # major grid lines only (each line costs)
    w.setMouseEnabled(x=False, y=False)
    w.hideButtons()
    w.setMenuEnabled(False)
    for name in ("left", "bottom"):
        w.getAxis(name).setTickFont(_FONT)
        w.getAxis(name).enableAutoSIPrefix(False)
    return w


class LivePlots(QtWidgets.QWidget):
    """Three stacked plots sharing the session time axis.

    Tempo changes are marked by source (plan, adaptive, therapist); therapist actions that are
    not tempo changes (cues off/on, pause, ramp, volume) and markers are vertical lines with
    their label; phases are shaded.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_s: float | None = None  # None: whole session
        entries = [(COLORS["cadence"], "━ cadence"), (COLORS["tempo"], "╍ tempo")]
        marks = {"t1": "▲", "o": "●", "star": "★"}
        entries += [(c, f"{marks[sym]} {src}") for src, (c, sym, _, _) in SOURCE_STYLE.items()]
        entries += [(COLORS["warn"], "┊ action"), (COLORS["si"], "┆ note")]
        self.tempo = _plot("", "steps/min · bpm")
        self.tempo.setTitle(legend_title("Cadence, tempo", entries), size="12pt")
        # thick pens cost per point: only the hour-long cadence curve is 2 px, the step
        # curve of the tempo (few points) 3 px; see benchmarks/gui_redraw.py
        self.cadence_curve = self.tempo.plot(pen=pg.mkPen(COLORS["cadence"], width=2))
        self.tempo_curve = self.tempo.plot(
            pen=pg.mkPen(COLORS["tempo"], width=3, style=QtCore.Qt.PenStyle.DashLine)
        )
        self.change_marks: dict[str, pg.ScatterPlotItem] = {}
        for source, (color, symbol, size, _label) in SOURCE_STYLE.items():
            item = pg.ScatterPlotItem(
                symbol=symbol, size=size, brush=pg.mkBrush(color), pen=pg.mkPen("k")
            )
            self.tempo.addItem(item)
            self.change_marks[source] = item
        self.steps = _plot("", "s")
        self.steps.setTitle(
            legend_title("Step time", [(COLORS["left"], "━ left"), (COLORS["right"], "━ right")]),
            size="12pt",
        )
        self.left_curve = self.steps.plot(pen=pg.mkPen(COLORS["left"], width=1))
        self.right_curve = self.steps.plot(pen=pg.mkPen(COLORS["right"], width=1))
        self.si = _plot("Step-time symmetry index", "%")
        band = pg.LinearRegionItem(
            (-NORMAL_SI_BAND_PCT, NORMAL_SI_BAND_PCT),
            orientation="horizontal",
            movable=False,
            brush=pg.mkBrush(*COLORS["band"]),
            pen=pg.mkPen(None),
        )
        self.si.addItem(band)
        band_label = pg.TextItem(f"normal ±{NORMAL_SI_BAND_PCT:g} %", color=COLORS["ok"])
        band_label.setFont(_SMALL)
        self.band_label = band_label
        self.si.addItem(band_label)
        self.si.addItem(pg.InfiniteLine(0, angle=0, pen=pg.mkPen("#999")))
        self.si_curve = self.si.plot(pen=pg.mkPen(COLORS["si"], width=1))
        for w in (self.steps, self.si):
            w.setXLink(self.tempo)
        for curve in (self.cadence_curve, self.left_curve, self.right_curve, self.si_curve):
            # about one point per pixel: an hour is 3,600 samples on ~900 px
            curve.opts["autoDownsampleFactor"] = 1.0
            curve.setDownsampling(auto=True, method="subsample")
        self._regions: list[tuple[pg.PlotWidget, pg.LinearRegionItem]] = []
        self._lines: list[pg.InfiniteLine] = []
        self._action_lines: list[pg.InfiniteLine] = []
        self._action_t_s: list[float] = []
        self._action_bars = pg.PlotCurveItem(
            connect="pairs", pen=pg.mkPen(COLORS["warn"], width=1), skipFiniteCheck=True
        )
        self.tempo.addItem(self._action_bars, ignoreBounds=True)
        self._n_actions = self._n_markers = self._n_labels = 0
        self._version = -1
        self._drawn: tuple[int, int, float | None] | None = None
        self._range: tuple[float, float] | None = None
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.tempo, 5)
        lay.addWidget(self.steps, 3)
        lay.addWidget(self.si, 3)

    def update_from(self, series: LiveSeries) -> None:
        """Redraw from the accumulated series (only if it changed since the last call)."""
        key = (series.t_s.n, series.version, self.window_s)
        if key == self._drawn:
            return
        self._drawn = key
        t = series.t_s.view()
        for curve, y in (
            (self.cadence_curve, series.cadence_spm),
            (self.left_curve, series.step_left_s),
            (self.right_curve, series.step_right_s),
            (self.si_curve, series.si_pct),
        ):
            curve.setData(*curve_data(t, y.view()), connect="finite")
        now = series.now_s if math.isfinite(series.now_s) else 0.0
        self.tempo_curve.setData(*curve_data(*series.tempo_steps(now)), connect="finite")
        if series.version != self._version:
            self._version = series.version
            self._redraw_records(series, now)
        elif self._regions and series.phases and series.phases[-1][2] is None:
            for _, region in self._regions[-3:]:
                region.setRegion((series.phases[-1][1], now))
        self._set_range(series, now)

    def _set_range(self, series: LiveSeries, now: float) -> None:
        """The x range grows in steps, so the axes are redrawn only now and then."""
        start = series.session_start_s if math.isfinite(series.session_start_s) else 0.0
        if self.window_s is None:
            lo = start
        else:
            lo = max(start, 30.0 * math.floor((now - self.window_s) / 30.0))
        span = max(now - lo, 60.0)
        step = max(30.0, 0.1 * span)
        hi = lo + max(60.0, step * math.ceil((now - lo + 0.02 * span) / step))
        if (lo, hi) != self._range:
            self._range = (lo, hi)
            self.tempo.setXRange(lo, hi, padding=0.0)
            # a little in from the left edge, where the axis would clip its first letter
            self.band_label.setPos(lo + 0.01 * (hi - lo), NORMAL_SI_BAND_PCT)

    def _redraw_records(self, series: LiveSeries, now: float) -> None:
        for source, item in self.change_marks.items():
            pts = [(c.t_s, c.new_bpm) for c in series.changes if c.source == source]
            tips = [
                f"{c.source}: {c.old_bpm or 0:.1f} → {c.new_bpm:.1f} bpm ({c.reason})"
                for c in series.changes
                if c.source == source
            ]
            if pts:
                x, y = np.asarray(pts).T
                item.setData(x=x, y=y, data=tips)
                item.setToolTip("\n".join(tips[-10:]))
            else:
                item.clear()
        for w, region in self._regions:
            w.removeItem(region)
        self._regions.clear()
        for name, start, end in series.phases:
            for w in (self.tempo, self.steps, self.si):
                region = pg.LinearRegionItem(
                    (start, now if end is None else end),
                    movable=False,
                    brush=pg.mkBrush(*COLORS.get(name, (0, 0, 0, 0))),
                    pen=pg.mkPen(None),
                )
                region.setZValue(-10)
                w.addItem(region)
                self._regions.append((w, region))
        new_actions = [
            a
            for a in series.actions[self._n_actions :]
            if not a.label.startswith(("+", "-", "−", "set", "match"))  # tempo: own marks
        ]
        self._n_actions = len(series.actions)
        for a in new_actions:
            # every action is a line of one cheap item; the newest also get a labelled line
            self._action_t_s.append(a.t_s)
            self._add_line(a.t_s, a.label, COLORS["warn"], QtCore.Qt.PenStyle.DotLine)
            self._action_lines.append(self._lines.pop())
            if len(self._action_lines) > LABELLED_ACTIONS:
                self.tempo.removeItem(self._action_lines.pop(0))
        if new_actions:
            x = np.repeat(np.asarray(self._action_t_s), 2)
            y = np.tile([0.0, 400.0], len(self._action_t_s))  # beyond any tempo or cadence
            self._action_bars.setData(x, y)
        for m in series.markers[self._n_markers :]:
            self._add_line(m.t_s, f"✎ {m.text()}", COLORS["si"], QtCore.Qt.PenStyle.DashLine)
        self._n_markers = len(series.markers)

    def _add_line(self, t_s: float, label: str, color: str, style: QtCore.Qt.PenStyle) -> None:
        line = pg.InfiniteLine(
            t_s,
            angle=90,
            pen=pg.mkPen(color, width=2, style=style),
            label=label if len(label) <= 18 else label[:17] + "…",
            # three heights in turn, so the labels of close lines do not print over each other
            labelOpts={
                "position": LABEL_HEIGHTS[self._n_labels % len(LABEL_HEIGHTS)],
                "color": color,
                "fill": (255, 255, 255, 210),
            },
        )
        self._n_labels += 1
        line.label.setFont(_SMALL)
        line.setToolTip(label)
        self.tempo.addItem(line)
        self._lines.append(line)


class SyncStrip(pg.PlotWidget):
    """Relative phase of the recent steps to the beat, as dots on −180…180° (0 = on the beat)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("Steps vs beat (°): left = before the beat", size="12pt")
        self.setXRange(-180, 180, padding=0)
        self.setYRange(-1, 1, padding=0)
        self.getAxis("left").hide()
        self.getAxis("bottom").setTicks(
            [[(v, f"{v:+d}" if v else "0") for v in range(-180, 181, 90)]]
        )
        self.getAxis("bottom").setTickFont(_FONT)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setMenuEnabled(False)
        self.addItem(pg.InfiniteLine(0, angle=90, pen=pg.mkPen(COLORS["ok"], width=3)))
        self.dots = pg.ScatterPlotItem(size=16, pen=pg.mkPen("k"))
        self.addItem(self.dots)
        self.setMinimumHeight(80)
        self.setMaximumHeight(84)  # the rest of the column goes to the log (4 lines at 768 px)

    def set_phases(self, phases_deg: np.ndarray) -> None:
        """Show the phases (deg), oldest faint, newest solid."""
        n = len(phases_deg)
        if n == 0:
            self.dots.clear()
            return
        alphas = np.linspace(60, 255, n).astype(int)
        brushes = [pg.mkBrush(31, 95, 191, int(a)) for a in alphas]
        y = np.linspace(-0.6, 0.6, n)
        self.dots.setData(x=phases_deg, y=y, brush=brushes)

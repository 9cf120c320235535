"""The phase timeline: baseline, cued, probe as planned, the current phase and a now cursor."""

from __future__ import annotations

import math

from PySide6 import QtCore, QtGui, QtWidgets

from gui.theme import fmt_clock
from ras.events import Phase

__all__ = ["PhaseTimeline"]

_FILL = {Phase.BASELINE: "#c8c8c8", Phase.CUED: "#7cc48f", Phase.PROBE: "#f2cf6b"}
_TITLE = {Phase.BASELINE: "Baseline (no cue)", Phase.CUED: "Cued", Phase.PROBE: "Probe (no cue)"}


class PhaseTimeline(QtWidgets.QWidget):
    """Planned phase durations as bars; the current phase bold; a cursor at now."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.planned: list[tuple[str, float]] = [
            (Phase.BASELINE, 60.0),
            (Phase.CUED, 300.0),
            (Phase.PROBE, 60.0),
        ]
        self._plan = list(self.planned)
        self._ended: dict[str, float] = {}
        self.elapsed_s = math.nan  # since the baseline started
        self.current = ""
        self.setMinimumHeight(64)
        self.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed
        )

    def set_plan(self, baseline_s: float, cued_s: float, probe_s: float) -> None:
        self._plan = [(Phase.BASELINE, baseline_s), (Phase.CUED, cued_s), (Phase.PROBE, probe_s)]
        self._ended = {}
        self.planned = list(self._plan)
        self.update()

    def set_actual(self, phases: list[tuple[str, float, float | None]]) -> None:
        """Phases as they ran, ``(name, start_s, end_s)`` (end None while running): a phase
        the therapist ended early is drawn with the duration it had."""
        ended = {name: end - start for name, start, end in phases if end is not None}
        if ended != self._ended:
            self._ended = ended
            self.planned = [(name, ended.get(name, dur)) for name, dur in self._plan]
            self.update()

    def set_now(self, elapsed_s: float, phase: str) -> None:
        if (
            phase != self.current
            or abs(elapsed_s - self.elapsed_s) >= 0.5
            or math.isnan(self.elapsed_s)
        ):
            self.elapsed_s, self.current = elapsed_s, phase
            self.update()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: N802 (Qt API)
        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        total = sum(d for _, d in self.planned) or 1.0
        w, h = self.width() - 4, self.height() - 4
        x = 2.0
        font = p.font()
        for name, dur in self.planned:
            if dur <= 0:
                continue
            seg = w * dur / total
            rect = QtCore.QRectF(x, 2, seg - 2, h)
            color = QtGui.QColor(_FILL[name])
            if self.current and name != self.current:
                color.setAlpha(110)
            p.setBrush(color)
            p.setPen(QtGui.QPen(QtGui.QColor("#333"), 3 if name == self.current else 1))
            p.drawRoundedRect(rect, 6, 6)
            font.setBold(name == self.current)
            font.setPointSize(14)
            p.setFont(font)
            p.setPen(QtGui.QColor("#000"))
            metrics = QtGui.QFontMetrics(font)
            for text in (f"{_TITLE[name]} {fmt_clock(dur)}", name.capitalize(), name[0].upper()):
                if metrics.horizontalAdvance(text) < rect.width() - 6:
                    break
            p.drawText(rect, QtCore.Qt.AlignmentFlag.AlignCenter, text)
            x += seg
        if math.isfinite(self.elapsed_s):
            cx = 2 + w * min(max(self.elapsed_s, 0.0), total) / total
            p.setPen(QtGui.QPen(QtGui.QColor("#c00000"), 4))
            p.drawLine(QtCore.QPointF(cx, 0), QtCore.QPointF(cx, h + 4))
        p.end()

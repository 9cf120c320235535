"""Draw a :class:`ras.report.document.Figure` with QPainter (axes, ticks, series, annotations)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QTransform,
)

from ras.report.document import Band, Figure, Series

__all__ = ["draw_figure", "nice_ticks"]


def nice_ticks(lo: float, hi: float, target: int = 6) -> list[float]:
    """About ``target`` round tick values covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    raw = (hi - lo) / max(target - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10 * mag)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    v = first
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    return ticks


def _fmt_tick(v: float, step: float) -> str:
    digits = 0
    while digits < 4 and abs(round(step, digits) - step) > abs(step) * 1e-6:
        digits += 1
    return f"{v:.{digits}f}"


def _finite(values: Sequence[float]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def _ranges(fig: Figure) -> tuple[float, float, float, float] | None:
    xs = [v for s in fig.series for v in _finite(s.x)]
    ys = [v for s in fig.series for v in _finite(s.y)]
    xs += [v.x for v in fig.vlines]
    for b in fig.bands:
        if b.axis != "x-axis":
            (ys if b.axis == "y" else xs).extend(_finite((b.y0, b.y1)))
    if any(s.style == "bars" for s in fig.series):
        ys.append(0.0)
    if fig.x_range:
        xs = list(fig.x_range)
    if fig.y_range:
        ys = list(fig.y_range)
    if not xs or not ys:
        return None
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    if x1 <= x0:
        x0, x1 = x0 - 1, x1 + 1
    if y1 <= y0:
        pad = abs(y0) * 0.1 or 1.0
        y0, y1 = y0 - pad, y1 + pad
    elif not fig.y_range:
        pad = (y1 - y0) * 0.08
        y0, y1 = (y0 - pad if y0 != 0 else 0.0), y1 + pad
    return x0, x1, y0, y1


def _path(points: list[tuple[float, float]], step: bool) -> QPainterPath:
    path = QPainterPath()
    pen_down = False
    last_y = 0.0
    for x, y in points:
        if not (math.isfinite(x) and math.isfinite(y)):
            pen_down = False
            continue
        if not pen_down:
            path.moveTo(x, y)
            pen_down = True
        else:
            if step:
                path.lineTo(x, last_y)
            path.lineTo(x, y)
        last_y = y
    return path


def draw_figure(painter: QPainter, rect: QRectF, fig: Figure, font_pt: float = 8.0) -> None:
    """Draw ``fig`` into ``rect`` (device units of ``painter``)."""
    painter.save()
    font = QFont("DejaVu Sans")
    font.setPointSizeF(font_pt)
    bold = QFont(font)
    bold.setBold(True)
    small = QFont(font)
    small.setPointSizeF(font_pt * 0.85)
    fm = QFontMetricsF(font, painter.device())
    line_h = fm.height()
    painter.setFont(bold)
    painter.setPen(QColor("#000000"))
    painter.drawText(
        QRectF(rect.left(), rect.top(), rect.width(), line_h * 1.3),
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
        fig.title,
    )
    painter.setFont(font)
    plot = QRectF(
        rect.left() + fm.horizontalAdvance("00000.0") + line_h * 1.4,
        rect.top() + line_h * 1.6,
        0.0,
        0.0,
    )
    plot.setRight(rect.right() - fm.horizontalAdvance("0") * 1.5)
    plot.setBottom(rect.bottom() - line_h * 2.6)
    ranges = _ranges(fig)
    painter.setPen(QPen(QColor("#444444"), 0))
    painter.drawRect(plot)
    if ranges is None or not any(_finite(s.y) for s in fig.series):
        painter.setPen(QColor("#666666"))
        painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, fig.note or "no data")
        painter.restore()
        return
    x0, x1, y0, y1 = ranges

    def px(x: float) -> float:
        return plot.left() + (x - x0) / (x1 - x0) * plot.width()

    def py(y: float) -> float:
        return plot.bottom() - (y - y0) / (y1 - y0) * plot.height()

    # bands under everything
    painter.setClipRect(plot)
    for b in fig.bands:
        if b.axis == "x-axis":
            continue
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_band_brush(b, line_h))
        if b.axis == "y":
            r = QRectF(
                QPointF(plot.left(), py(max(b.y0, b.y1))),
                QPointF(plot.right(), py(min(b.y0, b.y1))),
            )
        else:
            r = QRectF(
                QPointF(px(min(b.y0, b.y1)), plot.top()),
                QPointF(px(max(b.y0, b.y1)), plot.bottom()),
            )
        painter.drawRect(r)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    # grid and ticks
    grid = QPen(QColor("#dddddd"), 0)
    yt = nice_ticks(y0, y1)
    ystep = yt[1] - yt[0] if len(yt) > 1 else 1.0
    for v in yt:
        painter.setPen(grid)
        painter.drawLine(QPointF(plot.left(), py(v)), QPointF(plot.right(), py(v)))
    if fig.x_ticks:
        xt = [(v, lab) for v, lab in fig.x_ticks if x0 <= v <= x1]
    else:
        ticks = nice_ticks(x0, x1, 8)
        xstep = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
        xt = [(v, _fmt_tick(v, xstep)) for v in ticks]
    for v, _ in xt:
        painter.setPen(grid)
        painter.drawLine(QPointF(px(v), plot.top()), QPointF(px(v), plot.bottom()))
    # band labels
    painter.setFont(small)
    for b in fig.bands:
        if b.label and b.axis == "y":
            painter.setPen(QColor("#2e6b30"))
            painter.drawText(
                QPointF(plot.left() + line_h * 0.3, py(max(b.y0, b.y1)) + line_h), b.label
            )
    painter.setFont(font)
    # series
    for s in fig.series:
        _draw_series(painter, s, px, py, y0, line_h)
    _axis_spans(painter, plot, fig, px, line_h)
    # vertical annotations, labels staggered over two rows
    painter.setFont(small)
    for i, v in enumerate(fig.vlines):
        pen = QPen(QColor(v.color), 0, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        x = px(v.x)
        painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
        if v.label:
            y = plot.top() + line_h * (1.0 + (i % 2) * 0.95)
            w = QFontMetricsF(small, painter.device()).horizontalAdvance(v.label)
            tx = min(x + line_h * 0.2, plot.right() - w - line_h * 0.2)
            painter.fillRect(
                QRectF(tx - 1, y - line_h * 0.8, w + 2, line_h * 0.9), QColor(255, 255, 255, 210)
            )
            painter.setPen(QColor(v.color))
            painter.drawText(QPointF(tx, y), v.label)
    painter.setClipping(False)
    painter.setFont(font)
    # axes labels
    painter.setPen(QColor("#000000"))
    for v in yt:
        r = QRectF(
            rect.left(), py(v) - line_h / 2, plot.left() - rect.left() - line_h * 0.3, line_h
        )
        painter.drawText(
            r, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, _fmt_tick(v, ystep)
        )
    for v, lab in xt:
        w = fm.horizontalAdvance(lab)
        x = min(max(px(v) - w / 2, plot.left()), plot.right() - w)
        painter.drawText(QPointF(x, plot.bottom() + line_h * 1.05), lab)
    painter.drawText(
        QRectF(plot.left(), plot.bottom() + line_h * 1.3, plot.width(), line_h * 1.2),
        Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter,
        fig.x_label,
    )
    painter.save()
    painter.translate(rect.left() + line_h * 0.1, plot.center().y())
    painter.rotate(-90)
    painter.drawText(
        QRectF(-plot.height() / 2, 0, plot.height(), line_h * 1.2),
        Qt.AlignmentFlag.AlignCenter,
        fig.y_label,
    )
    painter.restore()
    painter.setPen(QPen(QColor("#444444"), 0))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(plot)
    _legend(painter, plot, fig, small, line_h)
    painter.restore()


def _band_brush(b: Band, line_h: float) -> QBrush:
    """A band's fill, or for a hatched band diagonal lines about a third of a line apart."""
    if not b.hatch:
        return QBrush(QColor(b.color))
    brush = QBrush(QColor(b.color), Qt.BrushStyle.BDiagPattern)
    brush.setTransform(QTransform.fromScale(line_h / 22.0, line_h / 22.0))
    return brush


def _axis_spans(painter: QPainter, plot: QRectF, fig: Figure, px, line_h: float) -> None:
    """Spans marked on the time axis: a bar along the plot's bottom edge, labelled above it."""
    h = line_h * 0.45
    for b in fig.bands:
        if b.axis != "x-axis":
            continue
        left = max(px(min(b.y0, b.y1)), plot.left())
        right = max(min(px(max(b.y0, b.y1)), plot.right()), left + line_h * 0.2)
        painter.fillRect(QRectF(left, plot.bottom() - h, right - left, h), QColor(b.color))
        if b.label:
            painter.setPen(QColor(b.color))
            painter.drawText(QPointF(left, plot.bottom() - h - line_h * 0.2), b.label)


def _draw_series(painter: QPainter, s: Series, px, py, y0: float, line_h: float) -> None:
    color = QColor(s.color)
    pts = [
        (px(float(x)), py(float(y)))
        for x, y in zip(s.x, s.y, strict=True)
        if x is not None and y is not None
    ]
    if s.style in ("line", "step", "linepoints"):
        pen = QPen(color, max(s.width, 0.5) * line_h / 10.0)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(_path(pts, s.style == "step"))
    if s.style in ("points", "linepoints"):
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(color))
        r = line_h * (0.16 if s.style == "points" else 0.24)
        for x, y in pts:
            if math.isfinite(x) and math.isfinite(y):
                painter.drawEllipse(QPointF(x, y), r, r)
    if s.style == "bars":
        painter.setPen(QPen(QColor("#ffffff"), 0))
        painter.setBrush(QBrush(color))
        for x, y in zip(s.x, s.y, strict=True):
            if not (math.isfinite(x) and math.isfinite(y)) or y == 0:
                continue
            left, right = px(x - s.width / 2), px(x + s.width / 2)
            painter.drawRect(QRectF(QPointF(left, py(max(y, 0))), QPointF(right, py(min(y, 0)))))
    painter.setBrush(Qt.BrushStyle.NoBrush)


def _legend(painter: QPainter, plot: QRectF, fig: Figure, font: QFont, line_h: float) -> None:
    """One row of legend entries above the plot, right-aligned (never over the data)."""
    items = [(s.label, s.color, s.style) for s in fig.series if s.label]
    items += [
        (b.label, b.color, "hatch" if b.hatch else "band")
        for b in fig.bands
        if b.label and b.axis == "x"
    ]
    if not items:
        return
    painter.setFont(font)
    fm = QFontMetricsF(font, painter.device())
    h = fm.height()
    y = plot.top() - h * 0.45
    x = plot.right()
    for text, color, style in reversed(items):
        x -= fm.horizontalAdvance(text)
        painter.setPen(QColor("#000000"))
        painter.drawText(QPointF(x, y), text)
        x -= h * 1.3
        sw = QRectF(x, y - h * 0.55, h * 0.9, h * 0.45)
        if style == "hatch":
            painter.fillRect(sw, QBrush(QColor(color), Qt.BrushStyle.BDiagPattern))
            painter.setPen(QPen(QColor("#aaaaaa"), 0))
            painter.drawRect(sw)
        elif style in ("bars", "band", "points"):
            painter.fillRect(sw, QColor(color))
            if style == "band":
                painter.setPen(QPen(QColor("#aaaaaa"), 0))
                painter.drawRect(sw)
        else:
            painter.setPen(QPen(QColor(color), h * 0.15))
            painter.drawLine(
                QPointF(sw.left(), sw.center().y()), QPointF(sw.right(), sw.center().y())
            )
        x -= h * 1.0

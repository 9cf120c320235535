"""Render a :class:`ras.report.document.Document` to an A4 PDF with QPdfWriter and QPainter."""

from __future__ import annotations

import errno
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import PySide6.QtWidgets  # noqa: F401  (without PySide6 this module does not import: one reason)

from ras.report.document import (
    Document,
    FigureBlock,
    KeyValues,
    PageBreak,
    TableBlock,
    Text,
)

__all__ = ["check_pdf_file", "ensure_app", "render_pdf"]

DPI = 300
MARGIN_MM = (16.0, 18.0, 16.0, 16.0)  # left, top, right, bottom
FONT_FAMILY = "DejaVu Sans"
_SIZES = {
    "title": 16.0,
    "heading": 12.0,
    "subheading": 10.0,
    "body": 9.0,
    "small": 7.5,
    "warning": 9.5,
    "table": 8.3,
    "value": 9.0,
    "tablehead": 8.3,
}
_TONES = {"good": "#d4edda", "bad": "#f8d7da"}


def ensure_app() -> object:
    """The Qt application (offscreen when there is no display); Qt needs one for fonts.

    A widgets QApplication, not a bare QGuiApplication: a process that renders a report and
    later opens a window (the GUI's report buttons, the test suite) can have only one, and
    windows need the widgets kind.
    """
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication(sys.argv[:1])
    return app


def _mm(mm: float) -> float:
    return mm / 25.4 * DPI


@dataclass
class _Page:
    """Where the text area is, in device units."""

    left: float
    top: float
    width: float
    bottom: float


class _Renderer:
    def __init__(self, doc: Document, painter: object | None, writer: object) -> None:
        from PySide6.QtGui import QFont

        self.doc, self.p, self.writer = doc, painter, writer
        self.fonts: dict[str, QFont] = {}
        for style, size in _SIZES.items():
            f = QFont(FONT_FAMILY)
            f.setPointSizeF(size)
            f.setBold(style in ("title", "heading", "subheading", "warning", "value", "tablehead"))
            if style in ("table", "tablehead"):
                f.setStretch(95)
            self.fonts[style] = f
        page = writer.pageLayout().fullRectPixels(DPI)  # type: ignore[attr-defined]
        lm, tm, rm, bm = (_mm(m) for m in MARGIN_MM)
        self.page = _Page(lm, tm, page.width() - lm - rm, page.height() - bm)
        self.page_h = page.height()
        self.page_w = page.width()
        self.y = self.page.top
        self.page_no = 1
        self.total_pages = 0

    # ---- helpers ------------------------------------------------------------------------

    def fm(self, style: str) -> object:
        from PySide6.QtGui import QFontMetricsF

        return QFontMetricsF(self.fonts[style], self.writer)

    def text_height(self, text: str, style: str, width: float) -> float:
        from PySide6.QtCore import QRectF, Qt

        r = self.fm(style).boundingRect(
            QRectF(0, 0, width, 1e6), int(Qt.TextFlag.TextWordWrap), text
        )
        return r.height()

    def new_page(self) -> None:
        self.page_no += 1
        if self.p is not None:
            self.writer.newPage()  # type: ignore[attr-defined]
            self.decorate()
        self.y = self.page.top

    def ensure(self, height: float) -> None:
        if self.y + height > self.page.bottom and self.y > self.page.top + 1:
            self.new_page()

    def decorate(self) -> None:
        """Header and footer of the current page."""
        from PySide6.QtCore import QPointF, QRectF, Qt
        from PySide6.QtGui import QColor, QPen

        p = self.p
        pg = self.page
        p.setFont(self.fonts["small"])
        p.setPen(QColor("#555555"))
        hy = pg.top - _mm(9)
        h = self.fm("small").height()
        p.drawText(QRectF(pg.left, hy, pg.width, h), Qt.AlignmentFlag.AlignLeft, self.doc.title)
        p.drawText(QRectF(pg.left, hy, pg.width, h), Qt.AlignmentFlag.AlignRight, self.doc.header)
        p.setPen(QPen(QColor("#999999"), 0))
        p.drawLine(QPointF(pg.left, hy + h * 1.2), QPointF(pg.left + pg.width, hy + h * 1.2))
        fy = pg.bottom + _mm(6)
        p.setPen(QColor("#555555"))
        p.drawText(QRectF(pg.left, fy, pg.width, h), Qt.AlignmentFlag.AlignLeft, self.doc.footer)
        total = f" of {self.total_pages}" if self.total_pages else ""
        p.drawText(
            QRectF(pg.left, fy, pg.width, h),
            Qt.AlignmentFlag.AlignRight,
            f"page {self.page_no}{total}",
        )

    # ---- blocks -------------------------------------------------------------------------

    def run(self) -> int:
        if self.p is not None:
            self.decorate()
        for block in self.doc.blocks:
            if isinstance(block, Text):
                self.text(block)
            elif isinstance(block, KeyValues):
                self.key_values(block)
            elif isinstance(block, TableBlock):
                self.table(block)
            elif isinstance(block, FigureBlock):
                self.figure(block)
            elif isinstance(block, PageBreak):
                self.new_page()
        return self.page_no

    def text(self, block: Text) -> None:
        from PySide6.QtCore import QRectF, Qt
        from PySide6.QtGui import QColor

        style = block.style
        before = {"title": 0.0, "heading": _mm(4), "subheading": _mm(2.5)}.get(style, 0.0)
        pad = _mm(1.5) if style == "warning" else 0.0
        width = self.page.width - 2 * pad
        h = self.text_height(block.text, style, width) + 2 * pad
        keep = _mm(25) if style in ("heading", "subheading") else 0.0  # keep with next
        if self.y > self.page.top + 1:
            self.y += before
        self.ensure(h + keep)
        if self.p is not None:
            rect = QRectF(self.page.left, self.y, self.page.width, h)
            if style == "warning":
                self.p.fillRect(rect, QColor("#fff3cd"))
                self.p.setPen(QColor("#8a6d3b"))
                self.p.drawRect(rect)
            self.p.setFont(self.fonts[style])
            self.p.setPen(QColor({"warning": "#7a4b00", "small": "#333333"}.get(style, "#000000")))
            self.p.drawText(
                rect.adjusted(pad, pad, -pad, -pad),
                int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft),
                block.text,
            )
        self.y += h + _mm(1.8 if style != "title" else 3.0)

    def key_values(self, block: KeyValues) -> None:
        from PySide6.QtCore import QRectF, Qt
        from PySide6.QtGui import QColor

        cols = max(1, block.columns)
        col_w = self.page.width / cols
        label_w = col_w * 0.38
        rows = [block.pairs[i : i + cols] for i in range(0, len(block.pairs), cols)]
        bold = self.fonts["value"]
        for row in rows:
            h = max(
                max(
                    self.text_height(k, "body", label_w - _mm(1)),
                    self.text_height(v, "value", col_w - label_w - _mm(2)),
                )
                for k, v in row
            ) + _mm(0.8)
            self.ensure(h)
            if self.p is not None:
                for i, (k, v) in enumerate(row):
                    x = self.page.left + i * col_w
                    self.p.setPen(QColor("#444444"))
                    self.p.setFont(self.fonts["body"])
                    self.p.drawText(
                        QRectF(x, self.y, label_w - _mm(1), h), int(Qt.TextFlag.TextWordWrap), k
                    )
                    self.p.setPen(QColor("#000000"))
                    self.p.setFont(bold)
                    self.p.drawText(
                        QRectF(x + label_w, self.y, col_w - label_w - _mm(2), h),
                        int(Qt.TextFlag.TextWordWrap),
                        v,
                    )
            self.y += h
        self.y += _mm(2)

    def table(self, block: TableBlock) -> None:
        from PySide6.QtCore import QPointF, QRectF, Qt
        from PySide6.QtGui import QColor, QPen

        n = len(block.columns)
        widths = list(block.widths) if len(block.widths) == n else [1.0] * n
        total = sum(widths)
        ws = [w / total * self.page.width for w in widths]
        align = block.align if len(block.align) == n else "l" + "r" * (n - 1)
        flags = {
            "l": Qt.AlignmentFlag.AlignLeft,
            "r": Qt.AlignmentFlag.AlignRight,
            "c": Qt.AlignmentFlag.AlignHCenter,
        }
        pad = _mm(1.0)
        head_font = self.fonts["tablehead"]

        def row_h(cells: tuple[str, ...], style: str = "table") -> float:
            return max(self.text_height(c, style, ws[i] - 2 * pad) for i, c in enumerate(cells)) + (
                2 * pad
            )

        head_h = row_h(block.columns, "tablehead")

        def draw_row(cells: tuple[str, ...], h: float, r: int | None) -> None:
            if self.p is None:
                return
            x = self.page.left
            for c, text in enumerate(cells):
                rect = QRectF(x, self.y, ws[c], h)
                tone = "" if r is None else block.tones.get((r, c), "")
                if r is None:
                    self.p.fillRect(rect, QColor("#e8ecf2"))
                elif tone in _TONES:
                    self.p.fillRect(rect, QColor(_TONES[tone]))
                elif r % 2:
                    self.p.fillRect(rect, QColor("#f7f7f7"))
                font = head_font if r is None or tone == "bold" else self.fonts["table"]
                self.p.setFont(font)
                self.p.setPen(QColor("#777777" if tone == "muted" else "#000000"))
                self.p.drawText(
                    rect.adjusted(pad, pad, -pad, -pad),
                    int(Qt.TextFlag.TextWordWrap | flags[align[c]] | Qt.AlignmentFlag.AlignVCenter),
                    text,
                )
                x += ws[c]
            self.p.setPen(QPen(QColor("#bbbbbb"), 0))
            self.p.drawLine(
                QPointF(self.page.left, self.y + h),
                QPointF(self.page.left + self.page.width, self.y + h),
            )

        first_h = row_h(block.rows[0]) if block.rows else 0.0
        self.ensure(head_h + first_h)
        draw_row(block.columns, head_h, None)
        self.y += head_h
        for r, cells in enumerate(block.rows):
            h = row_h(cells)
            if self.y + h > self.page.bottom:
                self.new_page()
                draw_row(block.columns, head_h, None)
                self.y += head_h
            draw_row(cells, h, r)
            self.y += h
        if block.caption:
            self.y += _mm(0.8)
            self.text(Text(block.caption, "small"))
        else:
            self.y += _mm(2.5)

    def figure(self, block: FigureBlock) -> None:
        from PySide6.QtCore import QRectF

        from gui.report.charts import draw_figure

        h = _mm(block.height_mm)
        cap_h = self.text_height(block.caption, "small", self.page.width) if block.caption else 0
        self.ensure(h + cap_h + _mm(1))
        if self.p is not None:
            draw_figure(
                self.p,
                QRectF(self.page.left, self.y, self.page.width, h),
                block.figure,
                font_pt=_SIZES["small"],
            )
        self.y += h + _mm(1)
        if block.caption:
            self.text(Text(block.caption, "small"))
        self.y += _mm(1.5)


def render_pdf(doc: Document, path: str | os.PathLike[str]) -> Path:
    """Draw ``doc`` on A4 pages into the PDF file ``path``; return the path.

    Raises OSError if the PDF could not be written whole (the caller writes to a temporary
    file and names the real target in its error, see ``ras.results.files.atomic_output``).
    """
    ensure_app()
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize, QPainter, QPdfWriter

    out = Path(path)
    writer = QPdfWriter(str(out))
    writer.setResolution(DPI)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
        )
    )
    writer.setTitle(doc.title)
    writer.setCreator("ras")
    dry = _Renderer(doc, None, writer)
    pages = dry.run()
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(errno.EIO, "the PDF could not be opened for writing")
    try:
        r = _Renderer(doc, painter, writer)
        r.total_pages = pages
        r.run()
    finally:
        ended = painter.end()
    del writer  # closes the file
    if not ended:
        raise OSError(errno.EIO, "the PDF writer failed")
    check_pdf_file(out)
    return out


def check_pdf_file(path: str | os.PathLike[str]) -> None:
    """Raise OSError unless ``path`` holds a whole PDF (``%PDF-`` ... ``%%EOF``).

    QPdfWriter reports no write errors (a full disk gives a truncated file and a successful
    ``QPainter.end()``), so the file itself is checked.
    """
    with open(path, "rb") as fh:
        head = fh.read(5)
        size = fh.seek(0, os.SEEK_END)
        fh.seek(max(0, size - 64))
        tail = fh.read()
    if size == 0:
        raise OSError(errno.ENOSPC, "the PDF writer wrote nothing (disk full?)")
    if head != b"%PDF-" or not tail.rstrip().endswith(b"%%EOF"):
        raise OSError(errno.EIO, "the PDF writer could not write the whole file (disk full?)")

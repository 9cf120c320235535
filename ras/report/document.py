"""What a report holds, independent of how it is drawn: text, tables and figures (no Qt).

``gui/report`` renders a :class:`Document` to PDF; tests can inspect it directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Band",
    "Block",
    "Document",
    "Figure",
    "FigureBlock",
    "KeyValues",
    "PageBreak",
    "Series",
    "TableBlock",
    "Text",
    "VLine",
]

TextStyle = Literal["title", "heading", "subheading", "body", "small", "warning"]
CellTone = Literal["", "good", "bad", "muted", "bold"]


@dataclass(frozen=True)
class Text:
    """A paragraph (wrapped to the page width)."""

    text: str
    style: TextStyle = "body"


@dataclass(frozen=True)
class KeyValues:
    """Label/value pairs laid out in ``columns`` columns."""

    pairs: tuple[tuple[str, str], ...]
    columns: int = 2


@dataclass(frozen=True)
class TableBlock:
    """A table of text cells; ``tones[(row, col)]`` colours a cell (e.g. an MCID flag).

    ``widths`` are relative column widths (default equal); the first column is left-aligned,
    the others right-aligned unless ``align`` says otherwise ('l', 'r' or 'c' per column).
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] = ()
    align: str = ""
    tones: dict[tuple[int, int], CellTone] = field(default_factory=dict)
    caption: str = ""


@dataclass(frozen=True)
class Series:
    """One data series of a figure (x, y in the figure's units)."""

    x: tuple[float, ...]
    y: tuple[float, ...]
    label: str = ""
    style: Literal["line", "step", "points", "bars", "linepoints"] = "line"
    color: str = "#1f4e99"
    width: float = 1.0  # bar width in x units (bars), line width in points (lines)


@dataclass(frozen=True)
class VLine:
    """A vertical annotation at ``x`` (e.g. a tempo change), labelled at the top."""

    x: float
    label: str = ""
    color: str = "#b03a2e"


@dataclass(frozen=True)
class Band:
    """A shaded band: horizontal from ``y0`` to ``y1`` (``axis`` "y", e.g. an MCID band), a
    span of x from ``y0`` to ``y1`` over the plot (``axis`` "x", e.g. a phase), or a span of x
    marked as a bar on the time axis (``axis`` "x-axis", e.g. a sensor disconnected).

    ``hatch``: drawn as diagonal lines over what is under it instead of filled.
    """

    y0: float
    y1: float
    label: str = ""
    color: str = "#d5e8d4"
    axis: Literal["y", "x", "x-axis"] = "y"
    hatch: bool = False


@dataclass(frozen=True)
class Figure:
    """An x/y chart: series over shaded bands, with vertical annotations."""

    title: str
    x_label: str
    y_label: str
    series: tuple[Series, ...] = ()
    vlines: tuple[VLine, ...] = ()
    bands: tuple[Band, ...] = ()
    x_range: tuple[float, float] | None = None
    y_range: tuple[float, float] | None = None
    x_ticks: tuple[tuple[float, str], ...] = ()  # explicit (value, label) ticks
    note: str = ""  # shown in the middle when there is nothing to plot


@dataclass(frozen=True)
class FigureBlock:
    """A figure ``height_mm`` tall, across the text width, with an optional caption."""

    figure: Figure
    height_mm: float = 70.0
    caption: str = ""


@dataclass(frozen=True)
class PageBreak:
    """Start a new page."""


Block = Text | KeyValues | TableBlock | FigureBlock | PageBreak


@dataclass
class Document:
    """A report: a title for every page's header, a footer line and the blocks in order."""

    title: str
    header: str = ""
    footer: str = ""
    blocks: list[Block] = field(default_factory=list)

    def text(self) -> str:
        """All text of the document (for checks without rendering)."""
        out = [self.title, self.header]
        for b in self.blocks:
            if isinstance(b, Text):
                out.append(b.text)
            elif isinstance(b, KeyValues):
                out += [f"{k}: {v}" for k, v in b.pairs]
            elif isinstance(b, TableBlock):
                out.append(" | ".join(b.columns))
                out += [" | ".join(r) for r in b.rows]
                out.append(b.caption)
            elif isinstance(b, FigureBlock):
                out += [b.figure.title, b.caption]
        return "\n".join(x for x in out if x)

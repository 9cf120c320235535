"""A report builder (MNE-style): add_* methods collect content, ``save`` has it rendered.

The renderer is handed in by the front-end (``ras report``, the GUI): ``ras.report`` never
imports a drawing toolkit, so it builds reports where Qt is not installed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from ras.report.document import (
    CellTone,
    Document,
    Figure,
    FigureBlock,
    KeyValues,
    PageBreak,
    TableBlock,
    Text,
    TextStyle,
)
from ras.results.files import atomic_output, prepare_out_file
from ras.store.paths import owner_only_umask

__all__ = ["Renderer", "Report"]

#: Draws a Document into the file at a path, e.g. ``gui.report.pdf.render_pdf`` (Qt, A4 PDF).
#: Raises OSError if the file could not be written whole.
Renderer = Callable[[Document, Path], object]


class Report:
    """Collect a report's content, then :meth:`save` it with a renderer (e.g. an A4 PDF).

    Parameters
    ----------
    title : str
        Shown at the top of the first page and in every page's header.
    header : str
        Small text right of the title in every page's header (e.g. the pseudonym and date).
    footer : str
        Small text at the bottom of every page (page numbers are added).
    """

    def __init__(self, title: str, *, header: str = "", footer: str = "") -> None:
        self.document = Document(title=title, header=header, footer=footer)

    # ---- content ------------------------------------------------------------------------

    def add_heading(self, text: str, *, level: int = 1) -> Report:
        """A section heading (level 1) or sub-heading (level 2)."""
        self.document.blocks.append(Text(text, "heading" if level <= 1 else "subheading"))
        return self

    def add_text(self, text: str, *, style: TextStyle = "body") -> Report:
        """A paragraph; ``style`` one of title, heading, subheading, body, small, warning."""
        self.document.blocks.append(Text(text, style))
        return self

    def add_key_values(self, pairs: Iterable[tuple[str, str]], *, columns: int = 2) -> Report:
        """Label/value pairs (e.g. patient, date, settings)."""
        self.document.blocks.append(KeyValues(tuple(pairs), columns))
        return self

    def add_table(
        self,
        columns: Sequence[str],
        rows: Iterable[Sequence[str]],
        *,
        widths: Sequence[float] = (),
        align: str = "",
        tones: dict[tuple[int, int], CellTone] | None = None,
        caption: str = "",
    ) -> Report:
        """A table of text cells (format numbers before adding them)."""
        self.document.blocks.append(
            TableBlock(
                tuple(columns),
                tuple(tuple(r) for r in rows),
                tuple(widths),
                align,
                dict(tones or {}),
                caption,
            )
        )
        return self

    def add_figure(self, figure: Figure, *, height_mm: float = 70.0, caption: str = "") -> Report:
        """A chart across the text width, ``height_mm`` tall (mm)."""
        self.document.blocks.append(FigureBlock(figure, height_mm, caption))
        return self

    def add_page_break(self) -> Report:
        """Continue on a new page."""
        self.document.blocks.append(PageBreak())
        return self

    # ---- output -------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str], *, renderer: Renderer) -> Path:
        """Have ``renderer`` draw the report into an owner-only (0600) file at ``path``.

        Written atomically: the renderer draws into a temporary file next to ``path``, which
        replaces ``path`` only once it is complete. Returns the path.

        Raises
        ------
        UserInputError
            ``path`` cannot be written (no permission, disk full, a symlink, not a regular
            file); ``path`` is then left as it was.
        """
        out = prepare_out_file(path, "the report")
        with atomic_output(out, "the report") as tmp, owner_only_umask():
            renderer(self.document, tmp)
        return out

"""Helpers of the report tests: PDF text and page images through poppler-utils."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

#: The font's ligatures as pdftotext gives them, and the letters they stand for.
LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl"})


def pdf_text(pdf: Path) -> str:
    """The PDF's text in reading layout (pdftotext -layout), ligatures as their letters
    ("cue off", not "cue o\ufb00")."""
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return out.stdout.translate(LIGATURES)


def pdf_pages(pdf: Path, out_dir: Path, dpi: int = 60) -> list[Path]:
    """Render each page to PNG with pdftoppm; return the page images."""
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(out_dir / "page")], check=True
    )
    return sorted(out_dir.glob("page*.png"))


requires_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils (pdftotext, pdftoppm) not installed; see scripts/debian-packages.txt",
)

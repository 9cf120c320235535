"""TSV and JSON text of the BIDS files, and reading a TSV back to merge into it."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from pathlib import Path

from ras.errors import UserInputError
from ras.results.files import spreadsheet_cell

__all__ = ["NA", "json_text", "read_tsv", "tsv_text"]

#: How BIDS writes a missing value.
NA = "n/a"


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return NA
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6f}"
    text = str(value).replace("\t", " ").replace("\r", " ").replace("\n", " ")
    return spreadsheet_cell(text) if text else NA


def tsv_text(columns: Sequence[str] | None, rows: Sequence[Sequence[object]]) -> str:
    """TSV text with a header (unless ``columns`` is None); missing values ``n/a``, floats
    with 6 decimals; text cells a spreadsheet would run as a formula are escaped."""
    lines = [] if columns is None else ["\t".join(columns)]
    lines += ["\t".join(_cell(v) for v in r) for r in rows]
    return "\n".join(lines) + "\n"


def json_text(obj: object) -> str:
    """Indented UTF-8 JSON (no NaN)."""
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def read_tsv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The columns and rows of an existing TSV file (cells as written); ([], []) if none.

    Raises UserInputError (one line) if it cannot be read as a table with a header.
    """
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
            rows = [dict(r) for r in reader]
            columns = list(reader.fieldnames or [])
    except FileNotFoundError:
        return [], []
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UserInputError(f"cannot merge into {path}: {exc}") from None
    if any(None in r for r in rows):
        raise UserInputError(f"cannot merge into {path}: a row has more cells than the header")
    return columns, rows

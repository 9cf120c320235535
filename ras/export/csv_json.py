"""CSV and JSON exports of one session: events, cues, tempo changes, markers, phases, parameters."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path

from ras.results.files import spreadsheet_cell, write_text
from ras.results.tables import Table, clean

__all__ = ["FORMAT_VERSION", "table_csv", "write_csv", "write_json"]

FORMAT_VERSION = 1


def table_csv(table: Table) -> str:
    """One table as CSV text: a header row of column names, then the rows (NaN -> empty).

    Text cells that a spreadsheet would run as a formula are escaped (:func:`spreadsheet_cell`).
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(table.columns)
    for row in table.rows:
        w.writerow(["" if (v := clean(x)) is None else _fmt(v) for x in row])
    return buf.getvalue()


def _fmt(v: object) -> object:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return spreadsheet_cell(v)
    return v


def write_csv(out_dir: Path, prefix: str, tables: Sequence[Table]) -> list[Path]:
    """Write ``{prefix}_{table}.csv`` per table (0600) and return the paths."""
    return [write_text(out_dir / f"{prefix}_{t.name}.csv", table_csv(t)) for t in tables]


def write_json(out_dir: Path, prefix: str, tables: Sequence[Table], header: dict) -> Path:
    """Write ``{prefix}.json``: the header, then each table's records, columns and units."""
    doc: dict = {"format": "ras-session", "format_version": FORMAT_VERSION, **header}
    for t in tables:
        doc[t.name] = {
            "description": t.description,
            "units": {c: u for c, u in zip(t.columns, t.units, strict=True) if u},
            "records": t.records(),
        }
    text = json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False, default=clean)
    return write_text(out_dir / f"{prefix}.json", text + "\n")

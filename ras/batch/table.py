"""The cohort summary of a batch: ``summary.csv`` and ``summary.json``, one row per recording.

Columns: ``file`` (as found), ``status`` (``ok`` / ``failed``), ``output`` (the recording's
folder in ``--out``), the measures of :data:`analysis.summary.MEASURES` (units in the names),
and ``reason``: a failed recording's one-line reason, or for each measure left blank (NaN)
``measure: why``, joined by ``; ``. JSON has the same rows (``null`` for a blank value, the
reasons per measure) and the column descriptions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ras.batch.recording import RecordingResult

__all__ = ["COLUMNS", "summary_csv", "summary_json", "summary_rows"]

#: Measure columns (analysis.summary.MEASURES, repeated so this module needs no analysis import).
MEASURE_COLUMNS = (
    "duration_s",
    "n_steps",
    "cadence_spm",
    "gait_speed_m_per_s",
    "stride_length_m",
    "stride_time_cv_pct",
    "step_time_si_pct",
    "pci_pct",
    "n_freezing_episodes",
)
COLUMNS = ("file", "status", "output", *MEASURE_COLUMNS, "reason")
#: Decimals kept of a measure.
DECIMALS = 6


def _value(v: float | None) -> float | int | None:
    if v is None or not math.isfinite(v):
        return None
    if float(v).is_integer() and abs(v) < 2**53:
        return int(v)
    return round(float(v), DECIMALS)


def summary_rows(
    results: Sequence[RecordingResult], folders: Sequence[str]
) -> list[dict[str, Any]]:
    """One dict per recording (keys :data:`COLUMNS` plus ``reasons``), in input order."""
    rows = []
    for res, folder in zip(results, folders, strict=True):
        values = {c: _value(res.values.get(c)) if res.ok else None for c in MEASURE_COLUMNS}
        reasons = {c: res.reasons[c] for c in MEASURE_COLUMNS if c in res.reasons}
        reason = res.error if not res.ok else "; ".join(f"{k}: {v}" for k, v in reasons.items())
        rows.append(
            {
                "file": res.path,
                "status": "ok" if res.ok else "failed",
                "output": folder if res.ok else None,
                **values,
                "reason": reason,
                "reasons": reasons,
            }
        )
    return rows


def summary_csv(rows: Sequence[dict[str, Any]]) -> str:
    """``summary.csv`` text: the header, then one line per row (blank = NaN/none)."""
    import csv
    import io

    from ras.results.files import spreadsheet_cell

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for row in rows:
        w.writerow([spreadsheet_cell(row[c]) for c in COLUMNS])
    return buf.getvalue()


def summary_json(rows: Sequence[dict[str, Any]], descriptions: dict[str, str]) -> str:
    """``summary.json`` text: columns described, the rows, and how many failed."""
    import json

    doc = {
        "columns": {
            "file": "the recording, as found",
            "status": "ok or failed",
            "output": "its results' folder in --out",
            **descriptions,
            "reason": "why it failed, or why each blank measure is blank",
        },
        "n_recordings": len(rows),
        "n_failed": sum(1 for r in rows if r["status"] == "failed"),
        "recordings": [{c: r[c] for c in (*COLUMNS, "reasons")} for r in rows],
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"

"""Formula injection: free text in CSV/TSV exports is escaped (OWASP), numbers are not.

A real simulated session (virtual patient, recorder, SQLite) whose patient has a diagnosis note
and whose therapist typed markers that a spreadsheet would run as formulas. The diagnosis itself
is a fixed code; the free text that describes it is the note.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from ras.cli import main
from ras.results.files import FORMULA_START
from tests.conftest import add_patient, run_simulated

DIAGNOSIS_NOTE = "+cmd|' /C calc'!A0"
MARKERS = ('=HYPERLINK("x")', "@SUM(A1)")


@pytest.fixture(scope="module")
def injected_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A short stroke session with raw IMU, the hostile diagnosis note and markers (session 1)."""
    db = tmp_path_factory.mktemp("inject") / "ras.sqlite3"
    add_patient(db, "P-INJ", "--diagnosis", "other", "--diagnosis-note", DIAGNOSIS_NOTE)
    phases = ("--baseline", "5", "--cued", "10", "--probe", "5")
    typed = [f"marker {m}" for m in MARKERS]  # the therapist's live commands
    run_simulated(
        db, "stroke", "--patient", "P-INJ", *phases, "--imu-rate", "100", speed=20, commands=typed
    )
    return db, 1


def _export(db: Path, sid: int, fmt: str, out: Path) -> None:
    assert main(["export", str(sid), "--format", fmt, "--out", str(out), "--db", str(db)]) == 0


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _cells(path: Path, delimiter: str) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


def _dicts(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _no_live_formula(rows: list[list[str]], where: Path) -> None:
    """No cell a spreadsheet would evaluate: any cell starting = + - @ TAB CR is a number."""
    for row in rows:
        for cell in row:
            head = cell.lstrip(" ")
            if head.startswith(FORMULA_START):
                assert _is_number(head), (where.name, cell)


def test_csv_cells_with_formulas_are_escaped_and_numbers_are_not(injected_db, tmp_path):
    db, sid = injected_db
    _export(db, sid, "csv", tmp_path)
    files = sorted(tmp_path.glob("*.csv"))
    assert len(files) == 12
    for f in files:
        _no_live_formula(_cells(f, ","), f)
    markers = _cells(tmp_path / f"session-{sid}_markers.csv", ",")
    assert markers[0] == ["t_s", "phase", "kind", "label", "note"]
    notes = [r[4] for r in markers[1:]]
    assert ["'" + m for m in MARKERS] == [n for n in notes if n.lstrip("'") in MARKERS]
    assert all(_is_number(r[0]) for r in markers[1:])  # the times stay numbers
    facts = dict(_cells(tmp_path / f"session-{sid}_session.csv", ",")[1:])
    assert facts["diagnosis_note"] == "'" + DIAGNOSIS_NOTE
    assert (facts["diagnosis"], facts["diagnosis_label"]) == ("other", "other")
    steps = _cells(tmp_path / f"session-{sid}_steps.csv", ",")
    assert len(steps) > 20
    numeric = [i for i, c in enumerate(steps[0]) if c not in ("phase", "side", "event")]
    for row in steps[1:]:
        for i in numeric:
            assert row[i] == "" or _is_number(row[i]), (steps[0][i], row[i])


def test_bids_tsv_cells_with_formulas_are_escaped(injected_db, tmp_path):
    db, sid = injected_db
    _export(db, sid, "bids", tmp_path)
    tsvs = sorted(tmp_path.rglob("*.tsv"))
    assert any(p.name.endswith("_events.tsv") for p in tsvs)
    for f in tsvs:
        _no_live_formula(_cells(f, "\t"), f)
    participants = _dicts(tmp_path / "participants.tsv")
    assert participants[0]["diagnosis_note"] == "'" + DIAGNOSIS_NOTE
    assert participants[0]["diagnosis"] == "other"
    (events,) = [p for p in tsvs if p.name.endswith("_events.tsv")]
    rows = _dicts(events)
    marked = [r["note"] for r in rows if r["trial_type"] == "marker"]
    assert ["'" + m for m in MARKERS] == [n for n in marked if n.lstrip("'") in MARKERS]
    assert all(_is_number(r["onset"]) for r in rows)


def test_json_keeps_the_text_as_typed(injected_db, tmp_path):
    """JSON is data, never evaluated: the text stays exactly as the therapist typed it."""
    db, sid = injected_db
    _export(db, sid, "json", tmp_path)
    doc = json.loads((tmp_path / f"session-{sid}.json").read_text(encoding="utf-8"))
    assert doc["patient"]["diagnosis_note"] == DIAGNOSIS_NOTE
    assert doc["patient"]["diagnosis"] == "other"
    notes = [r["note"] for r in doc["markers"]["records"]]
    assert [n for n in notes if n in MARKERS] == list(MARKERS)

"""The progress report read back from its PDF: training dose, local dates, trends, and MCID
flags between assessments only."""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from gui.report import export_progress_report
from ras.events import CueState, CueStateEvent, StepEvent
from ras.protocol.messages import Side, StepKind
from ras.report.progress import patient_course, training_dose
from ras.store.store import Store
from tests.conftest import record_walk
from tests.report.report_helpers import pdf_pages, pdf_text, requires_poppler

pytestmark = requires_poppler

PATIENT = "P-PRO"


def walk_with_cue(
    store: Store, patient: str, stride_length_m: float, started_utc: str, db: Path | str
) -> int:
    """A closed session started at ``started_utc`` (baseline 0–30 s, cued 30–60 s with the cue
    paused 45–50 s, probe 60–90 s) of regular steps at 100 steps/min (stride time 1.2 s), with
    a toe-off after every contact; returns its id."""
    phases = [("baseline", 0.0), ("cued", 30.0), ("probe", 60.0)]
    sid = record_walk(
        store, patient, phases, (0.3, 89.7), cadence_spm=100.0, end_t_s=90.0,
        stride_length_m=stride_length_m,
    )  # fmt: skip
    states = [(30.0, CueState.START), (45.0, CueState.PAUSE), (50.0, CueState.RESUME)]
    states.append((60.0, CueState.STOP))
    events: list[object] = [CueStateEvent(t, s, "plan") for t, s in states]
    events += [  # toe-offs: gait events that are not steps
        StepEvent(1, Side.LEFT, StepKind.TOE_OFF, t, int(t * 1e6), t, 10_000 + i, 0)
        for i, t in enumerate(x * 1.2 + 0.9 for x in range(70))
    ]
    store.record(sid, events)
    with sqlite3.connect(db) as conn:  # a known start, as if recorded then
        conn.execute("UPDATE sessions SET started_utc = ? WHERE id = ?", (started_utc, sid))
    return sid


@contextmanager
def local_zone(name: str) -> Iterator[None]:
    """This process's local time zone is ``name`` (TZ) inside the block."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def _report(tmp_path: Path, diagnosis: str, lengths: tuple[float, ...]) -> tuple[str, list[int]]:
    db = tmp_path / "p.sqlite3"
    with Store(db) as store:
        store.add_patient(PATIENT, diagnosis=diagnosis, affected_side="left")
        ids = [
            walk_with_cue(store, PATIENT, length, f"2026-03-0{k + 1}T20:30:00Z", db)
            for k, length in enumerate(lengths)
        ]
    pdf = export_progress_report(str(db), PATIENT, tmp_path / "progress.pdf")
    assert len(pdf_pages(pdf, tmp_path)) >= 2
    return pdf_text(pdf), ids


def test_dose_dates_and_trends(tmp_path):
    with local_zone("Pacific/Auckland"):  # UTC+13 in March
        text, ids = _report(tmp_path, "stroke", (0.80, 0.85, 1.00))
    for needle in (
        "Training dose",
        "Minutes cued",
        "Minutes cued per session",
        "Assessments",
        "Trends",
        "Gait speed",
        "Cadence",
        "Stride length",
        "Step-time symmetry index",
        "Stride-time variability (CV)",
        "Synchronisation to the cue",
        "2026-03-02 to 2026-03-04",
        "(local time)",
    ):
        assert needle in text, needle
    # one dose row per session: local date, minutes with the cue sounding, steps (contacts)
    for k, sid in enumerate(ids):
        row = re.search(
            rf"#{sid}\s+2026-03-0{k + 2} 09:30\s+fixed\s+complete\s+(\S+)\s+(\d+)", text
        )
        assert row, f"dose row of #{sid}"
        assert row.groups() == ("0.4", "150")  # 25 s cued (30–60 s less the 5 s pause)
    assert re.search(r"Total\s+3 sessions\s+1\.2\s+450", text)
    # the trends' x axes are the local dates
    assert text.count("02 Mar") >= 7 and "01 Mar" not in text


def test_mcid_flagged_between_assessments_only(tmp_path):
    # stroke MCID 0.16 m/s; baseline speeds 0.80/1.2 = 0.667, 0.85/1.2 = 0.708, 1.00/1.2 = 0.833
    text, ids = _report(tmp_path, "stroke", (0.80, 0.85, 1.00))
    rows = {sid: line for line in text.splitlines() for sid in ids if line.startswith(f"#{sid} ")}
    assert "MCID" not in rows[ids[0]] and "MCID" not in rows[ids[1]]  # +0.04 vs the first
    # the third: +0.125 vs the previous (below 0.16), +0.167 vs the first (reaches it)
    third = rows[ids[2]]
    assert re.search(r"\+0\.1[23]\d*\s+\+0\.17 ▲ MCID important", third), third
    assert "No MCID is applied within a session" in text


def test_a_healthy_control_gets_no_mcid_flag(tmp_path):
    text, _ids = _report(tmp_path, "healthy", (0.80, 1.00))
    assert "▲" not in text and "none applies" in text
    assert "no gait-speed MCID applies" in text


def test_dose_counts_contacts_and_audible_time(tmp_path):
    db = tmp_path / "d.sqlite3"
    with Store(db) as store:
        store.add_patient(PATIENT)
        sid = walk_with_cue(store, PATIENT, 0.9, "2026-03-01T20:30:00Z", db)
        (entry,) = patient_course(store, PATIENT)
        steps = store.steps(sid)
    assert entry.info.id == sid
    assert entry.dose.n_steps == int((steps["kind"] == int(StepKind.INITIAL_CONTACT)).sum())
    assert entry.dose.n_steps < len(steps)
    assert entry.dose.cued_s == pytest.approx(25.0)
    assert training_dose(entry.data).cued_s == pytest.approx(25.0)

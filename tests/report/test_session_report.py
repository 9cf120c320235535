"""Session and progress reports: rendered, looked at as PNG pages, numbers equal analysis/'s."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ras.cli import main
from ras.report.session import build_session_report
from ras.store.store import Store
from tests.conftest import record_walk, refused_in_process
from tests.report.report_helpers import pdf_pages, pdf_text, requires_poppler

pytestmark = requires_poppler


def _report(db: Path, *args: str) -> int:
    return main(["report", *args, "--db", str(db)])


@pytest.fixture(scope="module")
def rendered(sessions_db, tmp_path_factory):
    """One session report per patient (their last session), as PDF and pdftotext text."""
    db, ids = sessions_db
    out = tmp_path_factory.mktemp("pdf")
    texts = {}
    for patient, sids in ids.items():
        pdf = out / f"{patient}.pdf"
        assert _report(db, str(sids[-1]), "--pdf", str(pdf)) == 0
        texts[patient] = (pdf, pdf_text(pdf))
    return texts


def test_each_preset_renders_a_readable_a4_report(rendered, tmp_path):
    for patient, (pdf, text) in rendered.items():
        assert os.stat(pdf).st_mode & 0o077 == 0, "reports hold patient data: owner-only"
        pages = pdf_pages(
            pdf,
            tmp_path / patient.lower()
            if (tmp_path / patient.lower()).mkdir() is None
            else tmp_path,
        )
        assert 2 <= len(pages) <= 4, pages
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        assert "595 x 842 pts (A4)" in info or "595.276 x 841.89 pts (A4)" in info, info
        for needle in (
            "Session report",
            patient,
            "Outcome measures per phase",
            "Gait speed",
            "Cadence",
            "Phase coordination index",
            "Synchronisation R",
            "Freezing episodes",
            "Cadence and cue tempo",
            "Step times",
            "Relative phase",
            "Summary",
            "What happened",
            "Clinical event",
            "Change since earlier sessions",
            "baseline",
            "cued",
            "probe",
            "plan",
        ):
            assert needle in text, (patient, needle)
        # no raw IMU was recorded: freezing cannot be measured, and says so
        assert "not measured" in text and "needs raw IMU" in text


def _analysis_summaries(db: Path, session_id: int, affected: str | None):
    """analysis.phases' own summaries of a stored session (independent of ras.report)."""
    from analysis.events import gait_events_from_steps
    from analysis.phases import summarise_phases

    with Store(db) as store:
        steps = store.steps(session_id)
        cues = store.cues(session_id)
        phases = store.phases(session_id)

    return {
        p.name: p.measures()
        for p in summarise_phases(
            [(n, a, b) for n, a, b in phases],
            gait_events_from_steps(steps),
            beat_t_s=cues["t_s"],
            affected_side=affected,
        )
    }


def _row(text: str, label: str) -> list[str]:
    line = next(ln for ln in text.splitlines() if ln.strip().startswith(label))
    return re.split(r"\s{2,}", line.strip())[1:]


@pytest.mark.parametrize("patient", ["P-HE", "P-PD", "P-ST"])
def test_pdf_numbers_equal_analysis(rendered, sessions_db, patient):
    db, ids = sessions_db
    affected = "left" if patient == "P-ST" else None
    want = _analysis_summaries(db, ids[patient][-1], affected)
    text = rendered[patient][1]
    checks = [
        ("Gait speed (m/s)", "gait_speed_m_per_s", ".2f", ("baseline", "cued", "probe")),
        ("Cadence (steps/min)", "cadence_spm", ".1f", ("baseline", "cued", "probe")),
        ("Stride length (m)", "stride_length_m", ".2f", ("baseline", "cued", "probe")),
        ("Step-time symmetry index (%)", "step_time_si_pct", "+.1f", ("baseline", "cued", "probe")),
        (
            "Stride-time variability (CV) (%)",
            "stride_time_cv_pct",
            ".1f",
            ("baseline", "cued", "probe"),
        ),
        ("Phase coordination index (%)", "pci_pct", ".1f", ("baseline", "cued", "probe")),
        ("Synchronisation R", "sync_r", ".2f", ("cued",)),
        ("Mean asynchrony (ms)", "mean_asynchrony_ms", "+.0f", ("cued",)),
        ("Steps within ±10 % window (%)", "within_window_pct", ".0f", ("cued",)),
    ]
    order = ["baseline", "cued", "probe"]
    for label, key, fmt, phases in checks:
        cells = _row(text, label)
        for ph in phases:
            value = want[ph][key]
            assert math.isfinite(value), (patient, key, ph)
            # the report prints zero without a sign ("0.0", never "+0.0" or "-0.0")
            want_text = format(value, fmt)
            if float(want_text) == 0:
                want_text = format(0.0, fmt.lstrip("+"))
            assert cells[order.index(ph)] == want_text, (patient, label, ph, cells)
        # Δ probe vs baseline is analysis' change, shown with a sign
        if phases == tuple(order):
            delta = want["probe"][key] - want["baseline"][key]
            assert cells[4].split()[0].lstrip("±+-") == format(abs(delta), fmt.lstrip("+")), (
                label,
                cells,
            )


def test_progress_report_across_sessions(sessions_db, tmp_path):
    db, ids = sessions_db
    pdf = tmp_path / "progress.pdf"
    assert _report(db, "--patient", "P-PD", "--pdf", str(pdf)) == 0
    text = pdf_text(pdf)
    for needle in (
        "Progress report",
        "P-PD",
        "Trends",
        "Gait speed",
        "Cadence",
        "Step-time symmetry index",
        "Synchronisation to the cue",
        "MCID",
        "0.06 m/s",
        "Hass",
    ):
        assert needle in text, needle
    for sid in ids["P-PD"]:
        assert f"#{sid}" in text
    assert len(pdf_pages(pdf, tmp_path)) >= 1
    # the session report of the second session compares with the first
    pdf2 = tmp_path / "second.pdf"
    assert _report(db, str(ids["P-PD"][1]), "--pdf", str(pdf2)) == 0
    text2 = " ".join(pdf_text(pdf2).split())
    assert f"Δ baseline vs previous #{ids['P-PD'][0]}" in text2
    assert f"Δ probe vs previous #{ids['P-PD'][0]}" in text2


def test_reports_are_pseudonymous_unless_asked(sessions_db, tmp_path):
    db, ids = sessions_db
    plain, named = tmp_path / "plain.pdf", tmp_path / "named.pdf"
    assert _report(db, str(ids["P-ST"][0]), "--pdf", str(plain)) == 0
    assert _report(db, str(ids["P-ST"][0]), "--pdf", str(named), "--with-names") == 0
    assert "Stella" not in pdf_text(plain)
    assert "Stella Stroke" in pdf_text(named)
    prog = tmp_path / "prog.pdf"
    assert _report(db, "--patient", "P-ST", "--pdf", str(prog)) == 0
    assert "Stella" not in pdf_text(prog)


def test_interrupted_session_report_says_incomplete(tmp_path):
    db = tmp_path / "i.sqlite3"
    with Store(db) as store:
        store.add_patient("P-X", diagnosis="stroke", affected_side="right")
        # never ended: the writer is "still running"
        sid = record_walk(store, "P-X", [("baseline", 0.0)], (0.5, 40.0), cadence_spm=60 / 0.55)
    pdf = tmp_path / "i.pdf"
    assert _report(db, str(sid), "--pdf", str(pdf)) == 0
    text = pdf_text(pdf)
    assert "INCOMPLETE" in text and "not ended" in text
    assert "not measured" in text  # no stride length, no cue, no IMU


def test_bad_input_gives_one_line_errors(sessions_db, tmp_path, capsys):
    db, ids = sessions_db
    pdf = str(tmp_path / "x.pdf")
    refused_in_process(capsys, ["report", "999", "--pdf", pdf, "--db", str(db)], "no session 999")
    refused_in_process(capsys, ["report", "abc", "--pdf", pdf, "--db", str(db)], "'abc'")
    refused_in_process(
        capsys, ["report", "--patient", "nobody", "--pdf", pdf, "--db", str(db)], "nobody"
    )
    refused_in_process(capsys, ["report", "--pdf", pdf, "--db", str(db)], "SESSION", "--patient")
    blocker = tmp_path / "file"
    blocker.write_text("")
    refused_in_process(
        capsys,
        ["report", str(ids["P-HE"][0]), "--pdf", str(blocker / "r.pdf"), "--db", str(db)],
        str(blocker),
    )
    refused_in_process(
        capsys,
        ["report", str(ids["P-HE"][0]), "--pdf", str(tmp_path), "--db", str(db)],
        "directory",
    )
    empty_db = tmp_path / "e.sqlite3"
    with Store(empty_db) as store:
        store.add_patient("P-E")
        sid = store.begin_session("P-E")
        store.end_session(sid)
    refused_in_process(capsys, ["report", str(sid), "--pdf", pdf, "--db", str(empty_db)], "empty")
    refused_in_process(
        capsys,
        ["report", "--patient", "P-E", "--pdf", pdf, "--db", str(empty_db)],
        "no session with recorded steps",
    )


def test_ras_report_and_export_do_not_import_qt():
    code = (
        "import sys, ras.cli, ras.report.session, ras.report.progress, ras.export.api, "
        "ras.export.bids; "
        "assert not [m for m in sys.modules if m.startswith(('PySide6', 'gui.')) or m == 'gui']"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _walk(store: Store, patient: str, stride_length_m: float, cadence_spm: float) -> int:
    """A closed session of regular steps (baseline, cued with beats, probe) written directly."""
    phases = [("baseline", 0.0), ("cued", 30.0), ("probe", 60.0)]
    return record_walk(
        store,
        patient,
        phases,
        (0.3, 89.7),
        cadence_spm=cadence_spm,
        end_t_s=90.0,
        stride_length_m=stride_length_m,
    )


def _speed_rows(text: str) -> list[list[str]]:
    """The cells of every "Gait speed (m/s)" row: the outcome table's, then the between-session
    table's."""
    return [
        re.split(r"\s{2,}", ln.strip())[1:]
        for ln in text.splitlines()
        if ln.strip().startswith("Gait speed (m/s)")
    ]


def test_gait_speed_change_reaching_the_mcid_is_flagged_between_sessions_only(tmp_path):
    db = tmp_path / "m.sqlite3"
    with Store(db) as store:
        store.add_patient("P-M", diagnosis="stroke", affected_side="left")
        _walk(store, "P-M", 0.80, 100.0)  # 0.80 m per 1.2 s stride: 0.67 m/s
        second = _walk(store, "P-M", 1.10, 100.0)  # 0.92 m/s: +0.25 m/s >= 0.16 (stroke)
    pdf = tmp_path / "m.pdf"
    assert _report(db, str(second), "--pdf", str(pdf)) == 0
    text = pdf_text(pdf)
    within, between = _speed_rows(text)
    # within the session: the values and plain differences, no flag
    assert within == ["0.92", "0.92", "0.92", "±0.00", "±0.00"]
    # between sessions: baseline and probe vs the previous session, flagged
    assert between[:2] == ["+0.25 ▲ MCID important"] * 2, between
    assert "Tilson" in text and "important" in text
    assert "MCID" not in " ".join(within)
    prog = tmp_path / "p.pdf"
    assert _report(db, "--patient", "P-M", "--pdf", str(prog)) == 0
    assert "▲" in pdf_text(prog) and "0.16 m/s" in pdf_text(prog)


def test_a_change_below_the_mcid_is_printed_below_it(tmp_path):
    """+0.057 m/s against Parkinson's 0.06 m/s: not flagged, and not printed as +0.06."""
    db = tmp_path / "b.sqlite3"
    first_speed = 0.80 / 1.2
    with Store(db) as store:
        store.add_patient("P-B", diagnosis="parkinson")
        _walk(store, "P-B", 0.80, 100.0)
        second = _walk(store, "P-B", (first_speed + 0.057) * 1.2, 100.0)
    pdf = tmp_path / "b.pdf"
    assert _report(db, str(second), "--pdf", str(pdf)) == 0
    text = pdf_text(pdf)
    _, between = _speed_rows(text)
    assert between[:2] == ["+0.057", "+0.057"], between
    assert "MCID" not in " ".join(between) and "+0.06 " not in text
    assert "below the 0.06 m/s MCID" in " ".join(text.split())


def test_gui_exporter_writes_the_same_report(sessions_db, tmp_path):
    """``gui.report.export_session_report`` is what the GUI's summary screen calls."""
    from gui.report import export_progress_report, export_session_report

    db, ids = sessions_db
    pdf = export_session_report(str(db), ids["P-HE"][0], str(tmp_path / "gui.pdf"))
    assert "Session report" in pdf_text(pdf)
    prog = export_progress_report(str(db), "P-HE", tmp_path / "prog.pdf")
    assert "Progress report" in pdf_text(prog)


def _outcome_rows(text: str) -> list[str]:
    """The lines of the outcome table (within one session), header to caption."""
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if "Outcome measures per phase" in ln)
    end = next(i for i, ln in enumerate(lines) if ln.startswith("Δ = later minus earlier"))
    return lines[start:end]


@pytest.mark.parametrize("patient", ["P-HE", "P-PD", "P-ST"])
def test_no_mcid_flag_within_a_session(rendered, patient):
    """Cued and probe vs baseline are plain differences: an MCID is for change between
    assessments."""
    text = rendered[patient][1]
    rows = _outcome_rows(text)
    assert any(ln.strip().startswith("Gait speed (m/s)") for ln in rows)
    assert not [ln for ln in rows if "MCID" in ln or "▲" in ln or "▼" in ln]
    assert "MCID for unknown" not in text and "older adults" not in text


@pytest.mark.parametrize(
    ("patient", "diagnosis", "mcid"),
    [
        ("P-HE", "healthy control", "none applies (healthy control)"),
        ("P-PD", "Parkinson's disease", "0.06 / 0.14 / 0.22 m/s (Hass CJ et al. 2014)"),
        ("P-ST", "stroke", "0.16 m/s (Tilson JK et al. 2010)"),
    ],
)
def test_diagnosis_label_and_its_mcid_in_the_header(rendered, patient, diagnosis, mcid):
    flat = " ".join(rendered[patient][1].split())
    assert f"Diagnosis {diagnosis}" in flat
    assert f"Gait-speed MCID {mcid}" in flat


def test_between_sessions_vs_the_previous_and_the_first(tmp_path):
    db = tmp_path / "t.sqlite3"
    with Store(db) as store:
        store.add_patient("P-T", diagnosis="stroke", affected_side="left")
        first = _walk(store, "P-T", 0.80, 100.0)  # 0.667 m/s
        previous = _walk(store, "P-T", 1.00, 100.0)  # 0.833 m/s
        third = _walk(store, "P-T", 1.10, 100.0)  # 0.917 m/s
    pdf = tmp_path / "t.pdf"
    assert _report(db, str(third), "--pdf", str(pdf)) == 0
    text = pdf_text(pdf)
    flat = " ".join(text.split())
    with Store(db) as store:
        header = build_session_report(store, third).document.text()  # the PDF wraps it
    assert (
        f"Measure | Δ baseline vs previous #{previous} | Δ baseline vs first #{first} | "
        f"Δ probe vs previous #{previous} | Δ probe vs first #{first}"
    ) in header
    rows = [ln.split(" | ") for ln in header.splitlines() if ln.startswith("Gait speed (m/s)")]
    # columns: baseline vs previous, vs first; probe vs previous, vs first
    assert rows[1][1:] == ["+0.08", "+0.25 ▲ MCID important"] * 2, rows
    assert "below the 0.16 m/s MCID" in flat


def test_healthy_control_changes_between_sessions_are_not_flagged(tmp_path):
    db = tmp_path / "h.sqlite3"
    with Store(db) as store:
        store.add_patient("P-H", diagnosis="healthy")
        _walk(store, "P-H", 0.80, 100.0)
        second = _walk(store, "P-H", 1.10, 100.0)  # +0.25 m/s
    pdf = tmp_path / "h.pdf"
    assert _report(db, str(second), "--pdf", str(pdf)) == 0
    text = pdf_text(pdf)
    _, between = _speed_rows(text)
    assert between == ["+0.25", "+0.25"], between
    flat = " ".join(text.split())
    assert "healthy control: no gait-speed MCID applies" in flat
    assert "▲" not in " ".join(between) and "MCID for" not in flat

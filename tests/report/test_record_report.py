"""The session report shows the complete record (issue 13): what happened, when and by whom;
the silent stretches on the tempo figure; a summary paragraph that says what the tables say."""

from __future__ import annotations

import math
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from ras.cli import main
from ras.events import CueState, LinkState, MarkerKind
from ras.report.session import cadence_figure, summary_paragraph
from ras.results.outcomes import session_outcomes
from ras.results.session_data import cue_spans, load_session
from ras.store.store import Store
from tests.report.report_helpers import pdf_pages, pdf_text, requires_poppler

# the scripted session (report conftest) must end 'complete': every cue decided in 0.25 s real
pytestmark = [requires_poppler, pytest.mark.timing]


def _mm_ss(t_s: float) -> str:
    whole = int(t_s)
    return f"{whole // 60:02d}:{whole % 60:02d}"


@pytest.fixture(scope="module")
def scripted_pdf(scripted_db, tmp_path_factory) -> tuple[Path, str]:
    db, sid = scripted_db
    pdf = tmp_path_factory.mktemp("scripted_pdf") / "scripted.pdf"
    assert main(["report", str(sid), "--pdf", str(pdf), "--db", str(db)]) == 0
    keep = os.environ.get("RAS_KEEP_REPORTS")  # to look at the pages by eye
    if keep:
        shutil.copy(pdf, Path(keep) / "scripted.pdf")
    return pdf, pdf_text(pdf)


@pytest.fixture(scope="module")
def scripted(scripted_db):
    db, sid = scripted_db
    with Store(db) as store:
        data = load_session(store, sid)
    return data, session_outcomes(data)


def _line_with(text: str, *needles: str) -> str:
    """The first line of the PDF text that holds every needle (fails if there is none)."""
    lines = [ln for ln in text.splitlines() if all(n in ln for n in needles)]
    assert lines, needles
    return lines[0]


def _table_row(text: str, *needles: str) -> str:
    """The first line holding every needle with the lines above and below it: a table row
    whose detail wraps has its time on the middle line."""
    lines = text.splitlines()
    k = next((i for i, ln in enumerate(lines) if all(n in ln for n in needles)), None)
    assert k is not None, needles
    return " ".join(lines[max(k - 1, 0) : k + 2])


def test_every_change_appears_in_the_pdf_with_its_time(scripted_pdf, scripted):
    data, _ = scripted
    text = scripted_pdf[1]
    words = {
        CueState.START: "cue starts",
        CueState.OFF: "cue off",
        CueState.ON: "cue on",
        CueState.PAUSE: "cue paused",
        CueState.RESUME: "cue resumed",
        CueState.STOP: "cue stops",
    }
    states = [s.state for s in data.cue_states]
    for state in (CueState.OFF, CueState.ON, CueState.PAUSE, CueState.RESUME):
        assert state in states, states
    for s in data.cue_states:
        _line_with(text, _mm_ss(s.t_s), words[s.state], s.source)
    fall = next(m for m in data.markers if m.kind is MarkerKind.FALL)
    _line_with(text, _mm_ss(fall.t_s), "fall", "therapist")
    near = next(m for m in data.markers if m.kind is MarkerKind.NEAR_FALL)
    _line_with(text, _mm_ss(near.t_s), "near-fall", "lost balance turning")
    lost = next(e for e in data.link_events if e.state is LinkState.DISCONNECTED)
    _line_with(text, _mm_ss(lost.t_s), "left sensor lost", "sensor")
    back = next(e for e in data.link_events if e.state is LinkState.CONNECTED and e.t_s > lost.t_s)
    _line_with(text, _mm_ss(back.t_s), "left sensor back", f"after {back.t_s - lost.t_s:.1f} s")
    jump = next(a for a in data.actions if a.action == "set 140 bpm")
    assert "large jump: +" in _table_row(text, _mm_ss(jump.t_s), "set 140 bpm", "therapist")
    unplug = next(a for a in data.actions if a.action == "unplug left sensor")
    _line_with(text, _mm_ss(unplug.t_s), "unplug left sensor", "therapist")
    # an action that changed nothing stays in the record with what became of it
    again = [a for a in data.actions if a.message.startswith("no change")]
    assert again
    _line_with(text, _mm_ss(again[0].t_s), "pause", "no change: the cue is already paused")
    # each phase change is a line
    for name, start, _ in data.phases:
        _line_with(text, _mm_ss(start), f"{name} phase starts")
    # the clinical events are counted
    counted = {
        ln.split("  ")[0].strip(): ln.split()
        for ln in text.splitlines()
        if ln.strip().startswith(("fall ", "near-fall ", "freezing (seen) "))
    }
    assert counted["fall"][1:] == ["1", _mm_ss(fall.t_s)], counted
    assert counted["near-fall"][1:] == ["1", _mm_ss(near.t_s)], counted
    assert counted["freezing (seen)"][2:] == ["0", "—"], counted


def test_tempo_line_breaks_where_the_cue_was_silent(scripted):
    data, out = scripted
    fig = cadence_figure(data, out)
    cue = next(s for s in fig.series if s.label == "cue tempo")
    x, y = np.array(cue.x), np.array(cue.y)
    silent = [s for s in cue_spans(data) if not s.audible]
    assert {s.why for s in silent} == {"uncued phase", "off", "paused"}
    beats = x[np.isfinite(x)]
    for s in silent:  # no beat drawn inside a silent stretch
        assert not ((beats > s.start_t_s) & (beats < s.end_t_s)).any(), s
    inner = [s for s in silent if beats.min() < s.start_t_s and s.end_t_s <= beats.max()]
    assert [s.why for s in inner] == ["off", "paused"]
    for s in inner:  # the line is broken across it, not drawn through
        gap = np.flatnonzero(x < s.start_t_s)[-1] + 1
        assert math.isnan(x[gap]) and math.isnan(y[gap]), s
        assert x[gap + 1] >= s.end_t_s, s
    hatched = [(b.y0, b.y1) for b in fig.bands if b.hatch]
    assert hatched == [(s.start_t_s, s.end_t_s) for s in silent]
    lost = [b for b in fig.bands if b.axis == "x-axis"]
    assert [b.label for b in lost] == ["left lost"]


def test_summary_paragraph_says_what_the_tables_say(scripted_pdf, scripted):
    data, out = scripted
    summary = summary_paragraph(data, out)
    text = scripted_pdf[1]
    flat = " ".join(text.split())
    assert summary[:60] in flat  # the paragraph opens the report
    cells = {
        label: re.split(r"\s{2,}", _line_with(text, label).strip())[1:]
        for label in ("Cadence (steps/min)", "Gait speed (m/s)", "Stride length (m)")
    }
    measure = "(cadence|gait speed|stride length)"
    said = re.findall(measure + r" (?:rose|fell) from (\S+) to (\S+) ", summary)
    said += re.findall(measure + r" \((\S+) → (\S+) ", summary)
    names = {"cadence": "Cadence (steps/min)", "gait speed": "Gait speed (m/s)"}
    names["stride length"] = "Stride length (m)"
    assert len(said) == 6, summary  # three measures, cued and probe
    for name, before, after in said:
        row = cells[names[name]]
        assert before == row[0] and after in row[1:3], (name, before, after, row)
    moved = r"(cadence|gait speed|stride length) \S+ from \S+ to \S+ \S+ \((\S+)\)"
    deltas = re.findall(moved, summary)
    assert deltas, summary
    for name, delta in deltas:
        assert delta in cells[names[name]][3:], (name, delta)
    # the cue: its tempo path, the time it sounded and the clinical events, as recorded
    assert "110.0 → 140.0 bpm" in summary and "1 large jump" in summary
    cued = next((a, b) for n, a, b in data.phases if n == "cued")
    sounding = sum(s.duration_s for s in cue_spans(data) if s.audible)
    assert f"sounded for {sounding:.0f} s of the {cued[1] - cued[0]:.0f} s cued phase" in summary
    fall = next(m for m in data.markers if m.kind is MarkerKind.FALL)
    assert f"1 fall ({_mm_ss(fall.t_s)})" in summary
    assert "Sensor lost: left" in summary
    assert "no earlier session" in summary


def test_scripted_report_pages_render(scripted_pdf, tmp_path):
    pages = pdf_pages(scripted_pdf[0], tmp_path)
    assert 2 <= len(pages) <= 4, pages

"""The summary page after a real (simulated) session: its figures are ras/results', its changes
compare.py's, its counts the stored record's, and its buttons are above the fold."""

from __future__ import annotations

import contextlib
import math
import sqlite3
from pathlib import Path

import pytest
from gui_helpers import click
from PySide6 import QtWidgets

from gui.summary_view import PHASES, SUMMARY_MEASURES
from ras.events import MarkerKind
from ras.protocol.messages import StepKind
from ras.report.compare import compare_phases, compare_sessions, format_value
from ras.results.outcomes import session_outcomes
from ras.results.session_data import load_session
from ras.session.actions import Plug
from ras.store.store import Store
from ras.tempo.commands import Cues, Marker
from tests.conftest import add_patient, run_simulated

PATIENT = "P-SUM"
#: Screens of clinic laptops, less a 30 px panel and a 28 px window title bar.
SCREENS_PX = {"1366x768": (1366, 768 - 30 - 28), "1280x800": (1280, 800 - 30 - 28)}


def _run_in_gui(qtbot, w, *, script=()) -> int:
    """A short session of the existing patient through the set-up page; the actions of
    ``script`` are sent once the cue runs. Returns the session id once the summary shows."""
    s = w.setup
    s.reload_patients(select=PATIENT)
    click(qtbot, s.use_sim)
    s.preset.setCurrentText("stroke")
    s.plan.setCurrentText("fixed")
    s.baseline_s.setValue(20)
    s.cued_s.setValue(60)
    s.probe_s.setValue(20)
    s.audio.setCurrentText("none")
    click(qtbot, s.start_btn)
    assert w.current_page() is w.live, s.error.text()
    controls = w.live.controls
    qtbot.waitUntil(controls.plus.isEnabled, timeout=20000)
    for action, label in script:
        w.controller.send(action, label)
        qtbot.wait(200)
    qtbot.waitUntil(lambda: w.current_page() is w.summary, timeout=30000)
    return w.controller.session_id


@pytest.fixture(scope="module")
def previous_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A database with the patient and one earlier session (same plan), recorded by ``ras run``
    once for the module; returns (path, session id)."""
    db = tmp_path_factory.mktemp("previous") / "ras.sqlite3"
    add_patient(db, PATIENT, "--diagnosis", "stroke", "--affected-side", "left")
    run_simulated(
        db, "stroke", "--patient", PATIENT, "--plan", "fixed", "--baseline", "20", "--cued", "60",
        "--probe", "20", seed=3,
    )  # fmt: skip
    with Store(db) as store:
        (info,) = store.list_sessions(PATIENT)
    return db, info.id


@pytest.fixture
def previous(db: str, previous_db: tuple[Path, int]) -> int:
    """The patient with one earlier session in the test's own database (a copy of
    :func:`previous_db`, through SQLite's backup so the WAL's content comes along)."""
    template, session_id = previous_db
    with (
        contextlib.closing(sqlite3.connect(template)) as source,
        contextlib.closing(sqlite3.connect(db)) as copy,
    ):
        source.backup(copy)
    return session_id


def test_summary_figures_are_those_of_ras_results(qtbot, window, db, previous):
    w = window
    script = [
        (Cues(on=False), "cues off"),
        (Cues(on=True), "cues on"),
        (Marker("", MarkerKind.FALL), "fall"),
        (Plug("left", connected=False), "unplug left"),
        (Plug("left", connected=True), "replug left"),
    ]
    sid = _run_in_gui(qtbot, w, script=script)
    page = w.summary
    with Store(db) as store:
        data = load_session(store, sid)
        prev = load_session(store, previous)
        n_ic = int((store.steps(sid)["kind"] == int(StepKind.INITIAL_CONTACT)).sum())
    out, prev_out = session_outcomes(data), session_outcomes(prev)
    assert f"#{sid}" in page.title.text()
    shown = 0
    for phase in PHASES:
        for key in SUMMARY_MEASURES:
            value = out.phase(phase).value(key)
            want = format_value(key, value) if math.isfinite(value) else "—"
            assert page.cells[(phase, key)].text() == want, (phase, key)
            shown += math.isfinite(value)
    assert shown >= 15  # sync R only in the cued phase; everything else measured
    # the changes are compare.py's: plain vs the baseline, MCID-flagged vs the previous session
    probe = page.changes[("probe", "gait_speed_m_per_s")].text().splitlines()
    base = compare_phases(out.phase("probe"), out.phase("baseline"))["gait_speed_m_per_s"]
    vs_prev = compare_sessions(out.phase("probe"), prev_out.phase("probe"), "stroke")
    assert probe == [
        f"{base.text} vs baseline",
        f"{vs_prev['gait_speed_m_per_s'].text} vs #{previous}",
    ]
    assert "MCID" not in base.text
    assert page.changes[("baseline", "cadence_spm")].text() == (
        f"{compare_sessions(out.phase('baseline'), prev_out.phase('baseline'), 'stroke')['cadence_spm'].text} vs #{previous}"  # noqa: E501
    )
    assert page.values["cued_end"].text() == f"{out.cued_end_cadence_spm:.1f} steps/min"
    # counts of the stored record: steps are initial contacts, not every gait event
    v = {k: label.text() for k, label in page.values.items()}
    assert v["steps"] == str(n_ic) and n_ic < len(data.steps)
    assert v["events"] == "fall 1"
    assert v["cue"] == "off 1"
    assert v["links"] == "left 1"
    assert v["notes"] == "0"
    assert float(v["cued_min"].split()[0]) < 60 / 60  # off for a while within the 60 s phase


@pytest.mark.parametrize("screen", SCREENS_PX)
def test_summary_buttons_are_above_the_fold(qtbot, window, db, previous, screen):
    w = window
    _run_in_gui(qtbot, w)
    width_px, height_px = SCREENS_PX[screen]
    page = w.summary
    hint = page.minimumSizeHint()
    assert hint.width() <= width_px and hint.height() <= height_px, hint  # never forces a scroll
    w.resize(width_px, height_px)
    qtbot.wait(100)
    # the page takes the window's height, not its (twice as tall) preferred one
    assert page.height() <= w.height()
    for button in (page.report_btn, page.export_btn, page.history_btn, page.new_btn):
        bottom_right = button.mapTo(w, button.rect().bottomRight())
        assert button.isVisible() and button.isEnabled(), button.text()
        assert bottom_right.x() < width_px and bottom_right.y() < height_px, button.text()
        assert button.sizeHint().width() <= button.width(), f"clipped: {button.text()}"
    # the phase table needs no sideways scrolling at this width
    assert not page.tabs.currentWidget().horizontalScrollBar().isVisible()


def test_export_writes_the_session_record(qtbot, window, db, previous, tmp_path, monkeypatch):
    w = window
    sid = _run_in_gui(qtbot, w)
    out = tmp_path / "export"
    out.mkdir()
    monkeypatch.setattr(QtWidgets.QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    warnings = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    w.summary.export_actions["csv"].trigger()
    assert warnings == []
    assert (out / f"session-{sid}_steps.csv").is_file()
    assert "Exported" in w.summary.status.text()

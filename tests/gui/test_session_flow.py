"""A whole simulated session driven through the widgets, as a therapist would."""

from __future__ import annotations

from gui_helpers import Key, click, log_text, set_up, therapist_changes
from PySide6 import QtCore, QtWidgets

from ras.events import LinkState
from ras.protocol.messages import Side
from ras.store.store import Store


def save_pdf(qtbot, button, pdf, monkeypatch):
    """Click a report button and answer its file dialog with ``pdf``: the PDF is written
    (the offscreen platform renders PDFs; the history's report is built in its worker thread)
    and no failure is shown."""
    monkeypatch.setattr(
        QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(pdf), "PDF (*.pdf)")
    )
    warnings = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    click(qtbot, button)
    qtbot.waitUntil(lambda: button.isEnabled() or bool(warnings), timeout=60000)
    assert warnings == []
    assert pdf.read_bytes().startswith(b"%PDF")


def export_report(qtbot, w, tmp_path, monkeypatch):
    """The summary's report button writes the session report."""
    save_pdf(qtbot, w.summary.report_btn, tmp_path / "report.pdf", monkeypatch)
    assert "Report saved" in w.summary.status.text()


def test_whole_session_through_the_widgets(qtbot, window, db, tmp_path, monkeypatch):
    w = window
    live, controls = window.live, window.live.controls
    set_up(qtbot, w)

    # baseline: uncued, tempo controls do not apply yet, cadence appears
    qtbot.waitUntil(
        lambda: bool(live.series.phases) and live.series.phases[0][0] == "baseline",
        timeout=30000,  # a hang guard: the session process starts slowly on a loaded machine
    )
    assert not controls.plus.isEnabled()
    qtbot.waitUntil(lambda: live.m_cadence.value.text() != "—", timeout=10000)
    # stride length and gait speed from the sensors' per-stride reports
    qtbot.waitUntil(lambda: live.m_speed.value.text()[0].isdigit(), timeout=15000)
    assert 0.2 < float(live.m_speed.value.text()) < 2.0
    assert live.m_tempo.value.text() == "no cue in the baseline" and live.m_tempo.stale
    assert live.m_r.value.text() == "no cue in the baseline"  # no sync R without a cue

    # cued with the ramp: the plan's first tempo is marked, tempo shown
    qtbot.waitUntil(controls.plus.isEnabled, timeout=15000)
    qtbot.waitUntil(lambda: any(c.source == "plan" for c in live.series.changes), timeout=5000)
    assert "phase cued starts" in log_text(w)
    qtbot.waitUntil(lambda: live.m_tempo.value.text()[0].isdigit(), timeout=5000)

    # therapist nudges: a click and the keyboard (+1 bpm, +N %); a change larger than the
    # plan's step (2 %) is asked first, and answered yes here (tests/gui/test_live_record.py)
    jumps = []
    monkeypatch.setattr(controls, "confirm_jump", lambda old, new: jumps.append(new) or True)
    click(qtbot, controls.plus)
    qtbot.waitUntil(lambda: len(therapist_changes(w)) == 1, timeout=5000)
    first = therapist_changes(w)[0]
    assert abs(first.new_bpm - first.old_bpm - 1.0) < 1e-9
    # the question names the tempo the screen shows: wait until it shows the first change (a
    # loaded machine can deliver the change's record a snapshot before the tempo)
    qtbot.waitUntil(lambda: abs(controls._tempo_bpm - first.new_bpm) < 1e-6, timeout=5000)
    qtbot.keyClick(w, Key.Key_PageUp)
    qtbot.waitUntil(lambda: len(therapist_changes(w)) == 2, timeout=5000)
    second = therapist_changes(w)[1]
    assert abs(second.new_bpm / second.old_bpm - 1.05) < 1e-6  # N = 5 % by default
    assert jumps[0] == second.new_bpm  # +5 % is a large jump: asked before it was sent
    # set an exact tempo with the keyboard: T, type, Enter
    qtbot.keyClick(w, Key.Key_T)
    assert controls.bpm.hasFocus()
    controls.bpm.selectAll()
    qtbot.keyClicks(controls.bpm, "90")
    qtbot.keyClick(controls.bpm, Key.Key_Return)
    qtbot.waitUntil(lambda: len(therapist_changes(w)) == 3, timeout=5000)
    assert therapist_changes(w)[2].new_bpm == 90.0
    # each shows in the tempo plot (therapist marks) and in the log
    qtbot.waitUntil(lambda: len(live.plots.change_marks["therapist"].data) == 3, timeout=3000)
    assert "you: +1 bpm" in log_text(w) and "you: +5 %" in log_text(w)

    # hold the ramp and start it again (R)
    qtbot.keyClick(w, Key.Key_R)
    qtbot.waitUntil(lambda: controls.ramp_btn.base_text == "Start ramp", timeout=5000)
    assert "ramp held at 90.0 bpm" in log_text(w)
    qtbot.keyClick(w, Key.Key_R)
    qtbot.waitUntil(lambda: controls.ramp_btn.base_text == "Hold ramp", timeout=5000)

    # a marker with a note
    qtbot.keyClick(w, Key.Key_N)
    assert controls.note.hasFocus()
    qtbot.keyClicks(controls.note, "freezing at the turn")
    qtbot.keyClick(controls.note, Key.Key_Return)
    qtbot.waitUntil(
        lambda: [m.note for m in live.series.markers] == ["freezing at the turn"], timeout=5000
    )

    # a probe: cues off, then on again
    click(qtbot, controls.cues_btn)
    qtbot.waitUntil(lambda: live.m_tempo.value.text().endswith("cues off"), timeout=5000)
    assert live.m_tempo.stale and live.m_r.value.text() == "cues off"
    qtbot.waitUntil(lambda: "cue off at " in log_text(w), timeout=5000)  # with its time
    qtbot.keyClick(w, Key.Key_C)
    qtbot.waitUntil(lambda: live.m_tempo.value.text()[0].isdigit(), timeout=5000)

    # volume: the key lowers it by 3 dB and the action is logged
    level = controls.vol.value()
    qtbot.keyClick(w, Key.Key_BracketLeft)
    assert controls.vol.value() == level - 3
    qtbot.waitUntil(lambda: f"volume {level - 3} dBFS" in log_text(w), timeout=3000)

    # unplug the left sensor: unmissable warning; replug: it goes away
    assert live.banner.isHidden()
    click(qtbot, live.sim_buttons["unplug_left"])
    qtbot.waitUntil(live.banner.isVisible, timeout=10000)
    assert "LEFT SENSOR DISCONNECTED" in live.banner.text()
    assert "disconnected" in live.sensors.rows[0][1].text()
    assert live.sensors.rows[0][2].text() == "—"  # no battery figure from an unplugged sensor
    qtbot.waitUntil(lambda: live.m_left.value.text().startswith("left sensor"), timeout=5000)
    assert "left sensor disconnected" in log_text(w)
    click(qtbot, live.sim_buttons["replug_left"])
    qtbot.waitUntil(live.banner.isHidden, timeout=15000)
    assert "connected" in live.sensors.rows[0][1].text()

    # stop the session (it asks first); the summary shows, the data is kept
    asked = []

    def yes(*args):
        asked.append(args[2])
        return QtWidgets.QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QtWidgets.QMessageBox, "question", yes)
    qtbot.keyClick(w, Key.Key_E, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert asked and "kept" in asked[0]
    qtbot.waitUntil(lambda: w.current_page() is w.summary, timeout=20000)
    assert "Incomplete" in w.summary.status.text()
    assert w.summary.values["steps"].text() not in ("—", "0")
    export_report(qtbot, w, tmp_path, monkeypatch)

    with Store(db) as store:
        (session,) = store.list_sessions("P-017")
        assert session.status == "incomplete" and session.settings["via"] == "gui"
        changes = store.tempo_changes(session.id)
        assert [c.new_bpm for c in changes if c.source == "therapist"][-1] == 90.0
        assert [m.note for m in store.markers(session.id)] == ["freezing at the turn"]
        left = [e.state for e in store.link_events(session.id) if e.side == Side.LEFT]
        assert LinkState.DISCONNECTED in left
        assert left[left.index(LinkState.DISCONNECTED) :].count(LinkState.CONNECTED) >= 1
        assert len(store.steps(session.id)) > 50

    # history: the session is listed with its figures, and the trends are drawn
    click(qtbot, w.summary.history_btn)
    assert w.current_page() is w.history
    h = w.history
    qtbot.waitUntil(lambda: not h.loading, timeout=60000)  # read in the page's worker thread
    assert h.source.text().startswith("Record: this laptop") and h.notice.isHidden()
    assert h.patient.currentData() == "P-017"
    assert h.table.rowCount() == 1
    titles = [h.table.horizontalHeaderItem(j).text() for j in range(h.table.columnCount())]
    assert h.table.item(0, titles.index("Session")).text() == f"#{session.id}"
    cadence = h.table.item(0, titles.index("Cadence /min"))  # baseline → probe
    # stopped in the cued phase: the baseline is measured, the probe "—" with the reason on hover
    assert cadence.text().split(" → ")[0] != "—" and cadence.text().endswith("→ —")
    assert "probe" in cadence.toolTip()
    speed = h.rows[0].value("baseline", "gait_speed_m_per_s")
    assert 0.2 < speed < 2.0  # from analysis/, stride lengths
    assert len(h.trends[0].curves["baseline"].getData()[0]) == 1
    save_pdf(qtbot, h.report_btn, tmp_path / "progress.pdf", monkeypatch)
    assert "saved" in h.note.text()
    click(qtbot, h.back_btn)
    assert w.current_page() is w.summary

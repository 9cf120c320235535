"""Helpers for driving the GUI as a user would (clicks and keys on real widgets)."""

from __future__ import annotations

from PySide6 import QtCore

Key = QtCore.Qt.Key
LEFT = QtCore.Qt.MouseButton.LeftButton


def click(qtbot, widget):
    assert widget.isEnabled(), widget.text() if hasattr(widget, "text") else widget
    qtbot.mouseClick(widget, LEFT)


def type_into(qtbot, spin, value):
    spin.selectAll()
    qtbot.keyClicks(spin, str(value))
    qtbot.keyClick(spin, Key.Key_Tab)


def log_text(w):
    return w.live.log.toPlainText()


def therapist_changes(w):
    return [c for c in w.live.series.changes if c.source == "therapist"]


def set_up(qtbot, w, *, patient="P-017", baseline=30, cued=300, probe=40):
    s = w.setup
    qtbot.keyClicks(s.new_id, patient)
    s.new_diagnosis.setCurrentText("stroke")
    s.new_side.setCurrentText("left")
    click(qtbot, s.add_patient_btn)
    assert s.patient.currentData() == patient, s.error.text()
    click(qtbot, s.use_sim)
    s.preset.setCurrentText("stroke")
    s.plan.setCurrentText("iso-ramp")
    type_into(qtbot, s.baseline_s, baseline)
    type_into(qtbot, s.cued_s, cued)
    type_into(qtbot, s.probe_s, probe)
    s.audio.setCurrentText("none")
    click(qtbot, s.start_btn)
    assert w.current_page() is w.live, s.error.text()


def show_history(qtbot, page, patient):
    """Open the history page on ``patient`` and wait until it shows what it read (the record
    is read in the page's worker thread; the page says it is loading meanwhile)."""
    with qtbot.waitSignal(page.loaded, timeout=60000):  # a hang guard, not a threshold
        page.show_patient(patient)
        assert page.loading
    assert not page.loading

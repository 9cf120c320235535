"""The live page's part of the clinical record (issue 13 points 1 and 2): one button and one
key per clinical event, and a large tempo jump asks first (Enter sends it, Esc keeps the tempo)."""

from __future__ import annotations

from gui_helpers import Key, click, log_text, set_up, therapist_changes
from PySide6 import QtCore, QtWidgets

from ras.events import MarkerKind
from ras.store.store import Store


def answer_jump(qtbot, controls, key):
    """Answer the large-jump question with ``key`` once it is shown (it is modal)."""
    asked = []

    def press():
        box = controls.jump_box
        if box is None or not box.isVisible():
            QtCore.QTimer.singleShot(20, press)
            return
        asked.append(box.text())
        qtbot.keyClick(box, key)

    QtCore.QTimer.singleShot(20, press)
    return asked


def test_clinical_events_and_a_large_jump_from_the_live_page(qtbot, window, db):
    w = window
    live, controls = w.live, w.live.controls
    set_up(qtbot, w, baseline=20, cued=600, probe=20)
    qtbot.waitUntil(controls.plus.isEnabled, timeout=30000)
    qtbot.waitUntil(lambda: live.m_tempo.value.text()[0].isdigit(), timeout=5000)

    # a clinical event by key (with the note typed beside) and one by its button
    controls.note.setText("lost balance at the turn")
    qtbot.keyClick(w, Key.Key_F1)
    click(qtbot, controls.events[MarkerKind.ASSISTANCE])
    qtbot.waitUntil(lambda: len(live.series.markers) == 2, timeout=5000)
    assert [(m.kind, m.note) for m in live.series.markers] == [
        (MarkerKind.FALL, "lost balance at the turn"),
        (MarkerKind.ASSISTANCE, ""),
    ]
    qtbot.waitUntil(lambda: "assistance given" in log_text(w), timeout=5000)
    assert "fall: lost balance at the turn" in log_text(w)

    # +12 % is more than the plan's step (iso-ramp: 2 %): asked first; Esc keeps the tempo
    controls.pct.setValue(12.0)
    asked = answer_jump(qtbot, controls, Key.Key_Escape)
    click(qtbot, controls.plus_pct)
    assert asked and "+12.0 %" in asked[0] and "more than the 2 %" in asked[0]
    assert "not sent" in log_text(w)
    asked = answer_jump(qtbot, controls, Key.Key_Return)
    click(qtbot, controls.plus_pct)
    assert asked
    qtbot.waitUntil(lambda: len(therapist_changes(w)) == 1, timeout=5000)
    change = therapist_changes(w)[0]
    assert abs(change.new_bpm / change.old_bpm - 1.12) < 1e-6
    qtbot.waitUntil(lambda: "large jump" in log_text(w), timeout=5000)
    # a small step is sent without a question
    click(qtbot, controls.plus)
    qtbot.waitUntil(lambda: len(therapist_changes(w)) == 2, timeout=5000)
    assert controls.jump_box is None

    with Store(db) as store:
        (session,) = store.list_sessions()
        kinds = [m.kind for m in store.markers(session.id)]
    assert kinds == [MarkerKind.FALL, MarkerKind.ASSISTANCE]
    assert QtWidgets.QApplication.activeModalWidget() is None

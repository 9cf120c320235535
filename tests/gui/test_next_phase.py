"""The therapist ends phases early from the live screen (button and Ctrl+N)."""

from __future__ import annotations

import pytest
from gui_helpers import Key, click, log_text, set_up
from PySide6 import QtCore

from ras.store.store import Store

BASELINE_S, CUED_S, PROBE_S = 240, 240, 240  # long: the test ends every phase itself


@pytest.mark.timing  # ends 'complete': every cue decided within 0.25 s real
def test_next_phase_from_the_live_screen(qtbot, window, db):
    w = window
    live, controls = w.live, w.live.controls
    set_up(qtbot, w, baseline=BASELINE_S, cued=CUED_S, probe=PROBE_S)
    qtbot.waitUntil(lambda: controls.next_btn.isEnabled(), timeout=10000)
    assert controls.next_btn.base_text == "Start cue now"
    qtbot.waitUntil(lambda: live.m_cadence.value.text() != "—", timeout=10000)

    # Ctrl+N in the baseline: the cue starts now, not after the planned 4 minutes
    qtbot.keyClick(w, Key.Key_N, QtCore.Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(controls.plus.isEnabled, timeout=10000)
    assert controls.next_btn.base_text == "Start probe now"
    assert "you: start cue now" in log_text(w)
    baseline_drawn_s = dict(live.timeline.planned)["baseline"]
    assert baseline_drawn_s < BASELINE_S / 2  # the timeline shows the baseline as it ran

    # the button in the cued phase: the probe starts; then the probe ends the session
    click(qtbot, controls.next_btn)
    qtbot.waitUntil(lambda: controls.next_btn.base_text == "End probe now", timeout=10000)
    assert not controls.plus.isEnabled()
    click(qtbot, controls.next_btn)
    qtbot.waitUntil(lambda: w.current_page() is w.summary, timeout=20000)
    assert "Complete" in w.summary.status.text()

    with Store(db) as store:
        (session,) = store.list_sessions("P-017")
        phases = {name: end - start for name, start, end in store.phases(session.id)}
        notes = [m.note for m in store.markers(session.id)]
    assert session.status == "complete"
    assert all(duration_s < 120 for duration_s in phases.values()), phases
    assert notes == [
        "therapist: baseline ended early, cued next",
        "therapist: cued ended early, probe next",
        "therapist: probe ended early, end next",
    ]

"""Closing mid-session, a failed sound device, bad set-up input."""

from __future__ import annotations

from gui_helpers import click, set_up
from PySide6 import QtCore, QtWidgets

from ras.store.store import Store

Key = QtCore.Qt.Key


def test_closing_mid_session_asks_and_keeps_the_data(qtbot, window, db, monkeypatch):
    w = window
    set_up(qtbot, w, patient="P-close")
    qtbot.waitUntil(w.live.controls.plus.isEnabled, timeout=15000)
    answers = [QtWidgets.QMessageBox.StandardButton.No, QtWidgets.QMessageBox.StandardButton.Yes]
    asked = []

    def question(parent, title, text, *rest):
        asked.append(text)
        return answers[len(asked) - 1]

    monkeypatch.setattr(QtWidgets.QMessageBox, "question", question)
    w.close()  # "No": the window stays and the session goes on
    assert len(asked) == 1 and "kept" in asked[0]
    assert w.isVisible() and w.controller.running
    w.close()  # "Yes": the session is ended, the recorder finishes, the window closes
    assert len(asked) == 2
    assert not w.isVisible() and w.controller.state == "finished"
    with Store(db) as store:
        (session,) = store.list_sessions("P-close")
        assert session.status == "incomplete" and session.ended_utc is not None
        assert len(store.steps(session.id)) > 20
        assert [p[0] for p in store.phases(session.id)][:2] == ["baseline", "cued"]


def test_a_failed_sound_device_is_shown_with_what_to_do(qtbot, db):
    from gui.app import make_app
    from gui.main_window import MainWindow

    make_app()
    w = MainWindow(db, speed=1.0, simulate="healthy", audio="device:no-such-device-xyz")
    w.show()
    try:
        s = w.setup
        qtbot.keyClicks(s.new_id, "P-audio")
        click(qtbot, s.add_patient_btn)
        click(qtbot, s.start_btn)
        qtbot.waitUntil(lambda: w.current_page() is w.setup, timeout=20000)
        text = s.error.text()
        assert text.startswith("Sound problem:"), text
        assert "choose another output" in text and "'none'" in text
    finally:
        if w.controller is not None:
            w.controller.stop()
            w.controller.wait(20)
        w.timer.stop()
        w.close()
        w.deleteLater()


def test_bad_set_up_input_is_refused_in_one_line(qtbot, window):
    s = window.setup
    click(qtbot, s.start_btn)  # no patient yet
    assert "choose a patient" in s.error.text()
    qtbot.keyClicks(s.new_id, "Jane Doe")  # a name, not a pseudonym
    click(qtbot, s.add_patient_btn)
    assert "not valid" in s.error.text()
    assert window.current_page() is s


def test_sigterm_to_the_window_ends_its_session_with_the_reason(qtbot, window, db):
    import os
    import signal

    from gui.app import _end_on_signals, make_app

    w = window
    set_up(qtbot, w, patient="P-term")
    qtbot.waitUntil(w.live.controls.plus.isEnabled, timeout=15000)
    old = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        exits: list[int] = []  # the app itself goes on: other tests use it
        _end_on_signals(make_app(), w, quit_app=exits.append)
        os.kill(os.getpid(), signal.SIGTERM)  # handled between byte codes, on this thread
        qtbot.waitUntil(lambda: w.controller.state == "finished", timeout=30000)
        assert exits == [128 + signal.SIGTERM]
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
    with Store(db) as store:
        (session,) = store.list_sessions("P-term")
        assert session.status == "incomplete" and session.end_reason == "ended by SIGTERM"
        assert len(store.steps(session.id)) > 0

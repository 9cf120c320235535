"""Streaming to LSL from the set-up page (issue 15 in the GUI): the checkbox sets the session's
``lsl`` as ``ras run --lsl`` does, is disabled saying what to install without pylsl, and a
session started from the page with it ticked streams to an inlet."""

from __future__ import annotations

import json
import sys

import pytest
from PySide6 import QtCore

from gui import lsl_choice
from ras.lsl.outlet import RECORDER_WAIT_S
from ras.store.store import Store
from tests.gui.gui_helpers import click, set_up

#: The clinic laptop's screen less a 30 px panel and a window manager's title bar (30 px).
LAPTOP = (1366, 768 - 60)


@pytest.fixture
def page(qtbot, db):
    """The set-up page on its own, a patient chosen and a virtual patient without sound."""
    from gui.app import make_app
    from gui.setup_view import SetupPage

    make_app()
    with Store(db) as store:
        store.add_patient("P-017", diagnosis="stroke", affected_side="left")
    p = SetupPage(db, simulate="stroke", audio="none")
    qtbot.addWidget(p)
    p.show()
    qtbot.waitExposed(p)
    p.resize(*LAPTOP)  # as a window manager maximises ras gui on a laptop, once it is shown
    p.reload_patients(select="P-017")
    return p


def started_settings(qtbot, page):
    """Press Start; the settings of the session the page asks to start."""
    with qtbot.waitSignal(page.start_requested, timeout=5000) as started:
        click(qtbot, page.start_btn)
    return started.args[0].settings


def test_ticked_the_session_streams_on_lsl_unticked_it_does_not(qtbot, page) -> None:
    box = page.lab.stream
    assert box.isEnabled() and not box.isChecked()  # pylsl is installed here; off by default
    assert started_settings(qtbot, page).lsl is False
    click(qtbot, box)
    assert box.isChecked()
    assert started_settings(qtbot, page).lsl is True
    click(qtbot, box)
    assert started_settings(qtbot, page).lsl is False


def test_the_tooltip_says_what_it_streams_and_how_long_it_waits(page) -> None:
    tip = page.lab.stream.toolTip()
    assert "steps, cue onsets and markers" in tip
    assert f"waits up to {RECORDER_WAIT_S:g} s for a recorder such as LabRecorder" in tip
    assert f"up to {RECORDER_WAIT_S:g} s" in page.lab.note.text()


def test_the_box_is_in_view_on_a_laptop_screen_without_scrolling(page) -> None:
    assert page.columns == 3
    viewport = page.scroll.viewport()
    box = page.lab.stream
    rect = QtCore.QRect(box.mapTo(viewport, QtCore.QPoint(0, 0)), box.size())
    assert box.isVisible() and viewport.rect().contains(rect), (rect, viewport.rect())


def test_without_pylsl_the_check_names_what_to_install(monkeypatch) -> None:
    assert lsl_choice.lsl_missing() == ""
    monkeypatch.setitem(sys.modules, "pylsl", None)  # as if it were not installed
    missing = lsl_choice.lsl_missing()
    assert "pip install 'ras[lsl]'" in missing and "\n" not in missing


def test_without_pylsl_the_box_is_disabled_saying_what_to_install(qtbot, db, monkeypatch) -> None:
    from gui.app import make_app
    from gui.setup_view import SetupPage

    make_app()
    monkeypatch.setattr(lsl_choice, "lsl_missing", lambda: "needs pylsl: pip install 'ras[lsl]'")
    p = SetupPage(db, simulate="stroke", audio="none")
    qtbot.addWidget(p)
    box = p.lab.stream
    assert not box.isEnabled()
    assert "pip install 'ras[lsl]'" in box.toolTip()
    assert "pip install 'ras[lsl]'" in p.lab.note.text()
    box.setChecked(True)  # even ticked by a program: never asked of a session
    assert p.lab.lsl is False


def test_a_session_started_with_lsl_streams_its_markers_to_an_inlet(qtbot, window) -> None:
    import pylsl

    from ras.lsl.streams import MARKERS, device_key, source_id

    w = window
    click(qtbot, w.setup.lab.stream)
    set_up(qtbot, w, baseline=5, cued=20, probe=5)  # 1.5 s at 20x
    c = w.controller
    assert c.config.settings.lsl is True
    qtbot.waitUntil(lambda: c.db_path is not None, timeout=30000)  # a hang guard
    [info] = pylsl.resolve_byprop("source_id", source_id(device_key(c.db_path), MARKERS), 1, 10.0)
    inlet = pylsl.StreamInlet(info)
    inlet.open_stream(timeout=10.0)  # a recorder: the session starts without waiting 30 s
    markers: list[dict] = []

    def pulled_to_the_end() -> bool:
        samples, _ = inlet.pull_chunk(timeout=0.0)
        markers.extend(json.loads(sample[0]) for sample in samples)
        return {"event": "phase", "name": "probe", "edge": "end"} in [
            {k: m.get(k) for k in ("event", "name", "edge")} for m in markers
        ]

    qtbot.waitUntil(pulled_to_the_end, timeout=60000)
    assert markers[0] == {
        "event": "session",
        "t_s": 0.0,
        "session_id": c.session_id,
        "patient_id": "P-017",
    }
    starts = [m["name"] for m in markers if m["event"] == "phase" and m["edge"] == "start"]
    assert starts == ["baseline", "cued", "probe"]
    qtbot.waitUntil(lambda: "LSL: streaming 'ras steps'" in w.live.log.toPlainText(), timeout=5000)

"""GUI tests run offscreen (no display needed) with pytest-qt."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")
pytest.importorskip("pytestqt")


@pytest.fixture(scope="session")
def qapp_args():
    return ["ras-gui-tests"]


@pytest.fixture
def db(tmp_path):
    """An empty session database in a temporary directory."""
    return str(tmp_path / "ras.sqlite3")


@pytest.fixture
def window(qtbot, db):
    """The main window on a fast virtual patient (20 simulated s per s, no sound)."""
    from gui.app import make_app
    from gui.main_window import MainWindow

    make_app()
    w = MainWindow(db, speed=20.0, simulate="stroke", audio="none", poll_ms=50)
    w.resize(1600, 1000)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    yield w
    # not qtbot.addWidget: pytest-qt would close the window before a running session is
    # stopped, and the window would ask (a modal question) whether to end it
    c = w.controller
    if c is not None and c.running:
        c.stop()
        assert c.wait(30), "the session thread did not end"
    w.timer.stop()
    w.close()
    w.deleteLater()


# the real PostgreSQL of the clinic tests (tests/gui/test_clinic_record.py)
from tests.clinic.conftest import clinic_url, pg_server  # noqa: E402, F401

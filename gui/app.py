"""Start the GUI: ``python -m gui`` or ``ras gui``."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from gui.main_window import MainWindow
from gui.theme import STYLE_SHEET

__all__ = ["main", "make_app"]


def make_app() -> QtWidgets.QApplication:
    """The application object, with the large-type style sheet."""
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName("ras")
    app.setStyleSheet(STYLE_SHEET)
    return app  # type: ignore[return-value]


def main(
    db: str | None = None,
    *,
    simulate: str | None = "healthy",
    audio: str = "default",
    speed: float = 1.0,
) -> int:
    """Open the main window and run until it is closed; returns the exit status."""
    app = make_app()
    window = MainWindow(db, speed=speed, simulate=simulate, audio=audio)
    window.resize(1600, 1000)
    window.show()
    _end_on_signals(app, window)
    return int(app.exec())


def _end_on_signals(
    app: QtWidgets.QApplication,
    window: MainWindow,
    quit_app: Callable[[int], None] | None = None,
) -> None:
    """SIGTERM and SIGHUP end a running session as its stop button does (the reason is the
    signal; the session is closed in the store), then quit with 128 + N.

    Python runs signal handlers only between byte codes, so a timer gives the interpreter a
    turn while Qt waits for events. ``quit_app`` (default ``app.exit``) gets the exit status.
    """

    def handle(signum: int, frame: object) -> None:
        c = window.controller
        if c is not None and c.running:
            c.stop(f"ended by {signal.Signals(signum).name}")
            c.wait(30.0)  # the recorder finishes and the session is closed in the store
        (quit_app or app.exit)(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, handle)
    timer = QtCore.QTimer(window)
    timer.timeout.connect(lambda: None)
    timer.start(250)

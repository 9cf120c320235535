"""Start the GUI: ``python -m gui`` or ``ras gui``."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from gui.main_window import MainWindow
from gui.theme import STYLE_SHEET

__all__ = ["WINDOW_SIZE_PX", "main", "make_app", "show_on_screen"]

#: The main window's size (width, height) where the screen has room for it.
WINDOW_SIZE_PX = (1600, 1000)


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
    show_on_screen(window)
    _end_on_signals(app, window)
    return int(app.exec())


def show_on_screen(window: QtWidgets.QWidget) -> None:
    """Show ``window`` at :data:`WINDOW_SIZE_PX`, or maximised on a smaller screen (a 1366x768
    clinic laptop), so that none of it starts off the screen."""
    room = window.screen().availableGeometry()
    width_px, height_px = WINDOW_SIZE_PX
    window.resize(min(width_px, room.width()), min(height_px, room.height()))
    if room.width() >= width_px and room.height() >= height_px:
        window.show()
    else:  # the window manager fits the frame to the screen
        window.showMaximized()


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

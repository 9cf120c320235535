"""Start the GUI: ``python -m gui`` or ``ras gui``."""

from __future__ import annotations

import sys

from PySide6 import QtWidgets

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
    return int(app.exec())

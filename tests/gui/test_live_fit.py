"""The live page fits a clinic laptop (issue 13 point 5): 1366 x 768 and 1280 x 800 at 100 %
scaling, less a 30 px panel and the window manager's title bar, without scrolling, with and
without the disconnect banner; nothing is cut off and no label is clipped, and the log shows at
least four lines (the cue sound and the music line share the last row of controls)."""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtWidgets

from ras.link.host_steps import StepSource
from ras.protocol.messages import Side
from ras.session.snapshot import LiveSnapshot, SensorView

PANEL_PX = 30  # a desktop panel (taskbar)
TITLE_BAR_PX = 30  # the window manager's title bar
SCREENS = [(1366, 768), (1280, 800)]
#: Lines of the live log the therapist sees without scrolling, at least.
LOG_LINES = 4


def sensor(side: Side, connected: bool) -> SensorView:
    return SensorView(
        name=side.label,
        port=f"/dev/pts/{int(side)}",
        state="connected" if connected else "disconnected",
        connected=connected,
        battery_pct=80 if connected else None,
        lost_frames=0,
        frames_ok=1000,
        clock_synced=connected,
        clock_residual_ms=0.4,
        reconnects=0,
        steps=StepSource.SENSOR,
        side=side,
        state_age_s=0.0 if connected else 12.0,
    )


def clipped(widget: QtWidgets.QWidget) -> list[str]:
    """Buttons and labels under ``widget`` whose text does not fit their size."""
    bad = []
    for w in widget.findChildren(QtWidgets.QLabel) + widget.findChildren(QtWidgets.QPushButton):
        if not w.isVisible() or not w.text():
            continue
        if isinstance(w, QtWidgets.QLabel) and w.wordWrap():
            if w.heightForWidth(w.width()) > w.height():
                bad.append(f"{w.text()!r}: needs {w.heightForWidth(w.width())} px high")
        elif w.sizeHint().width() > w.width():
            bad.append(f"{w.text()!r}: {w.sizeHint().width()} px in {w.width()}")
    return bad


def log_lines(log: QtWidgets.QPlainTextEdit) -> int:
    """Whole lines of text the log shows without scrolling."""
    margins = 2 * int(log.document().documentMargin())
    return (log.viewport().height() - margins) // log.fontMetrics().lineSpacing()


def outside(window: QtWidgets.QWidget, page: QtWidgets.QWidget) -> list[str]:
    """Controls of ``page`` not wholly inside the window, or hidden under nothing."""
    inside = window.rect()
    bad = []
    kinds = (QtWidgets.QAbstractButton, QtWidgets.QAbstractSpinBox, QtWidgets.QAbstractSlider)
    controls = [w for k in kinds for w in page.findChildren(k)]
    controls += [page.controls.note, page.log]
    for w in controls:
        if isinstance(w, QtWidgets.QScrollBar):
            continue
        rect = QtCore.QRect(w.mapTo(window, QtCore.QPoint(0, 0)), w.size())
        if not w.isVisible() or not inside.contains(rect) or w.height() < 12:
            bad.append(f"{type(w).__name__} {getattr(w, 'text', lambda: '')()!r} at {rect}")
    return bad


@pytest.mark.parametrize(("width_px", "height_px"), SCREENS)
def test_the_live_page_fits_a_laptop_screen(qtbot, db, width_px, height_px) -> None:
    from gui.app import make_app
    from gui.main_window import MainWindow

    make_app()
    w = MainWindow(db, simulate="stroke", audio="none")
    qtbot.addWidget(w)
    live = w.live
    live.reset("P-017", 60, 300, 60, True, -12.0)
    w.show_page(live)
    room = QtCore.QSize(width_px, height_px - PANEL_PX - TITLE_BAR_PX)
    hint = w.minimumSizeHint()
    assert hint.width() <= room.width() and hint.height() <= room.height(), hint
    w.resize(room)
    w.show()
    qtbot.waitExposed(w)
    assert w.size() == room
    plot_widths = []
    for connected in (True, False):
        snap = LiveSnapshot(
            state="running",
            t_s=100.0,
            sensors=(sensor(Side.LEFT, connected), sensor(Side.RIGHT, True)),
        )
        live.show_state(snap)
        QtWidgets.QApplication.processEvents()
        assert live.banner.isVisible() is not connected
        assert outside(w, live) == []
        assert clipped(live) == []
        plot_widths.append(live.plots.width())
        assert log_lines(live.log) >= LOG_LINES, live.log.viewport().height()
        if not connected:  # laid over the plots: it covers no control
            banner = QtCore.QRect(live.banner.mapTo(w, QtCore.QPoint(0, 0)), live.banner.size())
            plots = QtCore.QRect(live.plots.mapTo(w, QtCore.QPoint(0, 0)), live.plots.size())
            assert plots.contains(banner)
            assert "LEFT SENSOR DISCONNECTED" in live.banner.text()
    assert plot_widths[0] == plot_widths[1]  # an unplugged foot's longer texts move nothing

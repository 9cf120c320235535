"""The mouse wheel never changes a field that has no keyboard focus (issue 13: scrolling the
set-up form changed the plan from iso-ramp to adaptive and the ramp target from 10 % to 7 %)."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from gui.widgets import guard_wheel


def wheel(widget: QtWidgets.QWidget, steps: int = -1) -> bool:
    """One wheel notch (down for negative ``steps``) over the middle of ``widget``; whether
    the widget took it (Qt offers an event a widget leaves to its parent: a scroll area
    scrolls; a synthetic event as here stops, so the test checks what the widget did)."""
    pos = QtCore.QPointF(widget.rect().center())
    event = QtGui.QWheelEvent(
        pos,
        QtCore.QPointF(widget.mapToGlobal(pos.toPoint())),
        QtCore.QPoint(0, 0),
        QtCore.QPoint(0, 120 * steps),
        QtCore.Qt.MouseButton.NoButton,
        QtCore.Qt.KeyboardModifier.NoModifier,
        QtCore.Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QtWidgets.QApplication.sendEvent(widget, event)
    return event.isAccepted()


def form() -> tuple[
    QtWidgets.QScrollArea, QtWidgets.QSpinBox, QtWidgets.QComboBox, QtWidgets.QSlider
]:
    page = QtWidgets.QWidget()
    lay = QtWidgets.QVBoxLayout(page)
    spin = QtWidgets.QSpinBox(minimum=0, maximum=100, value=10)
    combo = QtWidgets.QComboBox()
    combo.addItems(["iso-ramp", "fixed", "adaptive"])
    slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal, minimum=0, maximum=100, value=50)
    for w in (spin, combo, slider):
        lay.addWidget(w)
    lay.addSpacing(2000)  # taller than the view: the wheel scrolls it
    area = QtWidgets.QScrollArea(widgetResizable=True)
    area.setWidget(page)
    area.resize(300, 200)
    return area, spin, combo, slider


def test_the_wheel_scrolls_past_unfocused_fields_and_changes_a_focused_one(qtbot) -> None:
    area, spin, combo, slider = form()
    qtbot.addWidget(area)
    assert guard_wheel(area) == 3
    area.show()
    qtbot.waitExposed(area)
    spin.clearFocus()  # the window gave its first field the focus
    for w in (spin, combo, slider):
        assert not w.hasFocus()
        assert w.focusPolicy() == QtCore.Qt.FocusPolicy.StrongFocus  # the wheel gives no focus
        assert not wheel(w)  # left to the parent: the page scrolls
    assert (spin.value(), combo.currentText(), slider.value()) == (10, "iso-ramp", 50)
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    assert wheel(spin, +1)
    assert spin.value() == 11  # a field the therapist chose still takes the wheel


def test_every_field_of_the_main_window_is_guarded(qtbot, db) -> None:
    from gui.main_window import MainWindow

    w = MainWindow(db, simulate="stroke", audio="none")
    qtbot.addWidget(w)
    fields = [
        f
        for f in w.findChildren(QtWidgets.QWidget)
        if isinstance(
            f, (QtWidgets.QAbstractSpinBox, QtWidgets.QComboBox, QtWidgets.QAbstractSlider)
        )
        and not isinstance(f, QtWidgets.QScrollBar)  # scroll bars scroll with the wheel
    ]
    assert len(fields) > 5
    setup_combos = [f for f in fields if isinstance(f, QtWidgets.QComboBox) and f.count() > 1]
    assert setup_combos
    before = [c.currentIndex() for c in setup_combos]
    for f in fields:
        assert f.focusPolicy() != QtCore.Qt.FocusPolicy.WheelFocus, f
    w.show()
    qtbot.waitExposed(w)
    QtWidgets.QApplication.focusWidget() and QtWidgets.QApplication.focusWidget().clearFocus()
    for c in setup_combos:
        assert not wheel(c)
    assert [c.currentIndex() for c in setup_combos] == before

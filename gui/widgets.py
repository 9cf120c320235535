"""Small shared widgets: a big metric read-out, a big button, and the wheel guard."""

from __future__ import annotations

import re

from PySide6 import QtCore, QtWidgets

__all__ = ["STALE_STYLE", "WHEEL_GUARDED", "BigButton", "Metric", "WheelGuard", "guard_wheel"]

#: How a figure that is not current looks: small and grey, so it is not read as a number now.
STALE_STYLE = "color: #8a8a8a; font-size: 12pt; font-weight: normal;"

#: The kinds of field a mouse wheel could change by accident (spin boxes, combos, sliders).
WHEEL_GUARDED = (QtWidgets.QAbstractSpinBox, QtWidgets.QComboBox, QtWidgets.QAbstractSlider)


class WheelGuard(QtCore.QObject):
    """An event filter: a wheel event over a field without keyboard focus changes nothing.

    The event goes on to the field's parent instead (a scroll area scrolls), so scrolling a
    form past a spin box or a combo never changes the plan silently; click the field first
    (or Tab to it) and the wheel works on it as usual.
    """

    def eventFilter(self, obj: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802
        wheel = event.type() == QtCore.QEvent.Type.Wheel
        if wheel and isinstance(obj, QtWidgets.QWidget) and not obj.hasFocus():
            event.ignore()  # not accepted: Qt offers it to the parent widget
            return True
        return False


_GUARD: list[WheelGuard] = []  # one filter for the app, made once a QApplication exists


def guard_wheel(root: QtWidgets.QWidget) -> int:
    """Guard every spin box, combo box and slider (not scroll bars) under ``root``, and
    ``root`` itself, against wheel events without focus; returns how many were guarded.

    Call it once a page's fields exist (again after adding fields; guarding twice is harmless).
    A guarded field takes focus by click or Tab only, never by the wheel.
    """
    if not _GUARD:
        _GUARD.append(WheelGuard(QtWidgets.QApplication.instance()))
    guard = _GUARD[0]
    fields = [
        w
        for w in [root, *root.findChildren(QtWidgets.QWidget)]
        if isinstance(w, WHEEL_GUARDED) and not isinstance(w, QtWidgets.QScrollBar)
    ]
    for w in fields:
        if w.focusPolicy() == QtCore.Qt.FocusPolicy.WheelFocus:
            w.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        w.removeEventFilter(guard)
        w.installEventFilter(guard)
    return len(fields)


class Metric(QtWidgets.QFrame):
    """A titled big number with its unit; :meth:`set` shows a value or an em dash,
    :meth:`set_stale` a value that is not current, greyed, with the reason."""

    def __init__(self, title: str, unit: str = "", parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.title = QtWidgets.QLabel(f"{title}" + (f" ({unit})" if unit else ""))
        self.title.setObjectName("metricTitle")
        self.value = QtWidgets.QLabel("—")
        self.value.setObjectName("metricValue")
        self.value.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.value.setWordWrap(True)  # a reason may take two short lines
        self.value.setMinimumHeight(42)
        # a long reason wraps instead of widening the column (the plots keep their width)
        self.value.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred
        )
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 2)
        lay.setSpacing(0)
        lay.addWidget(self.title)
        lay.addWidget(self.value)
        self.stale = False

    def set(self, text: str, color: str | None = None, tooltip: str = "") -> None:
        """Show ``text`` (optionally coloured) with a tooltip."""
        if self.value.text() != text:
            self.value.setText(text)
        style = f"color: {color};" if color else ""
        if self.value.styleSheet() != style:
            self.value.setStyleSheet(style)
        self.setToolTip(tooltip)
        self.stale = False

    def set_stale(self, reason: str, text: str = "", tooltip: str = "") -> None:
        """Show a figure that is not current: greyed ``text`` (if any) with the ``reason``."""
        reason = re.sub(r"(\d) s\b", "\\1\u00a0s", reason)  # "12 s" never split over lines
        shown = f"{text} · {reason}" if text else reason
        self.set(shown, None, tooltip or reason)
        style = STALE_STYLE
        if self.value.styleSheet() != style:
            self.value.setStyleSheet(style)
        self.stale = True


class BigButton(QtWidgets.QPushButton):
    """A large touch target whose second line names its keyboard shortcut."""

    def __init__(
        self,
        text: str,
        key_hint: str = "",
        *,
        checkable: bool = False,
        name: str = "",
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.base_text = text
        self.key_hint = key_hint
        self.setCheckable(checkable)
        self.setProperty("big", True)  # the theme's size for these (two lines: text and key)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)  # keys stay with the shortcuts
        self.setMinimumWidth(96)
        if name:
            self.setObjectName(name)
        self.set_label(text)

    def set_label(self, text: str) -> None:
        """Change the first line, keep the key hint."""
        self.base_text = text
        self.setText(f"{text}\n[{self.key_hint}]" if self.key_hint else text)
        if self.key_hint:
            self.setToolTip(f"{text} — key: {self.key_hint}")

"""Small shared widgets: a big metric read-out and a big button."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

__all__ = ["BigButton", "Metric"]


class Metric(QtWidgets.QFrame):
    """A titled big number with its unit; :meth:`set` shows a value or an em dash."""

    def __init__(self, title: str, unit: str = "", parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.title = QtWidgets.QLabel(f"{title}" + (f" ({unit})" if unit else ""))
        self.title.setObjectName("metricTitle")
        self.value = QtWidgets.QLabel("—")
        self.value.setObjectName("metricValue")
        self.value.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 2)
        lay.setSpacing(0)
        lay.addWidget(self.title)
        lay.addWidget(self.value)

    def set(self, text: str, color: str | None = None, tooltip: str = "") -> None:
        """Show ``text`` (optionally coloured) with a tooltip."""
        if self.value.text() != text:
            self.value.setText(text)
        style = f"color: {color};" if color else ""
        if self.value.styleSheet() != style:
            self.value.setStyleSheet(style)
        self.setToolTip(tooltip)


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
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)  # keys stay with the shortcuts
        self.setMinimumWidth(110)
        if name:
            self.setObjectName(name)
        self.set_label(text)

    def set_label(self, text: str) -> None:
        """Change the first line, keep the key hint."""
        self.base_text = text
        self.setText(f"{text}\n[{self.key_hint}]" if self.key_hint else text)
        if self.key_hint:
            self.setToolTip(f"{text} — key: {self.key_hint}")

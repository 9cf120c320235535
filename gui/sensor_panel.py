"""Sensor status (connected, battery, lost frames, clock-sync quality, where its steps are
detected) and the disconnect banner."""

from __future__ import annotations

import math

from PySide6 import QtCore, QtWidgets

from gui.theme import CLOCK_POOR_MS, COLORS, fmt
from ras.link.host_steps import StepSource
from ras.session.snapshot import SensorView

__all__ = ["DisconnectBanner", "SensorPanel"]

_STEPS = {StepSource.SENSOR: "on sensor", StepSource.HOST: "on host", StepSource.NONE: "none"}


class SensorPanel(QtWidgets.QGroupBox):
    """One row per sensor."""

    HEADERS = ("sensor", "link", "battery", "lost", "clock sync", "steps")

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        # no title (its header row names the columns), so the log below keeps 4 lines at 768 px
        super().__init__(parent)
        self.setStyleSheet(  # six columns in a third of 1280 px
            "QGroupBox { margin-top: 0px; } QLabel { font-size: 12pt; }"
        )
        self.grid = QtWidgets.QGridLayout(self)
        self.grid.setVerticalSpacing(0)
        self.grid.setHorizontalSpacing(4)
        self.grid.setContentsMargins(6, 2, 6, 2)
        for col, text in enumerate(self.HEADERS):
            label = QtWidgets.QLabel(text)
            label.setStyleSheet("color: #555; font-size: 11pt;")
            self.grid.addWidget(label, 0, col)
        self.rows: list[list[QtWidgets.QLabel]] = []
        self.outer = QtWidgets.QVBoxLayout()
        self.outer.setContentsMargins(0, 0, 0, 0)
        self.grid.addLayout(self.outer, 100, 0, 1, len(self.HEADERS))

    def add_below(self, widget: QtWidgets.QWidget) -> None:
        """Put a widget under the sensor rows (e.g. the virtual sensors' buttons)."""
        self.outer.addWidget(widget)

    def _row(self, i: int) -> list[QtWidgets.QLabel]:
        while len(self.rows) <= i:
            labels = [QtWidgets.QLabel("—") for _ in self.HEADERS]
            for col, label in enumerate(labels):
                self.grid.addWidget(label, len(self.rows) + 1, col)
            self.rows.append(labels)
        return self.rows[i]

    def set_sensors(self, sensors: tuple[SensorView, ...]) -> None:
        for i, s in enumerate(sensors):
            name, link, battery, lost, clock, steps = self._row(i)
            name.setText(s.name.upper())
            name.setToolTip(s.port)
            color = COLORS["ok"] if s.connected else COLORS["bad"]
            age = (
                f" {s.state_age_s:.0f} s"
                if not s.connected and math.isfinite(s.state_age_s)
                else ""
            )
            link.setText(("● " if s.connected else "✖ ") + s.state + age)
            link.setToolTip(s.reason or f"connected on {s.port}")
            link.setStyleSheet(f"color: {color}; font-weight: bold;")
            if not s.connected:  # nothing it reported before is its state now
                for label in (battery, clock):
                    label.setText("—")
                    label.setStyleSheet(f"color: {COLORS['muted']};")
                    label.setToolTip(s.reason)
                lost.setText(f"{s.lost_frames}")
                steps.setText(_STEPS.get(s.steps, "—"))
                continue
            battery.setText(fmt(s.battery_pct, "d", " %") if s.battery_pct is not None else "—")
            low = s.battery_pct is not None and s.battery_pct < 20
            battery.setStyleSheet(f"color: {COLORS['bad']};" if low else "")
            lost.setText(f"{s.lost_frames}")
            lost.setToolTip(
                f"frames lost: {s.lost_frames}; {s.frames_ok} received, {s.reconnects} reconnects"
            )
            battery.setToolTip("")
            if not s.clock_synced or not math.isfinite(s.clock_residual_ms):
                clock.setText("syncing…")
                clock.setStyleSheet(f"color: {COLORS['warn']};")
            else:
                poor = s.clock_residual_ms > CLOCK_POOR_MS
                clock.setText(f"{'poor ' if poor else ''}±{s.clock_residual_ms:.1f} ms")
                clock.setStyleSheet(f"color: {COLORS['bad' if poor else 'ok']};")
            clock.setToolTip(
                "Residual of the sensor-clock fit; above "
                f"{CLOCK_POOR_MS:g} ms the step times (and sync) are less exact."
            )
            steps.setText(_STEPS.get(s.steps, "—"))
            steps.setToolTip(s.steps.description if s.steps is not None else "")
            none = s.steps is StepSource.NONE
            steps.setStyleSheet(f"color: {COLORS['bad']};" if none else "")


class DisconnectBanner(QtWidgets.QLabel):
    """A red, full-width warning shown while any sensor is not connected."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setWordWrap(True)
        self.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.seen: set[str] = set()  # ports that were connected once
        self.hide()

    def set_sensors(self, sensors: tuple[SensorView, ...], running: bool) -> None:
        """Warn about sensors that were connected and are not, or that report a disconnect."""
        self.seen.update(s.port for s in sensors if s.connected)
        lost = [
            s.name.upper()
            for s in sensors
            if not s.connected and (s.port in self.seen or s.state == "disconnected")
        ]
        if lost and running:
            which = " and ".join(lost)
            self.setText(
                f"⚠ {which} SENSOR DISCONNECTED — its steps are not counted.\n"
                "Check it is switched on, charged and in range (or plugged in); "
                "it reconnects by itself."
            )
            self.show()
        else:
            self.hide()

"""The live session screen: plots, big numbers, sync, sensors, phase timeline, controls, log.

It fits a 1366 x 768 (and 1280 x 800) laptop screen with a window manager without scrolling:
the warnings (a sensor disconnected, the sound or the recording failing) are laid over the top
of the plots instead of pushing the controls down, and every figure that is not current is
greyed with the reason the session gives (:attr:`LiveSnapshot.readings`).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from gui.controls import ControlsPanel
from gui.live_series import LiveSeries
from gui.music_line import MusicLine, SongMenu
from gui.phase_timeline import PhaseTimeline
from gui.plots import LivePlots, SyncStrip
from gui.sensor_panel import DisconnectBanner, SensorPanel
from gui.session_controller import AUDIO_HELP
from gui.theme import COLORS, NORMAL_SI_BAND_PCT, fmt, fmt_clock
from gui.widgets import BigButton, Metric
from ras.session.log_text import log_text
from ras.session.music import SongView
from ras.session.snapshot import LiveSnapshot, Reading

__all__ = ["GAIT_SPEED_MISSING", "LivePage"]

#: Why gait speed shows no number while the sensors report no strides.
GAIT_SPEED_MISSING = (
    "Gait speed needs stride lengths and stride times from the sensors; none reported yet."
)


class LivePage(QtWidgets.QWidget):
    """Shows one running session; :meth:`show_state` is called with each poll."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.series = LiveSeries()
        self.timeline = PhaseTimeline()
        self.timer = QtWidgets.QLabel("0:00", objectName="timer")
        self.timer.setToolTip("Session time since the baseline started")
        self.patient = QtWidgets.QLabel(objectName="patient")
        self.plots = LivePlots()
        self.window_btn = QtWidgets.QPushButton("Last 5 min", checkable=True, objectName="small")
        self.window_btn.setToolTip("Show the last 5 minutes or the whole session")
        self.window_btn.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.window_btn.toggled.connect(self._window)
        self.m_cadence = Metric("Cadence", "steps/min")
        self.m_tempo = Metric("Cue tempo", "bpm")
        self.m_r = Metric("Sync R", "0–1")
        self.m_async = Metric("Asynchrony", "ms")
        self.m_si = Metric("Step-time SI", "%")
        self.m_left = Metric("Step time L", "s")
        self.m_right = Metric("Step time R", "s")
        self.m_stride = Metric("Stride length", "m")
        self.m_speed = Metric("Gait speed", "m/s")
        self.m_speed.set("—", tooltip=GAIT_SPEED_MISSING)
        self.sync = SyncStrip()
        self.sensors = SensorPanel()
        self.sim_box = QtWidgets.QWidget()  # in the top row: virtual sensors only
        self.sim_buttons: dict[str, BigButton] = {}
        sim_lay = QtWidgets.QHBoxLayout(self.sim_box)
        sim_lay.setContentsMargins(0, 0, 0, 0)
        sim_lay.setSpacing(4)
        for side in ("left", "right"):
            for what in ("unplug", "replug"):
                b = BigButton(f"{what.capitalize()} {side[0].upper()}", name="small")
                b.setMinimumWidth(0)
                b.setToolTip(f"{what} the {side} virtual sensor (simulates a cable or radio loss)")
                sim_lay.addWidget(b)
                self.sim_buttons[f"{what}_{side}"] = b
        self.controls = ControlsPanel()
        self.music_line = MusicLine()  # beside the cue-sound button (F6), in the last row
        self.song_menu = SongMenu()  # this session's songs, after the music line
        self.song_menu.action.connect(self.controls.action)  # posted like every action
        self.controls.music_slot.addWidget(self.music_line, 1)
        self.controls.music_slot.addWidget(self.song_menu)
        self.controls.refused.connect(lambda why: self.add_log(self._now_s, f"error: {why}"))
        self._now_s = math.nan
        self.log = QtWidgets.QPlainTextEdit(objectName="log", readOnly=True)
        self.log.setMaximumBlockCount(2000)
        self.log.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.log.setMinimumHeight(60)
        # laid over the top of the plots, never in the layout: showing one moves nothing
        self.banner = DisconnectBanner(self)
        self.audio_banner = QtWidgets.QLabel(self, objectName="audioBanner", wordWrap=True)
        self.audio_banner.hide()
        self._layout()

    def _layout(self) -> None:
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.patient)
        top.addWidget(self.timeline, 1)
        top.addWidget(self.window_btn)
        top.addWidget(self.sim_box)
        top.addWidget(self.timer)
        top.addWidget(self.controls.end)
        metrics = QtWidgets.QGridLayout()
        metrics.setSpacing(4)
        for i, m in enumerate(
            (
                self.m_cadence,
                self.m_tempo,
                self.m_r,
                self.m_async,
                self.m_si,
                self.m_left,
                self.m_right,
                self.m_stride,
                self.m_speed,
            )
        ):
            metrics.addWidget(m, i // 3, i % 3)
        right = QtWidgets.QVBoxLayout()
        right.setSpacing(4)
        right.addLayout(metrics)
        right.addWidget(self.sync)
        right.addWidget(self.sensors)
        right.addWidget(self.log, 1)
        left = QtWidgets.QVBoxLayout()
        left.setSpacing(2)
        left.addWidget(self.plots, 1)
        middle = QtWidgets.QHBoxLayout()
        middle.addLayout(left, 3)
        middle.addLayout(right, 2)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.setSpacing(4)
        lay.addLayout(top)
        lay.addLayout(middle, 1)
        lay.addWidget(self.controls)
        self.plots.installEventFilter(self)

    # --- the warnings laid over the plots ---------------------------------------------------

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._place_overlays()

    def showEvent(self, event: QtGui.QShowEvent) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self._place_overlays()

    def eventFilter(self, obj: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802
        """The plots moved or changed size (the layout settled): the overlays follow."""
        if obj is self.plots and event.type() in (
            QtCore.QEvent.Type.Resize,
            QtCore.QEvent.Type.Move,
        ):
            self._place_overlays()
        return False

    def _place_overlays(self) -> None:
        """The warnings over the top of the plots, as wide as they are."""
        area = self.plots.geometry()
        y = area.y()
        for banner in (self.banner, self.audio_banner):
            if banner.isVisible():
                h = banner.heightForWidth(area.width())
                banner.setGeometry(area.x(), y, area.width(), h)
                banner.raise_()
                y += h + 4

    def _window(self, on: bool) -> None:
        self.plots.window_s = 300.0 if on else None
        self.plots._range = None
        self.window_btn.setText("Whole session" if on else "Last 5 min")
        self.plots.update_from(self.series)

    def reset(
        self,
        patient: str,
        baseline_s: float,
        cued_s: float,
        probe_s: float,
        simulated: bool,
        level_dbfs: float,
    ) -> None:
        """Prepare for a new session."""
        self.series = LiveSeries()
        self.log.clear()
        self.patient.setText(f"Patient\n{patient}")
        self.timeline.set_plan(baseline_s, cued_s, probe_s)
        self.sim_box.setVisible(simulated)
        self.controls.set_level(level_dbfs)
        self.controls.set_state("", None, None, tempo_actions=False)
        self.controls.reset_mode()
        self.music_line.fallback = ""
        self.music_line.show_music(SongView())
        self.song_menu.set_songs(())  # the main window gives this session's songs
        self.banner.seen.clear()
        self.banner.hide()
        self.audio_banner.hide()

    def add_log(self, t_s: float, text: str) -> None:
        start = self.series.session_start_s
        rel = t_s - start if math.isfinite(start) else t_s
        self.log.appendPlainText(f"{fmt_clock(rel):>7}  {text}")
        bar = self.log.verticalScrollBar()
        bar.setValue(bar.maximum())  # the newest line in view

    def show_state(self, live: LiveSnapshot, redraw: bool = True) -> None:
        """Take one poll: log what happened, update numbers, and (if ``redraw``) the plots."""
        self.series.add(live)
        self._now_s = live.t_s
        self._log(live)
        self.music_line.take_records(live.records)
        self.show_music(live.music)
        was = (self.banner.isVisible(), self.audio_banner.isVisible(), self.audio_banner.text())
        self.banner.set_sensors(live.sensors, live.state == "running")
        self.sensors.set_sensors(live.sensors)
        problems = [f"⚠ {live.recording_problem}"] if live.recording_problem else []
        if live.audio_problem:
            problems.append(f"⚠ Sound: {live.audio_problem}. {AUDIO_HELP}")
        self.audio_banner.setText("\n".join(problems))
        self.audio_banner.setVisible(bool(problems))
        if was != (
            self.banner.isVisible(),
            self.audio_banner.isVisible(),
            self.audio_banner.text(),
        ):
            self._place_overlays()
        s, d = live.status, live.detail
        start = self.series.session_start_s
        if math.isfinite(start):
            self.timeline.set_actual(
                [(n, a - start, None if b is None else b - start) for n, a, b in self.series.phases]
            )
        if math.isfinite(start) and math.isfinite(live.t_s):
            self.timer.setText(fmt_clock(live.t_s - start))
            self.timeline.set_now(live.t_s - start, s.phase if s else "")
        self.song_menu.show_music(live.music, s.tempo_bpm if s is not None else None)
        if s is not None and d is not None:
            self._numbers(live)
            self.controls.set_state(
                s.phase,
                s.tempo_bpm,
                d,
                tempo_actions=live.tempo_actions,
                cadence_spm=s.cadence_spm,
                large_jump_pct=live.large_jump_pct,
            )
            self.song_menu.set_cued(self.controls.mode_btn.isEnabled())  # cued phase only
            self.sync.set_phases(np.degrees(np.asarray(d.phases_rad, dtype=float)))
        if redraw:
            self.plots.update_from(self.series)

    def show_music(self, view: SongView) -> None:
        """The cue sound and the song playing, on the music line and the mode button."""
        self.music_line.show_music(view)
        self.controls.set_mode(view.mode)

    def _log(self, live: LiveSnapshot) -> None:
        """Every action, its result, the session's notices and link changes, with their time."""
        for a in live.actions:
            self.add_log(a.t_s, f"you: {a.label}")
        for m in live.messages:
            self.add_log(live.t_s, m)
        for r in live.results:
            if r.message:
                self.add_log(r.t_s, r.text())
        for e in live.link_events:
            self.add_log(e.t_s, e.text())
        for rec in live.records:
            line = log_text(rec)
            if line:
                self.add_log(rec.t_s, line)

    def _show(
        self, metric: Metric, reading: Reading | None, spec: str, color: str | None, tooltip: str
    ) -> None:
        """One figure: its value, or greyed with the reason it is not current."""
        if reading is None:
            metric.set("—", None, tooltip)
        elif reading.current:
            metric.set(
                fmt(reading.value, spec), color if math.isfinite(reading.value) else None, tooltip
            )
        else:
            value = fmt(reading.value, spec) if math.isfinite(reading.value) else ""
            metric.set_stale(reading.reason, value, f"{reading.reason}. {tooltip}")

    def _numbers(self, live: LiveSnapshot) -> None:
        s, d, r = live.status, live.detail, live.readings
        assert s is not None and d is not None
        self._show(
            self.m_cadence,
            r.get("cadence_spm"),
            ".1f",
            COLORS["cadence"],
            "steps per minute, from the last steps",
        )
        ramp = f"ramp: {d.ramp}, target {fmt(d.target_bpm)} bpm" if d.ramp else "no ramp"
        self._show(self.m_tempo, r.get("tempo_bpm"), ".1f", None, ramp)
        sync_r = r.get("sync_r")
        r_ok = sync_r is not None and sync_r.value >= 0.7
        self._show(
            self.m_r,
            sync_r,
            ".2f",
            COLORS["ok" if r_ok else "warn"],
            f"over {d.sync_n} recent steps; > 0.7 = strong",
        )
        self._show(
            self.m_async,
            r.get("mean_asynchrony_ms"),
            "+.0f",
            None,
            "mean step − beat time; negative = steps before the beat",
        )
        si = r.get("step_time_si_pct")
        si_ok = si is not None and abs(si.value) <= NORMAL_SI_BAND_PCT
        self._show(
            self.m_si,
            si,
            "+.1f",
            COLORS["ok" if si_ok else "warn"],
            f"{s.si_basis}; normal within ±{NORMAL_SI_BAND_PCT:g} %",
        )
        self._show(
            self.m_left,
            r.get("step_time_left_s"),
            ".2f",
            COLORS["left"],
            "median of the left foot's recent step times",
        )
        self._show(
            self.m_right,
            r.get("step_time_right_s"),
            ".2f",
            COLORS["right"],
            "median of the right foot's recent step times",
        )
        self._show(
            self.m_stride,
            r.get("stride_length_m"),
            ".2f",
            None,
            "median of the last strides' lengths reported by the sensors",
        )
        speed = r.get("gait_speed_m_per_s")
        has_speed = speed is not None and (math.isfinite(speed.value) or not speed.current)
        self._show(
            self.m_speed,
            speed,
            ".2f",
            None,
            "median of the last strides' speeds (stride length / stride time, from the sensors)"
            if has_speed
            else GAIT_SPEED_MISSING,
        )

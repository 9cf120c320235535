"""The live session screen: plots, big numbers, sync, sensors, phase timeline, controls, log."""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtCore, QtWidgets

from gui.controls import ControlsPanel
from gui.history_model import GAIT_SPEED_MISSING
from gui.live_series import LiveSeries
from gui.phase_timeline import PhaseTimeline
from gui.plots import LivePlots, SyncStrip
from gui.sensor_panel import DisconnectBanner, SensorPanel
from gui.session_controller import AUDIO_HELP
from gui.theme import COLORS, NORMAL_SI_BAND_PCT, fmt, fmt_clock
from gui.widgets import BigButton, Metric
from ras.session.snapshot import LiveSnapshot

__all__ = ["LivePage"]


class LivePage(QtWidgets.QWidget):
    """Shows one running session; :meth:`show_state` is called with each poll."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.series = LiveSeries()
        self.banner = DisconnectBanner()
        self.audio_banner = QtWidgets.QLabel(objectName="audioBanner", wordWrap=True)
        self.audio_banner.hide()
        self.timeline = PhaseTimeline()
        self.timer = QtWidgets.QLabel("0:00", objectName="timer")
        self.timer.setToolTip("Session time since the baseline started")
        self.patient = QtWidgets.QLabel()
        self.plots = LivePlots()
        self.window_btn = QtWidgets.QPushButton("Show last 5 min", checkable=True)
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
        self.sim_box = QtWidgets.QWidget()  # inside the sensor panel: virtual sensors only
        self.sim_buttons: dict[str, BigButton] = {}
        sim_lay = QtWidgets.QHBoxLayout(self.sim_box)
        sim_lay.setContentsMargins(0, 4, 0, 0)
        sim_lay.addWidget(QtWidgets.QLabel("Virtual:"))
        for side in ("left", "right"):
            for what in ("unplug", "replug"):
                b = BigButton(f"{what.capitalize()} {side[0].upper()}")
                b.setMinimumWidth(80)
                b.setStyleSheet("min-height: 34px; font-size: 13pt;")
                b.setToolTip(f"{what} the {side} virtual sensor (simulates a cable or radio loss)")
                sim_lay.addWidget(b)
                self.sim_buttons[f"{what}_{side}"] = b
        self.controls = ControlsPanel()
        self.controls.refused.connect(lambda why: self.add_log(self._now_s, f"error: {why}"))
        self._now_s = math.nan
        self.log = QtWidgets.QPlainTextEdit(objectName="log", readOnly=True)
        self.log.setMaximumBlockCount(2000)
        self.log.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self._layout()

    def _layout(self) -> None:
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.patient)
        top.addWidget(self.timeline, 1)
        top.addWidget(self.timer)
        top.addWidget(self.controls.end)
        metrics = QtWidgets.QGridLayout()
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
        right.addLayout(metrics)
        right.addWidget(self.sync)
        self.sensors.add_below(self.sim_box)
        right.addWidget(self.sensors)
        right.addWidget(self.controls.sound_box)
        right.addStretch(1)
        left = QtWidgets.QVBoxLayout()
        left.addWidget(self.plots, 1)
        left.addWidget(self.window_btn, 0, QtCore.Qt.AlignmentFlag.AlignRight)
        middle = QtWidgets.QHBoxLayout()
        middle.addLayout(left, 3)
        middle.addLayout(right, 2)
        bottom = QtWidgets.QHBoxLayout()
        bottom.addWidget(self.controls, 3)
        bottom.addWidget(self.log, 1)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(self.banner)
        lay.addWidget(self.audio_banner)
        lay.addLayout(top)
        lay.addLayout(middle, 1)
        lay.addLayout(bottom)

    def _window(self, on: bool) -> None:
        self.plots.window_s = 300.0 if on else None
        self.plots._range = None
        self.window_btn.setText("Show whole session" if on else "Show last 5 min")
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
        self.banner.seen.clear()
        self.banner.hide()
        self.audio_banner.hide()

    def add_log(self, t_s: float, text: str) -> None:
        start = self.series.session_start_s
        rel = t_s - start if math.isfinite(start) else t_s
        self.log.appendPlainText(f"{fmt_clock(rel):>7}  {text}")

    def show_state(self, live: LiveSnapshot, redraw: bool = True) -> None:
        """Take one poll: log what happened, update numbers, and (if ``redraw``) the plots."""
        self.series.add(live)
        self._now_s = live.t_s
        for a in live.actions:
            self.add_log(a.t_s, f"you: {a.label}")
        for m in live.messages:
            self.add_log(live.t_s, m)
        for r in live.results:
            if r.message:
                self.add_log(r.t_s, r.text())
        for e in live.link_events:
            side = e.side.label if e.side.value else "sensor"
            self.add_log(e.t_s, f"{side} link {e.state.value} {e.detail}".rstrip())
        self.banner.set_sensors(live.sensors, live.state == "running")
        self.sensors.set_sensors(live.sensors)
        # one banner area for what goes wrong under the hood (the window must not grow)
        problems = [f"⚠ {live.recording_problem}"] if live.recording_problem else []
        if live.audio_problem:
            problems.append(f"⚠ Sound: {live.audio_problem}. {AUDIO_HELP}")
        if problems:
            self.audio_banner.setText("\n".join(problems))
            self.audio_banner.show()
        s, d = live.status, live.detail
        start = self.series.session_start_s
        if math.isfinite(start):
            self.timeline.set_actual(
                [(n, a - start, None if b is None else b - start) for n, a, b in self.series.phases]
            )
        if math.isfinite(start) and math.isfinite(live.t_s):
            self.timer.setText(fmt_clock(live.t_s - start))
            self.timeline.set_now(live.t_s - start, s.phase if s else "")
        if s is not None and d is not None:
            self._numbers(live)
            self.controls.set_state(s.phase, s.tempo_bpm, d, tempo_actions=live.tempo_actions)
            self.sync.set_phases(np.degrees(np.asarray(d.phases_rad, dtype=float)))
        if redraw:
            self.plots.update_from(self.series)

    def _numbers(self, live: LiveSnapshot) -> None:
        s, d = live.status, live.detail
        assert s is not None and d is not None
        self.m_cadence.set(fmt(s.cadence_spm), COLORS["cadence"])
        if s.tempo_bpm is None:  # no cue in this phase
            self.m_tempo.set("no cue", COLORS["muted"], f"{s.phase}: uncued")
        elif d.paused:
            self.m_tempo.set("paused", COLORS["warn"])
        elif not d.cues_on:
            self.m_tempo.set(f"off ({fmt(s.tempo_bpm)})", COLORS["warn"], "cues silent (probe)")
        else:
            ramp = f"ramp: {d.ramp}, target {fmt(d.target_bpm)} bpm" if d.ramp else "no ramp"
            self.m_tempo.set(fmt(s.tempo_bpm), None, ramp)
        r_color = COLORS["ok"] if s.sync_r >= 0.7 else COLORS["warn"]
        self.m_r.set(
            fmt(s.sync_r, ".2f"),
            r_color if math.isfinite(s.sync_r) else None,
            f"over {d.sync_n} recent steps; > 0.7 = strong",
        )
        self.m_async.set(
            fmt(d.mean_asynchrony_ms, "+.0f"),
            None,
            "mean step − beat time; negative = steps before the beat",
        )
        si_ok = math.isfinite(s.step_time_si_pct) and abs(s.step_time_si_pct) <= NORMAL_SI_BAND_PCT
        self.m_si.set(
            fmt(s.step_time_si_pct, "+.1f"),
            COLORS["ok" if si_ok else "warn"],
            f"{s.si_basis}; normal within ±{NORMAL_SI_BAND_PCT:g} %",
        )
        self.m_left.set(fmt(d.step_time_left_s, ".2f"), COLORS["left"])
        self.m_right.set(fmt(d.step_time_right_s, ".2f"), COLORS["right"])
        self.m_stride.set(
            fmt(live.stride_length_m, ".2f"),
            None,
            "median of the last strides' lengths reported by the sensors",
        )
        self.m_speed.set(
            fmt(live.gait_speed_m_per_s, ".2f"),
            None,
            "median of the last strides' speeds (stride length / stride time, from the sensors)"
            if math.isfinite(live.gait_speed_m_per_s)
            else GAIT_SPEED_MISSING,
        )

"""Session set-up: patient, sensors, plan and phase durations, audio output and volume, and
streaming to a lab's recording (LSL)."""

from __future__ import annotations

import threading

from PySide6 import QtCore, QtGui, QtWidgets

from gui.clinic_sync import StartupSync
from gui.lsl_choice import LslChoice
from gui.music_setup import MusicChoice
from gui.patient_form import PatientForm
from gui.widgets import BigButton, guard_wheel
from ras.audio.mixer import DEFAULT_CEILING_DBFS
from ras.errors import RasError
from ras.session.request import (
    SensorPorts,
    SessionRequest,
    SimulatedSensors,
    check_request,
    with_patient_side,
)
from ras.session.settings import PLANS, SessionSettings
from ras.sim.presets import PRESETS

__all__ = ["SetupPage"]

_PLAN_HELP = {
    "fixed": "one tempo all along (default: the baseline cadence)",
    "iso-ramp": "start at the baseline cadence, step toward the target while in sync",
    "adaptive": "fixed tempo, the beat's phase follows the footfalls (bounded)",
}


def _spin(
    lo: float, hi: float, value: float, suffix: str, step: float = 1.0, decimals: int = 0
) -> QtWidgets.QDoubleSpinBox:
    w = QtWidgets.QDoubleSpinBox(
        minimum=lo, maximum=hi, value=value, suffix=suffix, singleStep=step, decimals=decimals
    )
    w.setMinimumHeight(44)
    return w


class SetupPage(QtWidgets.QWidget):
    """Choose everything a session needs; :attr:`start_requested` carries the checked
    :class:`~ras.session.request.SessionRequest`."""

    start_requested = QtCore.Signal(object)
    history_requested = QtCore.Signal(str)

    def __init__(
        self,
        db: str | None,
        speed: float = 1.0,
        simulate: str | None = "healthy",
        audio: str = "default",
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.speed = speed
        title = QtWidgets.QLabel("New session", objectName="pageTitle")
        self.error = QtWidgets.QLabel(wordWrap=True)
        self.error.setStyleSheet("color: #c00000; font-weight: bold;")
        self.patients = PatientForm(db)
        self.patient = self.patients.patient  # the chosen patient (its id is the item's data)
        for name in ("new_id", "new_diagnosis", "new_side", "add_patient_btn"):
            setattr(self, name, getattr(self.patients, name))
        # the fields scroll on a small screen; the bar with Start stays below, always in view
        fields = QtWidgets.QWidget()
        self._row = QtWidgets.QHBoxLayout(fields)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._stacks = [QtWidgets.QVBoxLayout() for _ in range(3)]
        for stack in self._stacks:
            self._row.addLayout(stack)
        self.lab = LslChoice()  # stream to LSL, for a lab recording beside the walk
        self._boxes = (
            self.patients,
            self._audio_box(audio),
            self._plan_box(),
            self._sensor_box(simulate),
            self.lab,
        )
        self.columns = 0
        self._arrange(2)
        self.scroll = QtWidgets.QScrollArea(widgetResizable=True)
        self.scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.scroll.setWidget(fields)
        self.bottom_bar = QtWidgets.QFrame(objectName="setupBar")
        self.bottom_bar.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        bar = QtWidgets.QHBoxLayout(self.bottom_bar)
        bar.setContentsMargins(6, 4, 6, 4)
        self.history_btn = BigButton("Patient history")
        self.start_btn = BigButton("Start session", name="primary")
        self.start_btn.setMinimumWidth(260)
        bar.addWidget(self.history_btn)
        bar.addWidget(self.error, 1)  # what is wrong, or what was done, beside Start
        bar.addWidget(self.start_btn)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(self.scroll, 1)
        lay.addWidget(self.bottom_bar)
        self.start_btn.clicked.connect(self._start)
        self.history_btn.clicked.connect(
            lambda: self.history_requested.emit(self.patient.currentData() or "")
        )
        self.patients.message.connect(self._say)
        for combo in self.findChildren(QtWidgets.QComboBox):  # long items never widen a column
            combo.setSizeAdjustPolicy(
                QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(8)
        self.patient.currentIndexChanged.connect(self._patient_changed)
        self.patients.message.connect(self._patient_changed)  # added/archived: list reloaded
        self.plan.currentTextChanged.connect(self._order_songs)
        self.target_pct.valueChanged.connect(self._order_songs)
        self.reload_patients()
        guard_wheel(self)  # the wheel scrolls the form; it never changes a field without focus
        # a clinic server: what waits is pushed and its patients come down, in the background
        self.clinic_sync = StartupSync(db, self)
        self.clinic_sync.done.connect(self._synced)
        self.clinic_sync.start()

    # --- layout: three columns where they fit side by side, else two ---------------------

    def _arrange(self, columns: int) -> None:
        """Patient and cue sound | plan | sensors and lab recording (three columns), or patient
        and cue sound | plan, sensors and lab recording (two); the fields scroll, the bar with
        Start never does."""
        if columns == self.columns:
            return
        self.columns = columns
        patient, audio, plan, sensors, lab = self._boxes
        stacks = {
            3: ((patient, audio), (plan,), (sensors, lab)),
            2: ((patient, audio), (plan, sensors, lab), ()),
        }[columns]
        for i, (stack, boxes) in enumerate(zip(self._stacks, stacks, strict=True)):
            while stack.count():
                stack.takeAt(0)  # the boxes stay on the page; only their places change
            for box in boxes:
                stack.addWidget(box)
            stack.addStretch(1)
            self._row.setStretch(i, 1 if boxes else 0)

    def _three_columns_fit(self) -> bool:
        patient, audio, plan, sensors, lab = self._boxes
        widths = (
            max(patient.minimumSizeHint().width(), audio.minimumSizeHint().width()),
            plan.minimumSizeHint().width(),
            max(sensors.minimumSizeHint().width(), lab.minimumSizeHint().width()),
        )
        return sum(widths) + 2 * self._row.spacing() <= self.scroll.viewport().width()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._arrange(3 if self._three_columns_fit() else 2)

    # --- groups -------------------------------------------------------------------------

    def _sensor_box(self, simulate: str | None) -> QtWidgets.QGroupBox:
        box = QtWidgets.QGroupBox("Sensors")
        lay = QtWidgets.QVBoxLayout(box)
        self.use_sim = QtWidgets.QRadioButton("Virtual patient (no hardware)")
        self.use_ports = QtWidgets.QRadioButton("Foot sensors on these ports:")
        self.preset = QtWidgets.QComboBox()
        self.preset.addItems(sorted(PRESETS))
        self.preset.setMinimumHeight(44)
        if simulate:
            self.preset.setCurrentText(simulate.lower())
        self.ports = QtWidgets.QListWidget()
        self.ports.setMaximumHeight(90)
        self.extra_port = QtWidgets.QLineEdit(placeholderText="another port, e.g. /dev/ttyACM0")
        self.detect_btn = BigButton("Detect sensors")
        self.detect_status = QtWidgets.QLabel()
        self.sensor_steps = QtWidgets.QComboBox()
        self.sensor_steps.addItem("detected on the virtual sensors", "device")
        self.sensor_steps.addItem("detected here, from the sensors' IMU stream", "host")
        self.sensor_steps.setMinimumHeight(44)
        self.sensor_steps.setToolTip(
            "Where the virtual patient's steps are detected: on its sensors (like ras sensors),"
            " or on this computer from their raw IMU (like IMU-only sensors). Real sensors say"
            " which they do, and are handled by themselves."
        )
        lay.addWidget(self.use_sim)
        sim = QtWidgets.QFormLayout()
        sim.setContentsMargins(28, 0, 0, 0)
        sim.addRow("Preset", self.preset)
        sim.addRow("Steps", self.sensor_steps)
        lay.addLayout(sim)
        lay.addWidget(self.use_ports)
        lay.addWidget(self.ports)
        lay.addWidget(self.extra_port)
        row2 = QtWidgets.QHBoxLayout()
        row2.addWidget(self.detect_btn)
        row2.addWidget(self.detect_status, 1)
        lay.addLayout(row2)
        (self.use_sim if simulate is not None else self.use_ports).setChecked(True)
        self.sensor_steps.setEnabled(self.use_sim.isChecked())
        self.use_sim.toggled.connect(self.sensor_steps.setEnabled)
        self.detect_btn.clicked.connect(self._detect)
        self._found: list | None = None
        return box

    def _plan_box(self) -> QtWidgets.QGroupBox:
        box = QtWidgets.QGroupBox("Plan and phases")
        form = QtWidgets.QFormLayout(box)
        self.plan = QtWidgets.QComboBox()
        self.plan.addItems(list(PLANS))
        self.plan.setCurrentText("iso-ramp")
        self.plan.setMinimumHeight(44)
        self.plan_help = QtWidgets.QLabel(wordWrap=True)
        self.plan_help.setStyleSheet("color: #555; font-size: 12pt;")
        self.target_pct = _spin(-50, 50, 10, " % of baseline", 1, 1)
        self.step_pct = _spin(0.1, 10, 2, " % per step", 0.5, 1)
        self.tempo = _spin(0, 200, 0, " bpm", 1, 1)
        self.tempo.setSpecialValueText("baseline cadence")
        self.baseline_s = _spin(5, 3600, 60, " s", 5)
        self.cued_s = _spin(0, 7200, 300, " s", 30)
        self.probe_s = _spin(0, 3600, 60, " s", 10)
        form.addRow("Plan", self.plan)
        form.addRow("", self.plan_help)
        form.addRow("Ramp target", self.target_pct)
        form.addRow("Ramp step", self.step_pct)
        form.addRow("Fixed tempo", self.tempo)
        form.addRow("Baseline (no cue)", self.baseline_s)
        form.addRow("Cued training", self.cued_s)
        form.addRow("Probe (no cue)", self.probe_s)
        self.plan.currentTextChanged.connect(self._plan_changed)
        self._plan_changed(self.plan.currentText())
        return box

    def _audio_box(self, audio: str) -> QtWidgets.QGroupBox:
        box = QtWidgets.QGroupBox("Cue sound")
        form = QtWidgets.QFormLayout(box)
        self.audio = QtWidgets.QComboBox(editable=True)
        self.audio.addItems(["default", "none", "wav:ras-cue.wav", "device:"])
        self.audio.setCurrentText(audio)
        self.audio.setMinimumHeight(44)
        self.audio.setToolTip(
            "default: the system's sound output; device:NAME a named device;"
            " wav:FILE renders to a file; none: no sound"
        )
        self.volume = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.volume.setRange(-60, int(DEFAULT_CEILING_DBFS))
        self.volume.setValue(int(DEFAULT_CEILING_DBFS) - 6)
        self.volume_label = QtWidgets.QLabel(wordWrap=True)
        self.volume.valueChanged.connect(self._volume_text)
        self._volume_text()
        self.tone_btn = BigButton("Test tone")
        self.tone_btn.setToolTip("four cues at this volume through this output, as in the session")
        self.tone_status = QtWidgets.QLabel(wordWrap=True)
        self.tone_btn.clicked.connect(self._test_tone)
        self.music = MusicChoice(self.db)  # metronome, music or both; the songs and levels
        form.addRow("Sound", self.music)
        form.addRow("Output", self.audio)
        form.addRow("Volume", self.volume)
        form.addRow("", self.volume_label)
        tone = QtWidgets.QHBoxLayout()
        tone.addWidget(self.tone_btn)
        tone.addWidget(self.tone_status, 1)
        form.addRow("", tone)
        return box

    # --- behaviour ----------------------------------------------------------------------

    def _volume_text(self) -> None:
        self.volume_label.setText(
            f"cue peak {self.volume.value()} dBFS — hard ceiling {DEFAULT_CEILING_DBFS:g} dBFS"
            " (never exceeded; changes fade)"
        )

    def _test_tone(self) -> None:
        """Play a few cues at the chosen level through the chosen output (a worker thread:
        the screen stays live); the outcome is one line beside the button."""
        from ras.audio.testtone import TEST_TONE_FAILED, play_test_tone

        audio = self.audio.currentText().strip() or "default"
        level_dbfs = float(self.volume.value())
        self.tone_btn.setEnabled(False)
        self.tone_status.setText("playing…")
        said: list[str] = []

        def work() -> None:
            try:
                said.append(play_test_tone(audio, level_dbfs, DEFAULT_CEILING_DBFS))
            except RasError as err:
                said.append(str(err))
            except Exception as err:  # shown as one line, never a traceback
                said.append(f"{TEST_TONE_FAILED}{err}")

        threading.Thread(target=work, name="ras-test-tone", daemon=True).start()
        timer = QtCore.QTimer(self, interval=100)

        def check() -> None:
            if not said:
                return
            timer.stop()
            timer.deleteLater()
            self.tone_status.setText(said[0])
            self.tone_btn.setEnabled(True)

        timer.timeout.connect(check)
        timer.start()

    def _plan_changed(self, plan: str) -> None:
        self.plan_help.setText(_PLAN_HELP.get(plan, ""))
        self.target_pct.setEnabled(plan == "iso-ramp")
        self.step_pct.setEnabled(plan == "iso-ramp")
        self.tempo.setEnabled(plan != "iso-ramp")

    def _patient_changed(self, *_: object) -> None:
        """The chosen patient's songs (none: the music choices are disabled, saying why)."""
        self.music.load(self.patient.currentData())
        self._order_songs()

    def _order_songs(self) -> None:
        ramp = self.plan.currentText() == "iso-ramp"
        self.music.order(self.target_pct.value() if ramp else None)

    def reload_patients(self, select: str | None = None) -> None:
        """Fill the patient list from the store (archived ones only if asked), and the chosen
        patient's songs."""
        self.patients.reload(select)
        self._patient_changed()

    def _synced(self, line: str, problem: bool, patients_added: bool) -> None:
        if patients_added:
            self.reload_patients(self.patient.currentData())
        self.error.setStyleSheet(f"color: {'#b35900' if problem else '#555555'};")
        self.error.setText(line)

    def _say(self, text: str, is_error: bool) -> None:
        self.error.setStyleSheet(
            f"color: {'#c00000' if is_error else '#1b5e20'}; font-weight: bold;"
        )
        self.error.setText(text)

    def _detect(self) -> None:
        from ras.link.ports import describe_devices

        extra = [self.extra_port.text().strip()] if self.extra_port.text().strip() else []
        self.detect_status.setText("looking for sensors…")
        self.detect_btn.setEnabled(False)
        self._found = None

        def work() -> None:
            self._found = describe_devices(extra, timeout_s=1.0)

        threading.Thread(target=work, daemon=True).start()
        timer = QtCore.QTimer(self, interval=100)

        def check() -> None:
            if self._found is None:
                return
            timer.stop()
            self.detect_btn.setEnabled(True)
            self.ports.clear()
            for d in self._found:
                what = (
                    f"{d.hello.side.label} sensor {d.hello.sensor_id:08x}"
                    if d.hello
                    else d.error or "no ras sensor"
                )
                item = QtWidgets.QListWidgetItem(f"{d.port} — {what}")
                item.setData(QtCore.Qt.ItemDataRole.UserRole, d.port)
                item.setCheckState(
                    QtCore.Qt.CheckState.Checked if d.hello else QtCore.Qt.CheckState.Unchecked
                )
                self.ports.addItem(item)
            n = sum(1 for d in self._found if d.hello)
            self.detect_status.setText(f"{n} sensor(s) found on {len(self._found)} port(s)")
            if n:
                self.use_ports.setChecked(True)

        timer.timeout.connect(check)
        timer.start()

    def _chosen_ports(self) -> tuple[str, ...]:
        ports = [
            self.ports.item(i).data(QtCore.Qt.ItemDataRole.UserRole)
            for i in range(self.ports.count())
            if self.ports.item(i).checkState() == QtCore.Qt.CheckState.Checked
        ]
        extra = self.extra_port.text().strip()
        if extra and extra not in ports:
            ports.append(extra)
        return tuple(ports)

    def request(self) -> SessionRequest:
        """The session as chosen (checked when it starts); raises :class:`RasError`."""
        info = self.patients.current()
        if info is None:
            raise RasError("choose a patient, or add one (a pseudonymous id)")
        if info.archived:
            raise RasError(f"patient {info.pseudo_id} is archived; restore the patient first")
        patient = info.pseudo_id
        plan = self.plan.currentText()
        settings = SessionSettings(
            baseline_s=self.baseline_s.value(),
            cued_s=self.cued_s.value(),
            probe_s=self.probe_s.value(),
            plan=plan,
            target_pct=self.target_pct.value(),
            step_pct=self.step_pct.value(),
            tempo_bpm=(self.tempo.value() or None) if plan != "iso-ramp" else None,
            cue_mode=self.music.cue_mode.value,
            music=self.music.music,
            music_level_db=self.music.music_level_db,
            click_level_db=self.music.click_level_db,
            lsl=self.lab.lsl,  # as ras run --lsl: the session host streams
        )
        simulated = self.use_sim.isChecked()
        sensors = (
            SimulatedSensors(
                self.preset.currentText(), sensor_steps=self.sensor_steps.currentData()
            )
            if simulated
            else SensorPorts(self._chosen_ports())
        )
        sensors = with_patient_side(sensors, info.affected_side)  # walks as the patient
        return SessionRequest(
            patient_id=patient,
            settings=settings,
            sensors=sensors,
            audio=self.audio.currentText().strip() or "default",
            level_dbfs=float(self.volume.value()),
            speed=self.speed if simulated else 1.0,
            db=self.db,
            via="gui",
        )

    def _start(self) -> None:
        try:
            request = self.request()
            check_request(request)  # what is wrong is said here, before the session starts
        except RasError as err:
            self._say(str(err), True)
            return
        self._say("", False)
        self.start_requested.emit(request)

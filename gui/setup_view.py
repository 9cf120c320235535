"""Session set-up: patient, sensors, plan and phase durations, audio output and volume."""

from __future__ import annotations

import threading

from PySide6 import QtCore, QtWidgets

from gui.widgets import BigButton
from ras.audio.mixer import DEFAULT_CEILING_DBFS
from ras.errors import RasError
from ras.session.request import SensorPorts, SessionRequest, SimulatedSensors, check_request
from ras.session.settings import PLANS, SessionSettings
from ras.sim.presets import PRESETS
from ras.store.store import AFFECTED_SIDES, Store

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
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(title)
        grid = QtWidgets.QGridLayout()
        grid.addWidget(self._patient_box(), 0, 0)
        grid.addWidget(self._sensor_box(simulate), 0, 1)
        grid.addWidget(self._plan_box(), 1, 0)
        grid.addWidget(self._audio_box(audio), 1, 1)
        lay.addLayout(grid)
        lay.addWidget(self.error)
        buttons = QtWidgets.QHBoxLayout()
        self.history_btn = BigButton("Patient history")
        self.start_btn = BigButton("Start session", name="primary")
        self.start_btn.setMinimumWidth(260)
        buttons.addWidget(self.history_btn)
        buttons.addStretch(1)
        buttons.addWidget(self.start_btn)
        lay.addLayout(buttons)
        lay.addStretch(1)
        self.start_btn.clicked.connect(self._start)
        self.history_btn.clicked.connect(
            lambda: self.history_requested.emit(self.patient.currentData() or "")
        )
        self.reload_patients()

    # --- groups -------------------------------------------------------------------------

    def _patient_box(self) -> QtWidgets.QGroupBox:
        box = QtWidgets.QGroupBox("Patient")
        form = QtWidgets.QFormLayout(box)
        self.patient = QtWidgets.QComboBox()
        self.patient.setMinimumHeight(44)
        form.addRow("Patient", self.patient)
        self.new_id = QtWidgets.QLineEdit(placeholderText="pseudonymous id, e.g. P-017")
        self.new_diagnosis = QtWidgets.QComboBox(editable=True)
        self.new_diagnosis.addItems(["parkinson", "stroke", "other"])
        self.new_side = QtWidgets.QComboBox()
        self.new_side.addItems(["none", *[s for s in AFFECTED_SIDES if s != "none"]])
        self.add_patient_btn = BigButton("Add patient")
        form.addRow(QtWidgets.QLabel("— or a new patient (no names: a pseudonym) —"))
        form.addRow("New id", self.new_id)
        form.addRow("Diagnosis", self.new_diagnosis)
        form.addRow("Affected side", self.new_side)
        form.addRow("", self.add_patient_btn)
        self.add_patient_btn.clicked.connect(self._add_patient)
        return box

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
        self.ports.setMaximumHeight(110)
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
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.use_sim)
        row.addWidget(self.preset, 1)
        lay.addLayout(row)
        steps_row = QtWidgets.QHBoxLayout()
        steps_row.addSpacing(28)
        steps_row.addWidget(QtWidgets.QLabel("Steps"))
        steps_row.addWidget(self.sensor_steps, 1)
        lay.addLayout(steps_row)
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
        self.volume_label = QtWidgets.QLabel()
        self.volume.valueChanged.connect(self._volume_text)
        self._volume_text()
        form.addRow("Output", self.audio)
        form.addRow("Volume", self.volume)
        form.addRow("", self.volume_label)
        return box

    # --- behaviour ----------------------------------------------------------------------

    def _volume_text(self) -> None:
        self.volume_label.setText(
            f"{self.volume.value()} dBFS — hard ceiling {DEFAULT_CEILING_DBFS:g} dBFS"
            " (never exceeded; changes fade)"
        )

    def _plan_changed(self, plan: str) -> None:
        self.plan_help.setText(_PLAN_HELP.get(plan, ""))
        self.target_pct.setEnabled(plan == "iso-ramp")
        self.step_pct.setEnabled(plan == "iso-ramp")
        self.tempo.setEnabled(plan != "iso-ramp")

    def reload_patients(self, select: str | None = None) -> None:
        """Fill the patient list from the store."""
        current = select or self.patient.currentData()
        self.patient.clear()
        try:
            with Store(self.db) as store:
                patients = store.list_patients()
        except RasError as err:
            self.error.setText(str(err))
            return
        for p in patients:
            extra = ", ".join(x for x in (p.diagnosis, p.affected_side) if x)
            self.patient.addItem(f"{p.pseudo_id}" + (f" — {extra}" if extra else ""), p.pseudo_id)
        if current:
            i = self.patient.findData(current)
            if i >= 0:
                self.patient.setCurrentIndex(i)

    def _add_patient(self) -> None:
        side = self.new_side.currentText()
        try:
            with Store(self.db) as store:
                info = store.add_patient(
                    self.new_id.text(),
                    diagnosis=self.new_diagnosis.currentText().strip() or None,
                    affected_side=None if side == "none" else side,
                )
        except RasError as err:
            self.error.setText(str(err))
            return
        self.error.clear()
        self.new_id.clear()
        self.reload_patients(select=info.pseudo_id)

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
        patient = self.patient.currentData()
        if not patient:
            raise RasError("choose a patient, or add one (a pseudonymous id)")
        plan = self.plan.currentText()
        settings = SessionSettings(
            baseline_s=self.baseline_s.value(),
            cued_s=self.cued_s.value(),
            probe_s=self.probe_s.value(),
            plan=plan,
            target_pct=self.target_pct.value(),
            step_pct=self.step_pct.value(),
            tempo_bpm=(self.tempo.value() or None) if plan != "iso-ramp" else None,
        )
        simulated = self.use_sim.isChecked()
        sensors = (
            SimulatedSensors(
                self.preset.currentText(), sensor_steps=self.sensor_steps.currentData()
            )
            if simulated
            else SensorPorts(self._chosen_ports())
        )
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
            self.error.setText(str(err))
            return
        self.error.clear()
        self.start_requested.emit(request)

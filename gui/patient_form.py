"""The set-up page's patient box: choose a patient, add one, edit or archive one.

Every detail is checked by the store (:mod:`ras.store.patients`); a refusal is one line shown
under the form. Archived patients are hidden unless "show archived" is ticked; nothing is ever
deleted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6 import QtCore, QtWidgets

from gui.widgets import BigButton
from ras.diagnosis import Diagnosis
from ras.errors import RasError
from ras.store.patients import (
    AFFECTED_SIDES,
    FIRST_BIRTH_YEAR,
    HEIGHT_RANGE_M,
    LEG_LENGTH_RANGE_M,
    SEXES,
    PatientInfo,
)
from ras.store.store import Store

__all__ = ["PatientForm"]

#: What an empty choice or number reads as in the form.
NOT_RECORDED = "—"


def _choice(items: list[tuple[str, str | None]]) -> QtWidgets.QComboBox:
    """A non-editable combo of (label, stored value) pairs."""
    combo = QtWidgets.QComboBox()
    for label, value in items:
        combo.addItem(label, value)
    combo.setMinimumHeight(40)
    return combo


def _number(lo: float, hi: float, suffix: str, step: float, decimals: int) -> Any:
    """A spin box whose lowest value (one step below ``lo``) means "not recorded"."""
    box: Any = QtWidgets.QDoubleSpinBox(decimals=decimals) if decimals else QtWidgets.QSpinBox()
    box.setRange(lo - step, hi)
    box.setSingleStep(step)
    box.setSuffix(suffix)
    box.setSpecialValueText(NOT_RECORDED)
    box.setValue(box.minimum())
    box.setMinimumHeight(40)
    return box


def _value(box: Any) -> float | None:
    return None if box.value() == box.minimum() else box.value()


class PatientForm(QtWidgets.QGroupBox):
    """Patient list and details; :attr:`message` carries a line to show (errors and what was
    done), :attr:`changed` the id of a patient added, edited or archived."""

    message = QtCore.Signal(str, bool)  # text, is an error
    changed = QtCore.Signal(str)

    def __init__(self, db: str | None, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Patient", parent)
        self.db = db
        self._known: dict[str, PatientInfo] = {}
        self.patient = QtWidgets.QComboBox()
        self.patient.setMinimumHeight(44)
        self.show_archived = QtWidgets.QCheckBox("show archived")
        self.new_id = QtWidgets.QLineEdit(placeholderText="pseudonymous id, e.g. P-017")
        self.new_diagnosis = _choice(
            [(NOT_RECORDED, None), *((d.label, d.value) for d in Diagnosis)]
        )
        self.diagnosis_note = QtWidgets.QLineEdit(placeholderText="in words, e.g. H&Y 2")
        self.new_side = _choice([(NOT_RECORDED, None), *((s, s) for s in AFFECTED_SIDES)])
        self.sex = _choice([(NOT_RECORDED, None), *((s, s) for s in SEXES)])
        self.birth_year = _number(FIRST_BIRTH_YEAR, dt.date.today().year, "", 1, 0)
        self.height_m = _number(*HEIGHT_RANGE_M, " m", 0.01, 2)
        self.leg_length_m = _number(*LEG_LENGTH_RANGE_M, " m", 0.01, 2)
        self.leg_length_m.setToolTip("greater trochanter to floor; normalises gait speed")
        self.add_patient_btn = BigButton("Add new")
        self.save_patient_btn = BigButton("Save changes")
        self.archive_btn = BigButton("Archive")
        self._lay_out()
        self.patient.currentIndexChanged.connect(self._selected)
        self.show_archived.toggled.connect(lambda _on: self.reload())
        self.add_patient_btn.clicked.connect(self.add)
        self.save_patient_btn.clicked.connect(self.save)
        self.archive_btn.clicked.connect(self.archive)

    def _lay_out(self) -> None:
        form = QtWidgets.QFormLayout(self)
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.patient, 1)
        top.addWidget(self.show_archived)
        form.addRow("Patient", top)
        form.addRow("New id", self.new_id)
        diagnosis = QtWidgets.QHBoxLayout()
        diagnosis.addWidget(self.new_diagnosis)
        diagnosis.addWidget(self.diagnosis_note, 1)
        form.addRow("Diagnosis", diagnosis)
        pairs = (
            ("Affected side", self.new_side, "Sex", self.sex),
            ("Year of birth", self.birth_year, "Height", self.height_m),
        )
        for label_a, a, label_b, b in pairs:
            row = QtWidgets.QHBoxLayout()
            row.addWidget(a, 1)
            row.addWidget(QtWidgets.QLabel(label_b))
            row.addWidget(b, 1)
            form.addRow(label_a, row)
        form.addRow("Leg length", self.leg_length_m)
        buttons = QtWidgets.QHBoxLayout()
        for b in (self.add_patient_btn, self.save_patient_btn, self.archive_btn):
            b.setMinimumHeight(44)
            buttons.addWidget(b)
        form.addRow(buttons)

    # --- the list -----------------------------------------------------------------------

    def current(self) -> PatientInfo | None:
        """The patient chosen (None if there is none)."""
        return self._known.get(self.patient.currentData() or "")

    def reload(self, select: str | None = None) -> None:
        """Fill the list from the store (archived patients only if "show archived")."""
        current = select or self.patient.currentData()
        try:
            with Store(self.db) as store:
                patients = store.list_patients(include_archived=self.show_archived.isChecked())
        except RasError as err:
            self.message.emit(str(err), True)
            return
        self._known = {p.pseudo_id: p for p in patients}
        self.patient.blockSignals(True)
        self.patient.clear()
        for p in patients:
            extra = [Diagnosis(p.diagnosis).label if p.diagnosis else "", p.affected_side or ""]
            extra.append("archived" if p.archived else "")
            shown = ", ".join(x for x in extra if x)
            self.patient.addItem(p.pseudo_id + (f" — {shown}" if shown else ""), p.pseudo_id)
        i = self.patient.findData(current) if current else -1
        self.patient.setCurrentIndex(max(i, 0) if patients else -1)
        self.patient.blockSignals(False)
        self._selected()

    def _selected(self) -> None:
        """Show the chosen patient's details in the form."""
        p = self.current()
        self.save_patient_btn.setEnabled(p is not None)
        self.archive_btn.setEnabled(p is not None)
        self.archive_btn.set_label("Restore" if p is not None and p.archived else "Archive")
        if p is None:
            return
        for combo, value in (
            (self.new_diagnosis, p.diagnosis),
            (self.new_side, p.affected_side),
            (self.sex, p.sex),
        ):
            combo.setCurrentIndex(max(combo.findData(value), 0))
        self.diagnosis_note.setText(p.diagnosis_note or "")
        for box, number in (
            (self.birth_year, p.birth_year),
            (self.height_m, p.height_m),
            (self.leg_length_m, p.leg_length_m),
        ):
            box.setValue(box.minimum() if number is None else number)

    # --- add, edit, archive -------------------------------------------------------------

    def details(self) -> dict[str, object]:
        """The details as the form shows them (None: not recorded)."""
        year = _value(self.birth_year)
        return {
            "diagnosis": self.new_diagnosis.currentData(),
            "diagnosis_note": self.diagnosis_note.text().strip() or None,
            "affected_side": self.new_side.currentData(),
            "sex": self.sex.currentData(),
            "birth_year": None if year is None else int(year),
            "height_m": _value(self.height_m),
            "leg_length_m": _value(self.leg_length_m),
        }

    def add(self) -> None:
        """Add a patient with the new id and the details shown."""
        self._do(lambda store: store.add_patient(self.new_id.text(), **self.details()), "added")

    def save(self) -> None:
        """Store the details shown for the chosen patient."""
        p = self.current()
        if p is not None:
            self._do(lambda store: store.edit_patient(p.pseudo_id, **self.details()), "saved")

    def archive(self) -> None:
        """Archive the chosen patient (or restore an archived one); nothing is deleted."""
        p = self.current()
        if p is not None:
            self._do(lambda store: store.archive_patient(p.pseudo_id, not p.archived), "")

    def _do(self, change: Any, done: str) -> None:
        try:
            with Store(self.db) as store:
                info: PatientInfo = change(store)
        except RasError as err:
            self.message.emit(str(err), True)
            return
        if done == "added":
            self.new_id.clear()
        if not done:
            done = "archived (hidden; its sessions are kept)" if info.archived else "restored"
        self.reload(select=info.pseudo_id)
        self.message.emit(f"patient {info.pseudo_id} {done}", False)
        self.changed.emit(info.pseudo_id)

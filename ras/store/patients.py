"""A patient's record: a pseudonym, the diagnosis, and the body measures for speed normalisation.

The details a therapist may give or change are checked here, once, for the store, the command
line and the set-up page; every refusal is one line naming the allowed values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

from ras.diagnosis import Diagnosis
from ras.errors import UserInputError
from ras.text import MAX_DIAGNOSIS_CHARS, MAX_NAME_CHARS, check_text
from ras.validate import check_choice, check_range

__all__ = [
    "AFFECTED_SIDES",
    "EDITABLE",
    "FIRST_BIRTH_YEAR",
    "HEIGHT_RANGE_M",
    "LEG_LENGTH_RANGE_M",
    "SEXES",
    "VIRTUAL_PATIENT_PREFIX",
    "PatientInfo",
    "check_details",
    "patient_from_row",
]

#: Pseudonyms of the virtual patients ``ras run --simulate`` makes (``sim-parkinson``, ...):
#: their sessions are demonstrations and are never pushed to a clinic server.
VIRTUAL_PATIENT_PREFIX = "sim-"

AFFECTED_SIDES = ("left", "right", "both", "none")
SEXES = ("female", "male", "other")
#: Plausible body height (low, high), m.
HEIGHT_RANGE_M = (0.5, 2.5)
#: Plausible leg length (greater trochanter to floor; low, high), m.
LEG_LENGTH_RANGE_M = (0.3, 1.4)
#: Earliest year of birth accepted (the latest is this year).
FIRST_BIRTH_YEAR = 1900


@dataclasses.dataclass(frozen=True)
class PatientInfo:
    """A patient, known by a pseudonymous id; ``name`` is optional and stays local.

    Attributes
    ----------
    diagnosis : str or None
        A :class:`~ras.diagnosis.Diagnosis` code; ``diagnosis_note`` the free text beyond it.
    affected_side : str or None
        ``left``, ``right``, ``both`` or ``none`` (the paretic / more affected side).
    birth_year : int or None
    sex : str or None
        ``female``, ``male`` or ``other``.
    height_m, leg_length_m : float or None
        Body height and leg length, m (leg length normalises gait speed).
    archived : bool
        Hidden from the lists of patients; the record and its sessions are kept.
    """

    pseudo_id: str
    name: str | None
    diagnosis: str | None
    affected_side: str | None
    created_utc: str
    diagnosis_note: str | None = None  # the diagnosis as described, beyond its group
    birth_year: int | None = None
    sex: str | None = None
    height_m: float | None = None
    leg_length_m: float | None = None
    archived: bool = False


#: The patient table's columns, in the order of :class:`PatientInfo`'s fields.
COLUMNS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(PatientInfo))
#: The details a therapist gives when adding a patient and may change later.
EDITABLE: tuple[str, ...] = (
    "name",
    "diagnosis",
    "diagnosis_note",
    "affected_side",
    "birth_year",
    "sex",
    "height_m",
    "leg_length_m",
)


def patient_from_row(row: Sequence[Any]) -> PatientInfo:
    """A :class:`PatientInfo` from a row of :data:`COLUMNS`."""
    values = dict(zip(COLUMNS, row, strict=True))
    values["archived"] = bool(values["archived"])
    return PatientInfo(**values)


def _whole_number(name: str, value: object, low: int, high: int) -> int:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value != int(value):  # type: ignore[arg-type]
        raise UserInputError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
    check_range(name, int(value), low, high)  # type: ignore[arg-type]
    return int(value)  # type: ignore[arg-type]


def _number(name: str, value: object, low_high: tuple[float, float], unit: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UserInputError(f"{name} must be a number in {unit}, got {value!r}")
    return float(check_range(name, value, *low_high, unit))


def _check_one(key: str, value: object) -> object:
    """One detail, checked and in its stored form (None stays None: no value)."""
    if value is None:
        return None
    if key == "name":
        return check_text("the patient's name", str(value), MAX_NAME_CHARS).strip() or None
    if key == "diagnosis_note":
        return check_text("the diagnosis note", str(value), MAX_DIAGNOSIS_CHARS).strip() or None
    if key == "affected_side":
        return check_choice("affected side", str(value), AFFECTED_SIDES)
    if key == "sex":
        return check_choice("sex", str(value), SEXES)
    if key == "birth_year":
        return _whole_number("the year of birth", value, FIRST_BIRTH_YEAR, dt.date.today().year)
    if key == "height_m":
        return _number("the height", value, HEIGHT_RANGE_M, "m")
    if key == "leg_length_m":
        return _number("the leg length", value, LEG_LENGTH_RANGE_M, "m")
    raise KeyError(key)


def check_details(details: Mapping[str, object]) -> dict[str, object]:
    """The details of :data:`EDITABLE` given in ``details``, checked, as stored columns.

    A diagnosis may be a code, its label or a description (:meth:`Diagnosis.from_text`); a
    description beyond the code becomes the diagnosis note unless a note is given too. None
    means no value. Raises :class:`UserInputError` (one line) for the first bad value.
    """
    for key in details:
        check_choice("patient detail", key, EDITABLE)
    checked = {k: _check_one(k, v) for k, v in details.items() if k != "diagnosis"}
    text = details.get("diagnosis")
    if "diagnosis" in details:
        checked["diagnosis"] = None
    if text is not None:
        text = check_text("the diagnosis", str(text), MAX_DIAGNOSIS_CHARS)
        checked["diagnosis"] = Diagnosis.from_text(text).value
        if "diagnosis_note" not in details and not Diagnosis.is_exact(text):
            checked["diagnosis_note"] = text
    return checked

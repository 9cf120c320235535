"""Patient records: details, edits and archiving through the store, checked in one line each."""

from __future__ import annotations

import datetime as dt

import pytest

from ras.errors import UserInputError
from ras.store import Store


def test_all_details_are_stored_and_read_back(store: Store) -> None:
    added = store.add_patient(
        "P1",
        diagnosis="stroke",
        diagnosis_note="ischaemic, 2023",
        affected_side="left",
        birth_year=1951,
        sex="female",
        height_m=1.64,
        leg_length_m=0.86,
    )
    assert store.get_patient("P1") == added
    assert (added.diagnosis, added.diagnosis_note, added.affected_side) == (
        "stroke",
        "ischaemic, 2023",
        "left",
    )
    assert (added.birth_year, added.sex, added.height_m, added.leg_length_m) == (
        1951,
        "female",
        1.64,
        0.86,
    )
    assert added.archived is False


def test_edit_changes_only_what_is_given(store: Store) -> None:
    store.add_patient("P1", diagnosis="Parkinson's disease, H&Y 2", height_m=1.80)
    edited = store.edit_patient("P1", affected_side="right", leg_length_m=0.95)
    assert (edited.diagnosis, edited.diagnosis_note) == ("parkinson", "Parkinson's disease, H&Y 2")
    assert (edited.height_m, edited.leg_length_m, edited.affected_side) == (1.80, 0.95, "right")
    cleared = store.edit_patient("P1", height_m=None, diagnosis="healthy control")
    assert (cleared.height_m, cleared.diagnosis) == (None, "healthy")
    assert cleared.diagnosis_note == "Parkinson's disease, H&Y 2"  # a note is changed by name
    assert store.get_patient("P1") == cleared


def test_archived_patients_are_hidden_not_deleted(store: Store) -> None:
    store.add_patient("P1")
    store.add_patient("P2")
    sid = store.begin_session("P2", {})
    store.end_session(sid, status="complete")
    assert store.archive_patient("P2").archived is True
    assert [p.pseudo_id for p in store.list_patients()] == ["P1"]
    assert [p.pseudo_id for p in store.list_patients(include_archived=True)] == ["P1", "P2"]
    assert [s.id for s in store.list_sessions("P2")] == [sid]
    assert store.get_patient("P2").archived is True
    assert store.archive_patient("P2", archived=False).archived is False
    assert [p.pseudo_id for p in store.list_patients()] == ["P1", "P2"]


@pytest.mark.parametrize(
    ("details", "says"),
    [
        ({"height_m": 2.8}, "height must be between 0.5 and 2.5 m"),
        ({"height_m": 0.4}, "height must be between 0.5 and 2.5 m"),
        ({"leg_length_m": 1.5}, "leg length must be between 0.3 and 1.4 m"),
        ({"leg_length_m": 0.2}, "leg length must be between 0.3 and 1.4 m"),
        ({"birth_year": 1899}, "year of birth must be between 1900"),
        ({"birth_year": dt.date.today().year + 1}, f"and {dt.date.today().year}"),
        ({"birth_year": 1950.5}, "year of birth must be a whole number"),
        ({"sex": "x"}, "female, male, other"),
        ({"affected_side": "up"}, "left, right, both, none"),
        ({"diagnosis": "flu"}, "put details in the diagnosis note"),
        ({"height_m": "tall"}, "height must be a number in m"),
    ],
)
def test_bad_details_are_one_line_refusals(store: Store, details: dict, says: str) -> None:
    store.add_patient("P1", height_m=1.7)
    for call in (
        lambda: store.add_patient("P2", **details),
        lambda: store.edit_patient("P1", **details),
    ):
        with pytest.raises(UserInputError) as err:
            call()
        assert says in str(err.value)
        assert "\n" not in str(err.value)
    assert [p.pseudo_id for p in store.list_patients()] == ["P1"]
    assert store.get_patient("P1").height_m == 1.7


def test_edit_of_an_unknown_detail_or_patient_is_refused(store: Store) -> None:
    store.add_patient("P1")
    with pytest.raises(UserInputError, match="unknown patient detail 'weight_kg'"):
        store.edit_patient("P1", weight_kg=70)
    with pytest.raises(UserInputError, match="unknown patient 'P9'"):
        store.edit_patient("P9", height_m=1.7)
    with pytest.raises(UserInputError, match="unknown patient 'P9'"):
        store.archive_patient("P9")

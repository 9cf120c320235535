"""Patients and sessions API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ras.errors import UserInputError
from ras.store import Store


def test_add_get_list_patients(store: Store) -> None:
    store.add_patient("P2")
    p = store.add_patient("P1", name="A. Person", diagnosis="PD", affected_side="left")
    assert store.get_patient("P1") == p
    assert p.created_utc.endswith("Z")
    assert [q.pseudo_id for q in store.list_patients()] == ["P1", "P2"]


@pytest.mark.parametrize("bad", ["", "  ", "has space", "x" * 65, "-lead"])
def test_bad_patient_id_is_user_error(store: Store, bad: str) -> None:
    with pytest.raises(UserInputError, match="patient id"):
        store.add_patient(bad)


def test_duplicate_patient_and_bad_side(store: Store) -> None:
    store.add_patient("P1")
    with pytest.raises(UserInputError, match="already exists"):
        store.add_patient("P1")
    with pytest.raises(UserInputError, match="left, right, both, none"):
        store.add_patient("P3", affected_side="up")


def test_unknown_patient_error_says_how_to_add(store: Store) -> None:
    store.add_patient("P1")
    for call in (
        lambda: store.get_patient("P9"),
        lambda: store.begin_session("P9", {}),
        lambda: store.list_sessions("P9"),
    ):
        with pytest.raises(UserInputError) as err:
            call()
        msg = str(err.value)
        assert "'P9'" in msg and "P1" in msg and "add the patient" in msg and "\n" not in msg


def test_session_lifecycle(store: Store) -> None:
    store.add_patient("P1")
    store.add_patient("P2")
    settings = {"tempo_bpm": 100.0, "mode": "adaptive", "plan": [1, 2]}
    s1 = store.begin_session("P1", settings)
    s2 = store.begin_session("P2")
    info = store.get_session(s1)
    assert info.status == "running" and info.ended_utc is None
    assert info.settings == settings and info.patient_id == "P1"
    store.end_session(s1, notes="walked well")
    info = store.get_session(s1)
    assert (info.status, info.notes) == ("complete", "walked well")
    assert info.ended_utc is not None
    assert [s.id for s in store.list_sessions()] == [s1, s2]
    assert [s.id for s in store.list_sessions("P2")] == [s2]
    with pytest.raises(UserInputError, match="session status"):
        store.end_session(s2, status="done")
    with pytest.raises(UserInputError, match="no session 999"):
        store.end_session(999)


def test_unserialisable_settings_is_user_error(store: Store) -> None:
    store.add_patient("P1")
    with pytest.raises(UserInputError, match="settings"):
        store.begin_session("P1", {"x": object()})


def test_mark_interrupted_only_touches_sessions_of_dead_processes(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with Store(db) as store:
        store.add_patient("P1")
        mine = store.begin_session("P1")
        orphan = store.begin_session("P1")
        child = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"],
            capture_output=True,
            text=True,
            check=True,
        )
        dead_pid = int(child.stdout)
        store.connection.execute(
            "UPDATE sessions SET writer_pid = ? WHERE id = ?", (dead_pid, orphan)
        )
        assert store.mark_interrupted() == [orphan]
    with Store(db) as store:  # opening runs it too; nothing left to mark
        assert store.mark_interrupted() == []
        assert store.get_session(orphan).status == "incomplete"
        assert store.get_session(mine).status == "running"  # this process is alive

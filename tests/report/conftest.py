"""Simulated sessions of each preset for the report tests (one database, built once)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import add_patient, run_simulated

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: patient id -> (preset, diagnosis, affected side or None, number of sessions)
PATIENTS = {
    "P-HE": ("healthy", "healthy control", None, 1),
    "P-PD": ("parkinson", "parkinson", None, 2),
    "P-ST": ("stroke", "stroke", "left", 1),
}
NAMES = {"P-HE": "Hanna Healthy", "P-PD": "Paul Parkinson", "P-ST": "Stella Stroke"}
PHASES_S = ("--baseline", "20", "--cued", "40", "--probe", "20")


@pytest.fixture(scope="session")
def sessions_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[int]]]:
    """A database with simulated sessions per preset; returns (path, patient -> session ids)."""
    db = tmp_path_factory.mktemp("reports") / "ras.sqlite3"
    ids: dict[str, list[int]] = {}
    next_id = 1
    for patient, (preset, diagnosis, side, n) in PATIENTS.items():
        options = ["--diagnosis", diagnosis, "--name", NAMES[patient]]
        add_patient(db, patient, *options, *(["--affected-side", side] if side else []))
        for k in range(n):
            run_simulated(db, preset, "--patient", patient, *PHASES_S, speed=25, seed=11 + k)
            ids.setdefault(patient, []).append(next_id)
            next_id += 1
    return db, ids

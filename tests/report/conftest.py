"""Simulated sessions of each preset for the report tests (one database, built once)."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest

from ras.cli import main

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: patient id -> (preset, diagnosis, affected side or None, number of sessions)
PATIENTS = {
    "P-HE": ("healthy", "older adults", None, 1),
    "P-PD": ("parkinson", "parkinson", None, 2),
    "P-ST": ("stroke", "stroke", "left", 1),
}
NAMES = {"P-HE": "Hanna Healthy", "P-PD": "Paul Parkinson", "P-ST": "Stella Stroke"}


@pytest.fixture(scope="session")
def sessions_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[int]]]:
    """A database with simulated sessions per preset; returns (path, patient -> session ids)."""
    db = tmp_path_factory.mktemp("reports") / "ras.sqlite3"
    ids: dict[str, list[int]] = {}
    next_id = 1
    for patient, (preset, diagnosis, side, n) in PATIENTS.items():
        add = [
            "patients",
            "--db",
            str(db),
            "--add",
            patient,
            "--diagnosis",
            diagnosis,
            "--name",
            NAMES[patient],
        ]
        if side:
            add += ["--affected-side", side]
        assert main(add) == 0
        for k in range(n):
            argv = [
                "run",
                "--simulate",
                preset,
                "--patient",
                patient,
                "--audio",
                "none",
                "--speed",
                "25",
                "--seed",
                str(11 + k),
                "--db",
                str(db),
                "--baseline",
                "20",
                "--cued",
                "40",
                "--probe",
                "20",
            ]
            stdin, sys.stdin = sys.stdin, io.StringIO("")  # `ras run` reads live commands
            try:
                assert main(argv) == 0
            finally:
                sys.stdin = stdin
            ids.setdefault(patient, []).append(next_id)
            next_id += 1
    return db, ids

"""`ras patients`: add with every detail, edit, archive, list archived with --all."""

from __future__ import annotations

from pathlib import Path

import pytest

from ras.cli import main
from ras.store.store import Store
from tests.conftest import add_patient, refused_in_process


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "ras.sqlite3")


def listed(capsys: pytest.CaptureFixture[str], db: str, *extra: str) -> list[str]:
    capsys.readouterr()
    assert main(["patients", "--db", db, *extra]) == 0
    return capsys.readouterr().out.splitlines()


def test_add_with_every_detail_then_edit(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    add_patient(
        db, "P-1", "--diagnosis", "stroke", "--diagnosis-note", "ischaemic 2023",
        "--affected-side", "left", "--birth-year", "1951", "--sex", "female",
        "--height-m", "1.64", "--leg-length-m", "0.86", "--name", "Ann",
    )  # fmt: skip
    assert listed(capsys, db) == [
        "P-1              stroke (ischaemic 2023), affected side left, born 1951, female,"
        " height 1.64 m, leg length 0.86 m"
    ]
    assert main(["patients", "--db", db, "--edit", "P-1", "--height-m", "1.66"]) == 0
    assert "changed --height-m of patient P-1" in capsys.readouterr().out
    with Store(db) as store:
        p = store.get_patient("P-1")
    assert (p.height_m, p.leg_length_m, p.name, p.diagnosis) == (1.66, 0.86, "Ann", "stroke")


def test_archive_hides_and_all_lists(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    add_patient(db, "P-1")
    add_patient(db, "P-2", "--diagnosis", "healthy")
    assert main(["patients", "--db", db, "--archive", "P-2"]) == 0
    assert "archived patient P-2" in capsys.readouterr().out
    assert listed(capsys, db) == ["P-1              no diagnosis"]
    assert listed(capsys, db, "--all") == [
        "P-1              no diagnosis",
        "P-2              healthy control, archived",
    ]
    assert main(["patients", "--db", db, "--unarchive", "P-2"]) == 0
    assert [line.split()[0] for line in listed(capsys, db)] == ["P-1", "P-2"]


@pytest.mark.parametrize(
    ("extra", "needles"),
    [
        (["--edit", "P-1", "--height-m", "3"], ["height must be between 0.5 and 2.5 m"]),
        (["--add", "P-2", "--leg-length-m", "2"], ["leg length must be between 0.3 and 1.4 m"]),
        (["--add", "P-2", "--birth-year", "1850"], ["year of birth must be between 1900"]),
        (["--edit", "P-1"], ["--edit ID needs the details to change"]),
        (["--edit", "P-9", "--sex", "male"], ["unknown patient 'P-9'"]),
        (["--archive", "P-9"], ["unknown patient 'P-9'"]),
        (["--height-m", "1.7"], ["--height-m goes with --add ID or --edit ID"]),
        (["--all", "--archive", "P-1"], ["--all goes with listing"]),
        (["--add", "P-2", "--edit", "P-1"], ["--edit", "not allowed with argument --add"]),
        (["--add", "P-2", "--sex", "f"], ["--sex", "invalid choice"]),
        (["--add", "P-2", "--height-m", "tall"], ["--height-m", "invalid float value"]),
        (["--add", "P-2", "--diagnosis", "flu"], ["is not one of", "diagnosis note"]),
    ],
)
def test_bad_patient_commands_are_one_line(
    db: str, extra: list[str], needles: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    add_patient(db, "P-1", "--height-m", "1.7")
    capsys.readouterr()
    refused_in_process(capsys, ["patients", "--db", db, *extra], *needles)
    with Store(db) as store:
        assert [p.pseudo_id for p in store.list_patients(include_archived=True)] == ["P-1"]
        assert store.get_patient("P-1").height_m == 1.7

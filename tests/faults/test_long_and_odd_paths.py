"""Paths the file system refuses (a 5000-character name, a device, a folder) give one line."""

from __future__ import annotations

import pytest

from ras.cli import main
from ras.errors import UserInputError
from ras.results.files import prepare_out_dir

LONG = "/tmp/" + "a" * 5000


@pytest.mark.parametrize(
    "argv",
    [
        ["sessions", "--db", f"{LONG}/x.sqlite3"],
        ["patients", "--db", f"{LONG}/x.sqlite3"],
        ["patients", "--db", LONG],
        ["report", "1", "--db", f"{LONG}/x.sqlite3", "--pdf", "r.pdf"],
        ["export", "1", "--format", "csv", "--db", f"{LONG}/x.sqlite3", "--out", "o"],
    ],
    ids=["sessions", "patients", "patients-file", "report", "export"],
)
def test_a_name_too_long_is_one_line(argv, capsys):
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1, err
    assert err[0].startswith("ras: error: cannot use session database")
    assert "File name too long" in err[0]


def test_an_export_folder_name_too_long_is_one_line():
    with pytest.raises(UserInputError) as err:
        prepare_out_dir(LONG)
    message = str(err.value)
    assert "\n" not in message and message.startswith("cannot write the export to")
    assert "File name too long" in message


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/dev/null", "not a regular file"),
        ("{empty folder}", "no IMU recordings (*.csv) in this folder or below"),
        ("/no/such", "no such file"),
    ],
)
def test_analyse_names_what_the_input_is(path, why, tmp_path, capsys):
    # a folder is a batch of the recordings below it (issue 15); one without any is one line
    path = str(tmp_path) if path == "{empty folder}" else path
    assert main(["analyse", path, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and why in err[0], err

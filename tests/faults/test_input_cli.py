"""Bad input to the `ras` command refused before any work: one line, the option named, nothing
written (issue 16, items 7, 9 and 10)."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ras.cli import main
from ras.store.store import Store
from tests.conftest import refused_in_process

RAS = [sys.executable, "-m", "ras"]
TWENTY_DIGITS = "12345678901234567890"
ESC_TITLE = "park\x1b]0;pwned\x07inson"  # retitles a terminal if echoed raw


@pytest.fixture(autouse=True)
def _own_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may touch the per-user database, even if a check is missing."""
    monkeypatch.setenv("RAS_DB", str(tmp_path / "env.sqlite3"))
    monkeypatch.chdir(tmp_path)


def assert_nothing_written(tmp_path: Path) -> None:
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# (command line before the option, the option)
RUN = ["run", "--simulate", "healthy", "--audio", "none"]
FLOAT_OPTIONS = [
    (RUN, "--target-pct"),
    (RUN, "--target-bpm"),
    (RUN, "--step-pct"),
    (RUN, "--tempo"),
    (RUN, "--baseline"),
    (RUN, "--cued"),
    (RUN, "--probe"),
    (RUN, "--level"),
    (RUN, "--ceiling"),
    (["monitor", "--simulate", "healthy"], "--duration"),
    (["devices"], "--timeout"),
]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e300", "ten"])
@pytest.mark.parametrize(("argv", "option"), FLOAT_OPTIONS, ids=[o for _, o in FLOAT_OPTIONS])
def test_a_float_option_must_be_a_finite_number_in_range(argv, option, value, capsys, tmp_path):
    line = refused_in_process(capsys, [*argv, f"{option}={value}"])
    assert f"argument {option}:" in line and repr(value) in line
    assert re.search(r"(between|greater than) -?[\d.]+ and (at most )?-?[\d.]+", line)  # range
    assert_nothing_written(tmp_path)


@pytest.mark.parametrize(
    ("argv", "option", "allowed"),
    [
        ([*RUN, "--seed", "-1"], "--seed", "between 0 and"),
        (["monitor", "--simulate", "healthy", "--seed", "-1"], "--seed", "between 0 and"),
        (["run", "--simulate", "healthy", "--seed", str(2**32)], "--seed", "4,294,967,295"),
        (["run", "--simulate", "healthy", "--imu-rate", "-5"], "--imu-rate", "1,000 Hz"),
        (["report", TWENTY_DIGITS, "--pdf", "r.pdf"], "SESSION", str(2**63 - 1)),
        (["export", TWENTY_DIGITS, "--format", "csv", "--out", "x"], "SESSION", "1 to"),
        (["export", "0", "--format", "csv", "--out", "x"], "SESSION", "1 to"),
        (["export", "1", "--format", "csv", "--out", ""], "--out", "empty"),
        (["report", "1", "--pdf", ""], "--pdf", "empty"),
        (["sessions", "--db", ""], "--db", "empty"),
        (["patients", "--add", ""], "--add", "1-64 letters"),
        (["report", "--patient", "x" * 100_000, "--pdf", "r.pdf"], "--patient", "1-64 letters"),
        (["run", "--simulate", "healthy", "--set", "cadence_spm=nan"], "--set", "finite"),
    ],
)
def test_ids_seeds_and_paths_are_checked_before_any_work(argv, option, allowed, capsys, tmp_path):
    line = refused_in_process(capsys, argv)
    assert f"argument {option}:" in line and allowed in line
    assert len(line) < 400  # a long bad value is cut, not echoed whole
    assert_nothing_written(tmp_path)


@pytest.mark.parametrize(
    ("option", "value", "needle"),
    [
        ("--diagnosis", "p" * 100_000, "100,000 characters long; at most 200"),
        ("--name", "n" * 100_000, "at most 200"),
        ("--diagnosis", ESC_TITLE, "control character (U+001B"),
        ("--name", "Ann\x07", "control character (U+0007"),
    ],
)
def test_names_and_diagnoses_are_limited_to_one_line_of_plain_text(
    option, value, needle, capsys, tmp_path
):
    line = refused_in_process(capsys, ["patients", "--add", "p01", option, value])
    assert f"argument {option}:" in line and needle in line
    assert_nothing_written(tmp_path)


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (["--name", "Ann"], "--name goes with --add"),
        (["--diagnosis", "stroke", "--affected-side", "left"], "--diagnosis and --affected-side"),
    ],
)
def test_patient_details_without_add_are_an_error_not_ignored(extra, named, capsys, tmp_path):
    line = refused_in_process(capsys, ["patients", *extra])
    assert named in line
    assert_nothing_written(tmp_path)


@pytest.mark.parametrize(
    ("argv", "see"),
    [
        (["run", "--simulate", "healthy", "--bogus"], "see `ras run --help`"),
        (["sessions", "--bogus", "x"], "see `ras sessions --help`"),
        (["frobnicate"], "see `ras --help`"),
    ],
)
def test_an_unknown_argument_points_to_the_right_help(argv, see, capsys, tmp_path):
    line = refused_in_process(capsys, argv)
    assert see in line and "ras ras" not in line
    assert_nothing_written(tmp_path)


def test_stored_text_with_control_characters_is_shown_safely(capsys, tmp_path):
    db = tmp_path / "ras.sqlite3"
    with Store(db) as store:
        store.add_patient("p01", diagnosis="stroke")
    with sqlite3.connect(db) as con:  # as an older ras, or another tool, may have stored it
        con.execute("UPDATE patients SET diagnosis_note = ?", (ESC_TITLE + "\nline two",))
    assert main(["patients", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert out.strip() == "p01              stroke (parkinson line two)"


def test_a_good_patient_is_still_added(capsys, tmp_path):
    db = str(tmp_path / "ras.sqlite3")
    assert main(["patients", "--db", db, "--add", "p01", "--diagnosis", "Parkinson's, H&Y 2"]) == 0
    assert main(["patients", "--db", db]) == 0
    assert "p01              Parkinson's disease (Parkinson's, H&Y 2)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["run", "--simulate", "healthy", "--audio", "none", "--seed", "-1"], "--seed"),
        (["export", TWENTY_DIGITS, "--format", "csv", "--out", "x"], "SESSION"),
        (["patients", "--add", "p01", "--diagnosis", ESC_TITLE], "--diagnosis"),
    ],
)
def test_as_a_user_runs_it(argv, needle, tmp_path):
    """A few through a real process: what the terminal gets is one clean line and exit 2."""
    env = {**os.environ, "RAS_DB": str(tmp_path / "env.sqlite3")}
    proc = subprocess.run(
        [*RAS, *argv], capture_output=True, timeout=60, check=False, cwd=tmp_path, env=env
    )
    assert proc.returncode == 2
    assert proc.stdout == b""
    lines = proc.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], proc.stderr
    assert b"\x1b" not in proc.stderr and b"\x07" not in proc.stderr
    assert_nothing_written(tmp_path)

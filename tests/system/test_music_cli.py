"""`ras music` as a user runs it: real processes on a real SQLite file, songs synthesised with
a known beat, one line for every bad input."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ras.cli import main
from ras.music.synth import synth_song
from ras.store import Store
from tests.conftest import TESTS_DIR, add_patient, assert_one_line_error, refused_in_process

RAS = [sys.executable, "-m", "ras"]
GUARD_S = 120
RATE_HZ = 22050
FISHIN = TESTS_DIR / "data" / "music" / "Karissa_Hobbs_-_Lets_Go_Fishin.ogg"


def music(db: Path, *args: str) -> subprocess.CompletedProcess:
    """``ras music args --db db`` in its own process."""
    return subprocess.run(
        [*RAS, "music", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=GUARD_S,
        check=False,
    )


def ok(proc: subprocess.CompletedProcess) -> list[str]:
    """The lines a successful command printed (and nothing on stderr)."""
    assert (proc.returncode, proc.stderr) == (0, ""), (proc.returncode, proc.stdout, proc.stderr)
    return proc.stdout.splitlines()


def here(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> list[str]:
    """``ras music args --db db`` in this process (quicker); the lines it printed."""
    capsys.readouterr()
    assert main(["music", *args, "--db", str(db)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out.splitlines()


@pytest.fixture
def songs(tmp_path: Path) -> dict[str, Path]:
    """A steady groove at 110 bpm (FLAC) and a beatless pad (MP3), 21 s each."""
    out = {}
    for name, style, fmt in (("groove", "steady", "flac"), ("pad", "pad", "mp3")):
        made = synth_song(style, tempo_bpm=110.0, duration_s=21.0, sample_rate_hz=RATE_HZ)
        out[name] = tmp_path / f"{name}.{fmt}"
        sf.write(out[name], made.audio, RATE_HZ, format=fmt.upper())
    return out


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "clinic" / "ras.sqlite3"
    add_patient(path, "P-1")
    add_patient(path, "P-2")
    return path


def test_add_list_set_and_remove(
    db: Path, songs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    added = ok(music(db, "add", str(songs["groove"]), str(songs["pad"]), "--patient", "P-1",
                     "--liked"))  # fmt: skip
    assert len(added) == 3
    assert added[0].startswith("added 'groove' (id ") and " for patient P-1: 11" in added[0]
    assert "bpm" in added[0] and "LUFS" in added[0]
    assert added[1].startswith("  second opinion: essentia agrees (11")  # only for a usable song
    assert added[2].startswith("added 'pad' (id ")
    assert "kept but unusable for cueing: the beat could not be found" in added[2]

    again = here(capsys, db, "add", str(songs["groove"]), "--patient", "P-2", "--title", "Our Tune")
    assert again[0].startswith("added 'Our Tune'") and "(analysed before)" in again[0]

    listed = ok(music(db, "list", "--patient", "P-1"))
    assert listed[0].split() == [
        "id", "title", "artist", "tempo", "varies", "conf.", "loudness", "flags", "usable",
        "for", "cueing",
    ]  # fmt: skip
    tune, pad = listed[1:]
    assert tune.split()[1:3] == ["Our", "Tune"] and tune.endswith(
        "liked                     usable"
    )
    assert "LUFS" in tune and " bpm" in tune
    assert "no: the beat could not be found with confidence" in pad

    assert here(capsys, db, "set", "pad", "--patient", "P-1", "--avoid", "--no-liked") == [
        f"'pad' (id {pad.split()[0]}) for patient P-1: avoid"
    ]
    assert [line.split()[0] for line in here(capsys, db, "list", "--patient", "P-1")[1:]] == [
        tune.split()[0]
    ]
    everything = here(capsys, db, "list")
    assert "patients" in everything[0] and len(everything) == 3

    audio_dir = db.parent / "music"
    assert stat.S_IMODE(os.stat(audio_dir).st_mode) == 0o700
    assert sorted(stat.S_IMODE(p.stat().st_mode) for p in audio_dir.iterdir()) == [0o600] * 2
    removed = here(capsys, db, "remove", "our tune", "--patient", "P-1")
    assert removed[0].endswith("kept in the library for the other patients who have it")
    removed = here(capsys, db, "remove", tune.split()[0], "--patient", "P-2")
    assert removed[0].endswith("its audio is deleted (no patient has it now)")
    assert [p.suffix for p in audio_dir.iterdir()] == [".mp3"]  # the pad is still P-1's
    with Store(db) as store:
        assert [s.song.title for s in store.songs.of_patient("P-1", include_avoided=True)] == [
            "pad"
        ]


def test_a_song_the_trackers_disagree_on_is_said_on_import_and_marked_in_the_list(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """30 s of Let's Go Fishin' (Karissa Hobbs, CC BY 3.0): librosa ~117, essentia ~88 bpm."""
    audio, fs = sf.read(FISHIN, dtype="float32", start=30 * 22050, stop=60 * 22050)
    sf.write(tmp_path / "fishin.flac", audio, fs)
    added = here(capsys, db, "add", str(tmp_path / "fishin.flac"), "--patient", "P-1")
    assert len(added) == 2
    assert added[1].startswith("  trackers disagree: librosa 11")
    assert ", essentia 8" in added[1]
    assert added[1].endswith(" bpm — listen before cueing with it")
    (row,) = here(capsys, db, "list", "--patient", "P-1")[1:]
    assert "usable, but trackers disagree: librosa 11" in row
    assert row.endswith(" bpm — listen first")


def test_without_a_second_tracker_the_song_says_so(
    db: Path, songs: dict[str, Path], capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setitem(sys.modules, "essentia", None)  # as if the dev extra were not installed
    added = here(capsys, db, "add", str(songs["groove"]), "--patient", "P-1")
    assert added[1] == "  second opinion not available: no second beat tracker checked this song"
    (row,) = here(capsys, db, "list")[1:]
    assert row.endswith("  usable (no second opinion)")


def test_a_bad_file_is_one_line_in_a_real_process(db: Path, tmp_path: Path) -> None:
    garbage = tmp_path / "song.mp3"
    garbage.write_bytes(np.random.default_rng(1).bytes(5000))  # decoders print when they probe
    assert_one_line_error(
        music(db, "add", str(garbage), "--patient", "P-1"),
        f"cannot use {garbage} as a song: it is not audio",
        "WAV, FLAC, OGG or MP3",
    )


def test_every_bad_input_is_one_line(
    db: Path, songs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    groove, pad = str(songs["groove"]), str(songs["pad"])
    base = ["music"]
    cases = [
        (["add", groove, "--patient", "P-9"], ["unknown patient 'P-9'"]),
        (["add", f"{groove}.gone", "--patient", "P-1"], [f"no such song file: {groove}.gone"]),
        (["add", groove, pad, "--patient", "P-1", "--title", "x"], ["--title names one song"]),
        (["add", groove, "--patient", "P-1", "--title", "a\x1b]0;x\x07"], ["--title"]),
        (["add", groove], ["--patient"]),
        (["remove", "nothing", "--patient", "P-1"], ["no song 'nothing' of patient P-1"]),
        (["set", "nothing", "--patient", "P-1", "--liked"], ["no song 'nothing'"]),
        (["set", "nothing", "--patient", "P-1"], ["give what to change"]),
        (["list", "--all"], ["--all goes with --patient ID"]),
        (["list", "--patient", "bad id!"], ["--patient"]),
        (["play"], ["invalid choice: 'play'"]),
    ]
    for argv, needles in cases:
        refused_in_process(capsys, [*base, *argv, "--db", str(db)], *needles)
    with Store(db) as store:
        assert store.songs.everything() == []

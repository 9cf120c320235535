"""The cue WAV (``--audio wav:PATH``) is session output: never written through a symlink or
into a device, never left truncated under its name when a write fails."""

from __future__ import annotations

import errno
import logging
import os
import wave

import pytest

from ras.audio.backends import make_backend
from ras.audio.engine import CueEngine
from ras.errors import UserInputError
from ras.session_clock import SessionClock

# the wav renderer at 50x: the first cue is due 0.2 session s (4 ms real) after it is asked
pytestmark = pytest.mark.timing


def _play_a_few_cues(path) -> CueEngine:
    engine = CueEngine(make_backend(f"wav:{path}"), clock=SessionClock(speed=50.0))
    engine.start()
    for k in range(4):
        engine.schedule_cue(engine.earliest_cue_s() + 0.2 + 0.5 * k)
    engine.stop()
    return engine


def test_the_wav_appears_whole_and_owner_only_with_no_temporary_file_left(tmp_path):
    path = tmp_path / "cues.wav"
    path.write_bytes(b"an older file")
    engine = _play_a_few_cues(path)
    with wave.open(str(path)) as w:
        assert w.getnframes() > 0
    assert path.stat().st_mode & 0o077 == 0
    assert os.listdir(tmp_path) == ["cues.wav"]
    assert len(engine.onsets) == 4


@pytest.mark.parametrize("target", ["symlink", "device", "directory"])
def test_a_target_that_is_not_a_plain_file_is_refused_in_one_line(tmp_path, target):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    if target == "symlink":
        path = tmp_path / "cues.wav"
        path.symlink_to(victim)
    elif target == "device":
        path = "/dev/full"
    else:
        path = tmp_path
    with pytest.raises(UserInputError) as err:
        CueEngine(make_backend(f"wav:{path}"), clock=SessionClock(speed=50.0)).start()
    assert "\n" not in str(err.value) and str(path) in str(err.value)
    assert victim.read_text() == "keep me"
    assert sorted(os.listdir(tmp_path)) == sorted(
        ["victim.txt"] + (["cues.wav"] if target == "symlink" else [])
    )


def test_a_write_that_fails_leaves_no_file_and_says_so(tmp_path, monkeypatch, caplog):
    path = tmp_path / "cues.wav"
    path.write_bytes(b"an older file")

    def full(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(wave.Wave_write, "writeframes", full)
    with caplog.at_level(logging.WARNING, logger="ras.audio.backends"):
        engine = _play_a_few_cues(path)
    assert len(engine.onsets) == 4  # the cues went on
    assert path.read_bytes() == b"an older file"  # the old file is intact
    assert os.listdir(tmp_path) == ["cues.wav"]  # no temporary file
    assert any("was not kept" in r.getMessage() for r in caplog.records)

"""The level asked for is the level played: the cue's peak in dBFS, measured on what the
session's engine renders (issue 13 point 10), and the test tone plays through the same path."""

from __future__ import annotations

import math
import wave
from pathlib import Path

import numpy as np
import pytest

from ras.audio import CueEngine, Sound, make_backend
from ras.audio.backends import AudioUnavailableError
from ras.audio.testtone import TEST_TONE_FAILED, play_test_tone
from ras.session_clock import SessionClock

FS_HZ = 48000


def wav_pcm(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, w.getnchannels())


def peak_dbfs(pcm: np.ndarray) -> float:
    return 20.0 * math.log10(float(np.abs(pcm).max()) / 32767.0)


def rendered_peak_dbfs(tmp_path: Path, level_dbfs: float, ceiling_dbfs: float) -> float:
    """Peak of cues rendered by the session's engine at ``level_dbfs``, dBFS."""
    path = tmp_path / f"cues{level_dbfs:g}.wav"
    engine = CueEngine(
        make_backend(f"wav:{path}"),
        clock=SessionClock(speed=50.0),
        block_frames=1024,
        level_dbfs=level_dbfs,
        ceiling_dbfs=ceiling_dbfs,
    )
    engine.start()
    first_s = engine.earliest_cue_s() + 0.2
    for k in range(4):
        engine.schedule_cue(first_s + 0.5 * k, Sound(k % 2))
    engine.stop()
    return peak_dbfs(wav_pcm(path))


@pytest.mark.parametrize("level_dbfs", [-40.0, -24.0, -18.0, -12.0])
def test_the_cue_peaks_at_the_level_asked(tmp_path: Path, level_dbfs: float) -> None:
    assert rendered_peak_dbfs(tmp_path, level_dbfs, -12.0) == pytest.approx(level_dbfs, abs=0.05)


def test_a_level_above_the_ceiling_plays_at_the_ceiling(tmp_path: Path) -> None:
    assert rendered_peak_dbfs(tmp_path, -6.0, -18.0) == pytest.approx(-18.0, abs=0.05)


def test_both_cue_sounds_are_full_scale_before_the_gain() -> None:
    engine = CueEngine(make_backend("none"))
    for sound in Sound:
        frames = engine.sounds.frames[int(sound), : engine.sounds.lengths[int(sound)]]
        assert float(np.abs(frames).max()) == pytest.approx(1.0, abs=1e-3)


def test_the_test_tone_plays_cues_at_the_level_through_the_chosen_output(tmp_path: Path) -> None:
    path = tmp_path / "tone.wav"
    said = play_test_tone(f"wav:{path}", -24.0, -12.0, n_cues=4, interval_s=0.25)
    assert said == f"test tone: 4 cues at -24 dBFS peak written to {path}"
    pcm = wav_pcm(path)[:, 0].astype(float)
    assert peak_dbfs(pcm) == pytest.approx(-24.0, abs=0.05)
    sounding = np.flatnonzero(pcm)
    onsets = sounding[np.r_[True, np.diff(sounding) > 0.1 * FS_HZ]]  # after 100 ms of silence
    assert np.diff(onsets) / FS_HZ == pytest.approx([0.25, 0.25, 0.25], abs=1e-3)


def test_the_test_tone_with_no_output_says_so_in_one_line(tmp_path: Path) -> None:
    assert play_test_tone("none", -20.0) == (
        "no sound output chosen (none): the test tone has nowhere to play"
    )
    with pytest.raises(AudioUnavailableError) as err:
        play_test_tone(f"wav:{tmp_path / 'missing-folder' / 'x.wav'}", -20.0)
    assert str(err.value).startswith(TEST_TONE_FAILED)
    assert "\n" not in str(err.value)

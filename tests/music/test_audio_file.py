"""Reading songs: the four formats decode to float32 mono at the asked rate; a file that is not
a usable song is one line naming it and what is allowed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ras.errors import UserInputError
from ras.music.audio_file import (
    MAX_DURATION_S,
    MIN_DURATION_S,
    check_audio_file,
    read_mono,
    resample,
    to_mono,
)

RATE_HZ = 16000
#: (extension, soundfile write options) of each format a song may come in.
WRITE = {
    "wav": {},
    "flac": {},
    "ogg": {"subtype": "VORBIS"},
    "mp3": {"format": "MP3", "subtype": "MPEG_LAYER_III"},
}


def _tone(duration_s: float, rate_hz: int = RATE_HZ, f_hz: float = 440.0) -> np.ndarray:
    t = np.arange(int(duration_s * rate_hz)) / rate_hz
    return (0.3 * np.sin(2 * np.pi * f_hz * t)).astype(np.float32)


def _write(path: Path, audio: np.ndarray, rate_hz: int = RATE_HZ, **tags: str) -> Path:
    channels = 1 if audio.ndim == 1 else audio.shape[1]
    ext = path.suffix.lstrip(".")
    with sf.SoundFile(path, "w", rate_hz, channels, **WRITE.get(ext, {})) as f:
        for key, value in tags.items():
            setattr(f, key, value)
        f.write(audio)
    return path


@pytest.mark.parametrize("ext", sorted(WRITE))
def test_each_format_reads_as_mono_at_the_asked_rate_with_its_tags(
    tmp_path: Path, ext: str
) -> None:
    stereo = np.stack([_tone(21.0), _tone(21.0)], axis=1)
    path = _write(tmp_path / f"song.{ext}", stereo, title="Walking Tune", artist="A. Band")
    audio, info = read_mono(path, 8000)
    assert audio.dtype == np.float32
    assert audio.shape == (21 * 8000,)
    assert (info.extension, info.sample_rate_hz, info.channels) == (ext, RATE_HZ, 2)
    assert (info.title, info.artist) == ("Walking Tune", "A. Band")
    assert info.duration_s == pytest.approx(21.0)
    # a lossy codec keeps a loud 440 Hz tone loud: RMS of a 0.3 sine is 0.21
    assert np.sqrt(np.mean(audio[8000:-8000] ** 2)) == pytest.approx(0.3 / np.sqrt(2), rel=0.1)


def test_the_format_comes_from_the_content_not_the_name(tmp_path: Path) -> None:
    wav = _write(tmp_path / "song.wav", _tone(21.0))
    named_mp3 = wav.rename(tmp_path / "song.mp3")
    assert check_audio_file(named_mp3).extension == "wav"


def test_mono_is_the_mean_of_the_channels() -> None:
    frames = np.array([[1.0, 0.0], [0.5, -0.5]], dtype=np.float32)
    assert to_mono(frames).tolist() == [0.5, 0.0]
    assert to_mono(np.array([0.25, 0.5])).tolist() == [0.25, 0.5]


def test_resampling_keeps_a_tone_at_its_frequency() -> None:
    out = resample(_tone(1.0, 44100, 1000.0), 44100, 48000)
    assert out.shape == (48000,)
    spectrum = np.abs(np.fft.rfft(out))
    assert np.argmax(spectrum) == 1000  # 1 Hz bins over 1 s


def _message(path: Path) -> str:
    with pytest.raises(UserInputError) as err:
        read_mono(path)
    text = str(err.value)
    assert "\n" not in text
    return text


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    assert _message(tmp_path / "nope.mp3") == f"no such song file: {tmp_path / 'nope.mp3'}"


def test_a_file_that_is_not_audio_is_refused_naming_the_formats(tmp_path: Path) -> None:
    bad = tmp_path / "notes.mp3"
    bad.write_bytes(b"hello" * 200)
    text = _message(bad)
    assert text.startswith(f"cannot use {bad} as a song: it is not audio")
    assert "WAV, FLAC, OGG or MP3" in text


def test_a_format_outside_the_four_is_refused(tmp_path: Path) -> None:
    aiff = tmp_path / "song.aiff"
    sf.write(aiff, _tone(21.0), RATE_HZ, format="AIFF")
    assert "it is AIFF" in _message(aiff)


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0, np.float32), RATE_HZ)
    assert "it holds no audio" in _message(empty)


def test_too_short_and_too_long_are_refused_with_their_length(tmp_path: Path) -> None:
    short = _write(tmp_path / "short.wav", _tone(MIN_DURATION_S - 1))
    assert f"it is {MIN_DURATION_S - 1:.1f} s long" in _message(short)
    long_rate_hz = 100  # 15 min of audio stays small at 100 Hz
    long = _write(
        tmp_path / "long.wav", np.zeros(int((MAX_DURATION_S + 60) * long_rate_hz)), long_rate_hz
    )
    assert "it is 16 min 0 s long" in _message(long)


def test_a_folder_is_not_a_song(tmp_path: Path) -> None:
    assert "not a regular file" in _message(tmp_path)

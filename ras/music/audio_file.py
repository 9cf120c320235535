"""Reading a song file: WAV, FLAC, OGG or MP3 to float32 mono at a chosen rate.

libsndfile (through ``soundfile``, bundled in its wheel: no system codec needed) decodes all
four; libsndfile >= 1.1 reads MP3. Anything else, an unreadable, empty or silent file, one
shorter than :data:`MIN_DURATION_S` or longer than :data:`MAX_DURATION_S` is a one-line
:class:`~ras.errors.UserInputError` naming the file and what is allowed.

Limits: at least 20 s, so a song holds enough beats (over 30 at walking tempi) to judge its
tempo and stability and does not loop every few strides; at most 15 min, so one song decoded
as float32 mono at 48 kHz stays under 175 MB in memory (the renderer holds it whole).
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from ras.errors import UserInputError

__all__ = [
    "FORMATS",
    "MAX_DURATION_S",
    "MIN_DURATION_S",
    "AudioInfo",
    "check_audio_file",
    "read_mono",
    "resample",
    "to_mono",
]

#: libsndfile's major formats a song may come in -> the file extension its stored copy gets.
FORMATS: dict[str, str] = {"WAV": "wav", "FLAC": "flac", "OGG": "ogg", "MP3": "mp3"}
#: Shortest song accepted, s.
MIN_DURATION_S = 20.0
#: Longest song accepted, s (15 min).
MAX_DURATION_S = 900.0
#: Frames decoded at a time (bounds the memory of a stereo file's decoding).
_BLOCK_FRAMES = 1 << 18

_ALLOWED = f"WAV, FLAC, OGG or MP3 of {MIN_DURATION_S:g} s to {MAX_DURATION_S / 60:g} min"


@dataclass(frozen=True)
class AudioInfo:
    """What a song file is, as its header says.

    Attributes
    ----------
    file_format : str
        libsndfile's major format, one of :data:`FORMATS` (``"OGG"``...).
    extension : str
        The extension a copy of it gets (``"ogg"``), from its content, not its name.
    sample_rate_hz : int
        The file's own sample rate, Hz.
    channels : int
    duration_s : float
        Length, s (frames / sample rate).
    title, artist : str
        From the file's tags where it has them (else ``""``).
    """

    file_format: str
    extension: str
    sample_rate_hz: int
    channels: int
    duration_s: float
    title: str = ""
    artist: str = ""


def _bad(path: Path, what: str) -> UserInputError:
    return UserInputError(f"cannot use {path} as a song: {what} (allowed: {_ALLOWED})")


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Keep the decoders' own warnings (libmpg123 prints to file descriptor 2 when it probes
    a file that is not MP3) off the terminal, so a bad file is said in one line."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no stderr to guard
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _open(path: Path) -> sf.SoundFile:
    """The file opened for reading; UserInputError if it is missing or not audio."""
    if not path.exists():
        raise UserInputError(f"no such song file: {path}")
    if not path.is_file():
        raise _bad(path, "it is not a regular file")
    if not os.access(path, os.R_OK):
        raise _bad(path, "it is not readable (permission denied)")
    try:
        with _quiet_stderr():
            return sf.SoundFile(path)
    except (sf.LibsndfileError, RuntimeError, OSError):
        raise _bad(path, "it is not audio that libsndfile can decode") from None


def check_audio_file(path: str | os.PathLike[str]) -> AudioInfo:
    """The file's :class:`AudioInfo`, after checking its format and length.

    Raises
    ------
    UserInputError
        Missing, unreadable, not one of :data:`FORMATS`, empty, too short or too long.
    """
    p = Path(path)
    with _open(p) as f:
        return _info(p, f)


def _info(path: Path, f: sf.SoundFile) -> AudioInfo:
    if f.format not in FORMATS:
        raise _bad(path, f"it is {f.format_info or f.format}")
    if f.frames <= 0 or f.samplerate <= 0:
        raise _bad(path, "it holds no audio")
    duration_s = f.frames / f.samplerate
    if not MIN_DURATION_S <= duration_s <= MAX_DURATION_S:
        raise _bad(path, f"it is {_length(duration_s)} long")
    tags = f.copy_metadata()
    return AudioInfo(
        file_format=f.format,
        extension=FORMATS[f.format],
        sample_rate_hz=int(f.samplerate),
        channels=int(f.channels),
        duration_s=duration_s,
        title=str(tags.get("title", "")).strip(),
        artist=str(tags.get("artist", "")).strip(),
    )


def _length(duration_s: float) -> str:
    if duration_s < 60:
        return f"{duration_s:.1f} s"
    return f"{int(duration_s // 60)} min {duration_s % 60:.0f} s"


def to_mono(frames: np.ndarray) -> np.ndarray:
    """The mean of the channels (``frames`` of shape (n,) or (n, channels)), float32."""
    x = np.asarray(frames, dtype=np.float32)
    return x if x.ndim == 1 else x.mean(axis=1, dtype=np.float32)


def resample(audio: np.ndarray, from_hz: int, to_hz: int) -> np.ndarray:
    """``audio`` from one sample rate to another (polyphase, scipy's Kaiser window), float32."""
    if from_hz == to_hz:
        return np.asarray(audio, dtype=np.float32)
    from scipy.signal import resample_poly  # 1 s to import: only when a song is resampled

    g = math.gcd(int(from_hz), int(to_hz))
    return resample_poly(audio, int(to_hz) // g, int(from_hz) // g).astype(np.float32)


def read_mono(
    path: str | os.PathLike[str], sample_rate_hz: int | None = None
) -> tuple[np.ndarray, AudioInfo]:
    """Decode a song to float32 mono, resampled to ``sample_rate_hz`` (default: its own rate).

    Returns
    -------
    (numpy.ndarray, AudioInfo)
        The samples (mean of the channels) and what the file is.

    Raises
    ------
    UserInputError
        As :func:`check_audio_file`, or the file breaks off while decoding.
    """
    p = Path(path)
    with _open(p) as f:
        info = _info(p, f)
        try:
            with _quiet_stderr():
                blocks = [
                    to_mono(b) for b in f.blocks(_BLOCK_FRAMES, dtype="float32", always_2d=True)
                ]
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise _bad(p, f"decoding failed ({exc})") from None
    audio = np.concatenate(blocks) if blocks else np.zeros(0, np.float32)
    if audio.size / info.sample_rate_hz < MIN_DURATION_S:
        raise _bad(p, f"only {_length(audio.size / info.sample_rate_hz)} of it can be decoded")
    if not np.all(np.isfinite(audio)):
        raise _bad(p, "it holds samples that are not numbers")
    rate = info.sample_rate_hz if sample_rate_hz is None else int(sample_rate_hz)
    return resample(audio, info.sample_rate_hz, rate), info

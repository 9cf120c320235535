"""Audio backends: the thin device adapter (sounddevice) and the device-free ones (wav, none).

A backend opens one stream that calls ``callback(out, dac_time_s, current_time_s, underflow)``
once per block; ``out`` (frames, channels) float32 is filled by the callback. Times are on the
stream's own clock, readable as ``stream.time``. The wav and none backends drive the same
callback from a thread paced by the session clock (their stream clock is ``perf_counter``).
"""

from __future__ import annotations

import logging
import os
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ras.errors import RasError, UserInputError
from ras.session_clock import SessionClock

__all__ = [
    "AudioBackend",
    "AudioCallback",
    "AudioSpec",
    "AudioStream",
    "AudioUnavailableError",
    "NoneBackend",
    "WavBackend",
    "make_backend",
    "no_device_message",
    "parse_audio_spec",
]

AudioCallback = Callable[[np.ndarray, float, float, bool], None]

#: The way out named at the end of every sound-output failure, in the therapist's words (the GUI
#: shows it as is; the command line adds its options, :attr:`AudioUnavailableError.cli_hint`).
ALTERNATIVES = "or choose another sound output: a WAV file, or none"


log = logging.getLogger(__name__)


class AudioUnavailableError(RasError):
    """No audio output (no PortAudio library, no device): one line naming the fix.

    ``cli_hint`` is what the command line adds: the options for the same choices.
    """

    cli_hint = "--audio device:NAME, --audio wav:PATH or --audio none"


class AudioStream(Protocol):
    """An open output stream."""

    @property
    def time(self) -> float:
        """Now, on the stream's clock (s)."""
        ...

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def close(self) -> None: ...


class AudioBackend(Protocol):
    """Opens output streams."""

    name: str
    offline: bool

    def open(
        self,
        sample_rate_hz: int,
        block_frames: int,
        channels: int,
        callback: AudioCallback,
        clock: SessionClock,
    ) -> AudioStream: ...


@dataclass(frozen=True)
class AudioSpec:
    """Parsed ``--audio`` value: ``kind`` is ``default``, ``device``, ``wav`` or ``none``."""

    kind: str
    target: str = ""


def parse_audio_spec(spec: str) -> AudioSpec:
    """Parse ``default`` | ``device:NAME`` | ``wav:PATH`` | ``none``."""
    text = spec.strip()
    if text in ("default", ""):
        return AudioSpec("default")
    if text == "none":
        return AudioSpec("none")
    kind, sep, target = text.partition(":")
    if sep and kind in ("wav", "device"):
        if not target:
            raise UserInputError(
                f"sound output {spec!r}: {kind}: needs a value, e.g. {kind}:out.wav"
            )
        return AudioSpec(kind, target)
    raise UserInputError(
        f"sound output {spec!r} not understood; use default, device:NAME, wav:PATH or none"
    )


def no_device_message(requested: str | int | None, outputs: list[str], reason: str) -> str:
    """One line for an output stream that would not open.

    Parameters
    ----------
    requested : str, int or None
        The device asked for (None: the system default).
    outputs : list of str
        Names of the output devices PortAudio lists here.
    reason : str
        PortAudio's own words.
    """
    if requested is not None and outputs:
        shown = ", ".join(repr(name) for name in outputs[:8])
        more = f" and {len(outputs) - 8} more" if len(outputs) > 8 else ""
        return (
            f"cannot open the sound output {requested!r} ({reason}); sound outputs here: "
            f"{shown}{more}, {ALTERNATIVES}"
        )
    return (
        f"no sound output ({reason}): check the speaker or headphones, or start PulseAudio "
        f"(scripts/pulse-null-sink.sh for a virtual sink), {ALTERNATIVES}"
    )


def make_backend(spec: AudioSpec | str) -> AudioBackend:
    """The backend for an ``--audio`` value (the sounddevice adapter is imported lazily)."""
    if isinstance(spec, str):
        spec = parse_audio_spec(spec)
    if spec.kind == "none":
        return NoneBackend()
    if spec.kind == "wav":
        return WavBackend(Path(spec.target))
    from ras.audio.sd_backend import SoundDeviceBackend

    return SoundDeviceBackend(spec.target if spec.kind == "device" else None)


class _PacedStream:
    """Drives the callback from a thread, one block ahead of the session clock."""

    def __init__(
        self,
        sample_rate_hz: int,
        block_frames: int,
        channels: int,
        callback: AudioCallback,
        clock: SessionClock,
        sink: Callable[[np.ndarray], None] | None,
    ) -> None:
        self._fs = sample_rate_hz
        self._block = np.zeros((block_frames, channels), dtype=np.float32)
        self._callback = callback
        self._clock = clock
        self._sink = sink
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.first_sample = 0

    @property
    def time(self) -> float:
        return time.perf_counter()

    def start(self) -> None:
        # sample n plays at session time n / fs: the thread catches up from sample 0 at once
        self.first_sample = 0
        self._thread = threading.Thread(target=self._run, name="ras-audio-paced", daemon=True)
        self._thread.start()

    def _render_one(self) -> None:
        n = self.first_sample
        dac_perf_s = self._clock.to_perf_s(n / self._fs)
        self._callback(self._block, dac_perf_s, time.perf_counter(), False)
        if self._sink is not None:
            self._sink(self._block)
        self.first_sample = n + self._block.shape[0]

    def _run(self) -> None:
        lead_s = self._block.shape[0] / self._fs
        while not self._stop.is_set():
            due_s = self.first_sample / self._fs - lead_s
            if self._clock.now_s() >= due_s:
                self._render_one()
            else:
                self._stop.wait(min(0.05, (due_s - self._clock.now_s()) / self._clock.speed))

    def render_until(self, t_s: float) -> None:
        """After :meth:`stop`: render every block that starts before session time ``t_s``."""
        while self.first_sample / self._fs < t_s:
            self._render_one()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def close(self) -> None:
        self.stop()


class NoneBackend:
    """No sound: the mixer runs (so cue onsets are recorded) and the output is discarded."""

    name = "none"
    offline = True

    def open(
        self,
        sample_rate_hz: int,
        block_frames: int,
        channels: int,
        callback: AudioCallback,
        clock: SessionClock,
    ) -> _PacedStream:
        return _PacedStream(sample_rate_hz, block_frames, channels, callback, clock, None)


class WavBackend:
    """Render to a 16-bit WAV file with the same mixer; sample n plays at session time n / fs.

    Paced by the session clock, so a simulated session (clock speed > 1) renders faster than
    real time.
    """

    name = "wav"
    offline = True

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def open(
        self,
        sample_rate_hz: int,
        block_frames: int,
        channels: int,
        callback: AudioCallback,
        clock: SessionClock,
    ) -> _PacedStream:
        from ras.results.files import check_target

        target = check_target(self.path, f"the cue WAV file {self.path}")  # no symlink, no device
        # written beside the target and renamed into place once whole: a session that fails
        # never leaves a truncated WAV (or an old one cut short) under the target's name
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            # session output: owner-only, like the database
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            os.fchmod(fd, 0o600)
            file = os.fdopen(fd, "wb")
            writer = wave.open(file, "wb")  # noqa: SIM115 (closed by the stream)
        except OSError as exc:
            raise UserInputError(
                f"the cue WAV file {self.path}: cannot write: {exc.strerror}"
            ) from exc
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate_hz)
        failed: list[OSError] = []

        def sink(block: np.ndarray) -> None:
            if failed:
                return  # the file is lost; the cues (and their recorded onsets) go on
            pcm = np.clip(np.round(block * 32767.0), -32768, 32767).astype("<i2")
            try:
                writer.writeframes(pcm.tobytes())
            except OSError as exc:
                failed.append(exc)

        stream = _PacedStream(sample_rate_hz, block_frames, channels, callback, clock, sink)
        base_close = stream.close

        def close() -> None:
            base_close()
            try:
                writer.close()
                file.flush()
                os.fsync(file.fileno())
            except OSError as exc:
                failed.append(exc)
            finally:
                file.close()  # wave leaves a file object it did not open to its owner
            if failed:
                tmp.unlink(missing_ok=True)
                log.warning(
                    "the cue WAV %s was not kept: %s", target, failed[0].strerror or failed[0]
                )
            else:
                os.replace(tmp, target)

        stream.close = close  # type: ignore[method-assign]
        return stream

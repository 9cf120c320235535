"""The only module that imports sounddevice (PortAudio): a thin adapter, no logic."""

from __future__ import annotations

from typing import Any

from ras.audio.backends import (
    ALTERNATIVES,
    AudioCallback,
    AudioUnavailableError,
    no_device_message,
)
from ras.session_clock import SessionClock

__all__ = ["SoundDeviceBackend"]


def _import_sounddevice() -> Any:
    try:
        import sounddevice
    except OSError as exc:  # sounddevice raises OSError when libportaudio is missing
        raise AudioUnavailableError(
            f"no PortAudio library ({exc}): apt install libportaudio2, {ALTERNATIVES}"
        ) from exc
    return sounddevice


class SoundDeviceBackend:
    """Real output device through PortAudio (on Linux usually PulseAudio/PipeWire)."""

    name = "sounddevice"
    offline = False

    def __init__(self, device: str | int | None = None, latency: str | float | None = None) -> None:
        self.device = device
        self.latency = latency

    def open(
        self,
        sample_rate_hz: int,
        block_frames: int,
        channels: int,
        callback: AudioCallback,
        clock: SessionClock,
    ) -> Any:
        sd = _import_sounddevice()

        def sd_callback(outdata: Any, frames: int, time_info: Any, status: Any) -> None:
            callback(
                outdata,
                time_info.outputBufferDacTime,
                time_info.currentTime,
                bool(status.output_underflow),
            )

        try:
            return sd.OutputStream(
                samplerate=sample_rate_hz,
                blocksize=block_frames,
                channels=channels,
                dtype="float32",
                device=self.device,
                latency=self.latency,
                callback=sd_callback,
            )
        except (sd.PortAudioError, ValueError) as exc:
            raise AudioUnavailableError(
                no_device_message(self.device, _output_names(sd), str(exc))
            ) from exc


def _output_names(sd: Any) -> list[str]:
    """Names of the output devices PortAudio lists (empty if it cannot list them)."""
    try:
        return [d["name"] for d in sd.query_devices() if d["max_output_channels"] > 0]
    except Exception:  # listing is only for the message: never hide the real error
        return []

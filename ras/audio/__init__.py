"""Metronome cue audio: exact-sample mixing, one stream per session, session-clock onsets."""

from ras.audio.backends import AudioUnavailableError, make_backend, parse_audio_spec
from ras.audio.engine import CueEngine, CueOnset, LateCueError
from ras.audio.mixer import Sound

__all__ = [
    "AudioUnavailableError",
    "CueEngine",
    "CueOnset",
    "LateCueError",
    "Sound",
    "make_backend",
    "parse_audio_spec",
]

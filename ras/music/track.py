"""The contracts between the music parts: a song's tracked beats, and a beat-aligned audio source.

:class:`BeatTrack` is what beat tracking (:mod:`ras.music.beats`) gives the library and the
renderer; :class:`BeatAlignedSource` is what the cue engine's render-ahead worker
(:mod:`ras.audio.music_track`) pulls audio from: the engine decides the beats (plans, adaptive,
therapist) as for the metronome, and the source renders the song so its beats fall on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

__all__ = ["BeatAlignedSource", "BeatTrack"]


@dataclass(frozen=True)
class BeatTrack:
    """A song's beats as tracked once, on import.

    Attributes
    ----------
    beats_s : numpy.ndarray
        Beat times in the song, s (increasing).
    downbeats_s : numpy.ndarray
        Bar starts, s, where the tracker gives them (else empty).
    tempo_bpm : float
        Native tempo: 60 / the median inter-beat interval, beats/min.
    tempo_stability_pct : float
        Coefficient of variation of the inter-beat intervals, % (0: a machine-steady beat).
    confidence : float
        How sure the tracker is of the beats, 0–1.
    usable : bool
        Whether the beat is steady and sure enough to cue walking with.
    reason : str
        Why not (``""`` when usable), in the therapist's words.
    tracker : str
        The tracker and its version, e.g. ``"librosa 0.11.0 beat_track"``.
    """

    beats_s: np.ndarray
    tempo_bpm: float
    tempo_stability_pct: float
    confidence: float
    usable: bool
    reason: str
    tracker: str
    downbeats_s: np.ndarray = field(default_factory=lambda: np.zeros(0))


class BeatAlignedSource(Protocol):
    """Song audio rendered on the engine's output sample timeline, its beats on the cue beats.

    Sample indices are the cue engine's output samples (:meth:`ras.audio.engine.CueEngine.
    schedule_cue` returns the one of each beat). Called from the render-ahead worker thread,
    never from the audio callback.
    """

    def add_beat(self, sample_index: int) -> None:
        """The next cue beat falls on this output sample (increasing; decided ahead)."""

    def retract_beats_from(self, sample_index: int) -> None:
        """Beats at or after this sample were taken back (pause, cues off, the end)."""

    @property
    def available_until(self) -> int:
        """Output samples before this index can be rendered now (it grows with each beat)."""

    def render(self, start_sample: int, n: int) -> np.ndarray:
        """``n`` float32 mono samples of output from ``start_sample`` (before
        :attr:`available_until`)."""

"""Small session records the store keeps besides sensor events. Times are on the session clock.

These are the storage-side shapes of cue onsets, tempo changes, therapist markers and protocol
phases. Producers (audio engine, tempo controller, UI) may publish them on the session bus.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ras.protocol.messages import Side

__all__ = [
    "PHASE_NAMES",
    "TEMPO_SOURCES",
    "CueEvent",
    "MarkerEvent",
    "PhaseEvent",
    "TempoChangeEvent",
]

PHASE_NAMES = ("baseline", "cued", "probe")
TEMPO_SOURCES = ("plan", "adaptive", "therapist")


@dataclass(frozen=True, slots=True)
class CueEvent:
    """One metronome beat as played.

    Attributes
    ----------
    t_s : float
        Session time of the beat's onset at the speaker (output latency included).
    beat_index : int
        Beat number since cueing started (0-based).
    tempo_bpm : float
        Tempo the beat belongs to (beats per minute).
    side : Side
        Foot the beat is meant for, if cues alternate per side.
    accent : bool
        True for an accented beat.
    sample_index : int or None
        Audio output sample index of the onset, when known.
    """

    t_s: float
    beat_index: int
    tempo_bpm: float
    side: Side = Side.UNKNOWN
    accent: bool = False
    sample_index: int | None = None


@dataclass(frozen=True, slots=True)
class TempoChangeEvent:
    """The cue tempo changed from ``old_bpm`` (None at the first tempo) to ``new_bpm``."""

    t_s: float
    old_bpm: float | None
    new_bpm: float
    source: Literal["plan", "adaptive", "therapist"]
    reason: str = ""


@dataclass(frozen=True, slots=True)
class MarkerEvent:
    """A therapist's note at a moment of the session (e.g. "freezing episode")."""

    t_s: float
    note: str = ""


@dataclass(frozen=True, slots=True)
class PhaseEvent:
    """A protocol phase starts or ends.

    A ``"start"`` also ends any phase still open at ``t_s`` (phases do not overlap).
    """

    t_s: float
    name: Literal["baseline", "cued", "probe"]
    edge: Literal["start", "end"] = "start"

"""The session's event vocabulary: what travels on the bus, is recorded and is exported.

One class per record: the sensors' events (steps, IMU, link, status) and the session's own
(cue onsets, tempo changes, cue state changes, therapist markers and clinical events, every
therapist action with its outcome, protocol phases) are published, stored
(:mod:`ras.store.tables` derives their table columns and array dtypes from these fields) and
read back as the same objects. All ``*_t_s`` times are on the session clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Literal

import numpy as np

from ras.protocol.messages import Side, StepKind

__all__ = [
    "PHASE_NAMES",
    "TEMPO_SOURCES",
    "ActionEvent",
    "CueEvent",
    "CueMode",
    "CueModeEvent",
    "CueState",
    "CueStateEvent",
    "ImuEvent",
    "LinkEvent",
    "LinkState",
    "MarkerEvent",
    "MarkerKind",
    "Phase",
    "PhaseEvent",
    "SensorStatusEvent",
    "SongEvent",
    "SongEventKind",
    "StepEvent",
    "TempoChangeEvent",
]


class Phase(StrEnum):
    """A protocol phase; the values are the names stored and shown (``"baseline"``, ...)."""

    BASELINE = "baseline"
    CUED = "cued"
    PROBE = "probe"

    @property
    def next(self) -> Phase | None:
        """The phase that follows this one (None after the probe: the session ends)."""
        order = tuple(Phase)
        i = order.index(self) + 1
        return order[i] if i < len(order) else None

    @property
    def is_cued(self) -> bool:
        """True in the phase where cues sound."""
        return self is Phase.CUED


PHASE_NAMES: tuple[str, ...] = tuple(p.value for p in Phase)
TEMPO_SOURCES = ("plan", "adaptive", "therapist")


@dataclass(frozen=True, slots=True)
class StepEvent:
    """A gait event from a foot sensor, mapped onto the session clock.

    Attributes
    ----------
    t_s : float
        Session time of the event (device time mapped through clock sync).
    device_t_us : int
        Unwrapped device time of the event (us since the sensor booted, wrap-corrected).
    received_t_s : float
        Session time the frame was decoded on the host.
    seq : int
        Sequence number of the frame that brought it: the STEP frame, or, for a step the host
        detected in an IMU-only sensor's stream, the IMU frame that completed the event.
    stride_index : int
        Strides of this foot since the sensor booted (u16), as the firmware counts them.
    clock_error_s : float
        Clock sync's estimate of its own error at that moment (s).
    stride_time_s, stance_time_s, stride_length_m, clearance_m : float or None
        The last stride's figures where the sensor (or the host, for the times of steps it
        detected itself) knows them; None where not.
    """

    sensor_id: int
    side: Side
    kind: StepKind
    t_s: float
    device_t_us: int
    received_t_s: float
    seq: int
    stride_index: int
    clock_error_s: float = float("nan")
    stride_time_s: float | None = None
    stance_time_s: float | None = None
    stride_length_m: float | None = None
    clearance_m: float | None = None


@dataclass(frozen=True, slots=True, eq=False)
class ImuEvent:
    """Raw IMU samples in SI units (acc m/s², gyr deg/s); foot frame x fwd, y left, z up."""

    sensor_id: int
    side: Side
    first_t_s: float
    sample_rate_hz: float
    device_first_t_us: int
    samples_si: np.ndarray = field(repr=False)


class LinkState(Enum):
    """State of one sensor link."""

    CONNECTING = "connecting"
    CONNECTED = "connected"  # port open and HELLO received
    DISCONNECTED = "disconnected"
    REBOOTED = "rebooted"  # the sensor restarted (HELLO with sequence restart)
    CLOSED = "closed"  # closed on purpose


@dataclass(frozen=True, slots=True)
class LinkEvent:
    """A change of a sensor link's state.

    ``detail`` says why (a disconnect's error, a reboot's sequence jump) and, on CONNECTED,
    where the sensor's steps are detected (:class:`ras.link.host_steps.StepSource`), so the
    recorded link events keep it.
    """

    t_s: float
    port: str
    state: LinkState
    sensor_id: int | None = None
    side: Side = Side.UNKNOWN
    detail: str = ""

    def text(self, *, with_time: bool = False) -> str:
        """One line for a live log, e.g. ``left sensor disconnected at 310.1 s: <why>``
        (``with_time``: say when, for a log whose lines carry no time of their own)."""
        who = f"{self.side.label} sensor" if self.side != Side.UNKNOWN else f"sensor {self.port}"
        when = f" at {self.t_s:.1f} s" if with_time else ""
        return f"{who} {self.state.value}{when}" + (f": {self.detail}" if self.detail else "")


@dataclass(frozen=True, slots=True)
class SensorStatusEvent:
    """Health of one sensor: its own STATUS report plus the host's view of the link."""

    t_s: float
    sensor_id: int
    side: Side
    battery_mv: int
    battery_pct: int | None
    flags: int
    dropped_samples: int
    dropped_frames: int
    lost_frames: int
    rejected_frames: int
    clock_residual_s: float
    clock_drift_ppm: float


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
    """The cue tempo changed from ``old_bpm`` (None at the first tempo) to ``new_bpm``.

    ``t_s`` is when the change was made; ``effective_t_s`` the beat boundary from which the
    new tempo sounds (NaN where not known, e.g. sessions recorded before it was kept).
    """

    t_s: float
    old_bpm: float | None
    new_bpm: float
    source: Literal["plan", "adaptive", "therapist"]
    reason: str = ""
    effective_t_s: float = math.nan


class MarkerKind(StrEnum):
    """What a marker records: a free-text note or one of the clinical events a therapist sees."""

    NOTE = "note"
    FALL = "fall"
    NEAR_FALL = "near_fall"
    FREEZING = "freezing"
    REST = "rest"
    ASSISTANCE = "assistance"

    @property
    def label(self) -> str:
        """The name shown to the therapist and in reports."""
        return _MARKER_LABELS[self]


_MARKER_LABELS = {
    MarkerKind.NOTE: "note",
    MarkerKind.FALL: "fall",
    MarkerKind.NEAR_FALL: "near-fall",
    MarkerKind.FREEZING: "freezing (seen)",
    MarkerKind.REST: "rest",
    MarkerKind.ASSISTANCE: "assistance given",
}


@dataclass(frozen=True, slots=True)
class MarkerEvent:
    """A therapist's note or clinical event at a moment of the session.

    ``kind`` says which clinical event it is (a fall, a freezing episode the therapist saw, ...);
    ``note`` is free text (required for a plain note, optional for the others).
    """

    t_s: float
    note: str = ""
    kind: MarkerKind = MarkerKind.NOTE

    def text(self) -> str:
        """One line for logs and reports: ``fall: lost balance turning``, or the note."""
        if self.kind is MarkerKind.NOTE:
            return self.note
        return f"{self.kind.label}: {self.note}" if self.note else self.kind.label


class CueState(StrEnum):
    """A change of the cue's state: it starts and stops with the cued phase; the therapist
    turns it off and on (an uncued probe) or pauses and resumes it."""

    START = "start"
    STOP = "stop"
    OFF = "off"
    ON = "on"
    PAUSE = "pause"
    RESUME = "resume"

    @property
    def audible(self) -> bool:
        """True if cues sound after this change (until the next one)."""
        return self in (CueState.START, CueState.ON, CueState.RESUME)


@dataclass(frozen=True, slots=True)
class CueStateEvent:
    """The cue changed state at ``t_s`` (session clock, s).

    ``source`` is who changed it: the protocol ``plan`` (start and stop of the cued phase), the
    ``therapist`` (off, on, pause, resume, or ending the phase early) or the ``system`` (the
    session ended by an error or stop).
    """

    t_s: float
    state: CueState
    source: Literal["plan", "therapist", "system"] = "therapist"
    reason: str = ""


class CueMode(StrEnum):
    """What the cue sounds like: the metronome's clicks, music whose beats are the cue, or music
    with the click laid over its beats."""

    METRONOME = "metronome"
    MUSIC = "music"
    MUSIC_CLICK = "music+click"

    @property
    def has_music(self) -> bool:
        """True if a song plays in this mode."""
        return self is not CueMode.METRONOME


@dataclass(frozen=True, slots=True)
class CueModeEvent:
    """The cue's sound changed to ``mode`` at ``t_s`` (session s), from the next beat on.

    ``source``: the ``therapist`` switched it (set-up or live), or the ``system`` fell back to
    the metronome (a song that could not be played: ``reason`` says why).
    """

    t_s: float
    mode: CueMode
    source: Literal["plan", "therapist", "system"] = "therapist"
    reason: str = ""

    def text(self, *, with_time: bool = False) -> str:
        """One line for a live log, e.g. ``cue: the metronome plays on from 95.0 s (<why>)``
        (``with_time``: say when, for a log whose lines carry no time of their own)."""
        when = f" from {self.t_s:.1f} s" if with_time else ""
        if self.source == "system" and self.mode is CueMode.METRONOME:
            return f"cue: the metronome plays on{when}" + (
                f" ({self.reason})" if self.reason else ""
            )
        why = f"{self.source}: {self.reason}" if self.reason else self.source
        return f"cue: {self.mode.value}{when} ({why})"


class SongEventKind(StrEnum):
    """What happened to the music: a song started, stopped, or its stretch changed with the
    cue's tempo."""

    START = "start"
    STOP = "stop"
    STRETCH = "stretch"


@dataclass(frozen=True, slots=True)
class SongEvent:
    """A song started or stopped playing as the cue, or its stretch changed, at ``t_s`` (s).

    ``song_sha256`` names the recording (the library keeps it by content hash); ``title`` and
    ``artist`` are copied so the record stands when the song leaves the library.
    ``native_tempo_bpm`` is the song's own tempo, ``tempo_bpm`` the cue's at that moment and
    ``stretch_pct`` how far the song is stretched to it (``+5``: played 5 % faster), against
    the native tempo or its half/double, whichever is nearest. ``reason`` says why (``"chosen
    by the therapist"``, ``"tempo change"``, ``"song ended"``, ``"cues off"``).
    """

    t_s: float
    kind: SongEventKind
    song_sha256: str
    title: str
    artist: str = ""
    native_tempo_bpm: float = float("nan")
    tempo_bpm: float = float("nan")
    stretch_pct: float = float("nan")
    beat_confidence: float = float("nan")
    source: Literal["plan", "therapist", "system"] = "system"
    reason: str = ""

    def text(self, *, with_time: bool = False) -> str:
        """One line for a live log, e.g. ``song start at 20.0 s: Walk (112 bpm, stretch +1.8 %;
        chosen at the cue's start)`` (``with_time``: say when, for a log whose lines carry no
        time of their own)."""
        when = f" at {self.t_s:.1f} s" if with_time else ""
        about = []
        if self.kind is SongEventKind.START and math.isfinite(self.native_tempo_bpm):
            about.append(f"{self.native_tempo_bpm:.0f} bpm")
        if self.kind is not SongEventKind.STOP and math.isfinite(self.stretch_pct):
            about.append(f"stretch {self.stretch_pct:+.1f} %")
        said = ", ".join(about)
        if self.reason:
            said = f"{said}; {self.reason}" if said else self.reason
        return f"song {self.kind.value}{when}: {self.title}" + (f" ({said})" if said else "")


@dataclass(frozen=True, slots=True)
class ActionEvent:
    """One therapist action and what became of it: the audit log of the session.

    ``action`` is the action as the therapist would say it (``set 100 bpm``, ``cues off``,
    ``unplug left``); ``ok`` False means it was refused, and ``message`` says why (or what was
    done).
    """

    t_s: float
    action: str
    ok: bool
    message: str = ""


@dataclass(frozen=True, slots=True)
class PhaseEvent:
    """A protocol phase starts or ends.

    A ``"start"`` also ends any phase still open at ``t_s`` (phases do not overlap).
    ``name`` is a :class:`Phase` or its value (the two compare equal).
    """

    t_s: float
    name: Phase | Literal["baseline", "cued", "probe"]
    edge: Literal["start", "end"] = "start"

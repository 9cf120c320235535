"""What ras streams on LSL: three irregular-rate streams, their channels, and each event's sample.

- ``ras steps`` (type ``Gait``): every gait event the sensors publish (initial contacts, toe-offs
  and whatever else a sensor reports), one sample each, stamped with its session time mapped to
  the LSL clock.
- ``ras cues`` (type ``Markers``, numeric): every cue as played, stamped with its onset at the
  speaker (the audio clock's onset, mapped onto the session clock by the cue engine).
- ``ras markers`` (type ``Markers``, string): the session's other records as one JSON object
  each (``{"event": "tempo_change", "t_s": ..., ...}``): the session's start, phases, tempo
  changes, cue states, cue sounds, songs, clinical markers and sensor link changes.

No pylsl here: what a sample holds is plain data the tests check without LSL.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import math
import socket
from dataclasses import dataclass
from typing import Any

from ras.events import (
    CueEvent,
    CueModeEvent,
    CueStateEvent,
    LinkEvent,
    MarkerEvent,
    PhaseEvent,
    SongEvent,
    StepEvent,
    TempoChangeEvent,
)
from ras.protocol.messages import Side

__all__ = [
    "CUES",
    "MARKERS",
    "STEPS",
    "STREAMS",
    "Channel",
    "StreamSpec",
    "cue_sample",
    "device_key",
    "marker_text",
    "route",
    "source_id",
    "step_sample",
]


@dataclass(frozen=True, slots=True)
class Channel:
    """One channel as XDF's ``desc/channels/channel`` keeps it."""

    label: str
    unit: str
    kind: str


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """One LSL stream: ``key`` names it in ras, ``name`` and ``type`` on the network."""

    key: str
    name: str
    type: str
    channel_format: str
    channels: tuple[Channel, ...]
    about: str


STEPS = StreamSpec(
    "steps",
    "ras steps",
    "Gait",
    "double64",
    (
        Channel("side", "code: 0 unknown, 1 left, 2 right", "side"),
        Channel("event", "code: 1 initial contact, 2 toe-off, 3 mid-swing, 4 mid-stance", "kind"),
        Channel("stride_index", "count: strides of this foot since its sensor booted", "index"),
        Channel("sensor_id", "id", "sensor"),
        Channel("session_t_s", "s", "time"),
        Channel("clock_error_s", "s", "time"),
    ),
    "gait events from the foot sensors, stamped at their session time",
)
CUES = StreamSpec(
    "cues",
    "ras cues",
    "Markers",
    "double64",
    (
        Channel("beat_index", "count: beats since cueing started", "index"),
        Channel("tempo_bpm", "bpm", "tempo"),
        Channel("side", "code: 0 unknown, 1 left, 2 right", "side"),
        Channel("sample_index", "audio output sample (-1: not known)", "index"),
        Channel("session_t_s", "s", "time"),
    ),
    "cue onsets at the speaker (audio clock), stamped at their onset",
)
MARKERS = StreamSpec(
    "markers",
    "ras markers",
    "Markers",
    "string",
    (Channel("event", "JSON object: event, t_s (session s) and the record's fields", "marker"),),
    "session start, phases, tempo changes, cue states and sounds, songs, clinical markers,"
    " sensor link changes",
)
STREAMS: tuple[StreamSpec, ...] = (STEPS, CUES, MARKERS)

#: The records the marker stream carries, by the name each gets in its JSON.
_MARKER_NAMES: dict[type, str] = {
    PhaseEvent: "phase",
    TempoChangeEvent: "tempo_change",
    CueStateEvent: "cue_state",
    CueModeEvent: "cue_mode",
    SongEvent: "song",
    MarkerEvent: "marker",
    LinkEvent: "link",
}


def step_sample(event: StepEvent) -> list[float]:
    """The ``ras steps`` sample of a gait event (channels of :data:`STEPS`)."""
    return [
        float(int(event.side)),
        float(int(event.kind)),
        float(event.stride_index),
        float(event.sensor_id),
        float(event.t_s),
        float(event.clock_error_s),
    ]


def cue_sample(event: CueEvent) -> list[float]:
    """The ``ras cues`` sample of a cue onset (channels of :data:`CUES`)."""
    sample_index = -1 if event.sample_index is None else event.sample_index
    return [
        float(event.beat_index),
        float(event.tempo_bpm),
        float(int(event.side)),
        float(sample_index),
        float(event.t_s),
    ]


def _json_value(value: Any) -> Any:
    if isinstance(value, Side):
        return value.label
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN
    return value


def marker_text(event: object) -> str | None:
    """The ``ras markers`` sample of a session record (None: not one the stream carries)."""
    name = _MARKER_NAMES.get(type(event))
    if name is None:
        return None
    fields = {
        f.name: _json_value(getattr(event, f.name))
        for f in dataclasses.fields(event)  # type: ignore[arg-type]
    }
    return json.dumps({"event": name, **fields}, separators=(",", ":"))


def session_marker(session_id: int, patient_id: str) -> str:
    """The first sample of ``ras markers``: which session this is (at session time 0), so a
    recording that runs across sessions says where each begins."""
    return json.dumps(
        {"event": "session", "t_s": 0.0, "session_id": session_id, "patient_id": patient_id},
        separators=(",", ":"),
    )


def route(event: object) -> tuple[StreamSpec, list[float] | list[str], float] | None:
    """``(stream, sample, session t_s)`` of an event, or None if no stream carries it."""
    if isinstance(event, StepEvent):
        return STEPS, step_sample(event), event.t_s
    if isinstance(event, CueEvent):
        return CUES, cue_sample(event), event.t_s
    text = marker_text(event)
    if text is None:
        return None
    return MARKERS, [text], float(event.t_s)  # type: ignore[attr-defined]


def device_key(db_path: str) -> str:
    """12 hex digits naming this computer and database (a hash: neither is readable in it)."""
    return hashlib.sha256(f"{socket.gethostname()}\0{db_path}".encode()).hexdigest()[:12]


def source_id(device: str, spec: StreamSpec) -> str:
    """The stream's LSL source id, the same for every session of one computer and database,
    so an inlet (LabRecorder) left open picks up the next session's stream by itself."""
    return f"ras-{device}-{spec.key}"


def time_base(speed: float) -> str:
    """How a stream's time stamps relate to session time, for its metadata."""
    real = "real time" if speed == 1.0 else f"a simulation at {speed:g}x real time"
    return (
        "timestamps are pylsl.local_clock() s (CLOCK_MONOTONIC), each event's session time mapped"
        f" onto it; the session ran at {real}: session_t_s = (timestamp - T0) * {speed:g},"
        " T0 = the timestamp of the 'session' event in 'ras markers'"
    )


def metadata(session_id: int, patient_id: str, speed: float) -> dict[str, str]:
    """The session's facts every stream's ``desc()`` carries (the patient's pseudonym only)."""
    from ras import __version__

    return {
        "manufacturer": "ras",
        "ras_version": __version__,
        "session_id": str(session_id),
        "patient_id": patient_id,
        "session_speed": f"{speed:g}",
        "time_base": time_base(speed),
    }

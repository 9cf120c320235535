"""The BIDS ``*_events.tsv`` of a session and its ``*_events.json``: the whole record.

Gait events, cues, tempo changes, every cue state change, cue mode switch (metronome, music,
music + click), song start/stop/stretch, therapist action, clinical event (markers by kind),
sensor link change and protocol phase, on the session clock.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from ras.events import (
    ActionEvent,
    CueMode,
    CueModeEvent,
    CueState,
    CueStateEvent,
    LinkEvent,
    LinkState,
    MarkerKind,
    SongEvent,
    SongEventKind,
)
from ras.protocol.messages import Side, StepKind
from ras.results.music import song_spans
from ras.results.session_data import SessionData
from ras.results.tables import EVENT_NAMES, event_name, phase_of, side_name

__all__ = [
    "EVENT_COLUMNS",
    "cue_mode_trial_type",
    "events_rows",
    "events_sidecar",
    "marker_trial_type",
    "song_note",
]

EVENT_COLUMNS = ("onset", "duration", "trial_type", "side", "phase", "value", "source", "note")

#: Cue states after which the cue is silent until the next change.
_SILENT = (CueState.OFF, CueState.PAUSE)

Row = tuple[object, ...]


def _silent_for_s(states: Sequence[CueStateEvent], i: int) -> float | None:
    """How long the cue stayed silent after an ``off`` or ``pause`` (until the next change)."""
    if states[i].state not in _SILENT:
        return 0.0
    later = states[i + 1 : i + 2]
    return later[0].t_s - states[i].t_s if later else None


def _mode_for_s(modes: Sequence[CueModeEvent], i: int, end_t_s: float) -> float:
    """How long a cue mode was in force: to the next switch, or to the session's end."""
    later = modes[i + 1 : i + 2]
    return max(0.0, (later[0].t_s if later else end_t_s) - modes[i].t_s)


def _lost_for_s(links: Sequence[LinkEvent], i: int) -> float | None:
    """How long a sensor stayed away after a disconnect (until it connected again)."""
    event = links[i]
    if event.state is not LinkState.DISCONNECTED:
        return 0.0

    def same(e: LinkEvent) -> bool:
        return e.side == event.side if event.side is not Side.UNKNOWN else e.port == event.port

    back = [e for e in links[i + 1 :] if e.state is LinkState.CONNECTED and same(e)]
    return back[0].t_s - event.t_s if back else None


def _action_note(a: ActionEvent) -> str:
    return f"{a.action}: {a.message}" if a.message else a.action


def cue_mode_trial_type(mode: CueMode) -> str:
    """``cue_mode_metronome``, ``cue_mode_music``, ``cue_mode_music_click``."""
    return "cue_mode_" + mode.value.replace("+", "_")


def song_note(e: SongEvent) -> str:
    """A song event in words: title, artist, the tempi and the stretch, and why."""
    title = f"{e.title} ({e.artist})" if e.artist else e.title
    numbers = [
        f"{label} {value:{fmt}}{unit}"
        for label, value, fmt, unit in (
            ("native", e.native_tempo_bpm, ".1f", " bpm"),
            ("cue", e.tempo_bpm, ".1f", " bpm"),
            ("stretch", e.stretch_pct, "+.1f", " %"),
        )
        if math.isfinite(value)
    ]
    return "; ".join([title, *([", ".join(numbers)] if numbers else []), *filter(None, [e.reason])])


def marker_trial_type(kind: MarkerKind) -> str:
    """``marker`` for a free-text note, ``clinical_<kind>`` for a clinical event."""
    return "marker" if kind is MarkerKind.NOTE else f"clinical_{kind.value}"


def events_rows(data: SessionData) -> list[Row]:
    """Every event of the session as ``EVENT_COLUMNS`` rows, in time order."""

    def row(t_s: float, duration: float | None, kind: str, **cols: object) -> Row:
        return (
            t_s,
            duration,
            kind,
            cols.get("side"),
            cols.get("phase", phase_of(t_s, data.phases)),
            cols.get("value"),
            cols.get("source"),
            cols.get("note") or None,
        )

    rows: list[Row] = []
    for name, start, end in data.phases:
        never = "phase never ended (session incomplete)"
        rows.append(
            row(
                start,
                None if end is None else end - start,
                f"phase_{name}",
                phase=name,
                source="protocol",
                note=None if end is not None else never,
            )
        )
    for r in data.steps:
        t = float(r["t_s"])
        ic = int(r["kind"]) == StepKind.INITIAL_CONTACT
        rows.append(
            row(
                t,
                0.0,
                event_name(r["kind"], unknown_prefix="event"),
                side=side_name(r["side"]),
                value=float(r["stride_time_s"]) if ic else None,
                source="sensor",
            )
        )
    for c in data.cues:
        rows.append(
            row(
                float(c["t_s"]),
                0.0,
                "cue",
                side=side_name(c["side"]),
                value=float(c["tempo_bpm"]),
                source="cue engine",
            )
        )
    for ch in data.tempo_changes:
        rows.append(
            row(ch.t_s, 0.0, "tempo_change", value=ch.new_bpm, source=ch.source, note=ch.reason)
        )
    for a in data.actions:
        kind = "therapist_action" if a.ok else "therapist_action_refused"
        rows.append(row(a.t_s, 0.0, kind, source="therapist", note=_action_note(a)))
    for m in data.markers:
        rows.append(row(m.t_s, 0.0, marker_trial_type(m.kind), source="therapist", note=m.note))
    # changes of a state that lasts: how long it lasted (cue silent, sensor lost, a cue mode in
    # force) is the duration
    changes: tuple[tuple[Sequence[Any], Callable[[Sequence[Any], int], float | None], Any], ...] = (
        (
            data.cue_states,
            _silent_for_s,
            lambda s: {"kind": f"cue_{s.state.value}", "source": s.source, "note": s.reason},
        ),
        (
            data.cue_modes,
            lambda modes, i: _mode_for_s(modes, i, data.end_t_s),
            lambda m: {"kind": cue_mode_trial_type(m.mode), "source": m.source, "note": m.reason},
        ),
        (
            data.link_events,
            _lost_for_s,
            lambda e: {
                "kind": f"link_{e.state.value}",
                "side": e.side.label,
                "source": "sensor link",
                "note": e.detail,
            },
        ),
    )
    for events, lasted_s, describe in changes:
        for i, e in enumerate(events):
            cols = describe(e)
            rows.append(row(e.t_s, lasted_s(events, i), cols.pop("kind"), **cols))
    played_s = {id(e): b - a for a, b, e in song_spans(data)}
    for s in data.song_events:
        rows.append(
            row(
                s.t_s,
                played_s.get(id(s), 0.0),
                f"song_{s.kind.value}",
                value=s.stretch_pct,
                source=s.source,
                note=song_note(s),
            )
        )
    rows.sort(key=lambda r: float(r[0]))  # type: ignore[arg-type]  # stable: phases first
    return rows


_CUE_STATE_TEXT = {
    CueState.START: "the cue starts (cued phase begins)",
    CueState.STOP: "the cue stops (cued phase ends, early or as planned, or the session ends)",
    CueState.OFF: "the therapist turns the cue off (uncued stretch); duration = how long",
    CueState.ON: "the therapist turns the cue back on",
    CueState.PAUSE: "the therapist pauses the cue; duration = how long",
    CueState.RESUME: "the therapist resumes the cue",
}
_LINK_TEXT = {
    LinkState.CONNECTING: "the host opens a sensor's port",
    LinkState.CONNECTED: "a sensor is connected (note: where its steps are detected)",
    LinkState.DISCONNECTED: "a sensor is lost or unplugged; duration = until it is back "
    "(n/a if it never came back)",
    LinkState.REBOOTED: "a sensor restarted",
    LinkState.CLOSED: "the host closes a sensor's port",
}
_CUE_MODE_TEXT = {
    CueMode.METRONOME: "the cue becomes the metronome's click (from the next beat); duration = "
    "until the next switch or the session's end; source system: a fall-back, note = why",
    CueMode.MUSIC: "the cue becomes music, a song's beats on the cue (from the next beat); "
    "duration = until the next switch or the session's end",
    CueMode.MUSIC_CLICK: "the cue becomes music with the click on its beats (from the next "
    "beat); duration = until the next switch or the session's end",
}
_SONG_TEXT = {
    SongEventKind.START: "a song starts as the cue; duration = how long it played; value = its "
    "stretch (%); note = title (artist); native and cue tempo, stretch; why",
    SongEventKind.STOP: "a song stops; value = its last stretch (%); note = title (artist); "
    "tempi; why (song ended, metronome chosen, cues off, file missing)",
    SongEventKind.STRETCH: "a song's stretch changes with the cue's tempo (from the next beat); "
    "value = the new stretch (%); note = title (artist); native and cue tempo, stretch",
}
_MARKER_TEXT = {
    MarkerKind.NOTE: "therapist's note; note = its text",
    MarkerKind.FALL: "clinical event: a fall",
    MarkerKind.NEAR_FALL: "clinical event: a near-fall",
    MarkerKind.FREEZING: "clinical event: freezing of gait seen by the therapist",
    MarkerKind.REST: "clinical event: a rest",
    MarkerKind.ASSISTANCE: "clinical event: assistance given",
}
_GAIT_TEXT = {
    StepKind.INITIAL_CONTACT: "foot strike (IC) reported by the foot sensor",
    StepKind.TOE_OFF: "toe off (TO) reported by the foot sensor",
    StepKind.MID_SWING: "mid-swing reported by the foot sensor",
    StepKind.MID_STANCE: "mid-stance reported by the foot sensor",
}


def _levels() -> dict[str, str]:
    levels = {EVENT_NAMES[k]: text for k, text in _GAIT_TEXT.items()}
    levels["cue"] = "a metronome beat at the speaker; value = tempo (1/min)"
    levels["tempo_change"] = (
        "cue tempo changed; value = new tempo (1/min), source = who, note = why"
    )
    levels |= {f"cue_{s.value}": text for s, text in _CUE_STATE_TEXT.items()}
    levels |= {cue_mode_trial_type(m): text for m, text in _CUE_MODE_TEXT.items()}
    levels |= {f"song_{k.value}": text for k, text in _SONG_TEXT.items()}
    levels["therapist_action"] = "a therapist action, applied; note = the action: what was done"
    levels["therapist_action_refused"] = "a therapist action, refused; note = the action: why"
    levels |= {marker_trial_type(k): text for k, text in _MARKER_TEXT.items()}
    levels |= {f"link_{s.value}": text for s, text in _LINK_TEXT.items()}
    levels["phase_baseline"] = "uncued baseline walk; duration = its length"
    levels["phase_cued"] = "cued training; duration = its length"
    levels["phase_probe"] = "uncued probe (carry-over); duration = its length"
    return levels


def events_sidecar() -> dict[str, object]:
    """The ``*_events.json`` describing every column and every ``trial_type`` level."""
    return {
        "onset": {
            "Description": "Seconds on the session clock (zero = acq_time in scans.tsv)",
            "Units": "s",
        },
        "duration": {
            "Description": "Seconds: a phase's length, how long the cue stayed off or paused, "
            "how long a sensor was lost, a cue mode lasted or a song played; 0 for instants; "
            "n/a if it never ended",
            "Units": "s",
        },
        "trial_type": {"Description": "Kind of event", "Levels": _levels()},
        "side": {"Description": "Foot (left, right, unknown) or n/a"},
        "phase": {"Description": "Protocol phase the event falls in"},
        "value": {
            "Description": "initial_contact: stride time (s) as reported by the sensor; "
            "cue and tempo_change: tempo (1/min); song_start, song_stop and song_stretch: the "
            "song's stretch (%, +5 = played 5 % faster than its native tempo or half/double)"
        },
        "source": {
            "Description": "Who produced the event: sensor, cue engine, plan, adaptive, "
            "therapist, system, sensor link, protocol"
        },
        "note": {
            "Description": "Reason of a tempo change, cue state change or cue mode switch, text "
            "of a marker, a therapist action and its outcome, why a sensor link changed; a "
            "song's title (artist), tempi, stretch and why"
        },
    }

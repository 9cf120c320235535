"""The session's records as plain tables (columns with units), shared by the CSV and JSON exports.

No gait maths here: the per-phase parameters come from :mod:`ras.results.outcomes`, which
takes them from ``analysis/``.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ras.diagnosis import Diagnosis
from ras.protocol.messages import Side, StepKind
from ras.results.outcomes import MEASURES, SessionOutcomes, session_outcomes
from ras.results.session_data import SessionData
from ras.store.patients import PatientInfo

__all__ = [
    "EVENT_NAMES",
    "Table",
    "actions_table",
    "cue_modes_table",
    "cue_states_table",
    "cues_table",
    "diagnosis_label",
    "event_name",
    "link_events_table",
    "markers_table",
    "parameters_table",
    "patient_facts",
    "phase_of",
    "phases_table",
    "session_table",
    "side_name",
    "song_events_table",
    "steps_table",
    "tempo_changes_table",
]

EVENT_NAMES = {
    StepKind.INITIAL_CONTACT: "initial_contact",
    StepKind.TOE_OFF: "toe_off",
    StepKind.MID_SWING: "mid_swing",
    StepKind.MID_STANCE: "mid_stance",
}


@dataclass(frozen=True)
class Table:
    """A named table: ``columns[i]`` has unit ``units[i]`` ("" if none); rows of plain values."""

    name: str
    columns: tuple[str, ...]
    units: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    description: str = ""

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts (NaN becomes None, so JSON stays valid)."""
        return [dict(zip(self.columns, map(clean, r), strict=True)) for r in self.rows]


def clean(value: Any) -> Any:
    """A JSON/CSV-friendly value: NaN/inf -> None, numpy scalars -> Python."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def phase_of(t_s: float, phases: Sequence[tuple[str, float, float | None]]) -> str:
    """Name of the protocol phase that holds session time ``t_s`` ("" if none)."""
    starts = [p[1] for p in phases]
    i = bisect.bisect_right(starts, t_s) - 1
    if i < 0:
        return ""
    name, _, end = phases[i]
    return name if end is None or t_s < end else ""


def side_name(value: int) -> str:
    """``left``, ``right`` or ``unknown``: the name of a stored side code."""
    return Side.from_stored(value).label


def event_name(value: int, *, unknown_prefix: str = "") -> str:
    """The name of a stored gait-event kind (``initial_contact`` ...); an unknown code is
    written as ``unknown_prefix`` and the number."""
    try:
        return EVENT_NAMES[StepKind(int(value))]
    except ValueError:
        return f"{unknown_prefix}{int(value)}"


def diagnosis_label(code: str | None) -> str:
    """The label of a stored diagnosis code (``Parkinson's disease`` ...); "" if none."""
    return Diagnosis(code).label if code else ""


def patient_facts(patient: PatientInfo) -> dict[str, Any]:
    """What the exports say about the patient besides the pseudonym (None: not recorded):
    diagnosis code, label and note, affected side, birth year, sex, height (m), leg length (m)."""
    return {
        "diagnosis": patient.diagnosis,
        "diagnosis_label": diagnosis_label(patient.diagnosis) or None,
        "diagnosis_note": patient.diagnosis_note,
        "affected_side": patient.affected_side,
        "birth_year": patient.birth_year,
        "sex": patient.sex,
        "height_m": patient.height_m,
        "leg_length_m": patient.leg_length_m,
    }


def session_table(data: SessionData, *, with_names: bool = False) -> Table:
    """Key/value facts about the session, including whether it is complete."""
    info, patient = data.info, data.patient
    rows: list[tuple[Any, ...]] = [
        ("session_id", info.id),
        ("patient", patient.pseudo_id),
    ]
    if with_names:
        rows.append(("patient_name", patient.name or ""))
    rows += [(k, "" if v is None else v) for k, v in patient_facts(patient).items()]
    rows += [
        ("session_number", data.number),
        ("started_utc", info.started_utc),
        ("ended_utc", info.ended_utc or ""),
        ("status", info.status),
        ("complete", "false" if data.incomplete else "true"),
        ("status_note", data.status_note),
        ("notes", info.notes or ""),
    ]
    rows += [(f"setting.{k}", "" if v is None else v) for k, v in sorted(info.settings.items())]
    return Table("session", ("key", "value"), ("", ""), rows, "facts about the session")


#: A column of a table of stored rows: (name, unit, value of a row).
_Column = tuple[str, str, Callable[[Any], Any]]


def _stored(field: str, unit: str, kind: Callable[[Any], Any], name: str = "") -> _Column:
    """A column (named ``name``, default ``field``) holding stored ``field`` as ``kind``."""
    return name or field, unit, lambda r: kind(r[field])


def _int_or_none(value: Any) -> int | None:
    """An integer or None (a sensor not yet known)."""
    return None if value is None else int(value)


def _index_or_none(value: Any) -> int | None:
    """A stored sample index; negative (not known) -> None."""
    return None if int(value) < 0 else int(value)


_STEP_COLUMNS: tuple[_Column, ...] = (
    _stored("side", "", side_name),
    _stored("kind", "", event_name, "event"),
    _stored("sensor_id", "", int),
    _stored("stride_index", "", int),
    _stored("stride_time_s", "s", float),
    _stored("stance_time_s", "s", float),
    _stored("stride_length_m", "m", float),
    _stored("clearance_m", "m", float),
    _stored("clock_error_s", "s", float),
    _stored("device_t_us", "us", int),
    _stored("received_t_s", "s", float),
    _stored("seq", "", int),
)
_CUE_COLUMNS: tuple[_Column, ...] = (
    _stored("beat_index", "", int),
    _stored("tempo_bpm", "1/min", float),
    _stored("side", "", side_name),
    _stored("accent", "", bool),
    _stored("sample_index", "samples", _index_or_none),
)


def _stored_t_s(row: Any) -> float:
    return float(row["t_s"])


def _event_t_s(event: Any) -> float:
    return float(event.t_s)


def _timed_table(
    name: str,
    data: SessionData,
    rows: Any,
    columns: Sequence[_Column],
    description: str,
    t_s: Callable[[Any], float] = _stored_t_s,
) -> Table:
    """``rows`` as a table: their time ``t_s`` (s), its phase, then ``columns``."""
    return Table(
        name,
        ("t_s", "phase", *(c[0] for c in columns)),
        ("s", "", *(c[1] for c in columns)),
        [
            (t_s(r), phase_of(t_s(r), data.phases), *(value(r) for _, _, value in columns))
            for r in rows
        ],
        description,
    )


def _field(field: str, kind: Callable[[Any], Any] = str, name: str = "") -> _Column:
    """A unitless column (named ``name``, default ``field``) holding an event's ``field``."""
    return name or field, "", lambda e: kind(getattr(e, field))


def _value(item: Any) -> str:
    """The stored text of an enum member (``off``, ``near_fall``, ``disconnected``)."""
    return str(item.value)


def steps_table(data: SessionData) -> Table:
    """Every gait event the sensors reported, in time order."""
    return _timed_table(
        "steps",
        data,
        data.steps,
        _STEP_COLUMNS,
        "gait events (session clock); per-stride figures as the sensor reported them",
    )


def cues_table(data: SessionData) -> Table:
    """Every cue (beat) as played."""
    return _timed_table(
        "cues", data, data.cues, _CUE_COLUMNS, "cue onsets at the speaker (session clock)"
    )


def tempo_changes_table(data: SessionData) -> Table:
    """Every change of the cue tempo, with who made it (plan, adaptive, therapist), why, and
    the beat from which the new tempo sounds."""
    rows = [
        (
            c.t_s,
            phase_of(c.t_s, data.phases),
            c.old_bpm,
            c.new_bpm,
            c.source,
            c.reason,
            c.effective_t_s,
        )
        for c in data.tempo_changes
    ]
    return Table(
        "tempo_changes",
        ("t_s", "phase", "old_bpm", "new_bpm", "source", "reason", "effective_t_s"),
        ("s", "", "1/min", "1/min", "", "", "s"),
        rows,
        "cue tempo changes; old_bpm empty at the first tempo; effective_t_s: the beat from "
        "which the new tempo sounds (empty if not recorded)",
    )


def markers_table(data: SessionData) -> Table:
    """The therapist's markers: clinical events (fall, near-fall, freezing seen, rest,
    assistance given) and free-text notes."""
    columns = (
        _field("kind", _value),
        ("label", "", lambda m: m.kind.label),
        _field("note"),
    )
    return _timed_table(
        "markers",
        data,
        data.markers,
        columns,
        "therapist markers: kind is note or a clinical event (fall, near_fall, freezing seen, "
        "rest, assistance given); note is the text typed with it",
        _event_t_s,
    )


def cue_states_table(data: SessionData) -> Table:
    """Every change of the cue's state: start and stop of the cued phase, off/on (uncued
    probe) and pause/resume, with who made it."""
    columns = (
        _field("state", _value),
        ("audible", "", lambda c: c.state.audible),
        _field("source"),
        _field("reason"),
    )
    return _timed_table(
        "cue_states",
        data,
        data.cue_states,
        columns,
        "cue state changes (start, stop, off, on, pause, resume); audible: cues sound after "
        "it; source: plan, therapist or system",
        _event_t_s,
    )


def cue_modes_table(data: SessionData) -> Table:
    """Every switch of the cue's sound: metronome, music, or music with the click."""
    columns = (
        _field("mode", _value),
        ("music", "", lambda c: c.mode.has_music),
        _field("source"),
        _field("reason"),
    )
    return _timed_table(
        "cue_modes",
        data,
        data.cue_modes,
        columns,
        "cue mode switches (metronome, music, music+click), from the next beat; music: a song "
        "plays after it; source: therapist, plan, or system (a fall-back to the metronome, "
        "reason says why); before the first switch the cue is the metronome",
        _event_t_s,
    )


def song_events_table(data: SessionData) -> Table:
    """Every start, stop and stretch change of a song played as the cue."""
    columns = (
        _field("kind", _value),
        _field("title"),
        _field("artist"),
        _field("song_sha256"),
        ("native_tempo_bpm", "1/min", lambda e: e.native_tempo_bpm),
        ("tempo_bpm", "1/min", lambda e: e.tempo_bpm),
        ("stretch_pct", "%", lambda e: e.stretch_pct),
        _field("beat_confidence", float),
        _field("source"),
        _field("reason"),
    )
    return _timed_table(
        "song_events",
        data,
        data.song_events,
        columns,
        "songs played as the cue: start, stop and each stretch change; tempo_bpm is the cue's, "
        "native_tempo_bpm the song's own; stretch_pct how far the song is stretched to it "
        "(+5: played 5 % faster) against its native tempo or half/double; beat_confidence "
        "0-1 from the beat tracker; song_sha256 names the recording; empty = not recorded",
        _event_t_s,
    )


def actions_table(data: SessionData) -> Table:
    """Every therapist action as said, whether it was applied (ok) and what became of it."""
    columns = (_field("action"), _field("ok", bool), _field("message"))
    return _timed_table(
        "actions",
        data,
        data.actions,
        columns,
        "therapist actions (the audit log): ok false = refused, message says why or what was done",
        _event_t_s,
    )


def link_events_table(data: SessionData) -> Table:
    """Every change of a sensor link: connected, disconnected (unplugged, lost), rebooted."""
    columns = (
        _field("sensor_id", _int_or_none),
        ("side", "", lambda e: e.side.label),
        _field("state", _value),
        _field("port"),
        _field("detail"),
    )
    return _timed_table(
        "link_events",
        data,
        data.link_events,
        columns,
        "sensor link changes (connecting, connected, disconnected, rebooted, closed); "
        "detail: why, or where the steps are detected",
        _event_t_s,
    )


def phases_table(data: SessionData) -> Table:
    """Protocol phases (baseline, cued, probe) with start, end and duration."""
    rows = [
        (name, start, end, None if end is None else end - start) for name, start, end in data.phases
    ]
    return Table(
        "phases",
        ("phase", "start_t_s", "end_t_s", "duration_s"),
        ("", "s", "s", "s"),
        rows,
        "protocol phases; end empty if the phase never ended (interrupted session)",
    )


def parameters_table(data: SessionData, outcomes: SessionOutcomes | None = None) -> Table:
    """Per-phase parameters in long form: phase, measure, value, unit, note (why not measured)."""
    outcomes = outcomes or session_outcomes(data)
    rows = []
    for p in outcomes.phases:
        for m in MEASURES:
            v = p.value(m.key)
            note = "" if math.isfinite(v) else p.reasons.get(m.key, "not measured")
            rows.append((p.phase, m.key, v if math.isfinite(v) else None, m.unit, note))
    return Table(
        "parameters",
        ("phase", "measure", "value", "unit", "note"),
        ("", "", "", "", ""),
        rows,
        "outcome measures per phase from analysis/phases; empty value = not measured (see "
        f"note); step-time symmetry index: {outcomes.si_basis}",
    )

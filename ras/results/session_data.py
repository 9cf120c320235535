"""One session read back from the store, with checks that name what is wrong (no Qt, no maths)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ras.errors import UserInputError
from ras.events import (
    ActionEvent,
    CueModeEvent,
    CueState,
    CueStateEvent,
    ImuEvent,
    LinkEvent,
    MarkerEvent,
    Phase,
    SensorStatusEvent,
    SongEvent,
    TempoChangeEvent,
)
from ras.store.store import PatientInfo, SessionInfo, StoreReader

__all__ = [
    "MAX_SESSION_ID",
    "CueSpan",
    "SessionData",
    "cue_spans",
    "load_session",
    "parse_session_id",
    "session_number",
]


@dataclass(frozen=True)
class SessionData:
    """Everything recorded in one session (times in session seconds).

    Attributes
    ----------
    info : SessionInfo
        Id, patient, start (UTC), status (``complete``, ``incomplete``, ``running``), settings.
    patient : PatientInfo
        The patient (``name`` is only shown with ``--with-names``).
    number : int
        1-based index of this session among the patient's sessions (oldest first).
    steps, cues : numpy.ndarray
        Structured arrays (``ras.store.rows.STEP_DTYPE`` / ``CUE_DTYPE``).
    cue_states, actions : list
        Every change of the cue's state (start, stop, off, on, pause, resume) and every
        therapist action with its outcome (empty for sessions recorded before schema v5).
    cue_modes, song_events : list
        Every switch of the cue's sound (metronome, music, music+click) and every start, stop
        and stretch change of a song (empty for sessions recorded before schema v7, and for
        sessions cued by the metronome alone).
    """

    info: SessionInfo
    patient: PatientInfo
    number: int
    steps: np.ndarray
    cues: np.ndarray
    tempo_changes: list[TempoChangeEvent]
    markers: list[MarkerEvent]
    phases: list[tuple[str, float, float | None]]
    link_events: list[LinkEvent] = field(default_factory=list)
    sensor_status: list[SensorStatusEvent] = field(default_factory=list)
    imu: list[ImuEvent] = field(default_factory=list)
    cue_states: list[CueStateEvent] = field(default_factory=list)
    actions: list[ActionEvent] = field(default_factory=list)
    cue_modes: list[CueModeEvent] = field(default_factory=list)
    song_events: list[SongEvent] = field(default_factory=list)

    @property
    def end_t_s(self) -> float:
        """When the session's record ends (s): the last phase's end, else the last step."""
        last_step = float(self.steps["t_s"].max()) if len(self.steps) else 0.0
        if self.phases and self.phases[-1][2] is not None:
            return float(self.phases[-1][2])
        return max(last_step, self.phases[-1][1] if self.phases else 0.0)

    @property
    def incomplete(self) -> bool:
        """True unless the session was closed as complete (crashed, stopped or still running)."""
        return self.info.status != "complete"

    @property
    def status_note(self) -> str:
        """One line on the session's state, e.g. for a report or an export's header."""
        status = self.info.status
        if status == "complete":
            return "session complete"
        if status == "running":
            return "session INCOMPLETE (still recording when exported)"
        why = self.info.end_reason or self.info.notes
        if status == "degraded":
            return "session DEGRADED: ran to its end, " + (
                why or "but not every cue could be played on time"
            )
        return f"session INCOMPLETE: {why or 'it was not closed normally'}"


#: Largest id SQLite can store (a signed 64-bit integer).
MAX_SESSION_ID = 2**63 - 1


def parse_session_id(text: str | int) -> int:
    """A session id from the command line; UserInputError if it is not a positive integer."""
    try:
        value = int(str(text).strip())
    except ValueError:
        raise UserInputError(
            f"session {text!r} is not a session id; give a number (see `ras sessions`)"
        ) from None
    if not 1 <= value <= MAX_SESSION_ID:
        raise UserInputError(
            f"session {value} is not a session id; ids go from 1 to {MAX_SESSION_ID}"
        )
    return value


def session_number(store: StoreReader, info: SessionInfo) -> int:
    """1-based number of ``info`` among its patient's sessions, oldest first."""
    ids = [s.id for s in store.list_sessions(info.patient_id)]
    return ids.index(info.id) + 1 if info.id in ids else 1


def load_session(
    store: StoreReader, session_id: int, *, with_imu: bool = False, require_steps: bool = True
) -> SessionData:
    """Read one session; raise UserInputError if it is unknown or (optionally) has no steps.

    Parameters
    ----------
    store : Store
        An open store.
    session_id : int
        The session.
    with_imu : bool
        Also read the raw IMU chunks (large).
    require_steps : bool
        Raise if the session recorded no step events (nothing to report or export).
    """
    info = store.get_session(session_id)
    steps = store.steps(session_id)
    if require_steps and len(steps) == 0:
        raise UserInputError(
            f"session {session_id} is empty: it recorded no step events"
            f" (status {info.status}); nothing to report or export"
        )
    return SessionData(
        info=info,
        patient=store.get_patient(info.patient_id),
        number=session_number(store, info),
        steps=steps,
        cues=store.cues(session_id),
        tempo_changes=store.tempo_changes(session_id),
        markers=store.markers(session_id),
        phases=store.phases(session_id),
        link_events=store.link_events(session_id),
        sensor_status=store.sensor_status(session_id),
        imu=store.imu_chunks(session_id) if with_imu else [],
        cue_states=store.cue_states(session_id),
        actions=store.actions(session_id),
        cue_modes=store.cue_modes(session_id),
        song_events=store.song_events(session_id),
    )


@dataclass(frozen=True)
class CueSpan:
    """A stretch of the session (s) with the cue sounding or not; ``why`` it was silent
    (``uncued phase``, ``off``, ``paused``), empty while it sounded."""

    start_t_s: float
    end_t_s: float
    why: str = ""

    @property
    def audible(self) -> bool:
        """True if the cue sounded over this stretch."""
        return not self.why

    @property
    def duration_s(self) -> float:
        return self.end_t_s - self.start_t_s


def _recorded_states(data: SessionData) -> list[CueStateEvent]:
    """The cue's state changes; for a session recorded before they were kept, the start and
    stop of the cued phase stand in (the cue sounded through it)."""
    if data.cue_states:
        return sorted(data.cue_states, key=lambda e: e.t_s)
    out = []
    for name, start, end in data.phases:
        if name == Phase.CUED:
            out.append(CueStateEvent(start, CueState.START, "plan"))
            if end is not None:
                out.append(CueStateEvent(end, CueState.STOP, "plan"))
    return out


def cue_spans(data: SessionData) -> list[CueSpan]:
    """The session from its first phase to its end cut where the cue started sounding or fell
    silent: outside the cued phase, turned off, or paused (no gait maths)."""
    start = data.phases[0][1] if data.phases else 0.0
    end = data.end_t_s
    in_phase, on, paused = False, True, False
    spans: list[CueSpan] = []
    t = start

    def why() -> str:
        return "uncued phase" if not in_phase else "paused" if paused else "off" if not on else ""

    for event in _recorded_states(data):
        now = min(max(event.t_s, start), end)
        before = why()
        match event.state:
            case CueState.START:
                in_phase, on, paused = True, True, False
            case CueState.STOP:
                in_phase = False
            case CueState.OFF | CueState.ON:
                on = event.state is CueState.ON
            case CueState.PAUSE | CueState.RESUME:
                paused = event.state is CueState.PAUSE
        if why() != before:
            if now > t:
                spans.append(CueSpan(t, now, before))
            t = now
    if end > t:
        spans.append(CueSpan(t, end, why()))
    return spans

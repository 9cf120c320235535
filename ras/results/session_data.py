"""One session read back from the store, with checks that name what is wrong (no Qt, no maths)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ras.errors import UserInputError
from ras.events import ImuEvent, LinkEvent, MarkerEvent, SensorStatusEvent, TempoChangeEvent
from ras.store.store import PatientInfo, SessionInfo, Store

__all__ = ["MAX_SESSION_ID", "SessionData", "load_session", "parse_session_id", "session_number"]


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

    @property
    def incomplete(self) -> bool:
        """True unless the session was closed as complete (crashed, stopped or still running)."""
        return self.info.status != "complete"

    @property
    def status_note(self) -> str:
        """One line on the session's state, e.g. for a report or an export's header."""
        if self.info.status == "complete":
            return "session complete"
        why = f": {self.info.notes}" if self.info.notes else ""
        if self.info.status == "running":
            return "session INCOMPLETE (still recording when exported)"
        return f"session INCOMPLETE{why}"


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


def session_number(store: Store, info: SessionInfo) -> int:
    """1-based number of ``info`` among its patient's sessions, oldest first."""
    ids = [s.id for s in store.list_sessions(info.patient_id)]
    return ids.index(info.id) + 1 if info.id in ids else 1


def load_session(
    store: Store, session_id: int, *, with_imu: bool = False, require_steps: bool = True
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
    )

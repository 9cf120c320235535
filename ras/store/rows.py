"""Mapping between session events and database rows (both directions).

The records with a table of their own are written and read through their declarations in
:mod:`ras.store.tables`; IMU chunks (a blob of samples) and phases (a start and an end edge
make one row) are mapped here by hand.

A phase that never ended (an interrupted session) has ``end_t_s`` NULL in the table and None
when read back (:class:`PhaseSpan`); that is the only way an open end is written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ras.events import (
    CueEvent,
    ImuEvent,
    Phase,
    PhaseEvent,
    StepEvent,
)
from ras.protocol.messages import Side
from ras.store.tables import TABLES

__all__ = [
    "CUE_DTYPE",
    "IMU_CHANNELS",
    "RECORDED_TYPES",
    "STEP_COLUMNS",
    "STEP_DTYPE",
    "PhaseSpan",
    "write_event",
]

IMU_CHANNELS = 6  # acc x y z (m/s²), gyr x y z (deg/s)
IMU_BLOB_DTYPE = np.dtype("<f4")

_STEPS = TABLES[StepEvent]
_CUES = TABLES[CueEvent]
#: Steps as arrays: ``t_s`` first, then the fields of :class:`~ras.events.StepEvent`.
STEP_DTYPE = _STEPS.dtype
STEP_COLUMNS = STEP_DTYPE.names
#: Cue onsets as arrays; an unknown sample index is -1.
CUE_DTYPE = _CUES.dtype


class PhaseSpan(NamedTuple):
    """One protocol phase as recorded: ``end_t_s`` is None if it never ended."""

    name: Phase
    start_t_s: float
    end_t_s: float | None


def _table_writer(conn: sqlite3.Connection, sid: int, e: Any) -> None:
    table = TABLES[type(e)]
    conn.execute(table.insert_sql, (sid, *table.row(e)))


def _imu(conn: sqlite3.Connection, sid: int, e: ImuEvent) -> None:
    samples = np.asarray(e.samples_si)
    if samples.ndim != 2 or samples.shape[1] != IMU_CHANNELS:
        raise ValueError(f"IMU samples must have shape (n, {IMU_CHANNELS}), got {samples.shape}")
    blob = np.ascontiguousarray(samples, dtype=IMU_BLOB_DTYPE).tobytes()
    conn.execute(
        "INSERT INTO imu_chunks (session_id, sensor_id, side, first_t_s, rate_hz,"
        " device_first_t_us, n, samples) VALUES (?,?,?,?,?,?,?,?)",
        (
            sid,
            int(e.sensor_id),
            int(e.side),
            float(e.first_t_s),
            float(e.sample_rate_hz),
            int(e.device_first_t_us),
            int(samples.shape[0]),
            blob,
        ),
    )


def _phase(conn: sqlite3.Connection, sid: int, e: PhaseEvent) -> None:
    try:
        name = Phase(e.name)
    except ValueError:
        raise ValueError(f"phase {e.name!r} not one of {tuple(Phase)}") from None
    if e.edge == "start":
        conn.execute(
            "UPDATE phases SET end_t_s = ? WHERE session_id = ? AND end_t_s IS NULL",
            (float(e.t_s), sid),
        )
        conn.execute(
            "INSERT INTO phases (session_id, name, start_t_s) VALUES (?,?,?)",
            (sid, name.value, float(e.t_s)),
        )
    elif e.edge == "end":
        conn.execute(
            "UPDATE phases SET end_t_s = ? WHERE session_id = ? AND name = ? AND end_t_s IS NULL",
            (float(e.t_s), sid, name.value),
        )
    else:
        raise ValueError(f"phase edge {e.edge!r} not 'start' or 'end'")


_WRITERS: dict[type, Callable[[sqlite3.Connection, int, Any], None]] = {
    **dict.fromkeys(TABLES, _table_writer),
    ImuEvent: _imu,
    PhaseEvent: _phase,
}
RECORDED_TYPES: tuple[type, ...] = tuple(_WRITERS)


def write_event(conn: sqlite3.Connection, session_id: int, event: Any) -> bool:
    """Write ``event``'s row(s) in the current transaction; False if it is not a recorded type."""
    writer = _WRITERS.get(type(event))
    if writer is None:
        return False
    writer(conn, session_id, event)
    return True


# ---- reading back -------------------------------------------------------------------------


def _select(conn: sqlite3.Connection, record: type, session_id: int) -> list[Any]:
    return conn.execute(TABLES[record].select_sql, (session_id,)).fetchall()


def read_steps(conn: sqlite3.Connection, session_id: int) -> np.ndarray:
    """Steps of a session as a structured array (``STEP_DTYPE``; NULL figures are NaN)."""
    return _STEPS.array(_select(conn, StepEvent, session_id))


def step_events(steps: np.ndarray) -> list[StepEvent]:
    """Turn a ``STEP_DTYPE`` array back into :class:`StepEvent` objects."""
    return _STEPS.events(steps)


def read_cues(conn: sqlite3.Connection, session_id: int) -> np.ndarray:
    """Cue onsets as a structured array (``CUE_DTYPE``; unknown sample index is -1)."""
    return _CUES.array(_select(conn, CueEvent, session_id))


def cue_events(cues: np.ndarray) -> list[CueEvent]:
    """Turn a ``CUE_DTYPE`` array back into :class:`CueEvent` objects."""
    return _CUES.events(cues)


def read_records(conn: sqlite3.Connection, record: type, session_id: int) -> list[Any]:
    """A session's records of one type with a table (:data:`~ras.store.tables.TABLES`),
    in time order, as objects."""
    table = TABLES[record]
    return [table.event(r) for r in _select(conn, record, session_id)]


def read_phases(conn: sqlite3.Connection, session_id: int) -> list[PhaseSpan]:
    rows = conn.execute(
        "SELECT name, start_t_s, end_t_s FROM phases WHERE session_id = ? ORDER BY start_t_s, id",
        (session_id,),
    )
    return [PhaseSpan(Phase(n), float(a), None if b is None else float(b)) for n, a, b in rows]


def read_imu(
    conn: sqlite3.Connection, session_id: int, sensor_id: int | None = None
) -> list[ImuEvent]:
    """IMU chunks in time order (optionally of one sensor) as :class:`ImuEvent` objects."""
    sql = (
        "SELECT sensor_id, side, first_t_s, rate_hz, device_first_t_us, n, samples"
        " FROM imu_chunks WHERE session_id = ?"
    )
    params: tuple[int, ...] = (session_id,)
    if sensor_id is not None:
        sql += " AND sensor_id = ?"
        params += (sensor_id,)
    out = []
    for sid, side, t0, rate, dev_t0, n, blob in conn.execute(
        sql + " ORDER BY first_t_s, id", params
    ):
        samples = np.frombuffer(blob, dtype=IMU_BLOB_DTYPE).reshape(n, IMU_CHANNELS)
        out.append(
            ImuEvent(
                sid, Side.from_stored(side), t0, rate, 0 if dev_t0 is None else dev_t0, samples
            )
        )
    return out

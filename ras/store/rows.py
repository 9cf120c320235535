"""Mapping between session events and database rows (both directions)."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable
from typing import Any

import numpy as np

from ras.events import (
    PHASE_NAMES,
    TEMPO_SOURCES,
    CueEvent,
    ImuEvent,
    LinkEvent,
    LinkState,
    MarkerEvent,
    PhaseEvent,
    SensorStatusEvent,
    StepEvent,
    TempoChangeEvent,
)
from ras.protocol.messages import Side, StepKind

__all__ = ["IMU_CHANNELS", "RECORDED_TYPES", "STEP_DTYPE", "write_event"]

IMU_CHANNELS = 6  # acc x y z (m/s²), gyr x y z (deg/s)
IMU_BLOB_DTYPE = np.dtype("<f4")

STEP_DTYPE = np.dtype(
    [
        ("t_s", "f8"),
        ("sensor_id", "i8"),
        ("side", "i1"),
        ("kind", "i1"),
        ("device_t_us", "i8"),
        ("received_t_s", "f8"),
        ("seq", "i8"),
        ("stride_index", "i8"),
        ("clock_error_s", "f8"),
        ("stride_time_s", "f8"),
        ("stance_time_s", "f8"),
        ("stride_length_m", "f8"),
        ("clearance_m", "f8"),
    ]
)
STEP_COLUMNS = STEP_DTYPE.names

CUE_DTYPE = np.dtype(
    [
        ("t_s", "f8"),
        ("beat_index", "i8"),
        ("tempo_bpm", "f8"),
        ("side", "i1"),
        ("accent", "?"),
        ("sample_index", "i8"),  # -1 when unknown
    ]
)


def _f(x: float | None) -> float | None:
    """Float for SQLite; NaN becomes NULL (SQLite would do so anyway)."""
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def _step(conn: sqlite3.Connection, sid: int, e: StepEvent) -> None:
    conn.execute(
        "INSERT INTO steps (session_id, sensor_id, side, kind, t_s, device_t_us, received_t_s,"
        " seq, stride_index, clock_error_s, stride_time_s, stance_time_s, stride_length_m,"
        " clearance_m) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            sid,
            int(e.sensor_id),
            int(e.side),
            int(e.kind),
            float(e.t_s),
            int(e.device_t_us),
            float(e.received_t_s),
            int(e.seq),
            int(e.stride_index),
            _f(e.clock_error_s),
            _f(e.stride_time_s),
            _f(e.stance_time_s),
            _f(e.stride_length_m),
            _f(e.clearance_m),
        ),
    )


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


def _link(conn: sqlite3.Connection, sid: int, e: LinkEvent) -> None:
    conn.execute(
        "INSERT INTO link_events (session_id, t_s, port, state, sensor_id, side, detail)"
        " VALUES (?,?,?,?,?,?,?)",
        (
            sid,
            float(e.t_s),
            str(e.port),
            LinkState(e.state).value,
            None if e.sensor_id is None else int(e.sensor_id),
            int(e.side),
            str(e.detail),
        ),
    )


def _status(conn: sqlite3.Connection, sid: int, e: SensorStatusEvent) -> None:
    conn.execute(
        "INSERT INTO sensor_status (session_id, t_s, sensor_id, side, battery_mv, battery_pct,"
        " flags, dropped_samples, dropped_frames, lost_frames, rejected_frames,"
        " clock_residual_s, clock_drift_ppm) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            sid,
            float(e.t_s),
            int(e.sensor_id),
            int(e.side),
            int(e.battery_mv),
            None if e.battery_pct is None else int(e.battery_pct),
            int(e.flags),
            int(e.dropped_samples),
            int(e.dropped_frames),
            int(e.lost_frames),
            int(e.rejected_frames),
            _f(e.clock_residual_s),
            _f(e.clock_drift_ppm),
        ),
    )


def _cue(conn: sqlite3.Connection, sid: int, e: CueEvent) -> None:
    conn.execute(
        "INSERT INTO cues (session_id, t_s, beat_index, tempo_bpm, side, accent, sample_index)"
        " VALUES (?,?,?,?,?,?,?)",
        (
            sid,
            float(e.t_s),
            int(e.beat_index),
            float(e.tempo_bpm),
            int(e.side),
            int(bool(e.accent)),
            None if e.sample_index is None else int(e.sample_index),
        ),
    )


def _tempo(conn: sqlite3.Connection, sid: int, e: TempoChangeEvent) -> None:
    if e.source not in TEMPO_SOURCES:
        raise ValueError(f"tempo change source {e.source!r} not one of {TEMPO_SOURCES}")
    conn.execute(
        "INSERT INTO tempo_changes (session_id, t_s, old_bpm, new_bpm, source, reason)"
        " VALUES (?,?,?,?,?,?)",
        (sid, float(e.t_s), _f(e.old_bpm), float(e.new_bpm), e.source, str(e.reason)),
    )


def _marker(conn: sqlite3.Connection, sid: int, e: MarkerEvent) -> None:
    conn.execute(
        "INSERT INTO markers (session_id, t_s, note) VALUES (?,?,?)",
        (sid, float(e.t_s), str(e.note)),
    )


def _phase(conn: sqlite3.Connection, sid: int, e: PhaseEvent) -> None:
    if e.name not in PHASE_NAMES:
        raise ValueError(f"phase {e.name!r} not one of {PHASE_NAMES}")
    if e.edge == "start":
        conn.execute(
            "UPDATE phases SET end_t_s = ? WHERE session_id = ? AND end_t_s IS NULL",
            (float(e.t_s), sid),
        )
        conn.execute(
            "INSERT INTO phases (session_id, name, start_t_s) VALUES (?,?,?)",
            (sid, e.name, float(e.t_s)),
        )
    elif e.edge == "end":
        conn.execute(
            "UPDATE phases SET end_t_s = ? WHERE session_id = ? AND name = ? AND end_t_s IS NULL",
            (float(e.t_s), sid, e.name),
        )
    else:
        raise ValueError(f"phase edge {e.edge!r} not 'start' or 'end'")


_WRITERS: dict[type, Callable[[sqlite3.Connection, int, Any], None]] = {
    StepEvent: _step,
    ImuEvent: _imu,
    LinkEvent: _link,
    SensorStatusEvent: _status,
    CueEvent: _cue,
    TempoChangeEvent: _tempo,
    MarkerEvent: _marker,
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


def _nan(x: float | None) -> float:
    return float("nan") if x is None else float(x)


def read_steps(conn: sqlite3.Connection, session_id: int) -> np.ndarray:
    """Steps of a session as a structured array (``STEP_DTYPE``; NULL figures are NaN)."""
    rows = conn.execute(
        f"SELECT {', '.join(STEP_COLUMNS)} FROM steps WHERE session_id = ? ORDER BY t_s, id",
        (session_id,),
    ).fetchall()
    out = np.empty(len(rows), dtype=STEP_DTYPE)
    for i, r in enumerate(rows):
        out[i] = tuple(_nan(v) if v is None else v for v in r)
    return out


def step_events(steps: np.ndarray) -> list[StepEvent]:
    """Turn a ``STEP_DTYPE`` array back into :class:`StepEvent` objects."""

    def opt(x: float) -> float | None:
        return None if math.isnan(x) else float(x)

    return [
        StepEvent(
            sensor_id=int(r["sensor_id"]),
            side=Side(int(r["side"])),
            kind=StepKind(int(r["kind"])),
            t_s=float(r["t_s"]),
            device_t_us=int(r["device_t_us"]),
            received_t_s=float(r["received_t_s"]),
            seq=int(r["seq"]),
            stride_index=int(r["stride_index"]),
            clock_error_s=float(r["clock_error_s"]),
            stride_time_s=opt(r["stride_time_s"]),
            stance_time_s=opt(r["stance_time_s"]),
            stride_length_m=opt(r["stride_length_m"]),
            clearance_m=opt(r["clearance_m"]),
        )
        for r in steps
    ]


def read_cues(conn: sqlite3.Connection, session_id: int) -> np.ndarray:
    """Cue onsets as a structured array (``CUE_DTYPE``; unknown sample index is -1)."""
    rows = conn.execute(
        "SELECT t_s, beat_index, tempo_bpm, side, accent, sample_index FROM cues"
        " WHERE session_id = ? ORDER BY t_s, id",
        (session_id,),
    ).fetchall()
    out = np.empty(len(rows), dtype=CUE_DTYPE)
    for i, (t, beat, bpm, side, accent, sample) in enumerate(rows):
        out[i] = (t, beat, bpm, side, bool(accent), -1 if sample is None else sample)
    return out


def cue_events(cues: np.ndarray) -> list[CueEvent]:
    """Turn a ``CUE_DTYPE`` array back into :class:`CueEvent` objects."""
    return [
        CueEvent(
            t_s=float(r["t_s"]),
            beat_index=int(r["beat_index"]),
            tempo_bpm=float(r["tempo_bpm"]),
            side=Side(int(r["side"])),
            accent=bool(r["accent"]),
            sample_index=None if r["sample_index"] < 0 else int(r["sample_index"]),
        )
        for r in cues
    ]


def read_tempo_changes(conn: sqlite3.Connection, session_id: int) -> list[TempoChangeEvent]:
    rows = conn.execute(
        "SELECT t_s, old_bpm, new_bpm, source, reason FROM tempo_changes"
        " WHERE session_id = ? ORDER BY t_s, id",
        (session_id,),
    )
    return [TempoChangeEvent(*r) for r in rows]


def read_markers(conn: sqlite3.Connection, session_id: int) -> list[MarkerEvent]:
    rows = conn.execute(
        "SELECT t_s, note FROM markers WHERE session_id = ? ORDER BY t_s, id", (session_id,)
    )
    return [MarkerEvent(*r) for r in rows]


def read_phases(conn: sqlite3.Connection, session_id: int) -> list[tuple[str, float, float | None]]:
    rows = conn.execute(
        "SELECT name, start_t_s, end_t_s FROM phases WHERE session_id = ? ORDER BY start_t_s, id",
        (session_id,),
    )
    return [(str(n), float(a), None if b is None else float(b)) for n, a, b in rows]


def read_link_events(conn: sqlite3.Connection, session_id: int) -> list[LinkEvent]:
    rows = conn.execute(
        "SELECT t_s, port, state, sensor_id, side, detail FROM link_events"
        " WHERE session_id = ? ORDER BY t_s, id",
        (session_id,),
    )
    return [
        LinkEvent(t, port, LinkState(st), sid, Side(side), d) for t, port, st, sid, side, d in rows
    ]


def read_sensor_status(conn: sqlite3.Connection, session_id: int) -> list[SensorStatusEvent]:
    rows = conn.execute(
        "SELECT t_s, sensor_id, side, battery_mv, battery_pct, flags, dropped_samples,"
        " dropped_frames, lost_frames, rejected_frames, clock_residual_s, clock_drift_ppm"
        " FROM sensor_status WHERE session_id = ? ORDER BY t_s, id",
        (session_id,),
    )
    return [
        SensorStatusEvent(r[0], r[1], Side(r[2]), *r[3:10], _nan(r[10]), _nan(r[11])) for r in rows
    ]


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
        out.append(ImuEvent(sid, Side(side), t0, rate, 0 if dev_t0 is None else dev_t0, samples))
    return out

"""Put one live session together and run it: store, recorder, sensors, runner and cue engine.

``ras run`` and the GUI's session engine both go through here, so a session is assembled one
way only: the session row first (with the patient's affected side), then a recorder on the
bus, the sensors, the :class:`~ras.session.runner.SessionRunner`, and one cue engine started
before the first beat. Whatever fails, the recorder is closed and what it holds is kept.

It is taken apart in the opposite order, so that nothing the sensors sent up to the session's
end is lost: the runner stops, the cue engine stops, virtual sensors send everything up to the
end (their threads may lag the clock on a loaded machine), each link waits until the sensor's
data up to the end is in (frames in flight included), the links close, the sensors stop, and
only then is the recorder closed. A sensor whose data stops short of the end (it stopped
sending, its port was lost) gets a marker saying where and why.
"""

from __future__ import annotations

import argparse
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ras.audio.backends import AudioSpec, AudioUnavailableError, make_backend
from ras.audio.engine import CueEngine
from ras.audio.mixer import DEFAULT_CEILING_DBFS
from ras.bus import SessionBus
from ras.link.serial_link import DrainResult
from ras.protocol.messages import Side
from ras.session.runner import SessionRunner, SessionSummary
from ras.session.sensors import open_sensors
from ras.session.settings import SessionSettings
from ras.session_clock import SessionClock
from ras.store.recorder import Recorder, RecorderStats
from ras.store.records import MarkerEvent
from ras.store.store import Store

__all__ = [
    "LiveParts",
    "LiveResult",
    "affected_side_of",
    "begin_session",
    "data_end_marker",
    "run_live_session",
]

log = logging.getLogger(__name__)

_SIDES = {"left": Side.LEFT, "right": Side.RIGHT}


def affected_side_of(store: Store, patient_id: str) -> Side:
    """The patient's affected side as recorded (``Side.UNKNOWN`` if none)."""
    info = store.get_patient(patient_id)
    return _SIDES.get(str(info.affected_side or "").lower(), Side.UNKNOWN)


def begin_session(
    db: str | None, patient_id: str, settings: dict[str, Any]
) -> tuple[str, int, Side]:
    """Open the session row for an existing patient.

    Returns
    -------
    db_path : str
        The database file actually used.
    session_id : int
        The new session's id.
    affected_side : Side
        The patient's affected side (``Side.UNKNOWN`` if none is recorded).
    """
    with Store(db) as store:
        affected = affected_side_of(store, patient_id)
        return str(store.path), store.begin_session(patient_id, settings), affected


@dataclass
class LiveParts:
    """The running session's parts, handed to the caller once all have started."""

    clock: SessionClock
    bus: SessionBus
    rig: Any
    links: Any
    runner: SessionRunner
    engine: CueEngine


@dataclass
class LiveResult:
    """How a live session ended."""

    summary: SessionSummary
    recorder_stats: RecorderStats
    status: str  # complete or incomplete


def run_live_session(
    *,
    db_path: str,
    session_id: int,
    settings: SessionSettings,
    sensor_args: argparse.Namespace,
    audio: AudioSpec,
    clock: SessionClock,
    bus: SessionBus,
    affected_side: Side = Side.UNKNOWN,
    level_dbfs: float = DEFAULT_CEILING_DBFS,
    ceiling_dbfs: float = DEFAULT_CEILING_DBFS,
    record: Callable[[object], None] | None = None,
    on_started: Callable[[LiveParts], None] | None = None,
    on_tick: Callable[[SessionRunner], None] | None = None,
) -> LiveResult:
    """Run one session from its baseline to its end; the recorder is always closed.

    Parameters
    ----------
    db_path, session_id
        Where the session row is (:func:`begin_session`).
    settings : SessionSettings
        Plan and phase durations.
    sensor_args : argparse.Namespace
        ``simulate``, ``port``, ``set``, ``seed``, ``speed``, ``imu_rate`` as for
        :func:`ras.session.sensors.open_sensors`.
    audio : AudioSpec
        Where the cues go.
    clock, bus : SessionClock, SessionBus
        Made by the caller, so it can subscribe to the bus before the sensors start.
    affected_side : Side
        Paretic side, for the symmetry measures.
    level_dbfs, ceiling_dbfs : float
        Cue level (dBFS), clamped to the hard ceiling (dBFS) it can never exceed.
    record : callable, optional
        Called with every record the runner makes, after the recorder has it.
    on_started : callable, optional
        Called with the :class:`LiveParts` once sensors and audio run, before the baseline.
    on_tick : callable, optional
        Called by the runner on its thread, many times a second.

    Raises
    ------
    AudioUnavailableError
        The sound output could not start (the session row is kept, marked incomplete).
    """
    recorder = Recorder(db_path, session_id)
    bus.add_listener(recorder.put)

    def keep(event: object) -> None:
        recorder.put(event)
        if record is not None:
            record(event)

    status = "incomplete"
    summary: SessionSummary | None = None
    try:
        with open_sensors(sensor_args, clock, bus) as (rig, links):
            runner = SessionRunner(
                settings,
                clock=clock,
                bus=bus,
                record=keep,
                affected_side=affected_side,
                hear=None if rig is None else rig.on_cue,
                unhear=None if rig is None else rig.retract_cues_from,
            )
            engine = _start_engine(audio, clock, level_dbfs, ceiling_dbfs, runner)
            runner.cues = engine
            try:
                if on_started is not None:
                    on_started(LiveParts(clock, bus, rig, links, runner, engine))
                try:
                    summary = runner.run(on_tick=on_tick)
                except KeyboardInterrupt:
                    runner.stop()
                    summary = runner.summary
                    summary.reason = "stopped with Ctrl-C"
            finally:
                engine.stop()
                end_t_s = runner.summary.end_t_s
                _collect_to_end(
                    rig, links, end_t_s if math.isfinite(end_t_s) else clock.now_s(), keep
                )
            status = "complete" if summary.completed else "incomplete"
    finally:
        stats = recorder.close(status=status)
    return LiveResult(summary, stats, status)


def data_end_marker(drained: DrainResult) -> MarkerEvent | None:
    """The marker for a sensor whose data stops short of the session's end (None if it did not,
    or if it never said who it is): where its data ends and why, for the record and the report.
    """
    if drained.complete or drained.sensor_id is None:
        return None
    ends_t_s = drained.data_until_t_s
    side = drained.side.name.lower() if drained.side is not Side.UNKNOWN else "a"
    what = "raw IMU" if drained.imu_until_t_s is not None else "data"
    if math.isfinite(ends_t_s):
        where = f"ends at {ends_t_s:.1f} s, {drained.until_t_s - ends_t_s:.1f} s before"
    else:
        ends_t_s = drained.until_t_s
        where = "never came before"
    note = (
        f"{side} sensor ({drained.sensor_id:08x}): its {what} {where} the session's end"
        f" ({drained.reason}); figures that need it are missing after that"
    )
    return MarkerEvent(ends_t_s, note)


def _collect_to_end(rig: Any, links: Any, end_t_s: float, record: Callable[[object], None]) -> None:
    """Get every sensor's data up to ``end_t_s`` in before the links close (see the module
    docstring); a sensor whose data stops short gets a marker. Never raises an Exception."""
    try:
        if rig is not None:
            rig.finish(end_t_s)
        for drained in links.drain(end_t_s):
            marker = data_end_marker(drained)
            if marker is not None:
                record(marker)
    except Exception:  # the session is over: keep what is in, close the rest
        log.exception("could not collect the sensors' data to the end of the session")


def _start_engine(
    audio: AudioSpec,
    clock: SessionClock,
    level_dbfs: float,
    ceiling_dbfs: float,
    runner: SessionRunner,
) -> CueEngine:
    """One cue engine, started; any failure to open the output is an AudioUnavailableError."""
    try:
        engine = CueEngine(
            make_backend(audio),
            clock=clock,
            level_dbfs=level_dbfs,
            ceiling_dbfs=ceiling_dbfs,
            on_onset=runner.cue_played,
        )
        engine.start()
    except AudioUnavailableError:
        raise
    except Exception as err:  # a device that fails to open: one line, never a traceback
        raise AudioUnavailableError(f"the sound output could not start: {err}") from err
    return engine

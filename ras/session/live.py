"""Put one live session together and run it: store, recorder, sensors, runner and cue engine.

Every front-end goes through here by way of :class:`~ras.session.host.SessionHost`, so a
session is assembled one way only: the session row first (with the patient's affected side),
then a recorder on the bus, the sensors, the :class:`~ras.session.runner.SessionRunner`, and
one cue engine started before the first beat. Whatever fails, the recorder is closed and what
it holds is kept.

It is taken apart in the opposite order, so that nothing the sensors sent up to the session's
end is lost: the runner stops, the cue engine stops, virtual sensors send everything up to the
end (their threads may lag the clock on a loaded machine), each link waits until the sensor's
data up to the end is in (frames in flight included), the links close, the sensors stop, and
only then is the recorder closed. A sensor whose data stops short of the end (it stopped
sending, its port was lost) gets a marker saying where and why.

Nothing is claimed that did not happen: the recorder's health is watched while the session
runs (one message on the runner's ``messages`` when recording first fails; a full disk ends
the session), and the session ends 'incomplete' if it did not run to its end or anything was
not saved, 'degraded' if it ran to its end but the cue could not keep up, else 'complete',
with the reason stored. A session whose sensors or sound never came up is removed, so the
history never lists a session that never started; and free space is checked before the
session row is written (:func:`begin_session`).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ras.audio.backends import AudioSpec, AudioUnavailableError, make_backend
from ras.audio.engine import CueEngine
from ras.audio.mixer import DEFAULT_CEILING_DBFS
from ras.bus import SessionBus
from ras.errors import RasError
from ras.events import MarkerEvent
from ras.link.serial_link import DrainResult
from ras.protocol.messages import Side
from ras.session.music import MUSIC_LOOKAHEAD_S, SessionMusic
from ras.session.request import SensorSpec, SimulatedSensors, virtual_sensor_options
from ras.session.runner import SessionRunner, SessionSummary, lookahead_for_speed
from ras.session.sensors import open_sensors
from ras.session.settings import SessionSettings
from ras.session.songs import SessionSongs
from ras.session_clock import SessionClock
from ras.store.recorder import Recorder, RecorderStats
from ras.store.space import check_free_space, estimate_session_bytes
from ras.store.store import Store

__all__ = [
    "AUDIO_FAILED",
    "LiveParts",
    "SessionOutcome",
    "affected_side_of",
    "begin_session",
    "data_end_marker",
    "planned_session_bytes",
    "run_live_session",
    "session_outcome",
]

log = logging.getLogger(__name__)

#: How every failure to start the sound output begins (the rest says why).
AUDIO_FAILED = "the sound output could not start: "


def affected_side_of(store: Store, patient_id: str) -> Side:
    """The patient's affected side as recorded (``Side.UNKNOWN`` if none, or both sides)."""
    stored = store.get_patient(patient_id).affected_side
    return Side.UNKNOWN if stored in (None, "", "both") else Side.from_text(stored)


def planned_session_bytes(settings: SessionSettings, sensors: SensorSpec) -> int:
    """Estimated database growth (bytes) of a session as planned (baseline + cued + probe).

    Virtual patients have two sensors; their IMU rate (or the host-steps default) sets the raw
    IMU stream. Real sensors are assumed to stream IMU at 100 Hz (their HELLO says it only
    once connected), so the estimate errs on the generous side.
    """
    duration_s = settings.baseline_s + settings.cued_s + settings.probe_s
    if isinstance(sensors, SimulatedSensors):
        imu_rate_hz = virtual_sensor_options(sensors)["imu_rate_hz"] or 0
        n_sensors = 2
    else:
        imu_rate_hz = 100
        n_sensors = max(1, len(sensors.ports))
    return estimate_session_bytes(duration_s, float(imu_rate_hz), n_sensors)


def begin_session(
    db: str | None,
    patient_id: str,
    settings: dict[str, Any],
    *,
    needed_bytes: int = 0,
    warn: Callable[[str], None] | None = None,
) -> tuple[str, int, Side]:
    """Open the session row for an existing patient, once there is room for the session.

    ``needed_bytes`` (:func:`planned_session_bytes`) is checked against the free space where
    the database is: too little is a :class:`~ras.errors.UserInputError` (no row is written);
    little (under twice the estimate) is passed to ``warn``.

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
        if needed_bytes > 0:
            warning = check_free_space(store.path, needed_bytes)
            if warning and warn is not None:
                warn(warning)
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
    recorder: Recorder | None = None  # its health() says live whether recording holds


@dataclass
class SessionOutcome:
    """How a live session ended, for every front-end.

    ``state`` is 'finished' (it ran: ``status`` says how) or 'failed' (an error ended it, in
    ``error``; ``error_is_audio`` if the sound output failed). ``status`` is 'complete',
    'degraded' (ran to its end, but the cue could not keep up) or 'incomplete' (ended early,
    or ``lost_events`` > 0); ``reason`` says why it is not complete ("" if it is). ``started``
    is False if the baseline never began (the session row was then removed). A front-end exits
    non-zero unless ``status == "complete"``.
    """

    state: str = "finished"
    status: str = ""
    reason: str = ""
    summary: SessionSummary | None = None
    recorder_stats: RecorderStats | None = None
    lost_events: int = 0
    started: bool = False
    error: str = ""
    error_is_audio: bool = False

    @classmethod
    def failed(cls, err: BaseException, *, started: bool = False) -> SessionOutcome:
        """The outcome of a session an error ended (a RasError's one line, else its type)."""
        if isinstance(err, RasError):
            return cls("failed", started=started, error=str(err), error_is_audio=_is_audio(err))
        return cls("failed", started=started, error=f"{type(err).__name__}: {err}")


def _is_audio(err: BaseException) -> bool:
    return isinstance(err, AudioUnavailableError) or bool(getattr(err, "is_audio", False))


def session_outcome(summary: SessionSummary | None, stats: RecorderStats) -> tuple[str, str]:
    """``(status, reason)`` of a session from the runner's summary and the recorder's stats.

    Incomplete if the runner did not complete or anything was not saved (the reason says what);
    else degraded if the summary says so (cues skipped, a ``degraded_reason``); else complete.
    """
    reasons = []
    if stats.disk_full:
        at = stats.first_lost_t_s
        where = f" at {at:.1f} s" if math.isfinite(at) else ""
        reasons.append(
            f"disk full: recording stopped{where}; {stats.events_lost:,} events not saved"
        )
    elif stats.events_lost > 0:
        why = f" ({stats.last_error})" if stats.last_error else ""
        reasons.append(f"{stats.events_lost:,} events not saved{why}")
    if summary is None or not summary.completed:
        said = "" if summary is None else summary.reason
        if said and not said.startswith("disk full"):
            reasons.insert(0, said)
        elif not reasons:
            reasons.append(said or "the session did not run to its end")
    if reasons:
        return "incomplete", "; ".join(reasons)
    assert summary is not None
    degraded = str(getattr(summary, "degraded_reason", "") or "")
    skipped = int(getattr(summary, "cues_skipped", 0) or 0)
    if degraded or skipped > 0:
        return "degraded", degraded or f"{skipped} cues skipped"
    return "complete", ""


class _RecordingWatch:
    """Watches the recorder from the engine thread (``on_tick``): one message on the runner's
    ``messages`` when recording first fails; a full disk ends the session with the reason."""

    CHECK_EVERY_S = 0.2  # real seconds between looks (a look takes a lock and a copy)

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.reported = False
        self._next_check = 0.0

    def __call__(self, runner: SessionRunner) -> None:
        now = time.monotonic()
        if self.reported or now < self._next_check:
            return
        self._next_check = now + self.CHECK_EVERY_S
        stats = self.recorder.health()
        if not stats.failed:
            return
        self.reported = True
        at = stats.first_lost_t_s
        at_text = f" at {at:.1f} s" if math.isfinite(at) else ""
        if stats.disk_full:
            runner.messages.put(
                f"recording stopped: disk full{at_text} — the session will be marked incomplete"
            )
            _stop(runner, f"disk full: recording stopped{at_text}")
        else:
            runner.messages.put(
                f"recording lost {stats.events_lost:,} events{at_text}"
                f" ({stats.last_error or 'not saved'}) — the session will be marked incomplete"
            )


def _stop(runner: SessionRunner, reason: str) -> None:
    """``runner.stop(reason)``; for a runner whose ``stop`` takes no reason, set it here."""
    if not runner.summary.reason:
        runner.summary.reason = reason
    runner.stop()


def run_live_session(
    *,
    db_path: str,
    session_id: int,
    settings: SessionSettings,
    sensors: SensorSpec,
    audio: AudioSpec,
    clock: SessionClock,
    bus: SessionBus,
    affected_side: Side = Side.UNKNOWN,
    level_dbfs: float = DEFAULT_CEILING_DBFS,
    ceiling_dbfs: float = DEFAULT_CEILING_DBFS,
    record: Callable[[object], None] | None = None,
    on_started: Callable[[LiveParts], None] | None = None,
    on_tick: Callable[[SessionRunner], None] | None = None,
    songs: SessionSongs | None = None,
) -> SessionOutcome:
    """Run one session from its baseline to its end; the recorder is always closed.

    Parameters
    ----------
    db_path, session_id
        Where the session row is (:func:`begin_session`).
    settings : SessionSettings
        Plan and phase durations.
    sensors : SimulatedSensors or SensorPorts
        The virtual patient or the real sensors' ports.
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
    songs : SessionSongs, optional
        The songs the cue may play (:func:`~ras.session.songs.session_songs`); with any,
        beats are decided at least :data:`~ras.session.music.MUSIC_LOOKAHEAD_S` ahead and
        the songs are decoded in a worker during the baseline.

    Raises
    ------
    AudioUnavailableError
        The sound output could not start (the session row is removed, as for sensors that
        never came up: the session never started).
    """
    try:
        recorder = Recorder(db_path, session_id)
    except BaseException:
        _discard_if_never_started(db_path, session_id)
        raise
    bus.add_listener(recorder.put)
    watch = _RecordingWatch(recorder)

    def keep(event: object) -> None:
        recorder.put(event)
        if record is not None:
            record(event)

    def tick(r: SessionRunner) -> None:
        watch(r)
        if on_tick is not None:
            on_tick(r)

    summary: SessionSummary | None = None
    started = False
    try:
        with open_sensors(sensors, clock, bus) as (rig, links):
            runner = SessionRunner(
                settings,
                clock=clock,
                bus=bus,
                record=keep,
                affected_side=affected_side,
                hear=None if rig is None else rig.on_cue,
                unhear=None if rig is None else rig.retract_cues_from,
                lookahead_s=lookahead_for_speed(clock.speed, MUSIC_LOOKAHEAD_S)
                if songs is not None and songs.songs
                else None,
            )
            engine = _start_engine(audio, clock, level_dbfs, ceiling_dbfs, runner)
            runner.cues = engine
            engine.set_music_level_db(settings.music_level_db)
            engine.set_click_level_db(settings.click_level_db)
            runner.music = SessionMusic(
                songs or SessionSongs(), settings.mode, engine, record=keep, say=runner.messages.put
            )
            runner.music.prepare()
            try:
                if on_started is not None:
                    on_started(LiveParts(clock, bus, rig, links, runner, engine, recorder))
                started = True
                try:
                    summary = runner.run(on_tick=tick)
                except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM/SIGHUP (SessionSignal)
                    runner.stop()
                    summary = runner.summary
                    if not summary.reason or summary.reason == "stopped by the user":
                        summary.reason = getattr(stop, "reason", "stopped with Ctrl-C")
            finally:
                engine.stop()
                end_t_s = runner.summary.end_t_s
                _collect_to_end(
                    rig, links, end_t_s if math.isfinite(end_t_s) else clock.now_s(), keep
                )
    finally:
        stats = recorder.drain()
        status, reason = session_outcome(summary, stats)
        stats = recorder.close(status=status, reason=reason or None)
        if not started:
            _discard_if_never_started(db_path, session_id)
    return SessionOutcome(
        "finished", status, reason, summary, stats, stats.events_lost, started=True
    )


def _discard_if_never_started(db_path: str, session_id: int) -> None:
    """Remove the row of a session whose sensors or sound never came up (never raises)."""
    try:
        with Store(db_path) as store:
            store.discard_session(session_id)
    except Exception:  # the failure that brought us here is the one to report
        log.exception("could not remove session %s, which never started", session_id)


def data_end_marker(drained: DrainResult) -> MarkerEvent | None:
    """The marker for a sensor whose data stops short of the session's end (None if it did not,
    or if it never said who it is): where its data ends and why, for the record and the report.
    """
    if drained.complete or drained.sensor_id is None:
        return None
    ends_t_s = drained.data_until_t_s
    side = drained.side.label if drained.side is not Side.UNKNOWN else "a"
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
    except Exception as err:  # a device that fails to open: one line, never a traceback
        raise AudioUnavailableError(f"{AUDIO_FAILED}{err}") from err
    return engine

"""The session side of the GUI: runs one session and talks to the GUI through two queues.

It runs the session through :func:`ras.session.live.run_live_session`, as ``ras run`` does:
store and patient, recorder, session clock and bus, sensors (virtual patient or ports), the
:class:`~ras.session.runner.SessionRunner` and the cue engine. It normally runs in a child
process (:class:`gui.session_controller.SessionController` starts it), so the GUI's redraws
never hold the GIL the engine needs. No Qt here.

Messages out (tuples): ``("started", session_id, db_path)``, ``("snap", Snapshot)`` every
``SNAPSHOT_S`` real seconds, ``("done", Outcome)``. Commands in: ``("command", text)``,
``("ramp", on)``, ``("volume", dbfs)``, ``("unplug", side)``, ``("replug", side)``, ``("stop",)``.
"""

from __future__ import annotations

import argparse
import math
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ras.audio.mixer import DEFAULT_CEILING_DBFS
from ras.bus import SessionBus
from ras.errors import RasError, UserInputError
from ras.events import LinkEvent, LinkState, SensorStatusEvent, StepEvent
from ras.link.host_steps import StepSource
from ras.live_strides import RecentStrides
from ras.protocol.messages import Side
from ras.session.live import LiveParts, begin_session, planned_session_bytes
from ras.session.runner import LiveDetail, SessionRunner, SessionSummary, StatusSnapshot
from ras.session.settings import SessionSettings
from ras.session.signals import SessionSignal, session_signals
from ras.session_clock import SessionClock, check_speed
from ras.store.recorder import RecorderStats
from ras.store.records import MarkerEvent, PhaseEvent, TempoChangeEvent

__all__ = [
    "AUDIO_HELP",
    "Outcome",
    "SensorView",
    "SessionConfig",
    "SessionEngine",
    "Snapshot",
    "run_engine",
]

SNAPSHOT_S = 0.05
AUDIO_HELP = (
    "Check that the speaker or headphones are plugged in and switched on and that no other"
    " program holds the sound card, then start again; or choose another output in set-up, or"
    " 'none' to run without sound (the cue is then not heard)."
)


@dataclass(frozen=True)
class SessionConfig:
    """What the set-up screen chose.

    Parameters
    ----------
    patient_id : str
        Pseudonymous id of an existing patient.
    settings : SessionSettings
        Plan and phase durations.
    simulate : str or None
        Virtual patient preset, or None for real sensors on ``ports``.
    ports : tuple of str
        Sensor ports (with ``simulate`` None).
    audio : str
        ``default``, ``device:NAME``, ``wav:PATH`` or ``none``.
    level_dbfs : float
        Cue level, clamped to the ceiling (dBFS).
    speed : float
        Simulated session seconds per real second (virtual patient with wav/none audio only).
    seed : int
        Seed of the virtual patient.
    sensor_steps : str
        Virtual patient only: ``device`` (the virtual sensors detect the steps) or ``host``
        (IMU-only virtual sensors; the host detects the steps from their IMU stream).
    db : str or None
        Database file (None: ``$RAS_DB`` or the per-user default).
    """

    patient_id: str
    settings: SessionSettings = field(default_factory=SessionSettings)
    simulate: str | None = "healthy"
    ports: tuple[str, ...] = ()
    audio: str = "default"
    level_dbfs: float = DEFAULT_CEILING_DBFS
    speed: float = 1.0
    seed: int = 0
    sensor_steps: str = "device"
    db: str | None = None


@dataclass(frozen=True)
class SensorView:
    """One sensor as the status panel shows it."""

    name: str
    port: str
    state: str
    connected: bool
    battery_pct: int | None
    lost_frames: int
    frames_ok: int
    clock_synced: bool
    clock_residual_ms: float
    reconnects: int
    steps: StepSource | None = None  # where its steps are detected (None before its HELLO)


@dataclass
class Snapshot:
    """The session now, and what happened since the previous snapshot."""

    t_s: float
    status: StatusSnapshot | None
    detail: LiveDetail | None
    sensors: tuple[SensorView, ...]
    stride_length_m: float
    gait_speed_m_per_s: float
    audio_problem: str
    records: list[object]
    messages: list[str]
    link_events: list[LinkEvent]
    recording_problem: str = ""  # "" while everything is being saved


@dataclass
class Outcome:
    """How the session ended."""

    state: str  # finished or failed
    error: str = ""
    error_is_audio: bool = False
    summary: SessionSummary | None = None
    recorder_stats: RecorderStats | None = None
    started: bool = False  # the baseline began (else the session row was removed)
    status: str = ""  # complete, degraded or incomplete (a finished session)
    reason: str = ""  # why it is not complete ("" if it is)


def _drain(q: Any) -> list:
    out = []
    while True:
        try:
            out.append(q.get_nowait())
        except queue.Empty:
            return out


class SessionEngine:
    """One session: reads commands from ``inbox``, puts messages on ``outbox``."""

    def __init__(self, config: SessionConfig, inbox: Any, outbox: Any) -> None:
        self.config = config
        self.inbox = inbox
        self.outbox = outbox
        self.runner: SessionRunner | None = None
        self.engine: Any = None
        self.rig: Any = None
        self.links: Any = None
        self.clock: SessionClock | None = None
        self._latest: tuple[StatusSnapshot, LiveDetail] | None = None
        self._last_tick = 0.0
        self._records: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._calls: queue.SimpleQueue[tuple] = queue.SimpleQueue()
        self._sub: Any = None
        self._battery: dict[int, int | None] = {}
        self._strides = RecentStrides()
        self._stop = threading.Event()
        self._ended = threading.Event()
        self.recorder: Any = None
        self._notes: queue.SimpleQueue[str] = queue.SimpleQueue()

    # --- the whole session --------------------------------------------------------------

    def run(self) -> None:
        """Run the session to its end; always finishes with a ``done`` message."""
        outcome = Outcome("finished")
        listener = threading.Thread(target=self._listen, name="ras-gui-commands", daemon=True)
        listener.start()
        publisher = threading.Thread(target=self._publish, name="ras-gui-snapshots", daemon=True)
        publisher.start()
        try:
            outcome = self._run()
        except RasError as err:
            outcome = Outcome("failed", str(err), getattr(err, "is_audio", False))
        except Exception as err:  # shown to the user; the data recorded so far is kept
            outcome = Outcome("failed", f"{type(err).__name__}: {err}")
        finally:
            outcome.started = self.runner is not None
            self._ended.set()
            publisher.join()
            self.outbox.put(("done", outcome))

    def _listen(self) -> None:
        """Commands from the GUI: thread-safe ones at once, the ramp on the engine thread."""
        while not self._ended.is_set():
            try:
                msg = self.inbox.get(timeout=0.1)
            except queue.Empty:
                continue
            except (EOFError, OSError):
                return
            what = msg[0]
            if what == "stop":
                self._stop.set()
                if self.runner is not None:
                    self.runner.stop(str(msg[1]) if len(msg) > 1 else "")
            elif what == "command" and self.runner is not None:
                self.runner.command(msg[1])
            elif what == "volume" and self.engine is not None:
                self.engine.set_level_dbfs(msg[1])
            elif what in ("unplug", "replug") and self.rig is not None:
                getattr(getattr(self.rig, msg[1]), what)()
            elif what == "ramp":
                self._calls.put(msg)

    def _publish(self) -> None:
        while not self._ended.wait(SNAPSHOT_S):
            self.outbox.put(("snap", self._snapshot()))
        self.outbox.put(("snap", self._snapshot()))

    def _snapshot(self) -> Snapshot:
        latest = self._latest
        runner = self.runner
        links: list[LinkEvent] = []
        if self._sub is not None:
            for event in self._sub.drain():
                if isinstance(event, StepEvent):
                    self._strides.update(event=event)
                elif isinstance(event, SensorStatusEvent):
                    self._battery[event.sensor_id] = event.battery_pct
                elif isinstance(event, LinkEvent):
                    links.append(event)
        return Snapshot(
            t_s=self.clock.now_s() if self.clock is not None else math.nan,
            status=latest[0] if latest else None,
            detail=latest[1] if latest else None,
            sensors=self._sensor_views(),
            stride_length_m=self._strides.stride_length_m_,
            gait_speed_m_per_s=self._strides.gait_speed_m_per_s_,
            audio_problem=self._audio_problem(),
            records=_drain(self._records),
            messages=_drain(self._notes) + (_drain(runner.messages) if runner is not None else []),
            link_events=links,
            recording_problem=self._recording_problem(),
        )

    def _recording_problem(self) -> str:
        """What the recorder could not save, in the therapist's words ("" if all is saved)."""
        if self.recorder is None:
            return ""
        stats = self.recorder.health()
        if not stats.failed:
            return ""
        at = stats.first_lost_t_s
        at_text = f" at {at:.1f} s" if math.isfinite(at) else ""
        if stats.disk_full:
            return f"Recording stopped: disk full{at_text} — data after that is not saved"
        return (
            f"Recording lost {stats.events_lost:,} events{at_text}"
            " — the session will be marked incomplete"
        )

    def _sensor_views(self) -> tuple[SensorView, ...]:
        if self.links is None:
            return ()
        views = []
        for i, st in enumerate(self.links.stats()):
            side = st.hello.side.name.lower() if st.hello is not None else f"sensor {i + 1}"
            views.append(
                SensorView(
                    name=side,
                    port=st.port,
                    state=st.state.value if st.state is not None else "connecting",
                    connected=st.state is LinkState.CONNECTED,
                    battery_pct=self._battery.get(st.sensor_id) if st.sensor_id else None,
                    lost_frames=st.lost_frames,
                    frames_ok=st.frames_ok,
                    clock_synced=st.clock_synced,
                    clock_residual_ms=st.clock_residual_s * 1e3,
                    reconnects=st.reconnects,
                    steps=st.step_source,
                )
            )
        return tuple(views)

    def _audio_problem(self) -> str:
        errors = getattr(self.engine, "callback_errors", 0) if self.engine is not None else 0
        return f"the sound output failed {errors} times. {AUDIO_HELP}" if errors else ""

    def _begin(self) -> tuple[str, int, Side]:
        cfg = self.config
        settings = {
            **cfg.settings.as_dict(),
            "audio": cfg.audio,
            "simulate": cfg.simulate,
            "level_dbfs": cfg.level_dbfs,
            "speed": cfg.speed,
            "sensor_steps": cfg.sensor_steps if cfg.simulate else None,
            "via": "gui",
        }
        needed = planned_session_bytes(cfg.settings, self._sensor_args())
        return begin_session(
            cfg.db, cfg.patient_id, settings, needed_bytes=needed, warn=self._notes.put
        )

    def _sensor_args(self) -> argparse.Namespace:
        cfg = self.config
        return argparse.Namespace(
            simulate=cfg.simulate,
            port=list(cfg.ports),
            set=[],
            seed=cfg.seed,
            speed=cfg.speed,
            imu_rate=0,
            sensor_steps=cfg.sensor_steps if cfg.simulate else None,
        )

    def _run(self) -> Outcome:
        from ras.audio.backends import AudioUnavailableError, parse_audio_spec
        from ras.session.live import run_live_session

        cfg = self.config
        audio = parse_audio_spec(cfg.audio)
        check_speed(cfg.speed, "the simulation speed")  # finite, in range: before the row
        if cfg.speed != 1.0 and (audio.kind not in ("wav", "none") or cfg.simulate is None):
            raise UserInputError("a fast simulation needs a virtual patient and wav or no audio")
        if cfg.simulate is None and not cfg.ports:
            raise UserInputError("choose at least one sensor port, or a virtual patient")
        db_path, session_id, affected = self._begin()
        self.outbox.put(("started", session_id, db_path))
        clock = SessionClock(speed=cfg.speed)
        bus = SessionBus()
        self._sub = bus.subscribe(
            "gui", accept=lambda e: isinstance(e, (StepEvent, SensorStatusEvent, LinkEvent))
        )

        def record(event: object) -> None:
            if isinstance(event, (TempoChangeEvent, MarkerEvent, PhaseEvent)):
                self._records.put(event)

        def started(parts: LiveParts) -> None:
            self.rig, self.links, self.clock = parts.rig, parts.links, parts.clock
            self.engine, self.runner = parts.engine, parts.runner
            self.recorder = parts.recorder
            if self._stop.is_set():
                parts.runner.stop()

        try:
            result = run_live_session(
                db_path=db_path,
                session_id=session_id,
                settings=cfg.settings,
                sensor_args=self._sensor_args(),
                audio=audio,
                clock=clock,
                bus=bus,
                affected_side=affected,
                level_dbfs=cfg.level_dbfs,
                record=record,
                on_started=started,
                on_tick=self._tick,
            )
        except AudioUnavailableError as err:  # say what to do in the GUI's words
            text, prefix = str(err), "the sound output could not start: "
            if not text.startswith(prefix):
                text = prefix + text
            return Outcome("failed", f"{text}. {AUDIO_HELP}", error_is_audio=True)
        return Outcome(
            "finished",
            summary=result.summary,
            recorder_stats=result.recorder_stats,
            status=result.status,
            reason=result.reason,
        )

    def _tick(self, runner: SessionRunner) -> None:
        """Engine thread: the ramp commands, and a snapshot of the runner now and then."""
        for _, on in _drain(self._calls):
            runner.set_ramp(bool(on))
        now = time.perf_counter()
        if now - self._last_tick >= SNAPSHOT_S:
            self._last_tick = now
            self._latest = (runner.status(), runner.detail())


def run_engine(config: SessionConfig, inbox: Any, outbox: Any) -> None:
    """Child-process entry point: run one session.

    In its own process (the main thread), SIGTERM and SIGHUP end the session as the GUI's
    stop does, with the signal as the reason: the recorder finishes and the session is closed.
    In a thread (``in_process``) the signals stay with the GUI.
    """
    engine = SessionEngine(config, inbox, outbox)

    def on_signal(sig: SessionSignal) -> bool:
        engine._stop.set()
        if engine.runner is None:
            return False  # still starting: raised, and the start is undone
        engine.runner.stop(sig.reason)
        return True

    with session_signals(on_signal=on_signal):
        engine.run()

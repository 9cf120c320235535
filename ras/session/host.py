"""One live session, run for any front-end (``ras run``, the GUI's session process, a test).

A front-end builds a :class:`~ras.session.request.SessionRequest` and hands it to a
:class:`SessionHost`, which checks it (:func:`~ras.session.request.check_request`), opens the
session row once there is room (:meth:`SessionHost.begin`), runs the session
(:meth:`SessionHost.run`, see :mod:`ras.session.live`) and ends it with a
:class:`~ras.session.live.SessionOutcome`. While it runs, every therapist action goes one way,
:meth:`SessionHost.send` (thread-safe; applied on the engine thread, answered with an
:class:`~ras.session.actions.ActionResult`), and :meth:`SessionHost.snapshot` gives one
:class:`~ras.session.snapshot.LiveSnapshot` to whoever shows it. No Qt here.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable

from ras.bus import SessionBus, drain_queue
from ras.errors import UserInputError
from ras.events import (
    CueModeEvent,
    CueStateEvent,
    LinkEvent,
    LinkState,
    MarkerEvent,
    PhaseEvent,
    SensorStatusEvent,
    SongEvent,
    StepEvent,
    TempoChangeEvent,
)
from ras.live_strides import RecentStrides
from ras.lsl.outlet import SessionLslOutlet, load_pylsl
from ras.protocol.messages import Side, StepKind
from ras.session.actions import Action, ActionResult, Plug, Volume
from ras.session.live import (
    LiveParts,
    SessionOutcome,
    begin_session,
    planned_session_bytes,
    run_live_session,
)
from ras.session.music import SongView
from ras.session.request import SessionRequest, check_request
from ras.session.runner import LiveDetail, SessionRunner, StatusSnapshot
from ras.session.snapshot import LiveSnapshot, SensorView, live_readings
from ras.session.songs import SessionSongs, session_songs
from ras.session_clock import SessionClock
from ras.store.recorder import RecorderStats

__all__ = ["SNAPSHOT_S", "SessionHost", "recording_problem"]

#: The runner's state is copied for snapshots at most this often, real s.
SNAPSHOT_S = 0.05


def recording_problem(stats: RecorderStats) -> str:
    """What the recorder could not save, in the therapist's words ("" if all is saved)."""
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


class SessionHost:
    """Runs one live session for any front-end.

    Parameters
    ----------
    request : SessionRequest
        Checked here (a bad one raises :class:`~ras.errors.UserInputError`, one line).
    watch : bool
        Keep what a live screen shows (steps for stride figures, sensor batteries, link
        events, records) for :meth:`snapshot`; off for a status line only.
    warn : callable, optional
        Called with a warning before the session starts (little free space); default: the
        warning is one of the :meth:`snapshot`'s messages.
    """

    def __init__(
        self,
        request: SessionRequest,
        *,
        watch: bool = False,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.request, self.audio = check_request(request)
        if self.request.settings.lsl:
            load_pylsl()  # missing: one line, before the session row is written
        self._lsl: SessionLslOutlet | None = None
        self.watch = watch
        self.session_id: int | None = None
        self.db_path: str | None = None
        self.affected_side = Side.UNKNOWN
        self.parts: LiveParts | None = None
        self.clock: SessionClock | None = None  # made when the session runs: its time 0
        self.bus = SessionBus()
        self._notes: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._warn = warn or self._notes.put
        self._refused: queue.SimpleQueue[ActionResult] = queue.SimpleQueue()
        self._records: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._latest: tuple[StatusSnapshot, LiveDetail, bool] | None = None
        self._music = SongView()
        self._songs = SessionSongs()
        self._last_copy = 0.0
        self._battery: dict[int, int | None] = {}
        self._strides = RecentStrides()
        self._last_ic_t_s: dict[Side, float] = {}  # each foot's latest initial contact
        self._last_stride_t_s = math.nan
        self._link_t_s: dict[str, float] = {}  # when each port's link state last changed
        self._stop = threading.Event()
        self._stop_reason = ""
        self._sub = (
            self.bus.subscribe(
                "view", accept=lambda e: isinstance(e, (StepEvent, SensorStatusEvent, LinkEvent))
            )
            if watch
            else None
        )

    @property
    def runner(self) -> SessionRunner | None:
        return self.parts.runner if self.parts is not None else None

    # --- the session --------------------------------------------------------------------

    def begin(self) -> int:
        """Open the session row once there is room for it; returns the session id."""
        r = self.request
        # the songs are looked up again before the row is written (one may have gone since)
        self._songs = session_songs(r.db, r.patient_id, r.settings)
        needed = planned_session_bytes(r.settings, r.sensors)
        self.db_path, self.session_id, self.affected_side = begin_session(
            r.db, r.patient_id, r.stored_settings(), needed_bytes=needed, warn=self._warn
        )
        if r.settings.lsl:  # the streams appear now, so a lab's recorder can connect first
            self._lsl = SessionLslOutlet(
                session_id=self.session_id,
                patient_id=r.patient_id,
                db_path=self.db_path,
                speed=r.speed,
                say=self._warn,  # at once: ras run prints its log only once the session runs
            )
        return self.session_id

    def run(
        self,
        *,
        on_started: Callable[[LiveParts], None] | None = None,
        on_tick: Callable[[SessionRunner], None] | None = None,
    ) -> SessionOutcome:
        """Run the session (:meth:`begin` first, if not yet) from its baseline to its end.

        Raises what ends it before it runs (sensors or sound that never came up; the session
        row is then removed); :meth:`SessionOutcome.failed` says it in one line.
        """
        if self.session_id is None:
            self.begin()
        assert self.db_path is not None and self.session_id is not None
        r = self.request
        if self._lsl is not None:  # before time 0, so a recorder gets every event
            self._lsl.wait_for_recorder(stop=self._stop.is_set)
        self.clock = SessionClock(speed=r.speed)
        if self._lsl is not None:
            self._lsl.start(clock=self.clock, bus=self.bus)

        def started(parts: LiveParts) -> None:
            parts.runner.devices = self._devices
            self.parts = parts
            if self._stop.is_set():
                parts.runner.stop(self._stop_reason)
            if on_started is not None:
                on_started(parts)

        def tick(runner: SessionRunner) -> None:
            now = time.perf_counter()
            if self.watch and now - self._last_copy >= SNAPSHOT_S:
                self._last_copy = now
                self._latest = (runner.status(), runner.detail(), runner.tempo_actions_open)
                if runner.music is not None:
                    self._music = runner.music.view()
            if on_tick is not None:
                on_tick(runner)

        try:
            return run_live_session(
                db_path=self.db_path,
                session_id=self.session_id,
                settings=r.settings,
                sensors=r.sensors,
                audio=self.audio,
                clock=self.clock,
                bus=self.bus,
                affected_side=self.affected_side,
                level_dbfs=r.level_dbfs,
                ceiling_dbfs=r.ceiling_dbfs,
                record=self._record,
                on_started=started,
                on_tick=tick,
                songs=self._songs,
            )
        finally:
            if self._lsl is not None:
                self._lsl.close()

    def stop(self, reason: str = "") -> bool:
        """End the session early (thread-safe); the recorder finishes and the data is kept.

        Returns False if the session has not started yet (it stops as soon as it does).
        """
        self._stop_reason = self._stop_reason or reason
        self._stop.set()
        runner = self.runner
        if runner is None:
            return False
        runner.stop(reason)
        return True

    # --- therapist actions --------------------------------------------------------------

    def send(self, action: Action) -> None:
        """Send one therapist action (thread-safe); its result comes with the messages."""
        runner = self.runner
        if runner is None:
            self._refused.put(ActionResult(action, False, "the session has not started yet"))
            return
        runner.submit(action)

    def _devices(self, action: Volume | Plug) -> str:
        """The actions on the session's devices, on the engine thread (see the runner)."""
        parts = self.parts
        assert parts is not None
        if isinstance(action, Volume):
            parts.engine.set_level_dbfs(action.level_dbfs)
            return ""
        if parts.rig is None:
            raise UserInputError("a sensor can be unplugged here only on a virtual patient")
        sensor = getattr(parts.rig, action.side)
        (sensor.replug if action.connected else sensor.unplug)()
        return ""

    # --- what a front-end shows ---------------------------------------------------------

    def results(self) -> list[ActionResult]:
        """What became of the actions sent since the previous call."""
        runner = self.runner
        return drain_queue(self._refused) + (
            drain_queue(runner.results) if runner is not None else []
        )

    def messages(self) -> list[str]:
        """The session's notices since the previous call (phases, tempo changes, warnings)."""
        runner = self.runner
        return drain_queue(self._notes) + (
            drain_queue(runner.messages) if runner is not None else []
        )

    def records(self) -> list[object]:
        """The session's records a front-end shows since the previous call (phases, tempo
        changes, markers, cue states, cue sounds, songs); a live screen gets them in
        :meth:`snapshot` instead."""
        return drain_queue(self._records)

    def _record(self, event: object) -> None:
        if self._lsl is not None:
            self._lsl.put(event)
        shown = (CueModeEvent, SongEvent)  # a status line's log says these
        if self.watch:
            shown += (TempoChangeEvent, MarkerEvent, PhaseEvent, CueStateEvent)
        if isinstance(event, shown):
            self._records.put(event)

    def snapshot(self) -> LiveSnapshot:
        """The session now and what happened since the previous snapshot (any thread)."""
        latest = self._latest
        links: list[LinkEvent] = []
        if self._sub is not None:
            for event in self._sub.drain():
                if isinstance(event, StepEvent):
                    self._step(event)
                elif isinstance(event, SensorStatusEvent):
                    self._battery[event.sensor_id] = event.battery_pct
                elif isinstance(event, LinkEvent):
                    self._link_t_s[event.port] = event.t_s
                    links.append(event)
        now = self.parts.clock.now_s() if self.parts is not None else math.nan
        sensors = self._sensor_views(now)
        readings = (
            live_readings(
                latest[0],
                latest[1],
                sensors=sensors,
                foot_step_age_s={side: now - t for side, t in self._last_ic_t_s.items()},
                stride_length_m=self._strides.stride_length_m_,
                gait_speed_m_per_s=self._strides.gait_speed_m_per_s_,
                stride_age_s=now - self._last_stride_t_s,
            )
            if latest
            else {}
        )
        return LiveSnapshot(
            state="running",
            t_s=now,
            status=latest[0] if latest else None,
            detail=latest[1] if latest else None,
            tempo_actions=latest[2] if latest else False,
            sensors=sensors,
            stride_length_m=self._strides.stride_length_m_,
            gait_speed_m_per_s=self._strides.gait_speed_m_per_s_,
            readings=readings,
            large_jump_pct=self.request.settings.large_jump_pct,
            audio_problem=self._audio_problem(),
            recording_problem=self._recording_problem(),
            records=drain_queue(self._records),
            messages=self.messages(),
            results=self.results(),
            link_events=links,
            music=self._music,
        )

    def _recording_problem(self) -> str:
        recorder = self.parts.recorder if self.parts is not None else None
        return recording_problem(recorder.health()) if recorder is not None else ""

    def _audio_problem(self) -> str:
        engine = self.parts.engine if self.parts is not None else None
        errors = getattr(engine, "callback_errors", 0) if engine is not None else 0
        return f"the sound output failed {errors} times" if errors else ""

    def _step(self, event: StepEvent) -> None:
        """Keep what the figures' ages are measured from: each foot's latest IC and stride."""
        self._strides.update(event=event)
        if event.kind == StepKind.INITIAL_CONTACT:
            self._last_ic_t_s[event.side] = event.t_s
        if event.stride_length_m is not None:
            self._last_stride_t_s = event.t_s

    def _sensor_views(self, now_s: float) -> tuple[SensorView, ...]:
        """Each sensor as a panel shows it; a sensor not connected has no battery or clock
        figure that could be taken for its state now."""
        if self.parts is None:
            return ()
        views = []
        for i, st in enumerate(self.parts.links.stats()):
            side = st.hello.side if st.hello is not None else Side.UNKNOWN
            connected = st.state is LinkState.CONNECTED
            views.append(
                SensorView(
                    name=side.label if st.hello is not None else f"sensor {i + 1}",
                    port=st.port,
                    state=st.state.value if st.state is not None else "connecting",
                    connected=connected,
                    battery_pct=self._battery.get(st.sensor_id)
                    if st.sensor_id and connected
                    else None,
                    lost_frames=st.lost_frames,
                    frames_ok=st.frames_ok,
                    clock_synced=st.clock_synced and connected,
                    clock_residual_ms=st.clock_residual_s * 1e3 if connected else math.nan,
                    reconnects=st.reconnects,
                    steps=st.step_source,
                    side=side,
                    state_age_s=now_s - self._link_t_s.get(st.port, math.nan),
                )
            )
        return tuple(views)

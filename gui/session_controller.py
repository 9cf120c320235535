"""The GUI's handle on one live session, which runs in a child process (no Qt here).

:class:`SessionController` starts :func:`gui.session_engine.run_engine` in a child process
(``spawn``) and talks to it through two queues: the GUI thread posts commands and, from a
timer, calls :meth:`SessionController.poll` for the latest snapshot and everything recorded
since. The engine thus never waits for the GIL while the GUI redraws (see
docs/benchmarks.md). ``in_process=True`` runs the same engine in a thread instead.
"""

from __future__ import annotations

import math
import multiprocessing
import queue
import threading
from dataclasses import dataclass, field
from typing import Any

from gui.session_engine import (
    AUDIO_HELP,
    Outcome,
    SensorView,
    SessionConfig,
    Snapshot,
    run_engine,
)
from ras.events import LinkEvent
from ras.session.runner import LiveDetail, SessionSummary, StatusSnapshot
from ras.store.recorder import RecorderStats

__all__ = [
    "AUDIO_HELP",
    "ActionRecord",
    "LiveState",
    "SensorView",
    "SessionConfig",
    "SessionController",
]


@dataclass(frozen=True)
class ActionRecord:
    """A therapist action as posted (session time, short label)."""

    t_s: float
    label: str


@dataclass
class LiveState:
    """What one poll returns: the latest snapshot plus what happened since the last poll."""

    state: str
    t_s: float = math.nan
    status: StatusSnapshot | None = None
    detail: LiveDetail | None = None
    sensors: tuple[SensorView, ...] = ()
    stride_length_m: float = math.nan
    gait_speed_m_per_s: float = math.nan
    audio_problem: str = ""
    recording_problem: str = ""
    records: list[object] = field(default_factory=list)
    actions: list[ActionRecord] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    link_events: list[LinkEvent] = field(default_factory=list)


class SessionController:
    """Runs one session off the GUI thread; commands in, snapshots out.

    Parameters
    ----------
    config : SessionConfig
    in_process : bool
        Run the engine in a thread of this process instead of a child process.
    """

    def __init__(self, config: SessionConfig, *, in_process: bool = False) -> None:
        self.config = config
        self.in_process = in_process
        self.state = "new"  # new, starting, running, finished, failed
        self.error = ""
        self.error_is_audio = False
        self.session_id: int | None = None
        self.db_path: str | None = None
        self.summary: SessionSummary | None = None
        self.recorder_stats: RecorderStats | None = None
        self.started = False  # the baseline began (a session that never did is not kept)
        self.end_status = ""  # complete, degraded or incomplete once finished
        self.end_reason = ""  # why it is not complete ("" if it is)
        self._latest: Snapshot | None = None
        self._pending = LiveState(state="new")
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._inbox: Any = None
        self._outbox: Any = None
        self._worker: Any = None
        self._reader: threading.Thread | None = None

    # --- lifetime -----------------------------------------------------------------------

    def start(self) -> None:
        """Start the session (returns at once; see :attr:`state`)."""
        self.state = "starting"
        if self.in_process:
            self._inbox, self._outbox = queue.SimpleQueue(), queue.SimpleQueue()
            self._worker = threading.Thread(
                target=run_engine, args=(self.config, self._inbox, self._outbox), daemon=True
            )
        else:
            ctx = multiprocessing.get_context("spawn")
            self._inbox, self._outbox = ctx.Queue(), ctx.Queue()
            self._worker = ctx.Process(
                target=run_engine,
                args=(self.config, self._inbox, self._outbox),
                name="ras-session",
                daemon=True,
            )
        self._worker.start()
        self._reader = threading.Thread(target=self._read, name="ras-gui-reader", daemon=True)
        self._reader.start()

    def stop(self, reason: str = "") -> None:
        """End the session early (``reason`` is recorded, e.g. "ended by SIGTERM"); the
        recorder finishes and the data is kept."""
        self._send("stop", reason)

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait for the session to end (its data written); True if it did."""
        return self._done.wait(timeout_s)

    @property
    def running(self) -> bool:
        return self.state in ("starting", "running")

    def _send(self, *msg: object) -> None:
        if self._inbox is not None and not self._done.is_set():
            self._inbox.put(msg)

    def _read(self) -> None:
        """Reader thread: takes the engine's messages until it is done."""
        while True:
            try:
                msg = self._outbox.get(timeout=0.5)
            except queue.Empty:
                if not self._worker.is_alive():  # died without a word (killed)
                    self._finish(Outcome("failed", "the session process ended unexpectedly"))
                    return
                continue
            if msg[0] == "snap":
                self._take(msg[1])
            elif msg[0] == "started":
                self.session_id, self.db_path = msg[1], msg[2]
                self.state = "running"
            elif msg[0] == "done":
                self._finish(msg[1])
                return

    def _take(self, snap: Snapshot) -> None:
        with self._lock:
            self._latest = snap
            p = self._pending
            p.records += snap.records
            p.messages += snap.messages
            p.link_events += snap.link_events

    def _finish(self, outcome: Outcome) -> None:
        self.summary, self.recorder_stats = outcome.summary, outcome.recorder_stats
        self.error, self.error_is_audio = outcome.error, outcome.error_is_audio
        self.end_status, self.end_reason = outcome.status, outcome.reason
        self.started = outcome.started
        self.state = outcome.state
        if self._worker is not None and not self.in_process:
            self._worker.join(5.0)
        self._done.set()

    # --- commands -----------------------------------------------------------------------

    def _now_s(self) -> float:
        snap = self._latest
        return snap.t_s if snap is not None else math.nan

    def _action(self, label: str) -> None:
        with self._lock:
            self._pending.actions.append(ActionRecord(self._now_s(), label))

    def command(self, text: str, label: str | None = None) -> None:
        """Post a live command (``ras.tempo.commands`` grammar) and note it as an action."""
        self._send("command", text)
        self._action(label or text)

    def set_ramp(self, on: bool) -> None:
        """Start/continue (True) or hold (False) the ramp."""
        self._send("ramp", on)
        self._action("ramp on" if on else "ramp held")

    def set_volume(self, level_dbfs: float) -> None:
        """Cue level in dBFS (the engine clamps it to the ceiling; changes are ramped)."""
        self._send("volume", level_dbfs)
        self._action(f"volume {level_dbfs:.0f} dBFS")

    def unplug(self, side: str) -> None:
        """Virtual patient only: pull one sensor's cable."""
        if self.config.simulate is not None:
            self._send("unplug", side)
            self._action(f"{side} sensor unplugged (simulated)")

    def replug(self, side: str) -> None:
        """Virtual patient only: plug one sensor in again."""
        if self.config.simulate is not None:
            self._send("replug", side)
            self._action(f"{side} sensor replugged (simulated)")

    # --- reading ------------------------------------------------------------------------

    def poll(self) -> LiveState:
        """The latest snapshot and everything recorded or posted since the last poll."""
        with self._lock:
            live, self._pending = self._pending, LiveState(state=self.state)
            snap = self._latest
        live.state = self.state
        if snap is not None:
            live.t_s, live.status, live.detail = snap.t_s, snap.status, snap.detail
            live.sensors, live.stride_length_m = snap.sensors, snap.stride_length_m
            live.gait_speed_m_per_s = snap.gait_speed_m_per_s
            live.audio_problem = snap.audio_problem
            live.recording_problem = snap.recording_problem
        return live

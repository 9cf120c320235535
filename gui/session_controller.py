"""The GUI's handle on one live session, which runs in a child process (no Qt here).

:class:`SessionController` starts :func:`gui.session_engine.run_engine` in a child process
(``spawn``) and talks to it through two queues: the GUI thread posts commands and, from a
timer, calls :meth:`SessionController.poll` for the latest snapshot and everything recorded
since. The engine thus never waits for the GIL while the GUI redraws (see
docs/benchmarks.md). ``in_process=True`` runs the same engine in a thread instead.
"""

from __future__ import annotations

import dataclasses
import math
import multiprocessing
import queue
import threading
from typing import Any

from gui.session_engine import run_engine
from ras.session.actions import Action, Plug, Ramp, Volume
from ras.session.live import SessionOutcome
from ras.session.request import SessionRequest
from ras.session.runner import SessionSummary
from ras.session.snapshot import ActionRecord, LiveSnapshot
from ras.store.recorder import RecorderStats

__all__ = ["AUDIO_HELP", "SessionController"]

#: What to do when the sound output fails, in the GUI's words.
AUDIO_HELP = (
    "Check that the speaker or headphones are plugged in and switched on and that no other"
    " program holds the sound card, then start again; or choose another output in set-up, or"
    " 'none' to run without sound (the cue is then not heard)."
)


class SessionController:
    """Runs one session off the GUI thread; commands in, snapshots out.

    Parameters
    ----------
    request : SessionRequest
    in_process : bool
        Run the engine in a thread of this process instead of a child process.
    """

    def __init__(self, request: SessionRequest, *, in_process: bool = False) -> None:
        self.config = request  # the session request (summary_view reads its patient_id)
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
        self._latest: LiveSnapshot | None = None
        self._pending = LiveSnapshot(state="new")
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
                    ended = SessionOutcome("failed", error="the session process ended unexpectedly")
                    self._finish(ended)
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

    def _take(self, snap: LiveSnapshot) -> None:
        with self._lock:
            self._latest = snap
            p = self._pending
            p.records += snap.records
            p.messages += snap.messages
            p.results += snap.results
            p.link_events += snap.link_events

    def _finish(self, outcome: SessionOutcome) -> None:
        self.summary, self.recorder_stats = outcome.summary, outcome.recorder_stats
        self.error, self.error_is_audio = outcome.error, outcome.error_is_audio
        if outcome.error_is_audio:
            self.error = f"{outcome.error}. {AUDIO_HELP}"
        self.end_status, self.end_reason = outcome.status, outcome.reason
        self.started = outcome.started
        self.state = outcome.state
        if self._worker is not None and not self.in_process:
            self._worker.join(5.0)
        self._done.set()

    # --- actions ----------------------------------------------------------------------

    def _now_s(self) -> float:
        snap = self._latest
        return snap.t_s if snap is not None else math.nan

    def send(self, action: Action, label: str) -> None:
        """Send a therapist action to the session; ``label`` is how the log shows it.

        What became of it comes back with the snapshots (:attr:`LiveSnapshot.results`).
        """
        self._send("action", action)
        with self._lock:
            self._pending.actions.append(ActionRecord(self._now_s(), label))

    def set_ramp(self, on: bool) -> None:
        """Start/continue (True) or hold (False) the ramp."""
        self.send(Ramp(on), "ramp on" if on else "ramp held")

    def set_volume(self, level_dbfs: float) -> None:
        """Cue level in dBFS (the engine clamps it to the ceiling; changes are ramped)."""
        self.send(Volume(level_dbfs), f"volume {level_dbfs:.0f} dBFS")

    def plug(self, side: str, connected: bool) -> None:
        """Virtual patient only: pull one sensor's cable, or plug it in again."""
        how = "replugged" if connected else "unplugged"
        self.send(Plug(side, connected), f"{side} sensor {how} (simulated)")

    # --- reading ------------------------------------------------------------------------

    def poll(self) -> LiveSnapshot:
        """The latest snapshot with everything recorded or posted since the last poll."""
        with self._lock:
            pending, self._pending = self._pending, LiveSnapshot(state=self.state)
            snap = self._latest
        since = {
            "records": pending.records,
            "messages": pending.messages,
            "results": pending.results,
            "link_events": pending.link_events,
            "actions": pending.actions,
        }
        if snap is None:
            return dataclasses.replace(pending, state=self.state)
        return dataclasses.replace(snap, state=self.state, **since)

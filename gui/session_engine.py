"""The GUI's session process: a :class:`~ras.session.host.SessionHost` behind two queues.

It normally runs in a child process (:class:`gui.session_controller.SessionController` starts
it), so the GUI's redraws never hold the GIL the engine needs (docs/benchmarks.md). Everything
about the session itself is the host's; this module only carries messages. No Qt here.

Messages out (tuples): ``("started", session_id, db_path)``, ``("snap", LiveSnapshot)`` every
``SNAPSHOT_S`` real seconds, ``("done", SessionOutcome)``. Messages in: ``("action", Action)``
and ``("stop", reason)``.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

from ras.session.host import SNAPSHOT_S, SessionHost
from ras.session.live import SessionOutcome
from ras.session.request import SessionRequest
from ras.session.signals import SessionSignal, session_signals

__all__ = ["SessionEngine", "run_engine"]


class SessionEngine:
    """One session: reads actions from ``inbox``, puts messages on ``outbox``."""

    def __init__(self, request: SessionRequest, inbox: Any, outbox: Any) -> None:
        self.request = request
        self.inbox = inbox
        self.outbox = outbox
        self.host: SessionHost | None = None
        self._ended = threading.Event()

    def run(self) -> None:
        """Run the session to its end; always finishes with a ``done`` message."""
        try:
            self.host = SessionHost(self.request, watch=True)
        except Exception as err:  # a request the host refuses: said in one line
            self.outbox.put(("done", SessionOutcome.failed(err)))
            return
        host = self.host
        listener = threading.Thread(target=self._listen, name="ras-gui-commands", daemon=True)
        listener.start()
        publisher = threading.Thread(target=self._publish, name="ras-gui-snapshots", daemon=True)
        publisher.start()
        outcome = SessionOutcome("failed")
        try:
            session_id = host.begin()
            self.outbox.put(("started", session_id, host.db_path))
            outcome = host.run()
        except Exception as err:  # shown to the user; the data recorded so far is kept
            outcome = SessionOutcome.failed(err, started=host.parts is not None)
        finally:
            self._ended.set()
            publisher.join()
            self.outbox.put(("done", outcome))

    def _listen(self) -> None:
        """Actions and the stop from the GUI, handed to the host (thread-safe)."""
        assert self.host is not None
        while not self._ended.is_set():
            try:
                msg = self.inbox.get(timeout=0.1)
            except queue.Empty:
                continue
            except (EOFError, OSError):
                return
            if msg[0] == "stop":
                self.host.stop(str(msg[1]) if len(msg) > 1 else "")
            elif msg[0] == "action":
                self.host.send(msg[1])

    def _publish(self) -> None:
        assert self.host is not None
        while not self._ended.wait(SNAPSHOT_S):
            self.outbox.put(("snap", self.host.snapshot()))
        self.outbox.put(("snap", self.host.snapshot()))


def run_engine(request: SessionRequest, inbox: Any, outbox: Any) -> None:
    """Child-process entry point: run one session.

    In its own process (the main thread), SIGTERM and SIGHUP end the session as the GUI's
    stop does, with the signal as the reason: the recorder finishes and the session is closed.
    In a thread (``in_process``) the signals stay with the GUI.
    """
    engine = SessionEngine(request, inbox, outbox)

    def on_signal(sig: SessionSignal) -> bool:
        host = engine.host
        # still starting: raised, and the start is undone
        return host is not None and host.stop(sig.reason)

    with session_signals(on_signal=on_signal):
        engine.run()

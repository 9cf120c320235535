"""The LSL outlet of a live session: a thin wrapper over pylsl, in a thread of its own.

The session host makes it when the session is set up (:meth:`SessionLslOutlet.__init__`: the
streams appear, so a lab's recorder can connect before the baseline), starts it with the
session's clock (:meth:`SessionLslOutlet.start`: the clock map is measured, the bus subscribed
for steps and link changes) and closes it at the end. Records (cues, tempo changes, phases,
...) come through :meth:`SessionLslOutlet.put`, a queue put that never blocks the engine or
the audio clock. A failure of LSL is logged once and said once; the session goes on.
"""

from __future__ import annotations

import ctypes
import logging
import os
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from ras.bus import SessionBus, Subscription, drain_queue
from ras.errors import UserInputError
from ras.events import LinkEvent, StepEvent
from ras.lsl.clock_map import LslClockMap
from ras.lsl.streams import STREAMS, StreamSpec, device_key, metadata, route, session_marker
from ras.lsl.streams import source_id as stream_source_id
from ras.session_clock import SessionClock

__all__ = ["PYLSL_MISSING", "SessionLslOutlet", "load_pylsl"]

log = logging.getLogger(__name__)

#: What a session asked to stream on LSL says when pylsl is not there.
PYLSL_MISSING = (
    "--lsl needs pylsl, which is not installed: pip install 'ras[lsl]' (or pip install pylsl)"
)
#: How often the outlet's thread looks for new events (real s).
POLL_S = 0.02
#: How long the streams stay up after the last sample (real s): pylsl sends in the background,
#: and an outlet released at once could cut the last samples off on their way to the inlets.
LINGER_S = 0.5
#: How long a session waits, before its time 0, for a recorder to connect (real s): LSL keeps no
#: sample sent before an inlet connects, so a recorder started late would miss the first steps.
RECORDER_WAIT_S = 30.0


#: Where liblsl looks for a configuration file (besides $LSLAPICFG), in its order.
LSL_CONFIG_FILES = ("lsl_api.cfg", "~/lsl_api/lsl_api.cfg", "/etc/lsl_api/lsl_api.cfg")
#: The configuration ras gives liblsl when the computer has none: warnings and errors only, so
#: its start-up lines do not interleave with the session's log.
QUIET_CONFIG = "[log]\nlevel = -1\n"


def load_pylsl() -> ModuleType:
    """The pylsl module, or one line saying what to install."""
    try:
        import pylsl
    except (ImportError, OSError, RuntimeError) as err:  # no module, or no liblsl in it
        raise UserInputError(PYLSL_MISSING) from err
    if not os.environ.get("LSLAPICFG") and not any(
        Path(name).expanduser().is_file() for name in LSL_CONFIG_FILES
    ):  # a lab's own configuration (its KnownPeers, its log level) always wins
        try:
            pylsl.lib.lib.lsl_set_config_content(ctypes.c_char_p(QUIET_CONFIG.encode()))
        except Exception:  # an older liblsl without it: it only logs more
            log.debug("liblsl has no lsl_set_config_content", exc_info=True)
    return pylsl


class SessionLslOutlet:
    """One session's LSL streams (:data:`ras.lsl.streams.STREAMS`).

    Parameters
    ----------
    session_id : int
    patient_id : str
        The patient's pseudonym (the only patient fact streamed).
    db_path : str
        The session's database: with the computer, it names the streams' source ids.
    speed : float
        The session clock's speed (session s per real s), for the metadata.
    lsl : module, optional
        pylsl (default: imported here; :class:`UserInputError` if missing).
    say : callable, optional
        Called once with a line when streaming fails (the session goes on).
    """

    def __init__(
        self,
        *,
        session_id: int,
        patient_id: str,
        db_path: str,
        speed: float = 1.0,
        lsl: ModuleType | None = None,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self._lsl = lsl if lsl is not None else load_pylsl()
        self.session_id = session_id
        self.patient_id = patient_id
        self.device = device_key(db_path)
        self.say = say
        self.failed = ""
        self.pushed: Counter[str] = Counter()
        self.clock_map: LslClockMap | None = None
        self._records: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._sub: Subscription | None = None
        self._bus: SessionBus | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._outlets: dict[str, Any] = {}
        facts = metadata(session_id, patient_id, speed)
        try:
            for spec in STREAMS:
                self._outlets[spec.key] = self._lsl.StreamOutlet(self._info(spec, facts))
        except Exception as err:  # any LSL failure: said once, the session goes on
            self._fail(err)
        if not self.failed:
            self._say(self.announcement())

    def announcement(self) -> str:
        """One line naming the streams, for the live log."""
        names = ", ".join(f"'{spec.name}'" for spec in STREAMS)
        return f"LSL: streaming {names} (source ids ras-{self.device}-*)"

    def source_id(self, spec: StreamSpec) -> str:
        """The LSL source id of one of the session's streams."""
        return stream_source_id(self.device, spec)

    def _info(self, spec: StreamSpec, facts: dict[str, str]) -> Any:
        info = self._lsl.StreamInfo(
            spec.name,
            spec.type,
            len(spec.channels),
            self._lsl.IRREGULAR_RATE,
            spec.channel_format,
            self.source_id(spec),
        )
        desc = info.desc()
        for key, value in facts.items():
            desc.append_child_value(key, value)
        desc.append_child_value("about", spec.about)
        channels = desc.append_child("channels")
        for channel in spec.channels:
            node = channels.append_child("channel")
            node.append_child_value("label", channel.label)
            node.append_child_value("unit", channel.unit)
            node.append_child_value("type", channel.kind)
        return info

    # --- the session ------------------------------------------------------------------

    def wait_for_recorder(
        self, timeout_s: float = RECORDER_WAIT_S, stop: Callable[[], bool] = lambda: False
    ) -> bool:
        """Wait until an inlet (LabRecorder recording) is connected to any of the streams,
        at most ``timeout_s`` real s or until ``stop()``; True if one is. Said in the live log.
        """
        if self.failed:
            return False
        try:
            if self._connected():
                return True
            self._say(
                f"LSL: waiting up to {timeout_s:g} s for a recorder to connect (start"
                " LabRecorder's recording with the ras streams now)"
            )
            deadline = time.monotonic() + timeout_s
            while not stop() and time.monotonic() < deadline:
                if self._connected():
                    self._say("LSL: a recorder is connected; the session starts")
                    return True
                time.sleep(0.1)
        except Exception as err:  # any LSL failure: said once, the session goes on
            self._fail(err)
            return False
        self._say("LSL: no recorder connected; the session starts and streams anyway")
        return False

    def _connected(self) -> bool:
        return any(outlet.have_consumers() for outlet in self._outlets.values())

    def _say(self, text: str) -> None:
        if self.say is not None:
            self.say(text)

    def start(self, *, clock: SessionClock, bus: SessionBus) -> None:
        """Map ``clock`` onto the LSL clock, subscribe to ``bus`` and start streaming (call
        before the sensors start, so no step is missed)."""
        self._bus = bus
        self._sub = bus.subscribe("lsl", accept=lambda e: isinstance(e, (StepEvent, LinkEvent)))
        if not self.failed:
            try:
                self.clock_map = LslClockMap.measure(clock, self._lsl.local_clock)
                marker = session_marker(self.session_id, self.patient_id)
                self._push("markers", [marker], 0.0)
            except Exception as err:
                self._fail(err)
        self._thread = threading.Thread(target=self._run, name="lsl-outlet", daemon=True)
        self._thread.start()

    def put(self, event: object) -> None:
        """Stream a session record (any thread; never blocks: a queue put)."""
        self._records.put(event)

    def close(self, timeout_s: float = 5.0) -> None:
        """Stream what is still queued, then end the streams (the session's end)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        if self._bus is not None and self._sub is not None:
            self._bus.unsubscribe(self._sub)
        if self._outlets and not self.failed:
            time.sleep(LINGER_S)
        self._outlets.clear()  # pylsl ends a stream when its outlet is released

    def _run(self) -> None:
        while True:
            stopping = self._stop.is_set()
            steps = self._sub.drain() if self._sub is not None else []
            events = steps + drain_queue(self._records)
            for event in events:
                self.push(event)
            if stopping:
                return
            self._stop.wait(POLL_S)

    def push(self, event: object) -> None:
        """Stream one event now, on the stream that carries it (outlet thread)."""
        if self.failed:
            return
        routed = route(event)
        if routed is None:
            return
        spec, sample, t_s = routed
        try:
            self._push(spec.key, sample, t_s)
        except Exception as err:
            self._fail(err)

    def _push(self, key: str, sample: list[Any], t_s: float) -> None:
        assert self.clock_map is not None
        self._outlets[key].push_sample(sample, self.clock_map.lsl_s(t_s))
        self.pushed[key] += 1

    def _fail(self, err: BaseException) -> None:
        if self.failed:
            return
        self.failed = f"LSL streaming stopped ({type(err).__name__}: {err}); the session goes on"
        log.warning("%s", self.failed)
        self._say(self.failed)

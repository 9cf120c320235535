"""A tiny fake sensor on a real pty, and a helper to wait for bus events (link tests)."""

from __future__ import annotations

import os
import select
import threading
import tty

from ras.bus import Subscription
from ras.protocol import (
    Capability,
    Hello,
    Pong,
    Side,
    Step,
    StepKind,
    StreamDecoder,
    encode_frame,
    sensor_reply,
)
from ras.session_clock import SessionClock

WAIT_S = 10.0  # real seconds before a wait gives up (a failure guard, not a timing threshold)


class FakeSensor:
    """Speaks the wire protocol on the master side of a pty.

    Its device clock runs ``drift_ppm`` fast: device time (us, u32) at session time ``t_s`` is
    ``boot_us + (t_s - boot_t_s) * (1 + drift_ppm * 1e-6) * 1e6``.
    """

    def __init__(
        self,
        clock: SessionClock,
        *,
        sensor_id: int = 7,
        side: Side = Side.LEFT,
        drift_ppm: float = 0.0,
        boot_us: int = 1_000_000,
        answer: bool = True,
        answer_pings: bool = True,
    ) -> None:
        self.clock = clock
        caps = Capability.STEPS | (Capability.PING if answer_pings else 0)
        self.hello = Hello(sensor_id, side, (1, 2, 3), "FAKE6", 100, 16, 2000, caps)
        self.drift_ppm = drift_ppm
        self.answer = answer
        self.answer_pings = answer_pings
        self.seq = 0
        self.boot_us = boot_us
        self.boot_t_s = clock.now_s()
        self.pongs = 0
        self._lock = threading.Lock()
        self._master = self._slave = -1
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.plug()

    # -- device --------------------------------------------------------------------------------

    def device_us(self, t_s: float | None = None) -> int:
        """Unwrapped device time (us) at session time ``t_s`` (default now)."""
        t_s = self.clock.now_s() if t_s is None else t_s
        return self.boot_us + round((t_s - self.boot_t_s) * (1 + self.drift_ppm * 1e-6) * 1e6)

    def send(self, message, *, lost: bool = False) -> None:
        """Send a frame now (``lost``: use up a sequence number but write nothing)."""
        with self._lock:
            data = encode_frame(message, self.seq, self.device_us() & 0xFFFFFFFF)
            self.seq = (self.seq + 1) & 0xFFFF
            if not lost and self._master >= 0:
                os.write(self._master, data)

    def step(self, t_s: float, index: int, *, lost: bool = False) -> None:
        """Report an initial contact that happened at session time ``t_s``."""
        event_us = self.device_us(t_s)
        latency_us = max(self.device_us() - event_us, 0)
        msg = Step(StepKind.INITIAL_CONTACT, event_us & 0xFFFFFFFF, latency_us, index)
        self.send(msg, lost=lost)

    def reboot(self, boot_us: int = 500) -> None:
        """Restart: sequence and device clock from (near) 0, HELLO first."""
        with self._lock:
            self.seq = 0
            self.boot_us = boot_us
            self.boot_t_s = self.clock.now_s()
        self.send(self.hello)

    # -- pty -----------------------------------------------------------------------------------

    @property
    def path(self) -> str:
        return os.ttyname(self._slave)

    def plug(self) -> None:
        """A new pty (a new path), served by a new thread."""
        master, slave = os.openpty()
        tty.setraw(slave)
        self._master, self._slave = master, slave
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(master, self._stop), daemon=True)
        self._thread.start()

    def unplug(self) -> None:
        """Close the pty: the host sees the device vanish."""
        self._stop.set()
        self._thread.join()
        with self._lock:
            os.close(self._master)
            os.close(self._slave)
            self._master = self._slave = -1

    def _serve(self, master: int, stop: threading.Event) -> None:
        decoder = StreamDecoder()
        while not stop.is_set():
            ready, _, _ = select.select([master], [], [], 0.01)
            if not ready:
                continue
            try:
                data = os.read(master, 4096)
            except OSError:  # nobody has the slave open at the moment
                stop.wait(0.01)
                continue
            rx_us = self.device_us()
            for frame in decoder.feed(data):
                reply = sensor_reply(frame.message, self.hello, rx_us & 0xFFFFFFFF)
                if not self.answer or reply is None:
                    continue
                if not isinstance(reply, Pong):
                    self.send(reply)
                elif self.answer_pings:
                    self.send(reply)
                    self.pongs += 1


def wait_for(sub: Subscription, predicate, timeout_s: float = WAIT_S) -> list:
    """Events from ``sub`` up to and including the first that satisfies ``predicate``."""
    seen = []
    while True:
        event = sub.get(timeout_s)
        if event is None:
            raise AssertionError(f"gave up waiting; saw {seen[-5:]}")
        seen.append(event)
        if predicate(event):
            return seen

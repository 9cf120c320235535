"""socket:// works like a serial port: a sensor behind a TCP socket (e.g. a Wi-Fi bridge)."""

from __future__ import annotations

import select
import socket
import threading
import time

from ras.bus import SessionBus
from ras.events import LinkEvent, LinkState, StepEvent
from ras.link.serial_link import SensorLink
from ras.protocol import (
    Capability,
    Hello,
    Side,
    Step,
    StepKind,
    StreamDecoder,
    encode_frame,
    sensor_reply,
)
from ras.session_clock import SessionClock

GUARD_S = 20.0  # a hang guard, not a timing threshold


class TcpSensor:
    """A sensor on 127.0.0.1 that answers HELLO_REQUEST and PING and sends STEP frames."""

    def __init__(self, clock: SessionClock) -> None:
        self.clock = clock
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.seq = 0
        self.conn: socket.socket | None = None
        self.steps_sent: list[tuple[int, float]] = []  # (seq, event session time)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve)
        self._thread.start()

    def device_us(self, t_s: float) -> int:
        return round((t_s + 5.0) * 1e6) & 0xFFFFFFFF  # device booted 5 s before

    def _send(self, message, t_us: int) -> None:
        with self._lock:
            assert self.conn is not None
            self.conn.sendall(encode_frame(message, self.seq, t_us, leading_delimiter=True))
            self.seq += 1

    def send_step(self) -> None:
        now_s = self.clock.now_s()
        event_s = now_s - 0.1
        with self._lock:
            seq = self.seq
        self._send(
            Step(StepKind.INITIAL_CONTACT, self.device_us(event_s), 100_000),
            self.device_us(now_s),
        )
        self.steps_sent.append((seq, event_s))

    def _serve(self) -> None:
        self.server.settimeout(0.1)
        while not self._stop.is_set() and self.conn is None:
            try:
                self.conn, _ = self.server.accept()
            except TimeoutError:
                continue
        decoder = StreamDecoder()
        hello = Hello(0xC0FFEE, Side.RIGHT, (1, 0, 0), "TCP", 0, 16, 2000, Capability.PING)
        while not self._stop.is_set() and self.conn is not None:
            readable, _, _ = select.select([self.conn], [], [], 0.05)
            if not readable:
                continue
            try:
                self._answer(decoder, hello)
            except OSError:  # the host closed the connection (end of the test)
                return

    def _answer(self, decoder: StreamDecoder, hello: Hello) -> None:
        assert self.conn is not None
        data = self.conn.recv(4096)
        if not data:
            raise ConnectionResetError("host closed")
        rx_us = self.device_us(self.clock.now_s())
        for frame in decoder.feed(data):
            reply = sensor_reply(frame.message, hello, rx_us)
            if reply is not None:
                self._send(reply, self.device_us(self.clock.now_s()))

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        if self.conn is not None:
            self.conn.close()
        self.server.close()


def test_a_sensor_behind_socket_url_delivers_steps_on_the_session_clock():
    clock = SessionClock()
    bus = SessionBus()
    sub = bus.subscribe("t")
    sensor = TcpSensor(clock)
    link = SensorLink(f"socket://127.0.0.1:{sensor.port}", bus, clock, ping_interval_s=0.1)
    try:
        link.start()
        deadline = time.monotonic() + GUARD_S
        while not link.stats().clock_synced:
            assert time.monotonic() < deadline, "never synced"
            time.sleep(0.05)
        for _ in range(5):
            sensor.send_step()
            time.sleep(0.05)
        steps: list[StepEvent] = []
        events = []
        while len(steps) < 5:
            assert time.monotonic() < deadline, f"only {len(steps)} steps arrived"
            event = sub.get(timeout_s=0.1)
            if event is not None:
                events.append(event)
                if isinstance(event, StepEvent):
                    steps.append(event)
    finally:
        link.close()
        sensor.close()
    assert any(isinstance(e, LinkEvent) and e.state == LinkState.CONNECTED for e in events)
    truth = dict(sensor.steps_sent)
    assert [s.seq for s in steps] == [seq for seq, _ in sensor.steps_sent]
    assert all(s.side == Side.RIGHT and s.sensor_id == 0xC0FFEE for s in steps)
    # the mapped times agree with the sensor's truth within the error bound each step carries
    # (clock sync's own estimate, from the round trips it measured: load makes it wider, not
    # wrong)
    for s in steps:
        assert abs(s.t_s - truth[s.seq]) <= s.clock_error_s, (s.seq, s.t_s - truth[s.seq])

"""Shared helpers for the ras.sim tests: a minimal host that reads a virtual sensor's port."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import serial

from ras.protocol import Frame, StreamDecoder, encode_frame
from ras.protocol.messages import HelloRequest, Message

#: Guard against a hung test only; no test asserts on how long anything takes.
HANG_GUARD_REAL_S = 30.0


class Host:
    """Opens a port with pyserial and decodes frames, like the real link will."""

    def __init__(self, port: str) -> None:
        self.serial = serial.serial_for_url(port, timeout=0.01)
        self.decoder = StreamDecoder()
        self.frames: list[Frame] = []
        self._seq = 0
        # like the real link: announce ourselves, so a sensor that waits for its host sends
        self.send(HelloRequest())

    def send(self, message: Message) -> None:
        self.serial.write(encode_frame(message, self._seq, 0, leading_delimiter=True))
        self._seq += 1

    def poll(self) -> list[Frame]:
        new = self.decoder.feed(self.serial.read(4096))
        self.frames += new
        return new

    def read_until(self, done: Callable[[Frame], bool]) -> Frame:
        """Read until a frame satisfies ``done``; return it."""
        deadline = time.monotonic() + HANG_GUARD_REAL_S
        while time.monotonic() < deadline:
            for frame in self.poll():
                if done(frame):
                    return frame
        raise AssertionError("no such frame arrived")

    def close(self) -> None:
        self.serial.close()


@pytest.fixture
def open_host():
    """Factory ``open_host(port) -> Host``; every Host is closed at teardown."""
    hosts: list[Host] = []

    def _open(port: str) -> Host:
        host = Host(port)
        hosts.append(host)
        return host

    yield _open
    for host in hosts:
        host.close()

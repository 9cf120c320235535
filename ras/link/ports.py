"""Serial ports: open with one-line errors, list them, and ask which ones are ras sensors."""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import serial
import serial.tools.list_ports

from ras.errors import UserInputError
from ras.protocol.decoder import StreamDecoder
from ras.protocol.frame import encode_frame
from ras.protocol.messages import Hello, HelloRequest

__all__ = [
    "DEFAULT_BAUDRATE",
    "DeviceInfo",
    "PortInfo",
    "describe_devices",
    "list_ports",
    "open_port",
    "probe",
]

DEFAULT_BAUDRATE = 115200


@dataclass(frozen=True, slots=True)
class PortInfo:
    """A serial port the operating system lists."""

    device: str
    description: str = ""
    hwid: str = ""


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """A port and, if it answered as a ras sensor, its HELLO (for ``ras devices``)."""

    port: str
    description: str = ""
    hello: Hello | None = None
    error: str = ""

    @property
    def is_sensor(self) -> bool:
        return self.hello is not None

    def as_dict(self) -> dict[str, object]:
        """Plain data for printing or JSON."""
        h = self.hello
        d: dict[str, object] = {"port": self.port, "description": self.description}
        if h is not None:
            d.update(
                sensor_id=h.sensor_id,
                side=h.side.label,
                firmware=".".join(str(v) for v in h.firmware_version),
                imu=h.imu_model,
                sample_rate_hz=h.sample_rate_hz,
            )
        if self.error:
            d["error"] = self.error
        return d


def _is_url(url: str) -> bool:
    return "://" in url


def _open_error(url: str, err: Exception) -> UserInputError:
    code = getattr(err, "errno", None)
    if code is None and isinstance(err.__context__, OSError):
        code = err.__context__.errno
    if code == errno.ENOENT or (
        not _is_url(url) and url.startswith("/") and not os.path.exists(url)
    ):
        reason = "does not exist (see `ras devices`)"
    elif code in (errno.EACCES, errno.EPERM):
        reason = "is not accessible: permission denied (on Linux, join the 'dialout' group)"
    elif code == errno.EBUSY or "lock" in str(err).lower():
        reason = "is busy (opened by another program?)"
    else:
        reason = (
            f"could not be opened: {str(err).splitlines()[0] if str(err) else type(err).__name__}"
        )
    return UserInputError(f"serial port {url} {reason}")


def open_port(
    url: str, *, baudrate: int = DEFAULT_BAUDRATE, timeout_s: float = 0.02
) -> serial.SerialBase:
    """Open a port path or pyserial URL for reading and writing.

    Raises
    ------
    UserInputError
        One line naming the port and why it cannot be opened.
    """
    kwargs: dict[str, object] = {"baudrate": baudrate, "timeout": timeout_s, "write_timeout": 1.0}
    if os.name == "posix" and not _is_url(url):
        kwargs["exclusive"] = True
    try:
        return serial.serial_for_url(url, **kwargs)
    except (serial.SerialException, OSError, ValueError) as err:
        raise _open_error(url, err) from None


def list_ports() -> list[PortInfo]:
    """Serial ports the operating system lists (virtual ptys are not among them)."""
    return [
        PortInfo(p.device, p.description or "", p.hwid or "")
        for p in sorted(serial.tools.list_ports.comports(), key=lambda p: p.device)
    ]


def probe(url: str, timeout_s: float = 1.0, *, baudrate: int = DEFAULT_BAUDRATE) -> Hello | None:
    """Ask a port whether a ras sensor is there: its HELLO, or None.

    Sends HELLO_REQUEST and waits up to ``timeout_s`` real seconds for a HELLO (sensors also send
    one every few seconds). Raises :class:`UserInputError` only when the port cannot be opened.
    """
    ser = open_port(url, baudrate=baudrate, timeout_s=0.02)
    decoder = StreamDecoder()
    deadline = time.monotonic() + timeout_s
    try:
        ser.write(encode_frame(HelloRequest(), 0, 0, leading_delimiter=True))
        while time.monotonic() < deadline:
            for frame in decoder.feed(ser.read(max(1, ser.in_waiting))):
                if isinstance(frame.message, Hello):
                    return frame.message
    except (serial.SerialException, OSError):
        return None
    finally:
        ser.close()
    return None


def describe_devices(
    extra_urls: Iterable[str] = (),
    *,
    timeout_s: float = 1.0,
    probe_ports: bool = True,
    include_listed: bool = True,
) -> list[DeviceInfo]:
    """Listed ports plus ``extra_urls``, each probed for a ras sensor (for ``ras devices``).

    Ports are probed in parallel (about ``timeout_s`` in all). Never raises for a port that cannot
    be opened or is not a sensor: its ``error`` says why.
    """
    ports = [(p.device, p.description) for p in list_ports()] if include_listed else []
    ports += [(u, "") for u in extra_urls if u not in {d for d, _ in ports}]

    def describe(port: tuple[str, str]) -> DeviceInfo:
        device, description = port
        hello, error = None, ""
        if probe_ports:
            try:
                hello = probe(device, timeout_s)
            except UserInputError as err:
                error = str(err)
        return DeviceInfo(device, description, hello, error)

    if not ports:
        return []
    with ThreadPoolExecutor(max_workers=min(len(ports), 16)) as pool:
        return list(pool.map(describe, ports))

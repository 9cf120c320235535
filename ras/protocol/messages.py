"""Messages of the ras wire protocol (docs/protocol.md) and their payload codecs.

All integers are little-endian. Device times are u32 microseconds that wrap every 2**32 us
(about 71.6 min). Payload layouts are fixed per message type; a payload of the wrong length is
rejected by the decoder.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from ras.errors import UserInputError

__all__ = [
    "HEADER",
    "MAX_IMU_SAMPLES",
    "MAX_PAYLOAD_BYTES",
    "PROTOCOL_VERSION",
    "Capability",
    "Hello",
    "HelloRequest",
    "Imu",
    "Message",
    "MsgType",
    "PayloadError",
    "Ping",
    "Pong",
    "Side",
    "Status",
    "StatusFlag",
    "Step",
    "StepFlag",
    "StepKind",
    "decode_payload",
    "encode_payload",
    "sensor_reply",
]

PROTOCOL_VERSION = 1
#: Frame header: protocol version u8, message type u8, sequence u16, device time u32 (us).
HEADER = struct.Struct("<BBHI")
MAX_PAYLOAD_BYTES = 240
#: Largest IMU batch that fits a payload: 7 header bytes + 12 bytes per sample.
MAX_IMU_SAMPLES = (MAX_PAYLOAD_BYTES - 7) // 12


class PayloadError(ValueError):
    """A payload does not match its message type's layout."""


class MsgType(IntEnum):
    """Message type byte. Sensor-to-host types are < 0x80, host-to-sensor types >= 0x80."""

    HELLO = 0x01
    STEP = 0x02
    IMU = 0x03
    STATUS = 0x04
    PONG = 0x05
    PING = 0x81
    HELLO_REQUEST = 0x82


class Side(IntEnum):
    """Which foot a sensor is worn on (the HELLO byte; also how the store keeps it)."""

    UNKNOWN = 0
    LEFT = 1
    RIGHT = 2

    @property
    def label(self) -> str:
        """Lower-case name: ``"left"``, ``"right"`` or ``"unknown"``."""
        return self.name.lower()

    @classmethod
    def from_text(cls, text: str | Side | None, what: str = "side") -> Side:
        """The side a user named: ``left``/``l``, ``right``/``r``, ``none`` (or None) for
        UNKNOWN, any case; a Side is returned as it is.

        Raises
        ------
        UserInputError
            One line naming ``what`` and the choices, for any other text.
        """
        if isinstance(text, Side):
            return text
        if text is None:
            return cls.UNKNOWN
        side = _SIDE_WORDS.get(text.strip().lower()) if isinstance(text, str) else None
        if side is None:
            raise UserInputError(f"unknown {what} {text!r}; choose one of: left, right, none")
        return side

    @classmethod
    def from_stored(cls, value: int) -> Side:
        """The side of a stored integer (a database column or a structured array's field)."""
        return cls(int(value))


#: Words :meth:`Side.from_text` understands.
_SIDE_WORDS = {
    "left": Side.LEFT,
    "l": Side.LEFT,
    "right": Side.RIGHT,
    "r": Side.RIGHT,
    "none": Side.UNKNOWN,
    "unknown": Side.UNKNOWN,
}


class StepKind(IntEnum):
    """Gait event kinds a sensor reports."""

    INITIAL_CONTACT = 1
    TOE_OFF = 2
    MID_SWING = 3
    MID_STANCE = 4


class StepFlag:
    """Bits of ``Step.flags``: which per-stride figures are valid."""

    STRIDE_TIME = 0x01
    STANCE_TIME = 0x02
    STRIDE_LENGTH = 0x04
    CLEARANCE = 0x08


class Capability:
    """Bits of ``Hello.capabilities``."""

    STEPS = 0x01
    IMU_STREAM = 0x02
    STRIDE_FIGURES = 0x04
    PING = 0x08


class StatusFlag:
    """Bits of ``Status.flags``."""

    CHARGING = 0x01
    IMU_FAULT = 0x02
    LOW_BATTERY = 0x04


_HELLO = struct.Struct("<B3BIB16sHBHB")
_STEP = struct.Struct("<BIIHBIIHH")
_IMU_HEAD = struct.Struct("<IHB")
_STATUS = struct.Struct("<HBBIII")
_PING = struct.Struct("<I")
_PONG = struct.Struct("<II")


@dataclass(frozen=True, slots=True)
class Hello:
    """Sent by a sensor at boot, on HELLO_REQUEST, and every few seconds.

    Ranges are full scale: a raw IMU value ``v`` means ``v / 32768 * range``.
    """

    sensor_id: int
    side: Side
    firmware_version: tuple[int, int, int] = (0, 1, 0)
    imu_model: str = ""
    sample_rate_hz: int = 0
    acc_range_g: int = 16
    gyr_range_dps: int = 2000
    capabilities: int = Capability.STEPS | Capability.PING
    protocol_version: int = PROTOCOL_VERSION

    msg_type = MsgType.HELLO


@dataclass(frozen=True, slots=True)
class Step:
    """A gait event detected on the sensor.

    ``event_t_us`` is the device time of the event; ``latency_us`` the time from the event to the
    frame's emission (so the frame header's time equals ``event_t_us + latency_us`` mod 2**32).
    Per-stride figures are valid only where their bit is set in ``flags``.
    """

    kind: StepKind
    event_t_us: int
    latency_us: int = 0
    stride_index: int = 0
    flags: int = 0
    stride_time_us: int = 0
    stance_time_us: int = 0
    stride_length_mm: int = 0
    clearance_mm: int = 0

    msg_type = MsgType.STEP


@dataclass(frozen=True, slots=True, eq=False)
class Imu:
    """A batch of raw IMU samples; sample ``i`` was taken at ``first_t_us + i * 1e6 / rate``.

    ``samples`` is an int16 array of shape (n, 6): acc x, y, z, gyr x, y, z in the foot frame
    (x forward, y left, z up), scaled by the ranges given in HELLO.
    """

    first_t_us: int
    sample_rate_hz: int
    samples: np.ndarray = field(repr=False)

    msg_type = MsgType.IMU

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Imu)
            and self.first_t_us == other.first_t_us
            and self.sample_rate_hz == other.sample_rate_hz
            and np.array_equal(self.samples, other.samples)
        )

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Status:
    """Sensor health, sent about once a second. Counters are cumulative since boot (u32)."""

    battery_mv: int
    battery_pct: int = 255  # 255 = unknown
    flags: int = 0
    dropped_samples: int = 0
    dropped_frames: int = 0
    rx_errors: int = 0

    msg_type = MsgType.STATUS


@dataclass(frozen=True, slots=True)
class Ping:
    """Host to sensor: clock-sync probe; the sensor answers with PONG at once."""

    ping_id: int

    msg_type = MsgType.PING


@dataclass(frozen=True, slots=True)
class Pong:
    """Sensor to host: answer to PING. ``rx_t_us`` is the device time the PING arrived;
    the frame header's time is the device time the PONG was sent."""

    ping_id: int
    rx_t_us: int

    msg_type = MsgType.PONG


@dataclass(frozen=True, slots=True)
class HelloRequest:
    """Host to sensor: please send HELLO now (used to identify a port)."""

    msg_type = MsgType.HELLO_REQUEST


Message = Hello | Step | Imu | Status | Ping | Pong | HelloRequest


def encode_payload(message: Message) -> bytes:
    """Payload bytes of ``message`` (without header and CRC)."""
    t = message.msg_type
    if t is MsgType.STEP:
        m = message
        return _STEP.pack(
            int(m.kind),
            m.event_t_us & 0xFFFFFFFF,
            m.latency_us,
            m.stride_index & 0xFFFF,
            m.flags,
            m.stride_time_us,
            m.stance_time_us,
            m.stride_length_mm,
            m.clearance_mm,
        )
    if t is MsgType.IMU:
        samples = np.asarray(message.samples)
        if samples.ndim != 2 or samples.shape[1] != 6 or len(samples) > MAX_IMU_SAMPLES:
            raise PayloadError(f"IMU samples must have shape (n <= {MAX_IMU_SAMPLES}, 6)")
        head = _IMU_HEAD.pack(message.first_t_us & 0xFFFFFFFF, message.sample_rate_hz, len(samples))
        return head + samples.astype("<i2", copy=False).tobytes()
    if t is MsgType.HELLO:
        m = message
        model = m.imu_model.encode("ascii", "replace")[:16]
        return _HELLO.pack(
            m.protocol_version,
            *m.firmware_version,
            m.sensor_id,
            int(m.side),
            model,
            m.sample_rate_hz,
            m.acc_range_g,
            m.gyr_range_dps,
            m.capabilities,
        )
    if t is MsgType.STATUS:
        m = message
        return _STATUS.pack(
            m.battery_mv,
            m.battery_pct,
            m.flags,
            m.dropped_samples & 0xFFFFFFFF,
            m.dropped_frames & 0xFFFFFFFF,
            m.rx_errors & 0xFFFFFFFF,
        )
    if t is MsgType.PING:
        return _PING.pack(message.ping_id & 0xFFFFFFFF)
    if t is MsgType.PONG:
        return _PONG.pack(message.ping_id & 0xFFFFFFFF, message.rx_t_us & 0xFFFFFFFF)
    if t is MsgType.HELLO_REQUEST:
        return b""
    raise PayloadError(f"cannot encode message type {t!r}")


def sensor_reply(message: Message, hello: Hello, rx_t_us: int) -> Pong | Hello | None:
    """What a sensor answers to a message from the host, as firmware does.

    Parameters
    ----------
    message
        The decoded host message.
    hello
        The sensor's HELLO, sent back for a HELLO_REQUEST.
    rx_t_us
        Device time the message arrived, us; a PONG carries it back.

    Returns
    -------
    Pong | Hello | None
        PONG for a PING, ``hello`` for a HELLO_REQUEST, None for anything else.
    """
    if isinstance(message, Ping):
        return Pong(message.ping_id, rx_t_us)
    if isinstance(message, HelloRequest):
        return hello
    return None


def _need(payload: bytes, size: int, name: str) -> None:
    if len(payload) != size:
        raise PayloadError(f"{name} payload must be {size} bytes, got {len(payload)}")


def decode_payload(msg_type: int, payload: bytes) -> Message:
    """Decode the payload of a message of type ``msg_type``.

    Raises
    ------
    PayloadError
        If the length or a field value does not fit the type.
    KeyError
        If ``msg_type`` is not a known type.
    """
    if msg_type == MsgType.STEP:
        _need(payload, _STEP.size, "STEP")
        kind, ev, lat, idx, flags, st, stance, length, clear = _STEP.unpack(payload)
        try:
            kind = StepKind(kind)
        except ValueError:
            raise PayloadError(f"STEP kind {kind} is not one of 1..4") from None
        return Step(kind, ev, lat, idx, flags, st, stance, length, clear)
    if msg_type == MsgType.IMU:
        if len(payload) < _IMU_HEAD.size:
            raise PayloadError("IMU payload shorter than its header")
        first, rate, n = _IMU_HEAD.unpack_from(payload)
        _need(payload, _IMU_HEAD.size + 12 * n, "IMU")
        samples = np.frombuffer(payload, dtype="<i2", offset=_IMU_HEAD.size).reshape(n, 6)
        return Imu(first, rate, samples)
    if msg_type == MsgType.HELLO:
        _need(payload, _HELLO.size, "HELLO")
        pv, fa, fb, fc, sid, side, model, rate, acc, gyr, caps = _HELLO.unpack(payload)
        try:
            side = Side(side)
        except ValueError:
            raise PayloadError(f"HELLO side {side} is not one of 0..2") from None
        name = model.rstrip(b"\x00").decode("ascii", "replace")
        return Hello(sid, side, (fa, fb, fc), name, rate, acc, gyr, caps, pv)
    if msg_type == MsgType.STATUS:
        _need(payload, _STATUS.size, "STATUS")
        return Status(*_STATUS.unpack(payload))
    if msg_type == MsgType.PONG:
        _need(payload, _PONG.size, "PONG")
        return Pong(*_PONG.unpack(payload))
    if msg_type == MsgType.PING:
        _need(payload, _PING.size, "PING")
        return Ping(*_PING.unpack(payload))
    if msg_type == MsgType.HELLO_REQUEST:
        _need(payload, 0, "HELLO_REQUEST")
        return HelloRequest()
    raise KeyError(msg_type)

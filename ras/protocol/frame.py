"""Frames of the ras wire protocol: header + payload + CRC, COBS-encoded, 0x00-terminated."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from ras.protocol.cobs import CobsError, cobs_decode, cobs_encode, max_encoded_length
from ras.protocol.crc import crc16_ccitt_false
from ras.protocol.messages import (
    HEADER,
    MAX_PAYLOAD_BYTES,
    PROTOCOL_VERSION,
    Message,
    PayloadError,
    decode_payload,
    encode_payload,
)

__all__ = [
    "MAX_ENCODED_FRAME_BYTES",
    "MAX_FRAME_BYTES",
    "MIN_FRAME_BYTES",
    "Frame",
    "FrameError",
    "decode_frame",
    "encode_frame",
]

_CRC = struct.Struct("<H")
MIN_FRAME_BYTES = HEADER.size + _CRC.size
MAX_FRAME_BYTES = HEADER.size + MAX_PAYLOAD_BYTES + _CRC.size
#: Longest COBS block a receiver must accept (delimiter excluded).
MAX_ENCODED_FRAME_BYTES = max_encoded_length(MAX_FRAME_BYTES)


class FrameError(ValueError):
    """A frame is damaged or not understood; ``reason`` names the decoder counter it feeds."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame.

    Attributes
    ----------
    seq : int
        Sender's u16 sequence number.
    t_us : int
        Sender's u32 device time (us) when the frame was built.
    message : Message
        The decoded payload.
    """

    seq: int
    t_us: int
    message: Message
    version: int = PROTOCOL_VERSION

    @property
    def msg_type(self) -> int:
        return int(self.message.msg_type)


def encode_frame(
    message: Message, seq: int, t_us: int, *, leading_delimiter: bool = False
) -> bytes:
    """Wire bytes of one frame, ending in the 0x00 delimiter.

    ``leading_delimiter`` also puts 0x00 before the frame, so that damage to the previous frame
    can never spill into this one (receivers ignore empty frames).
    """
    payload = encode_payload(message)
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise PayloadError(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD_BYTES}")
    body = (
        HEADER.pack(PROTOCOL_VERSION, int(message.msg_type), seq & 0xFFFF, t_us & 0xFFFFFFFF)
        + payload
    )
    body += _CRC.pack(crc16_ccitt_false(body))
    wire = cobs_encode(body) + b"\x00"
    return b"\x00" + wire if leading_delimiter else wire


def decode_frame(block: bytes | bytearray | memoryview) -> Frame:
    """Decode one COBS block (between delimiters) into a :class:`Frame`.

    Raises
    ------
    FrameError
        With ``reason`` one of ``cobs``, ``short``, ``crc``, ``version``, ``unknown_type``,
        ``bad_payload``.
    """
    try:
        body = cobs_decode(block)
    except CobsError as err:
        raise FrameError("cobs", str(err)) from None
    if len(body) < MIN_FRAME_BYTES:
        raise FrameError("short", f"frame of {len(body)} bytes is shorter than {MIN_FRAME_BYTES}")
    (crc,) = _CRC.unpack_from(body, len(body) - 2)
    if crc16_ccitt_false(memoryview(body)[:-2]) != crc:
        raise FrameError("crc", "CRC mismatch")
    version, msg_type, seq, t_us = HEADER.unpack_from(body)
    if version != PROTOCOL_VERSION:
        raise FrameError("version", f"protocol version {version}, expected {PROTOCOL_VERSION}")
    try:
        message = decode_payload(msg_type, body[HEADER.size : -2])
    except KeyError:
        raise FrameError("unknown_type", f"unknown message type 0x{msg_type:02x}") from None
    except PayloadError as err:
        raise FrameError("bad_payload", str(err)) from None
    return Frame(seq, t_us, message, version)

"""Consistent Overhead Byte Stuffing (COBS), the framing of the ras wire protocol.

A COBS-encoded block contains no 0x00 byte, so 0x00 delimits frames on the wire.
Encoding adds one byte per started 254 bytes of input.
"""

from __future__ import annotations

__all__ = ["CobsError", "cobs_decode", "cobs_encode", "max_encoded_length"]


class CobsError(ValueError):
    """The bytes are not a valid COBS block."""


def max_encoded_length(n_bytes: int) -> int:
    """Longest COBS encoding of ``n_bytes`` input bytes, without the delimiter."""
    return n_bytes + n_bytes // 254 + 1


def cobs_encode(data: bytes) -> bytes:
    """Encode ``data`` so that the result contains no 0x00 byte (no delimiter appended)."""
    out = bytearray()
    code_index = 0
    out.append(0)  # placeholder for the first code byte
    code = 1
    for byte in data:
        if byte == 0:
            out[code_index] = code
            code_index = len(out)
            out.append(0)
            code = 1
        else:
            out.append(byte)
            code += 1
            if code == 0xFF:
                out[code_index] = code
                code_index = len(out)
                out.append(0)
                code = 1
    out[code_index] = code
    return bytes(out)


def cobs_decode(block: bytes | bytearray | memoryview) -> bytes:
    """Decode one COBS block (delimiter already removed).

    Raises
    ------
    CobsError
        If the block is empty, contains 0x00, or a code byte points past its end.
    """
    block = bytes(block)
    n = len(block)
    if n == 0:
        raise CobsError("empty COBS block")
    if 0 in block:
        raise CobsError("zero byte inside a COBS block")
    out = bytearray()
    i = 0
    while True:
        code = block[i]
        end = i + code
        if end > n:
            raise CobsError("COBS code byte points past the end of the block")
        out += block[i + 1 : end]
        if end == n:
            return bytes(out)
        if code != 0xFF:
            out.append(0)
        i = end

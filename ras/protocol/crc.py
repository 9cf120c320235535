"""CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR).

Check value: ``crc16_ccitt_false(b"123456789") == 0x29B1``.
"""

from __future__ import annotations

import binascii

__all__ = ["CRC_INIT", "crc16_ccitt_false"]

CRC_INIT = 0xFFFF


def crc16_ccitt_false(data: bytes | bytearray | memoryview) -> int:
    """CRC-16/CCITT-FALSE of ``data`` (an int in 0..65535)."""
    return binascii.crc_hqx(data, CRC_INIT)

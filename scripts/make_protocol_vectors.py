"""Write docs/protocol-vectors.json: language-neutral test vectors of the ras wire protocol.

Run once after a deliberate protocol change (never from tests: the vectors are fixed data and the
tests check the code against them)::

    .venv/bin/python scripts/make_protocol_vectors.py

The output is deterministic, so re-running it without a protocol change gives no diff.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import numpy as np

from ras.protocol import (
    MAX_ENCODED_FRAME_BYTES,
    MAX_FRAME_BYTES,
    MAX_IMU_SAMPLES,
    MAX_PAYLOAD_BYTES,
    PROTOCOL_VERSION,
    Hello,
    HelloRequest,
    Imu,
    Message,
    MsgType,
    Ping,
    Pong,
    Side,
    Status,
    Step,
    StepKind,
    StreamDecoder,
    cobs_decode,
    cobs_encode,
    crc16_ccitt_false,
    decode_frame,
    encode_frame,
)
from ras.protocol.messages import HEADER, encode_payload
from ras.protocol.plain import message_fields

OUT_PATH = Path(__file__).resolve().parent.parent / "docs" / "protocol-vectors.json"


def _raw_frame(version: int, msg_type: int, seq: int, t_us: int, payload: bytes) -> bytes:
    """Header + payload + CRC without COBS (may be deliberately invalid)."""
    body = HEADER.pack(version, msg_type, seq, t_us) + payload
    return body + struct.pack("<H", crc16_ccitt_false(body))


def _frame_vector(name: str, message: Message, seq: int, t_us: int) -> dict[str, Any]:
    wire = encode_frame(message, seq, t_us)
    decoded = decode_frame(wire[:-1])
    assert decoded.message == message and decoded.seq == seq and decoded.t_us == t_us
    raw = cobs_decode(wire[:-1])
    payload = encode_payload(message)
    assert raw == _raw_frame(PROTOCOL_VERSION, int(message.msg_type), seq, t_us, payload)
    return {
        "name": name,
        "seq": seq,
        "t_us": t_us,
        "type": message.msg_type.name,
        "type_code": int(message.msg_type),
        "fields": message_fields(message),
        "payload_hex": payload.hex(),
        "frame_hex": raw.hex(),
        "crc": f"0x{crc16_ccitt_false(raw[:-2]):04X}",
        "wire_hex": wire.hex(),
    }


def _frames() -> list[dict[str, Any]]:
    rng = np.random.default_rng(20240601)
    max_batch = rng.integers(-32768, 32768, size=(MAX_IMU_SAMPLES, 6)).astype(np.int16)
    max_batch[0] = [-32768, 32767, -1, 0, 1, -256]  # extremes, 0xFFFF, zero bytes
    walking = np.array(
        [[412, -96, 2048, -35, 1210, -7], [398, -101, 2050, -40, 1187, 0]], dtype=np.int16
    )
    v: list[dict[str, Any]] = [
        _frame_vector(
            "hello_left",
            Hello(0x1234ABCD, Side.LEFT, (1, 2, 3), "BMI270", 400, 16, 2000, 0x0F),
            0,
            1_500_000,
        ),
        _frame_vector(
            "hello_right_empty_model_boot",
            Hello(7, Side.RIGHT, (0, 1, 0), "", 0, 8, 500, 0x09),
            0,
            0,
        ),
        _frame_vector(
            "step_initial_contact_with_figures",
            Step(
                StepKind.INITIAL_CONTACT, 12_345_678, 4_200, 17, 0x07, 1_083_000, 655_000, 1_234, 0
            ),
            42,
            12_345_678 + 4_200,
        ),
        _frame_vector(
            "step_toe_off_no_figures", Step(StepKind.TOE_OFF, 1_000_000, 0, 0, 0), 43, 1_000_000
        ),
        _frame_vector(
            "step_event_before_wrap_sent_after_wrap",
            Step(StepKind.MID_SWING, 0xFFFFFF00, 0x200, 65535, 0x01, 987_654, 0, 0, 0),
            0xFFFF,
            0x100,
        ),
        _frame_vector(
            "step_mid_stance_seq_and_time_at_max",
            Step(StepKind.MID_STANCE, 0xFFFFFFFF, 0, 1, 0),
            0xFFFF,
            0xFFFFFFFF,
        ),
        _frame_vector("imu_two_samples", Imu(2_000_000, 400, walking), 100, 2_010_000),
        _frame_vector(
            f"imu_max_batch_{MAX_IMU_SAMPLES}_samples",
            Imu(0xFFFFFFF0, 400, max_batch),
            0xFFFE,
            0xFFFFFFF0 + 47_500 - 2**32,
        ),
        _frame_vector(
            "imu_zero_samples", Imu(5_000, 400, np.zeros((0, 6), dtype=np.int16)), 3, 5_000
        ),
        _frame_vector("status_charging", Status(4012, 87, 0x01, 0, 0, 0), 200, 60_000_000),
        _frame_vector(
            "status_unknown_battery_faults",
            Status(3301, 255, 0x06, 123_456, 0xFFFFFFFF, 3),
            201,
            61_000_000,
        ),
        _frame_vector("status_all_zero", Status(0, 0, 0, 0, 0, 0), 0, 0),
        _frame_vector("pong", Pong(0xDEADBEEF, 0xFFFFFFF0), 5, 0x00000010),
        _frame_vector("ping_host", Ping(1), 9, 250_000),
        _frame_vector("ping_id_zero_host", Ping(0), 0, 0),
        _frame_vector("hello_request_host", HelloRequest(), 1, 1_000),
    ]
    return v


def _cobs_vectors() -> list[dict[str, str]]:
    seq = bytes(range(1, 256))
    cases = [
        ("empty", b""),
        ("single_zero", b"\x00"),
        ("two_zeros", b"\x00\x00"),
        ("single_nonzero", b"\x11"),
        ("zero_in_middle", b"\x11\x22\x00\x33"),
        ("no_zero", b"\x11\x22\x33\x44"),
        ("trailing_zeros", b"\x11\x00\x00\x00"),
        ("run_253_nonzero", seq[:253]),
        ("run_254_nonzero", seq[:254]),
        ("run_255_nonzero", seq[:255]),
        ("zero_then_run_254", b"\x00" + seq[:254]),
        ("run_254_then_zero", seq[:254] + b"\x00"),
        ("run_508_nonzero", (seq[:254] * 2)),
        ("mixed", b"\x01\x00\x00\x02\x03\x00" + seq + b"\x00\xff"),
    ]
    return [{"name": n, "raw_hex": r.hex(), "encoded_hex": cobs_encode(r).hex()} for n, r in cases]


def _invalid_vectors() -> list[dict[str, str]]:
    step_payload = encode_payload(Step(StepKind.INITIAL_CONTACT, 1000))
    good = _raw_frame(PROTOCOL_VERSION, MsgType.STEP, 1, 1000, step_payload)
    flipped = bytearray(good)
    flipped[10] ^= 0x04
    bad_crc = bytearray(good)
    bad_crc[-1] ^= 0xFF
    imu_head = struct.pack("<IHB", 0, 400, 2)
    cases: list[tuple[str, bytes, str]] = [
        ("payload_bit_flipped", cobs_encode(bytes(flipped)) + b"\x00", "crc"),
        ("crc_byte_damaged", cobs_encode(bytes(bad_crc)) + b"\x00", "crc"),
        ("crc_big_endian", cobs_encode(good[:-2] + good[-2:][::-1]) + b"\x00", "crc"),
        ("cobs_code_past_end", bytes.fromhex("0501020300"), "cobs"),
        ("cobs_last_code_past_end", cobs_encode(good)[:-1] + b"\x00", "cobs"),
        ("nine_bytes", cobs_encode(good[:9]) + b"\x00", "short"),
        ("single_byte_block", b"\x01\x00", "short"),
        (
            "version_2",
            cobs_encode(_raw_frame(2, MsgType.STEP, 1, 1000, step_payload)) + b"\x00",
            "version",
        ),
        (
            "version_0",
            cobs_encode(_raw_frame(0, MsgType.STEP, 1, 1000, step_payload)) + b"\x00",
            "version",
        ),
        (
            "unknown_type_0x7f",
            cobs_encode(_raw_frame(PROTOCOL_VERSION, 0x7F, 1, 1000, b"")) + b"\x00",
            "unknown_type",
        ),
        (
            "unknown_type_0x00",
            cobs_encode(_raw_frame(PROTOCOL_VERSION, 0x00, 1, 1000, b"\x01")) + b"\x00",
            "unknown_type",
        ),
        (
            "step_payload_one_byte_short",
            cobs_encode(_raw_frame(PROTOCOL_VERSION, MsgType.STEP, 1, 1000, step_payload[:-1]))
            + b"\x00",
            "bad_payload",
        ),
        (
            "step_kind_0",
            cobs_encode(
                _raw_frame(PROTOCOL_VERSION, MsgType.STEP, 1, 1000, b"\x00" + step_payload[1:])
            )
            + b"\x00",
            "bad_payload",
        ),
        (
            "hello_side_3",
            cobs_encode(
                _raw_frame(
                    PROTOCOL_VERSION,
                    MsgType.HELLO,
                    0,
                    0,
                    struct.pack("<B3BIB16sHBHB", 1, 0, 1, 0, 5, 3, b"", 400, 16, 2000, 1),
                )
            )
            + b"\x00",
            "bad_payload",
        ),
        (
            "imu_count_2_but_1_sample",
            cobs_encode(
                _raw_frame(PROTOCOL_VERSION, MsgType.IMU, 0, 0, imu_head + bytes(range(1, 13)))
            )
            + b"\x00",
            "bad_payload",
        ),
        (
            "hello_request_with_payload",
            cobs_encode(_raw_frame(PROTOCOL_VERSION, MsgType.HELLO_REQUEST, 0, 0, b"\x01"))
            + b"\x00",
            "bad_payload",
        ),
        (
            "payload_241_bytes",
            cobs_encode(_raw_frame(PROTOCOL_VERSION, 0x7F, 0, 0, bytes(range(1, 242)))) + b"\x00",
            "oversized",
        ),
        (f"run_of_{MAX_ENCODED_FRAME_BYTES + 1}_nonzero", b"\x01" * 252 + b"\x00", "oversized"),
        ("run_of_600_nonzero", b"\x5a" * 600 + b"\x00", "oversized"),
    ]
    out = []
    for name, wire, reason in cases:
        dec = StreamDecoder()
        assert dec.feed(wire) == [], name
        got = [k for k, v in dec.counters.as_dict().items() if v and k in _REASONS]
        assert got == [reason], (name, got, reason)
        out.append({"name": name, "wire_hex": wire.hex(), "reason": reason})
    return out


_REASONS = ("cobs", "short", "crc", "version", "unknown_type", "bad_payload", "oversized")


def build() -> dict[str, Any]:
    """All vectors as one JSON-ready object."""
    return {
        "description": (
            "Test vectors of the ras wire protocol (docs/protocol.md), shared by the Python host "
            "and the C firmware tests. All byte strings are lowercase hex. 'cobs': raw bytes and "
            "their COBS encoding without delimiter; 'cobs_decode_also': encodings a decoder must "
            "also accept. 'frames': a message with its fields (plain JSON: enums as integers, "
            "IMU samples as [n][6] int16 lists), 'frame_hex' = header+payload+CRC before COBS, "
            "'wire_hex' = COBS-encoded frame followed by the 0x00 delimiter (no leading "
            "delimiter). 'invalid': wire bytes a receiver must reject, with the decoder counter "
            "('reason') that goes up by one. Generated by scripts/make_protocol_vectors.py."
        ),
        "protocol_version": PROTOCOL_VERSION,
        "limits": {
            "header_bytes": HEADER.size,
            "crc_bytes": 2,
            "max_payload_bytes": MAX_PAYLOAD_BYTES,
            "max_frame_bytes": MAX_FRAME_BYTES,
            "max_encoded_frame_bytes": MAX_ENCODED_FRAME_BYTES,
            "max_imu_samples": MAX_IMU_SAMPLES,
        },
        "crc": {
            "algorithm": "CRC-16/CCITT-FALSE",
            "poly": "0x1021",
            "init": "0xFFFF",
            "refin": False,
            "refout": False,
            "xorout": "0x0000",
            "check_input_ascii": "123456789",
            "check": f"0x{crc16_ccitt_false(b'123456789'):04X}",
            "byte_order_on_wire": "little-endian",
        },
        "cobs": _cobs_vectors(),
        "cobs_decode_also": [
            {
                "name": "run_254_nonzero_without_final_code",
                "encoded_hex": (b"\xff" + bytes(range(1, 255))).hex(),
                "raw_hex": bytes(range(1, 255)).hex(),
            }
        ],
        "frames": _frames(),
        "invalid": _invalid_vectors(),
    }


def main() -> None:
    """Write the vectors file."""
    OUT_PATH.write_text(json.dumps(build(), indent=1) + "\n")
    print(f"wrote {OUT_PATH}")


if __name__ == "__main__":
    main()

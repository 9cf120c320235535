"""The code against the fixed vectors of docs/protocol-vectors.json (shared with the firmware)."""

import json
from pathlib import Path

import numpy as np
import pytest

from ras.protocol import (
    MAX_ENCODED_FRAME_BYTES,
    MAX_FRAME_BYTES,
    MAX_IMU_SAMPLES,
    MAX_PAYLOAD_BYTES,
    PROTOCOL_VERSION,
    MsgType,
    StreamDecoder,
    cobs_decode,
    crc16_ccitt_false,
    decode_frame,
    encode_frame,
)
from ras.protocol.plain import message_fields, message_from_fields

VECTORS = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "protocol-vectors.json").read_text()
)
REASONS = ("cobs", "short", "crc", "version", "unknown_type", "bad_payload", "oversized")


def test_limits_in_the_vectors_match_the_code():
    assert VECTORS["protocol_version"] == PROTOCOL_VERSION
    assert VECTORS["limits"] == {
        "header_bytes": 8,
        "crc_bytes": 2,
        "max_payload_bytes": MAX_PAYLOAD_BYTES,
        "max_frame_bytes": MAX_FRAME_BYTES,
        "max_encoded_frame_bytes": MAX_ENCODED_FRAME_BYTES,
        "max_imu_samples": MAX_IMU_SAMPLES,
    }
    assert (MAX_FRAME_BYTES, MAX_ENCODED_FRAME_BYTES, MAX_IMU_SAMPLES) == (250, 251, 19)


def test_vectors_cover_every_message_type_and_the_edge_cases():
    frames = VECTORS["frames"]
    assert {v["type"] for v in frames} == {t.name for t in MsgType}
    assert any(v["seq"] == 0xFFFF for v in frames)
    assert any(v["t_us"] == 0xFFFFFFFF for v in frames)
    assert any(
        v["type"] == "IMU"
        and len(v["fields"]["samples"]) == MAX_IMU_SAMPLES
        and min(min(s) for s in v["fields"]["samples"]) < 0
        for v in frames
    )
    assert {v["reason"] for v in VECTORS["invalid"]} == set(REASONS)


@pytest.mark.parametrize("vector", VECTORS["frames"], ids=lambda v: v["name"])
def test_frame_vector_encodes_to_exactly_its_wire_bytes(vector):
    msg_type = MsgType(vector["type_code"])
    assert msg_type.name == vector["type"]
    message = message_from_fields(msg_type, vector["fields"])
    wire = bytes.fromhex(vector["wire_hex"])
    assert encode_frame(message, vector["seq"], vector["t_us"]) == wire
    assert encode_frame(message, vector["seq"], vector["t_us"], leading_delimiter=True) == (
        b"\x00" + wire
    )
    frame = bytes.fromhex(vector["frame_hex"])
    assert cobs_decode(wire[:-1]) == frame
    assert frame[8:-2].hex() == vector["payload_hex"]
    assert int.from_bytes(frame[-2:], "little") == crc16_ccitt_false(frame[:-2])
    assert int(vector["crc"], 16) == crc16_ccitt_false(frame[:-2])


@pytest.mark.parametrize("vector", VECTORS["frames"], ids=lambda v: v["name"])
def test_frame_vector_decodes_to_exactly_its_fields(vector):
    wire = bytes.fromhex(vector["wire_hex"])
    assert wire.endswith(b"\x00") and 0 not in wire[:-1]
    frame = decode_frame(wire[:-1])
    assert (frame.version, frame.msg_type, frame.seq, frame.t_us) == (
        PROTOCOL_VERSION,
        vector["type_code"],
        vector["seq"],
        vector["t_us"],
    )
    assert message_fields(frame.message) == vector["fields"]
    # IMU samples decode as int16 (other messages have none: an empty int16 stands in)
    assert getattr(frame.message, "samples", np.zeros(0, np.int16)).dtype == np.int16
    decoder = StreamDecoder()
    (streamed,) = decoder.feed(wire)
    assert streamed == frame
    assert decoder.counters.frames_ok == 1 and decoder.counters.frames_rejected == 0


@pytest.mark.parametrize("vector", VECTORS["invalid"], ids=lambda v: v["name"])
def test_invalid_vector_is_rejected_and_counted_as_its_reason(vector):
    wire = bytes.fromhex(vector["wire_hex"])
    decoder = StreamDecoder()
    assert decoder.feed(wire) == []
    counts = decoder.counters.as_dict()
    assert {r: counts[r] for r in REASONS} == {r: int(r == vector["reason"]) for r in REASONS}
    assert counts["frames_ok"] == 0 and counts["internal"] == 0
    assert counts["bytes_discarded"] == len(wire) - 1
    assert decoder.buffered_bytes == 0


@pytest.mark.parametrize("vector", VECTORS["invalid"], ids=lambda v: v["name"])
def test_invalid_vector_does_not_harm_the_next_frame(vector):
    good = VECTORS["frames"][0]
    decoder = StreamDecoder()
    frames = decoder.feed(bytes.fromhex(vector["wire_hex"]) + bytes.fromhex(good["wire_hex"]))
    assert [message_fields(f.message) for f in frames] == [good["fields"]]

"""COBS framing and CRC-16/CCITT-FALSE against known vectors and random round trips."""

import json
from pathlib import Path

import numpy as np
import pytest

from ras.protocol import CobsError, cobs_decode, cobs_encode, crc16_ccitt_false
from ras.protocol.cobs import max_encoded_length

VECTORS = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "protocol-vectors.json").read_text()
)


def test_crc_check_value_is_0x29b1():
    assert crc16_ccitt_false(b"123456789") == 0x29B1
    assert int(VECTORS["crc"]["check"], 16) == 0x29B1


def test_crc_matches_a_bitwise_reference_on_random_data():
    def reference(data: bytes) -> int:
        crc = 0xFFFF
        for byte in data:
            crc ^= byte << 8
            for _ in range(8):
                crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
                crc &= 0xFFFF
        return crc

    rng = np.random.default_rng(1)
    for n_bytes in [0, 1, 2, 7, 64, 250]:
        data = rng.integers(0, 256, n_bytes, dtype=np.uint8).tobytes()
        assert crc16_ccitt_false(data) == reference(data)


@pytest.mark.parametrize("vector", VECTORS["cobs"], ids=lambda v: v["name"])
def test_cobs_known_vectors(vector):
    raw = bytes.fromhex(vector["raw_hex"])
    encoded = bytes.fromhex(vector["encoded_hex"])
    assert cobs_encode(raw) == encoded
    assert cobs_decode(encoded) == raw


@pytest.mark.parametrize("vector", VECTORS["cobs_decode_also"], ids=lambda v: v["name"])
def test_cobs_decoder_accepts_the_alternative_forms(vector):
    assert cobs_decode(bytes.fromhex(vector["encoded_hex"])) == bytes.fromhex(vector["raw_hex"])


def _random_data(rng: np.random.Generator, n_bytes: int) -> bytes:
    """Random bytes whose share of zeros varies from none to mostly zeros."""
    data = rng.integers(1, 256, n_bytes, dtype=np.uint8)
    zero_share = rng.choice([0.0, 0.004, 0.05, 0.5, 0.95])
    data[rng.random(n_bytes) < zero_share] = 0
    return data.tobytes()


def test_cobs_round_trip_over_many_lengths_and_zero_densities():
    rng = np.random.default_rng(20240601)
    lengths = [*range(0, 600), 762, 763, 764, 1016, 1017, 2000]
    n_checked = 0
    for n_bytes in lengths:
        for _ in range(3):
            data = _random_data(rng, n_bytes)
            encoded = cobs_encode(data)
            assert 0 not in encoded
            assert len(encoded) <= max_encoded_length(n_bytes)
            assert cobs_decode(encoded) == data
            n_checked += 1
    assert n_checked == 3 * len(lengths)


@pytest.mark.parametrize("n_bytes", [253, 254, 255, 507, 508, 509])
def test_cobs_round_trip_at_254_byte_boundaries_without_zeros(n_bytes):
    data = bytes((i % 255) + 1 for i in range(n_bytes))
    encoded = cobs_encode(data)
    assert len(encoded) == max_encoded_length(n_bytes)
    assert cobs_decode(encoded) == data


@pytest.mark.parametrize(
    "block", [b"", b"\x05\x01\x02", b"\x02\x00\x01", b"\x03\x11", b"\xff" + b"\x01" * 200]
)
def test_cobs_decode_rejects_invalid_blocks(block):
    with pytest.raises(CobsError):
        cobs_decode(block)

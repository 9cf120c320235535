"""Loudness (ITU-R BS.1770) of signals of known level, and the gain to the common target."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ras.music.loudness import (
    MAX_GAIN_DB,
    TARGET_LUFS,
    gain_to_target_db,
    integrated_loudness_lufs,
    peak_dbfs,
)

#: BS.1770: a full-scale 997 Hz sine on one channel reads -3.01 LUFS (the K-filter is ~0 dB
#: there), and its level follows the amplitude in dB.
FULL_SCALE_SINE_LUFS = -3.01


def _sine(amplitude: float, rate_hz: int, f_hz: float = 997.0, duration_s: float = 5.0):
    t = np.arange(int(duration_s * rate_hz)) / rate_hz
    return (amplitude * np.sin(2 * np.pi * f_hz * t)).astype(np.float32)


@pytest.mark.parametrize("rate_hz", [22050, 44100, 48000])
@pytest.mark.parametrize("amplitude", [1.0, 0.1, 0.01])
def test_a_sine_reads_its_known_loudness(amplitude: float, rate_hz: int) -> None:
    expected = FULL_SCALE_SINE_LUFS + 20 * math.log10(amplitude)
    got = integrated_loudness_lufs(_sine(amplitude, rate_hz), rate_hz)
    assert got == pytest.approx(expected, abs=0.1)


def test_silence_has_no_loudness_and_no_gain() -> None:
    assert integrated_loudness_lufs(np.zeros(48000 * 2), 48000) == -math.inf
    assert integrated_loudness_lufs(np.ones(100), 48000) == -math.inf  # shorter than one block
    assert gain_to_target_db(-math.inf) == 0.0


def test_the_gain_brings_a_song_to_the_target() -> None:
    loud = _sine(0.5, 44100)
    gain_db = gain_to_target_db(integrated_loudness_lufs(loud, 44100))
    louder_then = integrated_loudness_lufs(loud * 10 ** (gain_db / 20), 44100)
    assert louder_then == pytest.approx(TARGET_LUFS, abs=0.01)
    assert TARGET_LUFS == -23.0


def test_a_quiet_song_is_raised_at_most_the_limit() -> None:
    assert gain_to_target_db(-60.0) == MAX_GAIN_DB
    assert gain_to_target_db(-30.0) == pytest.approx(7.0)
    assert gain_to_target_db(-10.0, target_lufs=-16.0) == pytest.approx(-6.0)


def test_peak_in_dbfs() -> None:
    assert peak_dbfs(np.array([0.0, -0.5, 0.25])) == pytest.approx(-6.0206, abs=1e-4)
    assert peak_dbfs(np.zeros(4)) == -math.inf

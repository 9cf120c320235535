"""Mixer: exact sample placement, schedule ring, gain ceiling and ramps (pure, no audio)."""

from __future__ import annotations

import numpy as np
import pytest

from ras.audio.backends import AudioSpec, parse_audio_spec
from ras.audio.mixer import (
    Gain,
    OnsetRing,
    ScheduleRing,
    Sound,
    db_to_gain,
    mix_block,
    render_sounds,
)
from ras.errors import UserInputError

FS_HZ = 48000
BLOCK = 256


def render(cues: list[tuple[int, Sound]], n_blocks: int) -> tuple[np.ndarray, list]:
    sounds = render_sounds(FS_HZ)
    ring = ScheduleRing(capacity=8)
    onsets = OnsetRing()
    gain = Gain(BLOCK, ceiling_dbfs=0.0, level_dbfs=0.0)
    gain.current = gain.target  # no fade-in: compare raw samples
    out = np.zeros((BLOCK, 2), np.float32)
    blocks = []
    for sample, sound in cues:
        ring.push(sample, sound)
    for k in range(n_blocks):
        mix_block(out, k * BLOCK, ring, sounds, gain, onsets)
        blocks.append(out.copy())
    return np.concatenate(blocks), onsets.drain()


def test_cues_land_on_exact_samples_across_block_boundaries():
    sounds = render_sounds(FS_HZ)
    cues = [(100, Sound.LEFT), (BLOCK * 13 - 7, Sound.RIGHT), (BLOCK * 30 + 1, Sound.LEFT)]
    audio, onsets = render(cues, 50)
    expected = np.zeros(len(audio), np.float32)
    for sample, sound in cues:
        n = sounds.lengths[sound]
        expected[sample : sample + n] += sounds.frames[sound, :n]
    np.testing.assert_array_equal(audio[:, 0], expected)
    np.testing.assert_array_equal(audio[:, 1], expected)
    assert onsets == [(s, int(c)) for s, c in cues]
    # the envelope starts at exactly 0 and the next sample is non-zero: the onset is the sample
    for sample, _ in cues:
        assert audio[sample, 0] == 0.0
        assert audio[sample + 1, 0] != 0.0
        assert not audio[sample - 1, 0]


def test_ring_is_consumed_and_reusable():
    sounds = render_sounds(FS_HZ)
    ring = ScheduleRing(capacity=4)
    gain = Gain(BLOCK)
    out = np.zeros((BLOCK, 1), np.float32)
    played = OnsetRing()
    for k in range(230):
        if k < 200 and k % 10 == 0:
            ring.push(k * BLOCK + 500, Sound.RIGHT)
        mix_block(out, k * BLOCK, ring, sounds, gain, played)
    assert len(played.drain()) == 20
    assert len(ring) == 0


def test_ring_rejects_out_of_order_and_overflow():
    ring = ScheduleRing(capacity=2)
    ring.push(10, Sound.LEFT)
    with pytest.raises(ValueError, match="time order"):
        ring.push(5, Sound.LEFT)
    ring.push(20, Sound.LEFT)
    with pytest.raises(OverflowError):
        ring.push(30, Sound.LEFT)


def test_sounds_differ_by_foot():
    sounds = render_sounds(FS_HZ)
    spectra = np.abs(np.fft.rfft(sounds.frames, axis=1)).argmax(axis=1)
    assert len(set(spectra.tolist())) == len(Sound)


def test_gain_never_exceeds_ceiling_and_ramps_without_steps():
    ceiling_dbfs = -12.0
    gain = Gain(BLOCK, ramp_frames=240, ceiling_dbfs=ceiling_dbfs, level_dbfs=0.0)
    assert gain.level == pytest.approx(db_to_gain(ceiling_dbfs))
    ones = np.ones((BLOCK, 1), np.float32)
    trace = []
    for k in range(12):
        if k == 5:
            gain.muted = True
        if k == 8:
            gain.muted = False
        block = ones.copy()
        gain.apply(block)
        trace.append(block[:, 0])
    trace = np.concatenate(trace)
    ceiling = db_to_gain(ceiling_dbfs)
    assert trace.max() <= ceiling + 1e-7
    assert trace[0] < ceiling / 100  # starts with a fade-in, not a step
    assert np.abs(np.diff(trace)).max() <= ceiling / 240 * 1.001  # no step larger than a ramp
    assert trace[5 * BLOCK + 300] == 0.0  # muted
    assert trace[-1] == pytest.approx(ceiling)


def test_overlapping_cues_are_clipped_to_the_ceiling():
    sounds = render_sounds(FS_HZ)
    ring = ScheduleRing()
    for _ in range(4):
        ring.push(0, Sound.LEFT)
    gain = Gain(4096, ceiling_dbfs=-6.0)
    gain.current = gain.target
    out = np.zeros((4096, 2), np.float32)
    mix_block(out, 0, ring, sounds, gain)
    assert np.abs(out).max() <= db_to_gain(-6.0) + 1e-7


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("default", AudioSpec("default")),
        ("none", AudioSpec("none")),
        ("wav:/tmp/x.wav", AudioSpec("wav", "/tmp/x.wav")),
        ("device:pulse", AudioSpec("device", "pulse")),
    ],
)
def test_parse_audio_spec(spec, expected):
    assert parse_audio_spec(spec) == expected


@pytest.mark.parametrize("spec", ["wav:", "speaker", "mp3:x.mp3"])
def test_parse_audio_spec_rejects_with_one_line(spec):
    with pytest.raises(UserInputError) as info:
        parse_audio_spec(spec)
    assert "\n" not in str(info.value)
    assert "wav:PATH" in str(info.value) or "wav:out.wav" in str(info.value)


def test_cancelled_cues_never_sound_and_a_sounding_one_finishes():
    """Probe / cues off / pause: cues handed to the mixer but not begun are taken back."""
    sounds = render_sounds(FS_HZ)
    ring = ScheduleRing(capacity=16)
    gain = Gain(BLOCK, ceiling_dbfs=0.0, level_dbfs=0.0)
    gain.current = gain.target
    onsets = OnsetRing()
    out = np.zeros((BLOCK, 1), np.float32)
    sounding = 10 * BLOCK - 20  # begins just before the cut and goes on across it
    for sample in (sounding, 14 * BLOCK, 30 * BLOCK, 34 * BLOCK):
        ring.push(sample, Sound.LEFT)
    audio = []
    for k in range(50):
        if k == 10:  # the cut at the first unrendered block
            assert ring.cancel_from(k * BLOCK) == 3
            ring.push(24 * BLOCK, Sound.RIGHT)  # earlier than the dropped ones: accepted
        mix_block(out, k * BLOCK, ring, sounds, gain, onsets)
        audio.append(out[:, 0].copy())
    audio = np.concatenate(audio)
    assert onsets.drain() == [(sounding, int(Sound.LEFT)), (24 * BLOCK, int(Sound.RIGHT))]
    n = sounds.lengths[Sound.LEFT]
    np.testing.assert_array_equal(  # the sounding cue is played to its end, no click
        audio[sounding : sounding + n], sounds.frames[Sound.LEFT, :n]
    )
    m = sounds.lengths[Sound.RIGHT]
    expected = np.zeros_like(audio)
    expected[sounding : sounding + n] = sounds.frames[Sound.LEFT, :n]
    expected[24 * BLOCK : 24 * BLOCK + m] = sounds.frames[Sound.RIGHT, :m]
    np.testing.assert_array_equal(audio, expected)  # nothing else: the dropped ones are silent
    assert len(ring) == 0


def test_no_device_message_names_the_devices_there_are():
    from ras.audio.backends import no_device_message

    named = no_device_message("USB Headset", ["pulse", "default"], "No output device matching")
    assert "'USB Headset'" in named and "'pulse', 'default'" in named
    assert "or none" in named and "--audio" not in named and "\n" not in named
    many = no_device_message("x", [f"dev{k}" for k in range(11)], "nope")
    assert "'dev7'" in many and "'dev8'" not in many and "and 3 more" in many
    # the default device, or nothing listed: say how to get an output at all
    for requested, outputs in ((None, ["pulse"]), ("x", [])):
        text = no_device_message(requested, outputs, "Invalid device")
        assert "start PulseAudio" in text and "or none" in text and "--audio" not in text


def test_a_second_cancel_never_revives_cues_the_first_one_dropped():
    """Cues off, then pause a moment later: what the first cancel dropped stays dropped, even
    while a sounding cue keeps the dropped entries in the ring."""
    sounds = render_sounds(FS_HZ)
    ring = ScheduleRing(capacity=16)
    gain = Gain(BLOCK, ceiling_dbfs=0.0, level_dbfs=0.0)
    gain.current = gain.target
    onsets = OnsetRing()
    out = np.zeros((BLOCK, 1), np.float32)
    sounding = 10 * BLOCK - 20  # lasts 11 blocks: the entries behind it stay in the ring
    for sample in (sounding, 11 * BLOCK, 13 * BLOCK):
        ring.push(sample, Sound.LEFT)
    for k in range(60):
        if k == 10:
            assert ring.cancel_from(10 * BLOCK) == 2
        if k == 12:
            ring.cancel_from(12 * BLOCK)  # later cut: 11 * BLOCK was dropped before it
        mix_block(out, k * BLOCK, ring, sounds, gain, onsets)
        if k >= 12:
            n = sounds.lengths[Sound.LEFT]
            expected = sounds.frames[
                Sound.LEFT, k * BLOCK - sounding : k * BLOCK - sounding + BLOCK
            ]
            expected = (
                np.pad(expected, (0, BLOCK - len(expected))) if k * BLOCK < sounding + n else 0
            )
            np.testing.assert_array_equal(out[:, 0], expected)
    assert onsets.drain() == [(sounding, int(Sound.LEFT))]
    assert len(ring) == 0

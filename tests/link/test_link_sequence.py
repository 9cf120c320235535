"""Sequence numbers, loss counting, reboots and u32 device-time unwrapping."""

import pytest

from ras.link.sequence import (
    DeviceTimeUnwrapper,
    SeqKind,
    SequenceTracker,
    is_reboot,
    lost_in_gap,
    seq_delta,
    u32_delta,
    unwrap_u32,
)


def test_seq_delta_is_signed_on_the_u16_circle():
    assert seq_delta(10, 11) == 1
    assert seq_delta(65535, 0) == 1
    assert seq_delta(65530, 4) == 10
    assert seq_delta(4, 65530) == -10
    assert seq_delta(7, 7) == 0


def test_u32_delta_and_unwrap_handle_the_wrap_and_slightly_older_times():
    assert u32_delta(2**32 - 10, 5) == 15
    assert u32_delta(5, 2**32 - 10) == -15
    ref = 3 * 2**32 + 100  # unwrapped, just after a wrap
    assert unwrap_u32(2**32 - 50, ref) == 3 * 2**32 - 50  # older event before the wrap
    assert unwrap_u32(200, ref) == 3 * 2**32 + 200


def test_lost_in_gap_counts_missing_frames_and_resolves_long_gaps_by_rate():
    assert lost_in_gap(1) == 0
    assert lost_in_gap(5) == 4
    # 100 frames/s for 700 s = 70000 frames: one whole turn plus 4464
    assert lost_in_gap(70000 % 65536 + 1, elapsed_s=700.0, frames_per_s=100.0) == 70000


def test_is_reboot_rules():
    assert not is_reboot(None, 0, is_hello=True, clock_went_back=False)
    assert is_reboot(-500, 0, is_hello=True, clock_went_back=False)  # HELLO, sequence back
    assert is_reboot(25536, 0, is_hello=True, clock_went_back=False)  # HELLO at 0, not a wrap
    assert not is_reboot(1, 0, is_hello=True, clock_went_back=False)  # 65535 -> 0: a wrap
    assert not is_reboot(-3, 17, is_hello=False, clock_went_back=False)
    assert is_reboot(-300, 1, is_hello=False, clock_went_back=True)  # boot HELLO was lost
    assert is_reboot(0, 1, is_hello=False, clock_went_back=True)  # same seq, clock restarted


def test_sequence_tracker_counts_losses_exactly_and_recognises_reboots():
    tr = SequenceTracker()
    assert tr.update(0, is_hello=True).kind is SeqKind.FIRST
    assert tr.update(1).kind is SeqKind.NEXT
    up = tr.update(5)
    assert up.kind is SeqKind.GAP and up.lost == 3
    assert tr.update(5).kind is SeqKind.DUPLICATE
    assert tr.update(3).kind is SeqKind.BACKWARD
    assert tr.last_seq_ == 5
    for seq in [*range(6, 65536), 0, 1]:  # through the wrap
        tr.update(seq)
    assert tr.lost_frames_ == 3
    up = tr.update(0, is_hello=True)  # sensor restarted
    assert up.kind is SeqKind.REBOOT and up.prev_seq == 1
    assert tr.update(2).lost == 1
    assert (tr.reboots_, tr.duplicates_, tr.backward_, tr.lost_frames_) == (1, 1, 1, 4)


def test_sequence_tracker_resolves_a_gap_longer_than_the_sequence_circle():
    tr = SequenceTracker(min_rate_span_s=1.0)
    tr.update(0)
    for seq in range(1, 1001):  # 100 frames/s
        tr.update(seq, elapsed_s=0.01)
    # a disconnection of 700 s: 70000 frames sent, 69999 of them lost
    up = tr.update((1000 + 70000) % 65536, elapsed_s=700.0)
    assert up.lost == 69999


def test_device_time_unwrapper_follows_wraps_and_resets():
    un = DeviceTimeUnwrapper()
    assert un.delta_us(5) is None
    assert un.update(2**32 - 1000) == 2**32 - 1000
    assert un.delta_us(500) == 1500
    assert un.update(500) == 2**32 + 500
    assert un.unwrap(2**32 - 200) == 2**32 - 200  # an event from before the wrap
    assert un.update(2**32 - 200) == 2**32 - 200  # headers never move the reference back
    assert un.reference_us_ == 2**32 + 500
    un.reset()
    assert un.update(10) == 10


@pytest.mark.parametrize("start", [0, 2**32 - 5_000_000])
def test_unwrapper_is_monotonic_over_several_wraps(start):
    un = DeviceTimeUnwrapper()
    first = un.update(start)
    assert first == start
    true_us = start
    for _ in range(40):
        true_us += 400_000_000  # 400 s steps, 40 of them: several wraps
        assert un.update(true_us % 2**32) == true_us

"""Stride index, stride and stance time per event, as the firmware sends them."""

from ras.link.strides import MAX_STRIDE_US, StrideCounter
from ras.protocol import StepKind

IC, TO, MSW, MS = (
    StepKind.INITIAL_CONTACT,
    StepKind.TOE_OFF,
    StepKind.MID_SWING,
    StepKind.MID_STANCE,
)


def test_strides_and_stances_from_events():
    c = StrideCounter()
    assert c.add(TO, 100).stance_time_us is None  # no IC yet
    first = c.add(IC, 1_000_000)
    assert (first.stride_index, first.stride_time_us, first.stance_time_us) == (0, None, None)
    assert c.add(MS, 1_200_000).stride_time_us is None
    assert c.add(TO, 1_650_000).stance_time_us == 650_000
    assert c.add(MSW, 1_800_000).stride_index == 0
    second = c.add(IC, 2_100_000)
    assert (second.stride_index, second.stride_time_us, second.stance_time_us) == (
        1,
        1_100_000,
        650_000,
    )


def test_device_time_wrap_and_stops():
    c = StrideCounter()
    c.add(IC, 0xFFFFFFFF - 99_999)  # 0.1 s before the u32 wrap
    assert c.add(IC, 1_000_000).stride_time_us == 1_100_000
    c.add(TO, 1_600_000)
    stop = c.add(IC, 1_000_000 + MAX_STRIDE_US + 1)  # longer than a stride: a stop
    assert stop.stride_time_us is None and stop.stance_time_us is None
    assert stop.stride_index == 2  # still counted


def test_a_gap_breaks_the_stride_but_not_the_index():
    c = StrideCounter()
    c.add(IC, 1_000_000)
    c.add(TO, 1_600_000)
    c.add(IC, 2_100_000)
    c.break_sequence()
    after = c.add(IC, 4_300_000)  # two strides later: not one stride of 2.2 s
    assert (after.stride_index, after.stride_time_us, after.stance_time_us) == (1, None, None)
    assert c.add(IC, 5_400_000).stride_time_us == 1_100_000

"""Per-stride bookkeeping of a foot's gait events, as the sensor firmware does it.

``firmware/core/ras_sensor.c`` numbers each foot's strides and sends the last stride time
(IC to IC) and stance time (IC to TO) with every STEP (docs/protocol.md). The same rule is used
by the virtual sensors that run the firmware's C core and by the host when it detects the steps
of an IMU-only sensor itself (:mod:`ras.link.host_steps`), so both publish the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from ras.protocol.messages import Step, StepFlag, StepKind

__all__ = ["MAX_STRIDE_US", "StrideCounter", "StrideFigures", "step_message"]

_U32 = 0xFFFFFFFF
#: Strides (IC to IC) and stances (IC to TO) longer than this are stops (docs/gait-events.md).
MAX_STRIDE_US = 3_000_000


@dataclass(frozen=True, slots=True)
class StrideFigures:
    """What a STEP frame of the firmware carries besides the event itself.

    Attributes
    ----------
    stride_index : int
        Strides of this foot so far (u16, wraps).
    stride_time_us, stance_time_us : int or None
        Last stride (IC to IC) and last stance (IC to TO), device us; None while unknown.
    """

    stride_index: int
    stride_time_us: int | None
    stance_time_us: int | None


class StrideCounter:
    """Stride index and figures per event, as ``firmware/core/ras_sensor.c`` computes them.

    Event times are device times in us, u32 or unwrapped (differences are taken mod 2**32).
    """

    def __init__(self) -> None:
        self.stride_index = 0
        self._last_ic_us: int | None = None
        self._stride_us: int | None = None
        self._stance_us: int | None = None

    def add(self, kind: int, t_us: int) -> StrideFigures:
        """Account for one event of kind ``kind`` (StepKind value) at device time ``t_us``."""
        if kind == StepKind.INITIAL_CONTACT:
            if self._last_ic_us is not None:
                stride = (t_us - self._last_ic_us) & _U32
                self._stride_us = stride if stride <= MAX_STRIDE_US else None
                if self._stride_us is None:
                    self._stance_us = None
                self.stride_index = (self.stride_index + 1) & 0xFFFF
            self._last_ic_us = t_us
        elif kind == StepKind.TOE_OFF and self._last_ic_us is not None:
            stance = (t_us - self._last_ic_us) & _U32
            self._stance_us = stance if stance <= MAX_STRIDE_US else None
        return StrideFigures(self.stride_index, self._stride_us, self._stance_us)

    def break_sequence(self) -> None:
        """The events stopped for a while (a gap in the samples): no stride or stance spans it.

        The stride index carries on; the next IC starts a stride instead of ending one, and
        figures measured before the gap are no longer sent.
        """
        self._last_ic_us = None
        self._stride_us = None
        self._stance_us = None


def step_message(kind: int, event_t_us: int, latency_us: int, figures: StrideFigures) -> Step:
    """The STEP message the firmware sends for one event and its stride figures.

    Parameters
    ----------
    kind : int
        StepKind value of the event.
    event_t_us : int
        Device time of the event, us (sent mod 2**32).
    latency_us : int
        From the event to its detection, us.
    figures : StrideFigures
        From :meth:`StrideCounter.add` for this event; unknown figures are flagged not valid.
    """
    flags = 0
    if figures.stride_time_us is not None:
        flags |= StepFlag.STRIDE_TIME
    if figures.stance_time_us is not None:
        flags |= StepFlag.STANCE_TIME
    return Step(
        kind=StepKind(kind),
        event_t_us=event_t_us & _U32,
        latency_us=max(latency_us, 0) & _U32,
        stride_index=figures.stride_index,
        flags=flags,
        stride_time_us=figures.stride_time_us or 0,
        stance_time_us=figures.stance_time_us or 0,
    )

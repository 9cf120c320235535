"""Steps of an IMU-only sensor, detected on the host from its IMU stream (no I/O, no threads).

A sensor whose HELLO has the IMU_STREAM capability but not STEPS (a commodity IMU board, or a
ras sensor with on-device detection off) sends no STEP frames. :class:`HostStepDetector` runs
the live causal detector (:class:`analysis.causal_events.CausalGaitEventDetector`, the
algorithm the firmware runs) on its IMU batches and turns each event into the STEP message the
firmware would have sent: event time in device time (the batch's ``first_t_us`` + index / rate),
stride index and stride/stance times by the firmware's rule (:mod:`ras.link.strides`). The frame
processor then publishes them exactly like sensor-made steps, mapped by the same clock sync.

Gaps follow the offline analysis's rule (:class:`analysis.live_stream.LiveGaitEvents`): a few
lost samples (up to 0.1 s) are bridged by interpolation and no event is placed on them; a longer
gap, a different rate, a reconnect and a reboot (:meth:`HostStepDetector.restart`, a new
instance) start a new detector, so no event spans them. Samples already seen (a late or
repeated batch) are skipped, so they never make an event twice.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import numpy as np

from ras.link.strides import StrideCounter, step_message
from ras.protocol.messages import Capability, Hello, Step

if TYPE_CHECKING:
    from analysis.live_stream import LiveGaitEvents

__all__ = [
    "MAX_RATE_HZ",
    "MIN_RATE_HZ",
    "HostStep",
    "HostStepDetector",
    "StepSource",
    "step_source",
]

#: Sampling rates the live detector accepts, Hz.
MIN_RATE_HZ, MAX_RATE_HZ = 50.0, 1000.0
#: Batch anchors kept to date events the detector emits late (MS up to ~1 s after the event).
_ANCHORS = 512


class StepSource(Enum):
    """Where a sensor's steps are detected, from its HELLO capabilities."""

    SENSOR = "sensor"  # STEPS: the sensor sends STEP frames
    HOST = "host"  # IMU_STREAM without STEPS: the host detects them from the IMU stream
    NONE = "none"  # neither: this sensor gives no steps

    @property
    def description(self) -> str:
        """One phrase for link events, `ras monitor` and the GUI's sensor health."""
        return {
            StepSource.SENSOR: "steps detected on the sensor",
            StepSource.HOST: "steps detected on the host from the sensor's IMU stream",
            StepSource.NONE: "no steps: the sensor sends neither step events nor an IMU stream",
        }[self]


def step_source(hello: Hello | None) -> StepSource | None:
    """Where the steps of the sensor that sent ``hello`` come from (None before a HELLO)."""
    if hello is None:
        return None
    if hello.capabilities & Capability.STEPS:
        return StepSource.SENSOR
    if hello.capabilities & Capability.IMU_STREAM:
        return StepSource.HOST
    return StepSource.NONE


@dataclass(frozen=True, slots=True)
class HostStep:
    """One event detected on the host.

    Attributes
    ----------
    device_t_us : int
        Device time of the event, us, on the time line of the batches' ``first_us``.
    step : Step
        The STEP message the firmware would have sent for it (device times mod 2**32).
    """

    device_t_us: int
    step: Step


class HostStepDetector:
    """The live gait-event detector on one sensor's IMU batches.

    Feed the batches in arrival order with :meth:`feed`; call :meth:`restart` when the samples
    stop being continuous for a reason the batches cannot show (reconnect) and make a new
    instance after a reboot (the stride index restarts with the sensor, as the firmware's does).
    Gaps are handled by the offline analysis's rule (:class:`analysis.live_stream.
    LiveGaitEvents`): lost samples up to 0.1 s are bridged and no event is placed on them, a
    longer gap or a rate change starts a new detector, repeated samples are fed once.

    Attributes
    ----------
    detectors_started_ : int
        Detector instances started (1 + restarts after long gaps, rate changes, reconnects).
    gaps_ : int
        Batches that did not continue the previous one (lost samples), bridged or not.
    repeated_samples_ : int
        Samples skipped because they had been fed already (late or repeated batches).
    bridged_samples_ : int
        Lost samples interpolated into short gaps.
    unsupported_batches_ : int
        Batches at a rate outside 50–1000 Hz (not detected).
    """

    def __init__(self) -> None:
        self.strides = StrideCounter()
        self.gaps_ = 0
        self.unsupported_batches_ = 0
        self._stream: LiveGaitEvents | None = None
        self._earlier = {"detectors_started_": 0, "repeated_samples_": 0, "bridged_samples_": 0}
        self._origin_us = 0.0  # device time of stream sample 0
        self._next = 0  # stream index expected for the next batch's first sample
        self._anchors: deque[tuple[int, float]] = deque(maxlen=_ANCHORS)

    def _count(self, name: str) -> int:
        """A counter over this sensor's streams (a rate change starts a new one)."""
        now = getattr(self._stream, name) if self._stream is not None else 0
        return self._earlier[name] + now

    @property
    def detectors_started_(self) -> int:
        return self._count("detectors_started_")

    @property
    def repeated_samples_(self) -> int:
        return self._count("repeated_samples_")

    @property
    def bridged_samples_(self) -> int:
        return self._count("bridged_samples_")

    @property
    def running(self) -> bool:
        """A detector is running (the next batch may continue it)."""
        return self._stream is not None and self._stream.running

    def restart(self) -> None:
        """Forget the running detector: the next batch starts a new one; no stride spans this."""
        if self.running:
            self._stream.restart()  # type: ignore[union-attr]
            self.strides.break_sequence()

    def feed(
        self, *, first_us: int, sample_rate_hz: float, samples_si: np.ndarray
    ) -> list[HostStep]:
        """Detect events in one batch.

        Parameters
        ----------
        first_us : int
            Unwrapped device time of the batch's first sample, us.
        sample_rate_hz : float
            The batch's sample rate, Hz (sample ``i`` at ``first_us + i * 1e6 / rate``).
        samples_si : ndarray, shape (n, 6)
            acc x, y, z (m/s²), gyr x, y, z (deg/s), foot frame.

        Returns
        -------
        list of HostStep
            The events the detector emitted in this batch, in order.
        """
        samples = np.asarray(samples_si, dtype=np.float64)
        rate = float(sample_rate_hz)
        if not MIN_RATE_HZ <= rate <= MAX_RATE_HZ:
            self.unsupported_batches_ += 1
            self.restart()
            return []
        if len(samples) == 0:
            return []
        period_us = 1e6 / rate
        if self._stream is None or rate != self._stream.sampling_rate_hz:
            if self._stream is not None:
                for name in self._earlier:
                    self._earlier[name] += getattr(self._stream, name)
                self.strides.break_sequence()
            # imported here: the link (and `ras` start-up) need analysis/ only when detecting
            from analysis.live_stream import LiveGaitEvents

            self._stream = LiveGaitEvents(rate)
            self._origin_us = float(first_us)
            self._next = 0
            self._anchors.clear()
        stream = self._stream
        first = round((first_us - self._origin_us) / period_us)
        if stream.running and first > self._next:
            self.gaps_ += 1
        started = stream.detectors_started_
        self._anchors.append((first, float(first_us)))
        events = stream.feed(first, samples)
        self._next = max(self._next, first + len(samples))
        if stream.detectors_started_ > started > 0:  # a long gap: no stride spans it
            self.strides.break_sequence()
        out = []
        for ev in events:
            event_us = round(self._device_us(ev.idx, period_us))
            detected_us = round(self._device_us(ev.detected_idx, period_us))
            figures = self.strides.add(ev.kind, event_us)
            out.append(
                HostStep(event_us, step_message(ev.kind, event_us, detected_us - event_us, figures))
            )
        return out

    def _device_us(self, idx: float, period_us: float) -> float:
        """Device time (us) of fractional stream sample ``idx``, from the batch it belongs to."""
        for start, start_us in reversed(self._anchors):
            if start <= idx:
                return start_us + (idx - start) * period_us
        start, start_us = self._anchors[0]  # older than every anchor kept: extrapolate
        return start_us + (idx - start) * period_us

"""Steps of an IMU-only sensor, detected on the host from its IMU stream (no I/O, no threads).

A sensor whose HELLO has the IMU_STREAM capability but not STEPS (a commodity IMU board, or a
ras sensor with on-device detection off) sends no STEP frames. :class:`HostStepDetector` runs
the live causal detector (:class:`analysis.causal_events.CausalGaitEventDetector`, the
algorithm the firmware runs) on its IMU batches and turns each event into the STEP message the
firmware would have sent: event time in device time (the batch's ``first_t_us`` + index / rate),
stride index and stride/stance times by the firmware's rule (:mod:`ras.link.strides`). The frame
processor then publishes them exactly like sensor-made steps, mapped by the same clock sync.

No event spans a gap: a batch that does not continue the previous one (IMU frames lost,
``first_t_us`` jumping ahead, a different rate) starts a new detector, and so do a reconnect
and a reboot (:meth:`HostStepDetector.restart`). Samples already seen (a late or repeated batch)
are skipped, so they never make an event twice.
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
    from analysis.causal_events import CausalGaitEventDetector

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

    Attributes
    ----------
    detectors_started_ : int
        Detector instances started (1 + restarts after gaps).
    gaps_ : int
        Batches that did not continue the previous one (lost or skipped samples).
    repeated_samples_ : int
        Samples skipped because they had been fed already (late or repeated batches).
    unsupported_batches_ : int
        Batches at a rate outside 50–1000 Hz (not detected).
    """

    def __init__(self) -> None:
        self.strides = StrideCounter()
        self.detectors_started_ = 0
        self.gaps_ = 0
        self.repeated_samples_ = 0
        self.unsupported_batches_ = 0
        self._det: CausalGaitEventDetector | None = None
        self._rate_hz = 0.0
        self._n = 0  # samples fed to the current detector
        self._next_us = 0.0  # device time expected for the next batch's first sample
        self._anchors: deque[tuple[int, float]] = deque(maxlen=_ANCHORS)

    @property
    def running(self) -> bool:
        """A detector is running (the next batch may continue it)."""
        return self._det is not None

    def restart(self) -> None:
        """Forget the running detector: the next batch starts a new one; no stride spans this."""
        if self._det is not None:
            self._det = None
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
        n = len(samples)
        rate = float(sample_rate_hz)
        if not MIN_RATE_HZ <= rate <= MAX_RATE_HZ:
            self.unsupported_batches_ += 1
            self.restart()
            return []
        if n == 0:
            return []
        period_us = 1e6 / rate
        start_us = float(first_us)
        if self._det is not None:
            late_us = self._next_us - start_us
            if rate != self._rate_hz or late_us < -period_us / 2:
                self.gaps_ += 1
                self.restart()
            elif late_us > period_us / 2:  # starts with samples already fed
                skip = min(n, round(late_us / period_us))
                self.repeated_samples_ += skip
                if skip == n:
                    return []
                samples = samples[skip:]
                start_us += skip * period_us
                n -= skip
        if self._det is None:
            # imported here: the link (and `ras` start-up) need analysis/ only when detecting
            from analysis.causal_events import CausalGaitEventDetector

            self._det = CausalGaitEventDetector(rate)
            self._rate_hz = rate
            self._n = 0
            self._anchors.clear()
            self.detectors_started_ += 1
        self._anchors.append((self._n, start_us))
        events = self._det.process(samples)
        self._n += n
        self._next_us = start_us + n * period_us
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
        """Device time (us) of fractional sample ``idx`` of the current detector."""
        for start, start_us in reversed(self._anchors):
            if start <= idx:
                return start_us + (idx - start) * period_us
        start, start_us = self._anchors[0]  # older than every anchor kept: extrapolate
        return start_us + (idx - start) * period_us

"""The live gait-event detector over a sample stream with gaps, by the offline analysis's gap rule.

A live stream loses samples (radio packets). The offline analysis (:mod:`analysis.segments`)
fills a gap of up to ``max_fill_s`` by linear interpolation and drops any event that lands on a
filled sample, and splits the recording at a longer gap. :class:`LiveGaitEvents` does the same
as the samples arrive, so live and offline give the same events on the same data:

- a short gap is bridged: the missing samples are interpolated between the last sample before
  and the first after it (as ``numpy.interp`` does offline) and fed to the detector, and an
  event touching a bridged sample is dropped (:func:`analysis.segments.in_filled`'s rule);
- a longer gap, a rate change or :meth:`LiveGaitEvents.restart` starts a new detector: no event
  spans it;
- samples that arrive twice (a repeated or overlapping batch) are fed once.

Sample positions are indices on the stream's own grid (sample ``i`` at ``first + i / rate``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from analysis.causal_events import CausalGaitEventDetector
from analysis.checks import check_in_range
from analysis.errors import AnalysisInputError
from analysis.segments import MAX_FILL_S

__all__ = ["LiveGaitEvents", "StreamEvent"]

#: Bridged intervals remembered for dropping late-emitted events (MS can come seconds later).
_MAX_BRIDGES = 4096


class _Detector(Protocol):
    def process(self, samples_si: np.ndarray) -> list[Any]: ...


@dataclass(frozen=True)
class StreamEvent:
    """One event on the stream's grid.

    Attributes
    ----------
    kind : int
        1 IC, 2 TO, 3 MSW, 4 MS (analysis.causal_events).
    idx : float
        When it happened: (fractional) stream sample index.
    detected_idx : int
        The stream sample at which it was emitted.
    """

    kind: int
    idx: float
    detected_idx: int


class LiveGaitEvents:
    """Live events of one foot over a stream with gaps (see the module docstring).

    Parameters
    ----------
    sampling_rate_hz : float
        The stream's rate, 50–1000 Hz.
    max_fill_s : float
        Longest gap bridged, s (:data:`analysis.segments.MAX_FILL_S`, 0.1 s).
    detector_factory : callable, optional
        Makes a detector with ``process(samples (n, 6)) -> events`` (``kind``, ``idx``,
        ``detected_idx``); default the live Python detector with ``settings``.
    **settings
        Event-model settings (analysis.gait_events.EventSettings) for the default detector.

    Attributes
    ----------
    detectors_started_ : int
        Detectors started (the first, then one after each long gap or :meth:`restart`).
    restarts_ : int
        Detectors started after the first.
    bridged_samples_, repeated_samples_ : int
        Samples interpolated into short gaps; samples skipped because they had been fed.
    dropped_events_ : int
        Events dropped because they touched a bridged sample.
    """

    def __init__(
        self,
        sampling_rate_hz: float,
        max_fill_s: float = MAX_FILL_S,
        detector_factory: Callable[[], _Detector] | None = None,
        **settings: object,
    ) -> None:
        rate = check_in_range(
            f"sampling rate {float(sampling_rate_hz):g} Hz",
            sampling_rate_hz,
            50.0,
            1000.0,
            "50–1000 Hz",
        )
        self.sampling_rate_hz = rate
        self.max_fill_n = int(np.floor(float(max_fill_s) * rate + 1e-9))
        self._factory: Callable[[], _Detector] = detector_factory or (
            lambda: CausalGaitEventDetector(rate, **settings)
        )
        self.detectors_started_ = 0
        self.bridged_samples_ = 0
        self.repeated_samples_ = 0
        self.dropped_events_ = 0
        self._det: _Detector | None = None
        self._start = 0  # stream index of the current detector's sample 0
        self._last = -1  # stream index of the last sample fed
        self._last_row: np.ndarray | None = None
        self._bridges: deque[tuple[int, int]] = deque(maxlen=_MAX_BRIDGES)

    @property
    def restarts_(self) -> int:
        return max(self.detectors_started_ - 1, 0)

    @property
    def running(self) -> bool:
        """A detector is running: the next samples may continue it."""
        return self._det is not None

    def restart(self) -> None:
        """Forget the running detector (a reconnect): no event spans this point."""
        self._det = None

    def feed(self, first_index: int, samples_si: np.ndarray) -> list[StreamEvent]:
        """Samples ``first_index, first_index + 1, ...`` of the stream, shape (n, 6): acc x, y, z
        (m/s²) then gyr x, y, z (deg/s), foot frame. Returns the events emitted, in order."""
        x = np.asarray(samples_si, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != 6:
            raise AnalysisInputError(
                f"samples have shape {x.shape}; expected (n, 6): acc x, y, z then gyr x, y, z"
            )
        first = int(first_index)
        if self._det is not None and first <= self._last:  # repeated samples: feed each once
            skip = min(x.shape[0], self._last - first + 1)
            self.repeated_samples_ += skip
            x, first = x[skip:], first + skip
        if x.shape[0] == 0:
            return []
        blocks = [x]
        missing = first - self._last - 1
        if self._det is not None and 0 < missing <= self.max_fill_n:
            blocks.insert(0, self._bridge(first, x[0]))
        elif self._det is None or missing > 0:
            self._det = self._factory()
            self.detectors_started_ += 1
            self._start = first
            self._bridges.clear()  # the new detector's events come after them
        self._last = first + x.shape[0] - 1
        self._last_row = x[-1].copy()
        feed = np.vstack(blocks) if len(blocks) > 1 else x
        out = []
        for ev in self._det.process(feed):
            idx = self._start + float(ev.idx)
            if self._touches_bridge(idx):
                self.dropped_events_ += 1
                continue
            out.append(StreamEvent(int(ev.kind), idx, self._start + int(ev.detected_idx)))
        return out

    def _bridge(self, first: int, row: np.ndarray) -> np.ndarray:
        """The samples between the last one fed and ``row`` (at ``first``), interpolated."""
        last = self._last
        assert self._last_row is not None
        grid = np.arange(last + 1, first, dtype=np.float64)
        filled = np.column_stack(
            [np.interp(grid, [last, first], [self._last_row[c], row[c]]) for c in range(6)]
        )
        self._bridges.append((last + 1, first - 1))
        self.bridged_samples_ += grid.size
        return filled

    def _touches_bridge(self, idx: float) -> bool:
        """Whether sample ``floor(idx)`` or ``ceil(idx)`` was bridged."""
        lo, hi = int(np.floor(idx)), int(np.ceil(idx))
        return any(a <= lo <= b or a <= hi <= b for a, b in self._bridges)

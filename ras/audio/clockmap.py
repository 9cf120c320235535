"""Map output sample positions to session time, robustly, from many noisy callback timestamps.

The DAC time PortAudio reports per callback wanders by about ±1 ms, collapses during underflows
and is on the stream's clock (wall clock), not ``time.perf_counter()``. :class:`StreamClockOffset`
converts stream time to perf-counter time from repeated bracketed readings;
:class:`ClockMap` fits ``t_s = t_ref_s + (n - n_ref) * s_per_sample`` over a window of callbacks,
rejecting outliers, with the slope (audio-clock drift) kept within a plausible range.

The slope comes from the callback times, not the DAC times: a callback for the block starting at
sample ``n`` runs once the device has played up to a fixed distance before ``n``, never earlier,
so the lower envelope of ``t_callback - n / fs`` follows the device clock to a fraction of a
millisecond, whatever the load (delays only make callbacks later). Measured here through a
PulseAudio null sink: envelope -15.9 ppm, recording -16.7 ppm, while a least-squares fit of the
DAC times gave -12.5 ppm idle and -26.7 ppm under CPU load. The DAC times, median-filtered, give
the intercept.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import numpy as np

__all__ = ["ClockMap", "StreamClockOffset", "envelope_drift_ppm", "fits_agree"]


class StreamClockOffset:
    """Offset ``perf_counter - stream_time`` from readings bracketed by two perf-counter reads.

    The narrowest brackets are the most precise; the estimate is the median of the offsets of
    the recent readings whose bracket is at most twice the narrowest.
    """

    def __init__(self, window: int = 64) -> None:
        self._readings: deque[tuple[float, float]] = deque(maxlen=window)

    def add(self, perf_before_s: float, stream_s: float, perf_after_s: float) -> None:
        """Add one reading of the stream clock taken between two ``perf_counter()`` calls."""
        width_s = perf_after_s - perf_before_s
        if width_s < 0:
            return
        self._readings.append((width_s, 0.5 * (perf_before_s + perf_after_s) - stream_s))

    def __len__(self) -> int:
        return len(self._readings)

    @property
    def offset_s(self) -> float:
        """Current estimate of ``perf_counter() - stream_time`` (s)."""
        if not self._readings:
            raise RuntimeError("no stream clock readings yet")
        widths = np.array([w for w, _ in self._readings])
        offsets = np.array([o for _, o in self._readings])
        keep = widths <= 2.0 * widths.min() + 1e-6
        return float(np.median(offsets[keep]))


class ClockMap:
    """Robust linear map between output sample index and session time.

    Parameters
    ----------
    sample_rate_hz : float
        Nominal rate: the slope is ``1 / sample_rate_hz`` times (1 + drift).
    window : int
        Number of recent points fitted (4096 callbacks of 4096 frames: 6 minutes; a long span
        keeps the slope from following the slow wander of the reported DAC times).
    max_drift_ppm : float
        Plausibility limit on the fitted drift; beyond it the nominal rate is used.
    reject_s : float
        Points further than this from the current fit are rejected (collapsed DAC times).
    min_span_s : float
        Time span of the points needed before the slope is fitted (before: nominal slope).
    min_points : int
        Consecutive points that must agree (within ``settle_s``) before the first fit: while a
        stream starts, its reported latency still grows by tens of milliseconds.
    settle_s : float
        Agreement needed of those first points (s).
    envelope_bin_s : float
        Width of the bins whose earliest callback forms the lower envelope (s).
    intercept_span_s : float
        The intercept is the median over the points of the last ``intercept_span_s`` of audio
        only: the DAC latency creeps while a stream is young, and a median over the whole
        window would lag behind it.
    stable_span_s : float
        The map is :attr:`settled` once every fit of the last ``stable_span_s`` of audio, with
        the drift measured, predicts the newest point's time within ``stable_tol_s`` (s).
    stable_tol_s : float
        Agreement needed of those fits (s). Measured here: the intercept still creeps by about
        1 ms during the first tens of seconds of a stream, after the drift is measured.
    """

    def __init__(
        self,
        sample_rate_hz: float,
        window: int = 4096,
        max_drift_ppm: float = 300.0,
        reject_s: float = 0.010,
        min_span_s: float = 20.0,
        min_points: int = 8,
        settle_s: float = 0.002,
        envelope_bin_s: float = 2.0,
        intercept_span_s: float = 20.0,
        stable_span_s: float = 10.0,
        stable_tol_s: float = 0.15e-3,
    ) -> None:
        self.sample_rate_hz = float(sample_rate_hz)
        self.max_drift_ppm = float(max_drift_ppm)
        self.reject_s = float(reject_s)
        self.min_span_s = float(min_span_s)
        self.min_points = int(min_points)
        self.settle_s = float(settle_s)
        self.envelope_bin_s = float(envelope_bin_s)
        self.intercept_span_s = float(intercept_span_s)
        self.stable_span_s = float(stable_span_s)
        self.stable_tol_s = float(stable_tol_s)
        self._fits: deque[tuple[int, float, float]] = deque()
        self._points: deque[tuple[int, float]] = deque(maxlen=window)
        self._calls: deque[tuple[int, float]] = deque(maxlen=window)
        self.rejected = 0
        self._rejected_in_row = 0
        self.n_ref = 0
        self.t_ref_s = 0.0
        self.drift_ppm = 0.0
        self.ready = False
        self.drift_measured = False  # True once the slope comes from a measurement
        self.settled = False  # True (for good) once the fits agree over stable_span_s

    @property
    def s_per_sample(self) -> float:
        """Fitted seconds per sample (nominal period times 1 + drift)."""
        return (1.0 + self.drift_ppm * 1e-6) / self.sample_rate_hz

    @property
    def params(self) -> tuple[int, float, float]:
        """``(n_ref, t_ref_s, s_per_sample)``: one tuple, safe to read from another thread."""
        return (self.n_ref, self.t_ref_s, self.s_per_sample)

    def time_of(self, sample_index: float) -> float:
        """Session time (s) at which sample ``sample_index`` plays."""
        return self.t_ref_s + (sample_index - self.n_ref) * self.s_per_sample

    def sample_of(self, t_s: float) -> int:
        """Nearest sample index played at session time ``t_s``."""
        return round(self.n_ref + (t_s - self.t_ref_s) / self.s_per_sample)

    def add_callback(self, sample_index: int, t_call_s: float) -> None:
        """Add the session time of the callback that rendered the block starting at a sample.

        Ignored until the first fit: a starting stream calls back early to fill its buffers.
        """
        if self.ready and np.isfinite(t_call_s):
            self._calls.append((int(sample_index), float(t_call_s)))

    def add(self, sample_index: int, t_s: float) -> bool:
        """Add a point (sample index, session time its DAC plays it); False if implausible."""
        if not np.isfinite(t_s):
            return False
        if self.ready and abs(t_s - self.time_of(sample_index)) > self.reject_s:
            self.rejected += 1
            self._rejected_in_row += 1
            if self._rejected_in_row < 16:
                return False
            self._points.clear()  # the clock really jumped: start over
        self._rejected_in_row = 0
        self._points.append((int(sample_index), float(t_s)))
        if not self.ready and self._settled():
            self.fit()
        return True

    def _settled(self) -> bool:
        """Whether the last ``min_points`` points agree: the stream's latency has settled."""
        if len(self._points) < self.min_points:
            return False
        last = list(self._points)[-self.min_points :]
        n = np.array([p[0] for p in last], dtype=np.float64)
        t = np.array([p[1] for p in last])
        intercepts = t - n / self.sample_rate_hz
        if np.ptp(intercepts) > self.settle_s:
            return False
        self._points = deque(last, maxlen=self._points.maxlen)  # forget the start-up points
        return True

    def clear(self) -> None:
        """Forget all points (keeps the current fit until new points arrive)."""
        self._points.clear()

    def fit(self) -> None:
        """Refit from the window: median intercept, outlier rejection, least-squares slope."""
        if not self._points:
            return
        n = np.array([p[0] for p in self._points], dtype=np.float64)
        t = np.array([p[1] for p in self._points], dtype=np.float64)
        n_ref = int(n[-1])
        dn = n - n_ref
        nominal = 1.0 / self.sample_rate_hz
        intercepts = t - dn * nominal
        center = np.median(intercepts)
        mad = np.median(np.abs(intercepts - center))
        inlier = np.abs(intercepts - center) <= max(5.0 * 1.4826 * mad, 1e-4)
        drift_ppm = envelope_drift_ppm(self._calls, self.sample_rate_hz, self.envelope_bin_s)
        span_s = (dn[inlier].max() - dn[inlier].min()) * nominal
        if drift_ppm is None and inlier.sum() >= 8 and span_s >= self.min_span_s:
            slope, _ = np.polyfit(dn[inlier], t[inlier], 1)  # no callback times: DAC times
            drift_ppm = (slope / nominal - 1.0) * 1e6
        measured = drift_ppm is not None and abs(drift_ppm) <= self.max_drift_ppm
        if not measured:
            drift_ppm = 0.0
        self.drift_measured = measured
        s_per_sample = (1.0 + drift_ppm * 1e-6) * nominal
        recent = inlier & (dn >= -self.intercept_span_s * self.sample_rate_hz)
        if not recent.any():
            recent = inlier
        t_ref_s = float(np.median(t[recent] - dn[recent] * s_per_sample))
        self.n_ref, self.t_ref_s, self.drift_ppm = n_ref, t_ref_s, float(drift_ppm)
        self.ready = True
        if measured and not self.settled:
            self._fits.append((n_ref, t_ref_s, s_per_sample))
            self.settled = fits_agree(
                self._fits, self.stable_span_s * self.sample_rate_hz, self.stable_tol_s
            )
            if self.settled:
                self._fits.clear()


def fits_agree(
    fits: deque[tuple[int, float, float]], span_samples: float, tolerance_s: float
) -> bool:
    """Whether all fits of the last ``span_samples`` predict the newest one's reference time.

    Parameters
    ----------
    fits : deque of (int, float, float)
        ``(n_ref, t_ref_s, s_per_sample)`` of successive fits, oldest first; fits older than
        the span are removed from it.
    span_samples : float
        How far back (in samples) the fits must reach and agree.
    tolerance_s : float
        Largest allowed disagreement (s).
    """
    n_new, t_new_s, _ = fits[-1]
    while len(fits) > 1 and n_new - fits[1][0] >= span_samples:
        fits.popleft()  # fits[1] alone still covers the span
    if n_new - fits[0][0] < span_samples:
        return False
    predicted_s = np.array([t + (n_new - n) * sps for n, t, sps in fits])
    return bool(np.abs(predicted_s - t_new_s).max() <= tolerance_s)


def envelope_drift_ppm(
    calls: Sequence[tuple[int, float]],
    sample_rate_hz: float,
    bin_s: float = 2.0,
    min_bins: int = 8,
    tolerance_s: float = 0.3e-3,
) -> float | None:
    """Audio clock drift (ppm) from the lower envelope of callback times; None if too short.

    Parameters
    ----------
    calls : sequence of (int, float)
        ``(first sample of the block, session time of its callback in s)``.
    sample_rate_hz : float
        Nominal sample rate.
    bin_s : float
        Bin width (s of audio); the earliest callback of each bin is an envelope point.
    min_bins : int
        Bins needed for a fit (with 2 s bins: 16 s of audio).
    tolerance_s : float
        Envelope points further above the fitted line than this are dropped (bins without an
        on-time callback), three rounds.
    """
    if len(calls) < 2 * min_bins:
        return None
    n = np.array([c[0] for c in calls], dtype=np.float64)
    t = np.array([c[1] for c in calls], dtype=np.float64)
    x_s = (n - n[0]) / sample_rate_hz
    rel_s = t - x_s
    bins = np.floor(x_s / bin_s).astype(np.int64)
    order = np.lexsort((rel_s, bins))  # by bin, then earliest first
    first_of_bin = order[np.r_[True, np.diff(bins[order]) > 0]]
    if len(first_of_bin) < min_bins:
        return None
    x, y = x_s[first_of_bin], rel_s[first_of_bin]
    inlier = np.ones(len(x), dtype=bool)
    slope = 0.0
    for _ in range(3):
        if inlier.sum() < min_bins // 2:
            return None
        slope, icpt = np.polyfit(x[inlier], y[inlier], 1)
        resid_s = y - (slope * x + icpt)
        inlier = (resid_s <= tolerance_s) & (resid_s >= -10 * tolerance_s)
    return float(slope * 1e6)

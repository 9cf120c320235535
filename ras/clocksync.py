"""Clock sync: one sensor's device time -> the session clock.

Model: ``session_s = intercept_s + slope * (device_us - pivot_us) * 1e-6``; the device clock's
rate error is ``drift_ppm = (1 / slope - 1) * 1e6`` (positive: the device clock runs fast).

Two kinds of samples:

- round trips (PING/PONG, NTP-style): host send ``t1_s``, device receive ``t2_us``, device send
  ``t3_us``, host receive ``t4_s``. The device midpoint maps to the host midpoint within
  ± half the round-trip time, so per window only the fastest round trips are kept, weighted by
  round-trip time, and fitted with a robust (biweight) line.
- arrivals: a frame's device time vs the session time it was decoded. Arrivals are always late,
  so the lower envelope of these points is the estimate used before any round trip (biased late
  by the smallest transport delay, which it cannot measure).

The arithmetic is in plain functions; :class:`ClockSync` keeps a sliding history and refits.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ClockSync",
    "LineFit",
    "best_per_window",
    "lower_envelope_line",
    "robust_line_fit",
    "round_trip_sample",
]


def round_trip_sample(
    t1_s: float, t2_us: int, t3_us: int, t4_s: float, *, slope: float = 1.0
) -> tuple[float, float, float]:
    """NTP-style sample from one PING/PONG round trip.

    Parameters
    ----------
    t1_s, t4_s : float
        Session times (s) the PING was sent and the PONG was received.
    t2_us, t3_us : int
        Unwrapped device times (us) the PING arrived and the PONG was sent.
    slope : float
        Current session seconds per device second (to convert the device's hold time).

    Returns
    -------
    device_mid_us : float
        Device midpoint ``(t2 + t3) / 2`` (us).
    session_mid_s : float
        Session midpoint ``(t1 + t4) / 2`` (s).
    rtt_s : float
        Round-trip time without the device's hold time (s); the midpoint pair is exact to
        within ± ``rtt_s / 2``.
    """
    device_mid_us = 0.5 * (t2_us + t3_us)
    session_mid_s = 0.5 * (t1_s + t4_s)
    rtt_s = (t4_s - t1_s) - slope * (t3_us - t2_us) * 1e-6
    return device_mid_us, session_mid_s, rtt_s


def best_per_window(
    device_us: np.ndarray, rtt_s: np.ndarray, *, window_us: float, keep: int
) -> np.ndarray:
    """Indices of the ``keep`` smallest round-trip times in each device-time window.

    Windows are ``floor(device_us / window_us)``; the result is sorted by index.
    """
    device_us = np.asarray(device_us, dtype=float)
    rtt_s = np.asarray(rtt_s, dtype=float)
    if len(device_us) == 0:
        return np.zeros(0, dtype=int)
    window = np.floor(device_us / window_us).astype(np.int64)
    order = np.lexsort((rtt_s, window))  # by window, then by round-trip time
    w_sorted = window[order]
    starts = np.r_[0, np.flatnonzero(np.diff(w_sorted)) + 1]
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    return np.sort(order[rank < keep])


@dataclass(frozen=True, slots=True)
class LineFit:
    """``y = intercept + slope * x`` with the robust spread of the inliers about it.

    Attributes
    ----------
    intercept, slope : float
        The line.
    residual : float
        Weighted RMS of the inliers' residuals (units of ``y``).
    inliers : np.ndarray
        Boolean mask of the points kept (not rejected as outliers).
    x_mean : float
        Weighted mean ``x`` of the inliers: where the line is best known.
    slope_sd : float
        Standard error of the slope (with ``weights`` as inverse variances and the prior, if
        any); 0 when the slope was fixed.
    """

    intercept: float
    slope: float
    residual: float
    inliers: np.ndarray
    x_mean: float = 0.0
    slope_sd: float = 0.0


def _median(a: np.ndarray) -> float:
    """Median of a non-empty 1-d array (``np.median`` without its overhead)."""
    n = a.size
    k = n // 2
    if n % 2:
        return float(np.partition(a, k)[k])
    part = np.partition(a, (k - 1, k))
    return 0.5 * float(part[k - 1] + part[k])


def _weighted_line(
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    slope: float | None,
    slope_prior: tuple[float, float] | None,
) -> tuple[float, float]:
    sw = w.sum()
    xm = (w * x).sum() / sw
    ym = (w * y).sum() / sw
    if slope is None:
        sxx = (w * (x - xm) ** 2).sum()
        sxy = (w * (x - xm) * (y - ym)).sum()
        if slope_prior is not None:
            mean, sd = slope_prior
            sxx, sxy = sxx + sd**-2, sxy + mean * sd**-2
        slope = sxy / sxx if sxx > 0 else 1.0
    return ym - slope * xm, slope


def robust_line_fit(
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    slope: float | None = None,
    slope_prior: tuple[float, float] | None = None,
    tuning: float = 4.685,
    n_iter: int = 10,
    min_scale: float = 1e-6,
) -> LineFit:
    """Weighted line fit with Tukey-biweight outlier rejection (IRLS, MAD scale).

    Parameters
    ----------
    x, y : np.ndarray
        Points; centre ``x`` near 0 for precision.
    weights : np.ndarray, optional
        Inverse variances of ``y`` (e.g. from round-trip times); default 1.
    slope : float, optional
        Fix the slope and fit only the intercept.
    slope_prior : (float, float), optional
        Gaussian prior ``(mean, sd)`` of the slope (with ``weights`` as inverse variances):
        keeps short or noisy histories from extrapolating a wild slope.
    tuning : float
        Biweight cut-off in robust standard deviations.
    n_iter : int
        IRLS iterations.
    min_scale : float
        Floor of the robust scale (units of ``y``), so that near-perfect data does not reject
        everything.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    w0 = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    if len(x) == 0:
        raise ValueError("robust_line_fit needs at least one point")
    fixed = slope
    w = w0.copy()
    for _ in range(n_iter):
        a, b = _weighted_line(x, y, w, fixed, slope_prior)
        r = y - (a + b * x)
        r -= _median(r)  # an intercept pulled by outliers must not reject the inliers
        scale = max(1.4826 * _median(np.abs(r)), min_scale)
        u = r / (tuning * scale)
        bw = np.where(np.abs(u) < 1, (1 - u**2) ** 2, 0.0)
        if not np.any(bw > 0):
            break
        w_new = w0 * bw
        converged = np.abs(w_new - w).max() <= 1e-9 * w0.max()
        w = w_new
        if converged:  # the reader thread refits on every PONG: stop as soon as it is done
            break
    a, b = _weighted_line(x, y, w, fixed, slope_prior)
    r = y - (a + b * x)
    inliers = w > 0
    rms = float(np.sqrt((w[inliers] * r[inliers] ** 2).sum() / w[inliers].sum()))
    x_mean = float((w * x).sum() / w.sum())
    slope_sd = 0.0
    if fixed is None:
        sxx = float((w * (x - x_mean) ** 2).sum())
        if slope_prior is not None:
            sxx += slope_prior[1] ** -2
        slope_sd = sxx**-0.5 if sxx > 0 else float("inf")
    return LineFit(float(a), float(b), rms, inliers, x_mean, slope_sd)


def lower_envelope_line(x: np.ndarray, y: np.ndarray) -> tuple[float, float] | None:
    """The line below all points that is closest to them on average.

    It maximises ``sum(line(x_i))`` subject to ``line(x_i) <= y_i``: the edge of the lower
    convex hull above ``mean(x)``. Returns ``(intercept, slope)``, or None when fewer than two
    distinct ``x`` exist.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    order = np.lexsort((y, x))
    hull: list[tuple[float, float]] = []
    for xi, yi in zip(x[order], y[order], strict=True):
        if hull and hull[-1][0] == xi:
            continue  # same x, higher y: never on the lower hull
        while len(hull) >= 2:
            (x0, y0), (x1, y1) = hull[-2], hull[-1]
            if (x1 - x0) * (yi - y0) - (y1 - y0) * (xi - x0) <= 0:
                hull.pop()
            else:
                break
        hull.append((xi, yi))
    if len(hull) < 2:
        return None
    xm = float(x.mean())
    for (x0, y0), (x1, y1) in itertools.pairwise(hull):
        if x1 >= xm:
            slope = (y1 - y0) / (x1 - x0)
            return y0 - slope * x0, slope
    raise AssertionError("mean of x lies outside the hull")  # pragma: no cover


class ClockSync:
    """Maps one sensor's unwrapped device time (us) onto the session clock (s).

    Parameters
    ----------
    history_s : float
        Device time (s) of samples kept for the fit (long enough to measure drift).
    window_s : float
        Round trips are grouped into windows of this device time (s) ...
    keep_per_window : int
        ... and only the fastest ones of each window are fitted.
    min_round_trips : int
        Round trips needed before the round-trip fit replaces the arrival estimate.
    prior_drift_ppm : float
        Typical device clock drift (ppm, sd of a prior centred on 0): the drift fitted from a
        short history is shrunk towards 0 by it, so early extrapolation stays sane.
    min_drift_span_s : float
        Device time (s) arrivals must span before drift is fitted from them (before that the
        arrival estimate has slope 1).
    max_drift_ppm : float
        A fitted drift beyond this is not believed (slope 1 is used instead).
    arrival_bin_s : float
        Arrivals keep only their earliest sample per bin of this device time (s).

    Attributes
    ----------
    slope, intercept_s, pivot_us
        The current mapping.
    n_fits : int
        Round-trip refits so far: a round trip slower than the kept ones of its window changes
        nothing and is not refitted.
    """

    def __init__(
        self,
        *,
        history_s: float = 300.0,
        window_s: float = 5.0,
        keep_per_window: int = 3,
        min_round_trips: int = 6,
        prior_drift_ppm: float = 500.0,
        min_drift_span_s: float = 20.0,
        max_drift_ppm: float = 1000.0,
        arrival_bin_s: float = 0.5,
    ) -> None:
        self.history_s = history_s
        self.window_s = window_s
        self.keep_per_window = keep_per_window
        self.min_round_trips = min_round_trips
        self.prior_drift_ppm = prior_drift_ppm
        self.min_drift_span_s = min_drift_span_s
        self.max_drift_ppm = max_drift_ppm
        self.arrival_bin_s = arrival_bin_s
        self.reset()

    def reset(self) -> None:
        """Forget everything (the sensor rebooted: its device clock restarted)."""
        self._trips: deque[tuple[float, float, float]] = deque()  # device_mid_us, session_s, rtt
        self._arrivals: deque[tuple[int, int, float]] = deque()  # bin, device_us, arrival_s
        self._arrivals_dirty = False
        self.slope = 1.0
        self.intercept_s = float("nan")
        self.pivot_us = 0
        self._arrival_fit: tuple[float, float, int] | None = None  # intercept, slope, pivot
        self._residual_s = float("nan")
        self._min_rtt_s = float("nan")
        self._x_mean_us = 0.0  # device time (us) about which the round-trip fit is centred
        self._slope_sd = 0.0  # standard error of the fitted slope
        self._n_used = 0
        self.n_fits = 0  # round-trip refits so far (each costs about a millisecond)

    # -- samples -------------------------------------------------------------------------------

    def add_arrival(self, device_us: int, arrival_s: float) -> None:
        """A frame stamped ``device_us`` (unwrapped) was decoded at session time ``arrival_s``."""
        b = int(device_us // (self.arrival_bin_s * 1e6))
        arr = self._arrivals
        if arr and arr[-1][0] == b:
            _, d_us, a_s = arr[-1]
            if arrival_s - device_us * 1e-6 >= a_s - d_us * 1e-6:
                return
            arr.pop()
        elif arr and b < arr[-1][0]:
            return  # older than the newest bin: not expected, ignore
        arr.append((b, int(device_us), float(arrival_s)))
        oldest_b = b - int(self.history_s / self.arrival_bin_s)
        while arr and arr[0][0] < oldest_b:
            arr.popleft()
        self._arrivals_dirty = True

    def add_round_trip(self, t1_s: float, t2_us: int, t3_us: int, t4_s: float) -> None:
        """One PING/PONG round trip (see :func:`round_trip_sample`); refits the mapping."""
        sample = round_trip_sample(t1_s, t2_us, t3_us, t4_s, slope=self.slope)
        if not sample[2] >= 0:
            return  # impossible (host clock went back?): not a usable sample
        self._trips.append(sample)
        while self._trips[0][0] < sample[0] - self.history_s * 1e6:
            self._trips.popleft()
        if self.is_synced and not self._kept(sample):
            return  # the fit would not change: the reader thread is spared a refit
        self._fit_round_trips()

    def _kept(self, sample: tuple[float, float, float]) -> bool:
        """Whether ``sample`` is among the fastest ``keep_per_window`` of its window."""
        window_us = self.window_s * 1e6
        window = math.floor(sample[0] / window_us)
        faster = 0
        for trip in reversed(self._trips):
            if math.floor(trip[0] / window_us) != window:
                break
            if trip is not sample and trip[2] <= sample[2]:
                faster += 1
        return faster < self.keep_per_window

    # -- results -------------------------------------------------------------------------------

    @property
    def is_synced(self) -> bool:
        """Whether the mapping comes from round trips (not only from arrivals)."""
        return len(self._trips) >= self.min_round_trips and math.isfinite(self.intercept_s)

    @property
    def n_samples(self) -> int:
        """Round-trip samples in the current fit (after window selection and outliers)."""
        return self._n_used if self.is_synced else 0

    @property
    def span_s(self) -> float:
        """Device time (s) covered by the round trips in the history."""
        if not self._trips:
            return 0.0
        return (self._trips[-1][0] - self._trips[0][0]) * 1e-6

    @property
    def n_round_trips(self) -> int:
        """Round trips in the history."""
        return len(self._trips)

    @property
    def drift_ppm(self) -> float:
        """Device clock rate error (ppm, positive: device fast) of the mapping in use."""
        slope = self.slope if self.is_synced else self._current_arrival_fit()[1]
        return (1.0 / slope - 1.0) * 1e6

    @property
    def residual_s(self) -> float:
        """RMS spread (s) of the fitted round trips about the line (nan until synced)."""
        return self._residual_s if self.is_synced else float("nan")

    @property
    def error_bound_s(self) -> float:
        """Estimated bound (s) of the mapping error: ``residual_s`` + half the fastest round trip
        in the fit (± that half bounds the delay asymmetry).

        nan while only arrivals are known: their bias (the smallest transport delay) cannot be
        measured from them.
        """
        return self._residual_s + 0.5 * self._min_rtt_s if self.is_synced else float("nan")

    def error_bound_at(self, device_us: float) -> float:
        """Estimated bound (s) of the error of the mapped time of ``device_us`` (unwrapped).

        :attr:`error_bound_s`, plus the slope's standard error times the distance (s) from
        where the fitted round trips lie: early in a session, before the drift is measured, an
        event a few seconds away from them is mapped with the prior's slope, and its error
        grows with that distance (100 ppm over 5 s is 0.5 ms). nan while only arrivals are
        known.
        """
        if not self.is_synced:
            return float("nan")
        distance_s = abs(device_us - self._x_mean_us) * 1e-6
        return self.error_bound_s + self._slope_sd * distance_s

    def to_session_s(self, device_us):
        """Session time (s) of unwrapped device time(s) ``device_us``; nan with no samples."""
        if self.is_synced:
            a, b, pivot = self.intercept_s, self.slope, self.pivot_us
        else:
            a, b, pivot = self._current_arrival_fit()
        if isinstance(device_us, int | float):  # one event: plain floats, no numpy dispatch
            return float(a + b * ((device_us - pivot) * 1e-6))
        dev = np.asarray(device_us) - pivot
        out = a + b * (dev * 1e-6)
        return float(out) if np.ndim(out) == 0 else out

    # -- fitting -------------------------------------------------------------------------------

    def _drift_ok(self, slope: float) -> bool:
        return abs(1.0 / slope - 1.0) * 1e6 <= self.max_drift_ppm

    def _fit_round_trips(self) -> None:
        if len(self._trips) < self.min_round_trips:
            return
        self.n_fits += 1
        trips = np.array(self._trips)
        dev_us, ses_s, rtt_s = trips[:, 0], trips[:, 1], trips[:, 2]
        idx = best_per_window(
            dev_us, rtt_s, window_us=self.window_s * 1e6, keep=self.keep_per_window
        )
        dev_us, ses_s, rtt_s = dev_us[idx], ses_s[idx], rtt_s[idx]
        pivot_us = round(float(dev_us.mean()))
        x = (dev_us - pivot_us) * 1e-6
        # asymmetry is within +-rtt/2 (sd rtt/sqrt(12) if uniform); floor: the best round trip
        rtt_floor = max(float(rtt_s.min()), 1e-6)
        inv_var = 12.0 / (rtt_s**2 + rtt_floor**2)
        prior = (1.0, self.prior_drift_ppm * 1e-6)
        fit = robust_line_fit(x, ses_s, inv_var, slope_prior=prior)
        slope_sd = fit.slope_sd
        if not self._drift_ok(fit.slope):
            fit = robust_line_fit(x, ses_s, inv_var, slope=1.0)
            slope_sd = self.max_drift_ppm * 1e-6  # a drift up to the limit is not ruled out
        self.intercept_s, self.slope, self.pivot_us = fit.intercept, fit.slope, pivot_us
        self._residual_s = fit.residual
        self._x_mean_us = pivot_us + fit.x_mean * 1e6
        self._slope_sd = slope_sd
        self._min_rtt_s = float(rtt_s[fit.inliers].min())
        self._n_used = int(fit.inliers.sum())

    def _current_arrival_fit(self) -> tuple[float, float, int]:
        if self._arrivals_dirty or self._arrival_fit is None:
            self._arrival_fit = self._fit_arrivals()
            self._arrivals_dirty = False
        return self._arrival_fit

    def _fit_arrivals(self) -> tuple[float, float, int]:
        if not self._arrivals:
            return float("nan"), 1.0, 0
        arr = np.array([(d, a) for _, d, a in self._arrivals], dtype=float)
        pivot_us = int(arr[-1, 0])
        x = (arr[:, 0] - pivot_us) * 1e-6
        y = arr[:, 1]
        if float(x.max() - x.min()) >= self.min_drift_span_s:
            line = lower_envelope_line(x, y)
            if line is not None and self._drift_ok(line[1]):
                return line[0], line[1], pivot_us
        return float((y - x).min()), 1.0, pivot_us

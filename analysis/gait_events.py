"""Gait events of one foot-mounted IMU: the event model, offline (docs/gait-events.md).

One event model serves the offline detector here, the live causal detector
(:mod:`analysis.causal_events`) and its C port in ``firmware/core``: the same settings, the same
signals and the same rules, so that all three give the same events. Per foot and swing, in this
order: toe-off (TO) → mid-swing (MSW) → initial contact (IC) → mid-stance (MS) of the next stance.

Signals (foot frame x forward, y left, z up, the same frame on both feet):

- ``s``: the sagittal angular velocity ``gyr_y`` (deg/s; positive pitches the toes down) after a
  centred 3-sample median, so a single-sample spike cannot cross a threshold or zero;
- ``energy``: ``gx² + gy² + gz²`` summed over the ``ms_window_s`` window (mid-stance);
- ``jerk²``: the squared change of the acceleration vector from the previous sample,
  ``|acc[i] - acc[i-1]|²`` ((m/s²)²); the heel-strike impact is its largest value near landing.
  It uses the norm, so it does not depend on how the sensor is mounted.

Rules, per swing (the numbers are the defaults of :class:`EventSettings`):

1. **arming**: ``s`` below ``-arm_dps`` (30 deg/s), once ``s`` has been above it since the last
   swing was dropped, and not before the lock-out has passed: ``max(min_lockout_s,
   lockout_stride_pct % of the running stride time)`` after the last landing (0.2 s and 40 % of
   the median of the foot's last three strides; a stance lasts about 60 %). Impact ringing and
   the wobble of a landing cannot start a swing.
2. **confirmation**: the swing is real once ``s`` has stayed below ``-landing_dps`` (20 deg/s)
   for ``min_swing_s`` (0.12 s) after arming; a shorter negative lobe (ringing, a spike, a
   shuffle) is ignored and the stance goes on. At confirmation the stance's MS and TO are final:
   **MS**, the centre of the window of least gyro energy since the last IC was emitted; **TO**, the
   push-off peak, the largest raw ``gyr_y`` after that window (``to_landmark="gyro_zero"``: the
   fall of ``s`` through zero after that peak). A swing already under way at the first sample
   gives its IC but no MS, TO or MSW (its stance and start were not seen).
3. **mid-swing (MSW)**: the least ``s`` between arming and the swing's end.
4. **landing**: the swing ends where ``s`` rises back through ``-landing_dps`` (interpolated),
   no later than ``max_swing_s`` (1.5 s) after arming, else the swing is dropped; its zero rise is
   the first rise of ``s`` through zero after that, if it comes within ``impact_after_s``.
5. **initial contact (IC)**: with ``ic_landmark="impact"`` (default) the onset of the heel-strike
   impact, searched from ``impact_before_s`` (0.03 s) before the swing's end to
   ``impact_after_s`` (0.15 s) after its zero rise (contact comes 0–110 ms after the zero rise
   in real recordings, and a flat landing that rings the gyro may delay the zero rise past it):
   the middle of the sampling interval of the first sample whose jerk² reaches a tenth of the
   window's largest. If that largest jerk² is not at least four times the swing's own largest
   (no clear impact: a soft landing), IC is the zero rise, as with ``ic_landmark="gyro_zero"``.
   One IC per swing, by construction.

The arithmetic lives in module-level functions; :class:`GaitEventDetector` wraps them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from analysis.checks import check_allowed, check_in_range
from analysis.errors import AnalysisInputError
from analysis.imu_io import FootImu

__all__ = [
    "IC_LANDMARKS",
    "IMPACT_ONSET_SHARE",
    "IMPACT_PROMINENCE",
    "STRIDE_COLUMNS",
    "TO_LANDMARKS",
    "EventCounts",
    "EventSettings",
    "GaitEventDetector",
    "SwingEvents",
    "detect_swings",
    "gyro_energy",
    "jerk_sq",
    "lockout_samples",
    "match_events",
    "median3",
    "stride_table",
]

#: Where the initial contact is placed (docs/gait-events.md, "Which landmark").
IC_LANDMARKS: tuple[str, ...] = ("impact", "gyro_zero")
#: Where the toe-off is placed: the push-off peak of ``s`` or its zero fall after it (Rampp 2015).
TO_LANDMARKS: tuple[str, ...] = ("push_off", "gyro_zero")
#: The impact's onset: the first sample whose jerk² reaches this share of the window's largest
#: (a third of the largest jerk; onsets are conventionally taken at about a tenth of the peak),
#: so a clipped, smeared (low sampling rate) or double impact is found at its start.
IMPACT_ONSET_SHARE = 0.1
#: The impact must stand out: its jerk² at least this many times the largest of the swing before
#: (twice the jerk); else the landing has no clear impact and IC falls back to the zero rise.
IMPACT_PROMINENCE = 4.0

#: Columns of the per-stride table (stride = IC to the next IC of the same foot).
STRIDE_COLUMNS: tuple[str, ...] = (
    "ic_t_s",
    "to_t_s",
    "ms_t_s",
    "next_ic_t_s",
    "stride_time_s",
    "stance_time_s",
    "swing_time_s",
)

#: How many of the foot's last strides the lock-out's running stride time is the median of.
STRIDE_HISTORY = 3


def _round_half_even(x: float) -> int:
    """Python's ``round`` (half to even); the C port uses the same rule."""
    return round(x)


@dataclass(frozen=True)
class EventCounts:
    """The settings in samples at one sampling rate (what the loops work with)."""

    w: int
    min_swing_n: int
    max_swing_n: int
    min_lockout_n: int
    max_stride_n: int
    impact_before_n: int
    impact_after_n: int


@dataclass(frozen=True)
class EventSettings:
    """Settings of the event model (seconds and deg/s, so any rate 50–1000 Hz works).

    Attributes
    ----------
    arm_dps : float
        ``s`` below ``-arm_dps`` arms a swing, deg/s (30: Salarian 2004 used 50 on the shank,
        but the first swing of a paretic foot from standing peaks at about -45 deg/s; the
        confirmation rule, not this threshold, keeps wobbles out).
    landing_dps : float
        The swing ends when ``s`` rises back above ``-landing_dps``, deg/s (20: the toe-up
        rotation has stopped; a flat landing whose impact rings the gyro may not reach zero).
    ms_window_s : float
        Mid-stance least-energy window, s (Rampp 2014: 0.1).
    min_swing_s : float
        A negative lobe of ``s`` shorter than this after arming is not a swing, s.
    max_swing_s : float
        A swing with no landing this long after arming is dropped, s.
    min_lockout_s : float
        Shortest time after a landing before the next swing may arm, s.
    lockout_stride_pct : int
        The lock-out is at least this percentage of the running stride time (median of the
        foot's last three strides, while they are no longer than ``max_stride_s``).
    max_stride_s : float
        A longer IC-to-IC time is a stop: the running stride time starts afresh, s.
    impact_before_s, impact_after_s : float
        The impact is searched from this long before to this long after the landing, s.
    ic_landmark : str
        ``"impact"`` (heel-strike impact; default) or ``"gyro_zero"`` (the zero rise of ``s``).
    to_landmark : str
        ``"push_off"`` (the push-off peak of ``s``; default) or ``"gyro_zero"`` (the fall of ``s``
        through zero after it, Rampp 2015 / gaitmap).
    """

    arm_dps: float = 30.0
    landing_dps: float = 20.0
    ms_window_s: float = 0.1
    min_swing_s: float = 0.12
    max_swing_s: float = 1.5
    min_lockout_s: float = 0.2
    lockout_stride_pct: int = 40
    max_stride_s: float = 3.0
    impact_before_s: float = 0.03
    impact_after_s: float = 0.15
    ic_landmark: str = "impact"
    to_landmark: str = "push_off"

    def __post_init__(self) -> None:
        limits = {
            "arm_dps": (1.0, 1000.0, "deg/s"),
            "landing_dps": (0.0, 100.0, "deg/s"),
            "ms_window_s": (0.01, 0.1, "s"),
            "min_swing_s": (0.02, 0.5, "s"),
            "max_swing_s": (0.5, 5.0, "s"),
            "min_lockout_s": (0.05, 1.0, "s"),
            "lockout_stride_pct": (0, 80, "%"),
            "max_stride_s": (1.0, 10.0, "s"),
            "impact_before_s": (0.0, 0.1, "s"),
            "impact_after_s": (0.0, 0.3, "s"),
        }
        for name, (low, high, unit) in limits.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise AnalysisInputError(f"{name} must be a number ({unit}), got {value!r}")
            check_in_range(f"{name} = {value!r}", value, low, high, f"{low:g}–{high:g} {unit}")
        if not isinstance(self.lockout_stride_pct, int):
            raise AnalysisInputError(
                f"lockout_stride_pct must be a whole number of %, got {self.lockout_stride_pct!r}"
            )
        for name, allowed in (("ic_landmark", IC_LANDMARKS), ("to_landmark", TO_LANDMARKS)):
            check_allowed(name, getattr(self, name), allowed)
        if self.min_lockout_s <= self.impact_after_s:
            raise AnalysisInputError(
                f"min_lockout_s ({self.min_lockout_s:g} s) must exceed impact_after_s "
                f"({self.impact_after_s:g} s): a swing may not start while the impact is searched"
            )
        if not self.impact_before_s < self.min_swing_s < self.max_swing_s:
            raise AnalysisInputError(
                "settings must satisfy impact_before_s < min_swing_s < max_swing_s"
            )

    def counts(self, sampling_rate_hz: float) -> EventCounts:
        """The settings in samples at ``sampling_rate_hz`` (Python ``round``, half to even)."""
        fs = float(sampling_rate_hz)
        return EventCounts(
            w=max(2, _round_half_even(self.ms_window_s * fs)),
            min_swing_n=max(1, _round_half_even(self.min_swing_s * fs)),
            max_swing_n=_round_half_even(self.max_swing_s * fs),
            min_lockout_n=_round_half_even(self.min_lockout_s * fs),
            max_stride_n=_round_half_even(self.max_stride_s * fs),
            impact_before_n=_round_half_even(self.impact_before_s * fs),
            impact_after_n=_round_half_even(self.impact_after_s * fs),
        )

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The settings' names."""
        return tuple(f.name for f in fields(cls))


def median3(x: np.ndarray) -> np.ndarray:
    """Centred 3-sample median; the first and last sample repeat themselves at the edges."""
    x = np.asarray(x, dtype=np.float64)
    if x.size < 3:
        return x.copy()
    padded = np.concatenate(([x[0]], x, [x[-1]]))
    a, b, c = padded[:-2], padded[1:-1], padded[2:]
    return np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))


def jerk_sq(acc_mps2: np.ndarray) -> np.ndarray:
    """``|acc[i] - acc[i-1]|²`` per sample, (m/s²)²; 0 for the first sample."""
    acc = np.asarray(acc_mps2, dtype=np.float64)
    out = np.zeros(acc.shape[0])
    if acc.shape[0] > 1:
        d = np.diff(acc, axis=0)
        out[1:] = np.einsum("ij,ij->i", d, d)
    return out


def gyro_energy(gyr_dps: np.ndarray) -> np.ndarray:
    """``gx² + gy² + gz²`` per sample, (deg/s)²."""
    gyr = np.asarray(gyr_dps, dtype=np.float64)
    return np.einsum("ij,ij->i", gyr, gyr)


def lockout_samples(history_n: list[int], min_lockout_n: int, pct: int) -> int:
    """Lock-out after a landing, samples: ``max(min_lockout_n, pct % of the running stride)``.

    The running stride is the median of the last three strides in ``history_n`` (samples); of
    two, the shorter (a lock-out errs short); none: 0.
    """
    h = history_n[-STRIDE_HISTORY:]
    if not h:
        ref = 0
    elif len(h) < 3:
        ref = min(h)
    else:
        ref = sorted(h)[1]
    return max(min_lockout_n, ref * pct // 100)


@dataclass(frozen=True)
class SwingEvents:
    """Events of each detected swing, in fractional sample indices (NaN where absent).

    Attributes
    ----------
    ms_idx : ndarray
        Mid-stance (centre of the least-energy window) of the stance before the swing.
    to_idx : ndarray
        Toe-off (push-off peak of ``s``) of that stance.
    msw_idx : ndarray
        Mid-swing (minimum of ``s``); NaN, like MS and TO, for a swing that was under way at
        the first sample.
    end_idx : ndarray
        End of the swing: ``s`` rising through ``-landing_dps`` (interpolated).
    zero_idx : ndarray
        The interpolated zero rise of ``s`` after the swing's end (the swing's end where ``s``
        does not reach zero within ``impact_after_s``).
    ic_idx : ndarray
        Initial contact at the chosen landmark.
    confirm_idx, ic_detected_idx : ndarray
        Input samples at which the live detector emits MS and TO (confirmation), and IC.
    ic_from_impact : ndarray of bool
        True where IC is an impact onset, False where it is the landing (``gyro_zero``, or no
        clear impact).
    """

    ms_idx: np.ndarray
    to_idx: np.ndarray
    msw_idx: np.ndarray
    end_idx: np.ndarray
    zero_idx: np.ndarray
    ic_idx: np.ndarray
    confirm_idx: np.ndarray
    ic_detected_idx: np.ndarray
    ic_from_impact: np.ndarray

    def __len__(self) -> int:
        return int(self.ic_idx.size)


class _Searcher:
    """First index at or after a position where a condition holds (precomputed, sorted)."""

    def __init__(self, where: np.ndarray) -> None:
        self.idx = np.flatnonzero(where)

    def first(self, start: int) -> int | None:
        k = int(np.searchsorted(self.idx, start))
        return int(self.idx[k]) if k < self.idx.size else None


def _stance_events(
    energy_w: np.ndarray,
    s: np.ndarray,
    raw_s: np.ndarray,
    reset: int,
    confirm: int,
    w: int,
    to_zero: bool,
) -> tuple[float, float]:
    """MS and TO of the stance tracked over samples ``(reset, confirm]`` (NaN where none).

    The push-off peak is the largest raw ``gyr_y`` (the median would flatten a sharp peak and
    let an earlier, broader hump win at 100 Hz); its zero fall is found on the median ``s``.
    """
    lo = reset + w
    if lo <= confirm:
        e = lo + int(np.argmin(energy_w[lo : confirm + 1]))
        ms = e - (w - 1) / 2.0
        to_start = e + 1
    else:
        ms = math.nan
        to_start = reset + 1
    if to_start > confirm:
        return ms, math.nan
    peak = to_start + int(np.argmax(raw_s[to_start : confirm + 1]))
    if not to_zero:
        return ms, float(peak)
    seg = s[peak : confirm + 1]  # the first fall through zero after the peak
    falls = np.flatnonzero((seg[:-1] >= 0.0) & (seg[1:] < 0.0))
    if falls.size == 0:
        return ms, math.nan
    k = peak + int(falls[0]) + 1
    return ms, (k - 1) + s[k - 1] / (s[k - 1] - s[k])


def detect_swings(
    acc_mps2: np.ndarray,
    gyr_dps: np.ndarray,
    sampling_rate_hz: float,
    settings: EventSettings | None = None,
) -> SwingEvents:
    """Detect MS, TO, MSW, landing and IC of every swing (vectorised, one loop over swings).

    Gives exactly the events the live detector (:mod:`analysis.causal_events`) emits on the
    same samples: the live detector works one sample behind (the centred median needs the next
    sample), so the last sample is never analysed here either.

    Parameters
    ----------
    acc_mps2, gyr_dps : ndarray, shape (n, 3)
        Acceleration (m/s²) and angular velocity (deg/s) in the foot frame.
    sampling_rate_hz : float
        Sampling rate, Hz.
    settings : EventSettings, optional
        The event model's settings (defaults if None).

    Returns
    -------
    SwingEvents
        One entry per swing that ended in an IC.
    """
    cfg = settings if settings is not None else EventSettings()
    acc = np.asarray(acc_mps2, dtype=np.float64)
    gyr = np.asarray(gyr_dps, dtype=np.float64)
    if gyr.ndim != 2 or gyr.shape[1] != 3:
        raise AnalysisInputError(f"gyr has shape {gyr.shape}; expected (n_samples, 3)")
    if acc.shape != gyr.shape:
        raise AnalysisInputError(
            f"acc has shape {acc.shape} but gyr {gyr.shape}; they must match (n_samples, 3)"
        )
    c = cfg.counts(sampling_rate_hz)
    impact = cfg.ic_landmark == "impact"
    to_zero = cfg.to_landmark == "gyro_zero"
    n = max(gyr.shape[0] - 1, 0)  # samples the live detector has analysed at the end
    s = median3(gyr[:, 1])[:n]
    w = c.w
    energy_w = np.full(n, np.inf)
    if n >= w:  # a convolution, not a cumulative sum: no precision loss on long recordings
        energy_w[w - 1 :] = np.convolve(gyro_energy(gyr[:n]), np.ones(w), "valid")
    j2 = jerk_sq(acc[:n])
    above_arm = _Searcher(s >= -cfg.arm_dps)
    below_arm = _Searcher(s < -cfg.arm_dps)
    landed = -float(cfg.landing_dps)
    swing_over = _Searcher(s >= landed)
    non_negative = _Searcher(s >= 0.0)
    out: dict[str, list[float]] = {f.name: [] for f in fields(SwingEvents)}
    reset = -1  # stance trackers cover samples after this one
    earliest = 0  # lock-out: no arming before this sample
    search = 0  # the stance branch runs from here (after a landing or a drop)
    fell = True  # s has been above -arm_dps since the last drop (a start mid-swing may arm)
    history: list[int] = []
    last_k: int | None = None
    while True:
        start = search
        if not fell:
            f = above_arm.first(start)
            if f is None:
                break
            start = f + 1
        a = below_arm.first(max(start, earliest))
        if a is None:
            break
        j = swing_over.first(a + 1)
        confirm = a + c.min_swing_n
        if j is None:
            j = n
        if j <= confirm:  # a short negative lobe: not a swing; the stance goes on
            if j >= n:
                break
            search, fell = j + 1, True
            continue
        if confirm >= n:
            break
        if j - a > c.max_swing_n:  # no landing: drop the swing
            drop = a + c.max_swing_n
            if drop >= n:
                break
            reset, search, fell = drop, drop + 1, False
            continue
        if j >= n:
            break
        ms, to = _stance_events(energy_w, s, gyr[:, 1], reset, confirm, w, to_zero)
        msw = float(a + int(np.argmin(s[a:j])))
        if a == 0:  # armed at the first sample: the swing began before the data, its stance too
            ms = to = msw = math.nan
        end = (j - 1) + (landed - s[j - 1]) / (s[j] - s[j - 1])
        z = non_negative.first(j)
        if z is not None and z <= j + c.impact_after_n:
            zj, zero = z, (z - 1) + (-s[z - 1]) / (s[z] - s[z - 1])
        else:  # no zero rise soon after the swing's end: the end stands in for it
            zj, zero = j + c.impact_after_n, end
        if zj >= n:
            break
        k, ic, detected, from_impact = zj, zero, zj, False
        if impact:
            w0 = j - c.impact_before_n  # > a: min_swing_s > impact_before_s
            w1 = zj + c.impact_after_n
            if w1 >= n:
                break
            seg = j2[w0 : w1 + 1]
            peak = float(seg.max())
            detected = w1
            swing = float(j2[a:w0].max(initial=0.0))
            if peak > 0.0 and peak >= IMPACT_PROMINENCE * swing:
                k = w0 + int(np.argmax(seg >= IMPACT_ONSET_SHARE * peak))
                ic, from_impact = k - 0.5, True
        if last_k is not None and k - last_k <= c.max_stride_n:
            history = [*history[-(STRIDE_HISTORY - 1) :], k - last_k]
        else:
            history = []
        last_k = k
        earliest = zj + lockout_samples(history, c.min_lockout_n, cfg.lockout_stride_pct)
        for name, value in (
            ("ms_idx", ms),
            ("to_idx", to),
            ("msw_idx", msw),
            ("end_idx", end),
            ("zero_idx", zero),
            ("ic_idx", ic),
            ("confirm_idx", float(confirm + 1)),  # + 1: the live detector's median lag
            ("ic_detected_idx", float(detected + 1)),
            ("ic_from_impact", from_impact),
        ):
            out[name].append(value)
        reset, search, fell = detected, detected + 1, True  # the next stance starts after IC
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}
    arrays["ic_from_impact"] = arrays["ic_from_impact"].astype(bool)
    return SwingEvents(**arrays)


def stride_table(
    swings: SwingEvents, sampling_rate_hz: float, max_stride_s: float = 3.0
) -> dict[str, np.ndarray]:
    """Per-stride times from consecutive swings (IC to the next IC of the same foot), seconds.

    A stride runs from the IC of swing k to the IC of swing k+1; its TO and MS are those of swing
    k+1 (the stance in between). Strides longer than ``max_stride_s`` (a stop) are left out.
    Columns are :data:`STRIDE_COLUMNS` (stance = TO - IC, swing = next IC - TO; times from the
    first sample) and ``swing_index``, the index in ``swings`` of the swing inside the stride.
    """
    fs = float(sampling_rate_hz)
    ic = swings.ic_idx / fs
    to = swings.to_idx / fs
    ms = swings.ms_idx / fs
    if ic.size < 2:
        return {"swing_index": np.empty(0, dtype=np.int64)} | {
            c: np.empty(0) for c in STRIDE_COLUMNS
        }
    stride = ic[1:] - ic[:-1]
    keep = stride <= max_stride_s
    table = {
        "swing_index": np.flatnonzero(keep) + 1,
        "ic_t_s": ic[:-1][keep],
        "to_t_s": to[1:][keep],
        "ms_t_s": ms[1:][keep],
        "next_ic_t_s": ic[1:][keep],
        "stride_time_s": stride[keep],
    }
    table["stance_time_s"] = table["to_t_s"] - table["ic_t_s"]
    table["swing_time_s"] = table["next_ic_t_s"] - table["to_t_s"]
    return table


class GaitEventDetector:
    """Offline gait events of one foot (the event model of the module docstring).

    Parameters
    ----------
    max_stride_s : float
        Longest IC-to-IC time counted as a stride in :attr:`strides_`, s. Default 3.
    **settings
        Any :class:`EventSettings` field, e.g. ``ic_landmark="gyro_zero"``.

    Attributes
    ----------
    ic_t_s_, to_t_s_, ms_t_s_, msw_t_s_ : ndarray
        Event times, s on the recording's clock (``imu.first_t_s`` plus the time from the first
        sample); TO and MS leave out stances too short to have one.
    swings_ : SwingEvents
        Per-swing events in fractional sample indices.
    strides_ : dict of ndarray
        Per-stride table, columns :data:`STRIDE_COLUMNS` (s) and ``swing_index``.
    """

    def __init__(self, max_stride_s: float = 3.0, **settings: object) -> None:
        unknown = [k for k in settings if k not in EventSettings.names()]
        if unknown:
            raise AnalysisInputError(
                f"unknown event setting {unknown[0]!r}; allowed: {', '.join(EventSettings.names())}"
            )
        self.max_stride_s = max_stride_s
        self.settings = EventSettings(**settings)  # type: ignore[arg-type]

    def detect(self, imu: FootImu) -> GaitEventDetector:
        """Detect the events of ``imu`` (one foot, foot frame); returns ``self``."""
        if not isinstance(imu, FootImu):
            raise AnalysisInputError(
                f"imu is {type(imu).__name__}; expected analysis.imu_io.FootImu"
            )
        fs = imu.sampling_rate_hz
        t0 = float(getattr(imu, "first_t_s", 0.0))
        self.sampling_rate_hz_ = fs
        self.swings_ = detect_swings(imu.acc_mps2, imu.gyr_dps, fs, self.settings)
        sw = self.swings_
        self.ic_t_s_ = t0 + sw.ic_idx / fs
        self.to_t_s_ = t0 + sw.to_idx[np.isfinite(sw.to_idx)] / fs
        self.msw_t_s_ = t0 + sw.msw_idx[np.isfinite(sw.msw_idx)] / fs
        self.ms_t_s_ = t0 + sw.ms_idx[np.isfinite(sw.ms_idx)] / fs
        table = stride_table(sw, fs, self.max_stride_s)
        for col in STRIDE_COLUMNS:
            if col.endswith("_t_s"):
                table[col] = table[col] + t0
        self.strides_ = table
        return self


def match_events(
    detected: np.ndarray, reference: np.ndarray, tolerance: float
) -> dict[str, float | np.ndarray]:
    """Match detected to reference events one-to-one (nearest first) within ``tolerance``.

    Parameters
    ----------
    detected, reference : ndarray
        Event times (any unit, the same for both and for ``tolerance``).
    tolerance : float
        Largest |detected - reference| counted as a match.

    Returns
    -------
    dict
        ``tp``, ``fp``, ``fn``, ``f1`` (2 tp / (2 tp + fp + fn)), ``error`` (detected - reference
        of each match, in reference order) and ``ref_index`` (the matched references).
    """
    det = np.sort(np.asarray(detected, dtype=np.float64))
    ref = np.asarray(reference, dtype=np.float64)
    pairs = []
    if det.size and ref.size:
        diff = np.abs(det[None, :] - ref[:, None])
        cand = np.argwhere(diff <= tolerance)
        cand = cand[np.argsort(diff[cand[:, 0], cand[:, 1]], kind="stable")]
        used_r: set[int] = set()
        used_d: set[int] = set()
        for r, d in cand.tolist():
            if r not in used_r and d not in used_d:
                used_r.add(r)
                used_d.add(d)
                pairs.append((r, d))
    pairs.sort()
    tp = len(pairs)
    fp = det.size - tp
    fn = ref.size - tp
    f1 = 2 * tp / (2 * tp + fp + fn) if (tp + fp + fn) else 1.0
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "f1": f1,
        "error": np.asarray([det[d] - ref[r] for r, d in pairs]),
        "ref_index": np.asarray([r for r, _ in pairs], dtype=np.int64),
    }

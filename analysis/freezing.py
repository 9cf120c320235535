"""Freezing of gait (FOG): freeze index, power gate, stepping veto, halts and episode rules.

Method, in this order (defaults cited at the constants below, argued in docs/gait-measures.md):

1. **Freeze index** FI = P(3–8 Hz) / P(0.5–3 Hz): the power of one acceleration axis of the
   ankle, shank or foot in the "freeze" band over that in the "locomotor" band (Moore,
   MacDougall & Ondo 2008), over a moving window of 4 s stepped by 0.5 s (Bächlin et al. 2010).
   Power per window: mean removed, Hann taper, one-sided periodogram scaled so that a band power
   is the mean square acceleration in that band ((m/s²)²; a sine of amplitude A gives A²/2).
   A frequency bin straddling a band edge is split in proportion (:func:`band_weights`), so the
   figures do not depend on the sampling rate (50–1000 Hz, 64 Hz included).
2. **Power gate** (Bächlin 2010): a window counts only if P(0.5–8 Hz) ≥ the gate, so standing
   still, whose FI is high (sensor noise has more bandwidth in 3–8 Hz than in 0.5–3 Hz), is not
   a freeze. A window with FI ≥ the threshold and power ≥ the gate is a *candidate*.
3. **Stepping veto** (only when initial contacts are given): a candidate whose centre lies
   between two consecutive ICs (either foot) a normal step apart — within [0.5, 1.5] × the
   median IC interval and at most 2 s, the pause rule of :mod:`analysis.spatiotemporal` — is
   walking, not freezing. Freezing is the absence of effective steps; the FI alone cannot see
   steps, and on a foot-mounted sensor it reads fast walking as trembling (see below). A window
   centred between steps that reaches over a step is analysed on the stretch between the two
   ICs only (:func:`gap_band_powers`), so a freeze shorter than the window is not diluted.
4. **Halt rule** (only when initial contacts are given): freezing is the absence of effective
   steps despite the intention to walk (Nutt et al. 2011, Lancet Neurol 10:734). Where ongoing
   walking halts — no normal step for more than 1.5 strides (clinical.md: "a gap > 1.5 × the
   mean cycle means the patient stopped"; one missed IC leaves only one stride) — and the legs
   keep moving (power ≥ the gate over the halt, leaving out the landing before it and the
   push-off and swing after it), the window is a freeze whatever its FI: small shuffling steps
   at 2–3 per s have their power in the locomotor band and an FI below 1. A halt in which the
   legs do not move (akinetic freezing, or a voluntary stop: the sensor cannot tell them apart)
   is not counted, nor is anything without ICs (acceleration-only data rely on the FI alone).
   The rule trusts the ICs: legs moving through 1.5 strides of steps the step detector missed
   (e.g. turning on the spot) would read as a freeze.
5. **Episodes**: each decision covers [c − step/2, c + step/2) around its window centre c; runs
   of candidate decisions separated by at most ``merge_gap_s`` (1 s) are merged into one
   episode unless a normal step lies between them, and episodes shorter than
   ``min_duration_s`` (1 s) are dropped.

Why the plain runs of frozen windows (the previous detector) reported freezes in steady walking:
on the foot, the vertical acceleration carries the heel-strike impact and the swing of gravity
through the foot's pitch once per stride, so its spectrum is a long series of stride harmonics.
When the stride frequency passes about 1 Hz (cadence ≳ 115 steps/min: a +10 % cue on a healthy
110 steps/min) the third harmonic crosses 3 Hz and FI of steady walking jumps from about 0.5 to
about 2 — every window "frozen" (benchmarks/freezing_accuracy.py). On real foot recordings
(tests/data/gaitmap-example) the vertical axis's FI sits at about 1.0–1.5 in steady walking and
crosses 1.5 in single windows at turns and stops; each such 0.5 s blip was an episode. The
horizontal forward axis of the same recordings (:func:`horizontal_forward`) stays below 1.3
while walking; sessions analyse it, with the ICs the session recorded.

A wrong freezing count is worse than none: with too little signal the result carries a
``reason`` and NaN figures, never a zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from analysis.checks import check_finite_1d, check_setting
from analysis.errors import AnalysisInputError
from analysis.spatiotemporal import (
    DEFAULT_MAX_STEP_FACTOR,
    DEFAULT_MAX_STEP_TIME_S,
    DEFAULT_MIN_STEP_FACTOR,
)

__all__ = [
    "DEFAULT_FREEZE_BAND_HZ",
    "DEFAULT_FREEZE_INDEX_THRESHOLD",
    "DEFAULT_HALT_FACTOR",
    "DEFAULT_LOCOMOTOR_BAND_HZ",
    "DEFAULT_MAX_HALT_S",
    "DEFAULT_MERGE_GAP_S",
    "DEFAULT_MIN_DURATION_S",
    "DEFAULT_POWER_THRESHOLD_M2_S4",
    "DEFAULT_STEP_S",
    "DEFAULT_WINDOW_S",
    "FreezingResult",
    "band_powers",
    "band_weights",
    "clip_freezing",
    "episodes_from_decisions",
    "freezing_of_gait",
    "gap_band_powers",
    "halt_band_powers",
    "horizontal_forward",
    "stepping_mask",
    "walking_halts",
]

#: Moving window, s (Bächlin et al. 2010; Moore 2008 used 6 s, Moore 2013 5 s).
DEFAULT_WINDOW_S = 4.0
#: Window step = decision resolution, s (Bächlin et al. 2010).
DEFAULT_STEP_S = 0.5
#: Locomotor band, Hz (Moore et al. 2008; Moore 2013 used 0–3 Hz).
DEFAULT_LOCOMOTOR_BAND_HZ = (0.5, 3.0)
#: Freeze band, Hz (Moore et al. 2008).
DEFAULT_FREEZE_BAND_HZ = (3.0, 8.0)
#: FI at or above which a window is a candidate: Bächlin 2010's reference code (the Daphnet
#: release) uses 1.5 as its general value (3 for some patients); plain power ratio as here.
DEFAULT_FREEZE_INDEX_THRESHOLD = 1.5
#: Power gate P(0.5–8 Hz), (m/s²)²: Bächlin 2010's reference code gates the sum of the two band
#: areas at 2^12 (2^11.5 as alternative) in its units (acceleration in mg, 4 s windows at 64 Hz,
#: |FFT|²/N integrated over bins with step 1/rate: area = 2 × mean square), i.e. a mean square of
#: 2048 mg² = 0.197 (m/s²)² (RMS 0.44 m/s²); 2^11.5 gives 0.14.
DEFAULT_POWER_THRESHOLD_M2_S4 = 0.2
#: Candidate runs closer than this are one episode, s: two decision steps; windows on either side
#: of such a gap share ≥ 75 % of their samples, so the gap is below the method's resolution.
DEFAULT_MERGE_GAP_S = 1.0
#: Shortest episode reported, s: "very short" FOG (< 1 s) is where raters and algorithms
#: disagree (Mancini et al. 2021, J NeuroEng Rehabil 18:1); one isolated 0.5 s decision is noise.
DEFAULT_MIN_DURATION_S = 1.0
#: Shortest stretch between two ICs whose power is taken on its own, s: the shortest episode.
MIN_GAP_SEGMENT_S = DEFAULT_MIN_DURATION_S
#: A stretch of walking without a normal step longer than this many median IC intervals is a
#: *halt*: 3 intervals = 1.5 × the median stride, clinical.md's rule of real-time detectors ("a
#: gap > 1.5 × the mean cycle means the patient stopped"). One missed IC leaves a 2-interval
#: stretch (a stride), which is not a halt.
DEFAULT_HALT_FACTOR = 3.0
#: Halts longer than this are rests, not freezes of ongoing gait, s (freezing episodes last
#: seconds, "most < 10 s", Schaafsma et al. 2003; the longest seen in the lab are well under a
#: minute).
DEFAULT_MAX_HALT_S = 60.0
#: Parts of a halt not used to judge whether the legs moved, in median IC intervals: after its
#: first IC the landing of that step (impact, ringing, the foot flattening), before its last IC
#: the push-off and swing of the step that ends it.
HALT_TRIM_FACTORS = (0.5, 1.0)

_EPS_S = 1e-9
_CHUNK_WINDOWS = 512  # windows per FFT batch (bounds memory at 1000 Hz)


@dataclass(frozen=True, eq=False)
class FreezingResult:
    """Freeze index per window, freezing episodes and % time frozen.

    Attributes
    ----------
    window_center_t_s : ndarray, shape (k,)
        Window centres = decision times, s (signal clock).
    freeze_index, total_power_m2_s4 : ndarray, shape (k,)
        FI (NaN where there is no power at all) and P(0.5–8 Hz), (m/s²)².
    candidate : ndarray of bool, shape (k,)
        FI ≥ threshold and power ≥ gate.
    stepping : ndarray of bool, shape (k,)
        Decision inside a normal step (always False without ICs).
    halted : ndarray of bool, shape (k,)
        Decision inside a halt of walking while the legs move (power ≥ the gate): a freeze
        whatever its FI (always False without ICs).
    frozen : ndarray of bool, shape (k,)
        Decision inside a reported episode.
    episodes_t_s : ndarray, shape (n, 2)
        Episodes (start, end), s.
    n_episodes : int
        Number of episodes (NaN-free; see ``reason``).
    frozen_time_s, analysed_time_s : float
        Time in episodes and time assessed, s.
    analysed_t_s : (float, float)
        The assessed span (start, end), s; (NaN, NaN) if none.
    frozen_pct : float
        frozen / analysed time × 100 (NaN if nothing was assessed).
    used_ics : bool
        Whether ICs vetoed stepping windows.
    reason : str
        Why nothing (or only part) was assessed; "" otherwise. When set, figures are not counts.
    """

    window_center_t_s: np.ndarray
    freeze_index: np.ndarray
    total_power_m2_s4: np.ndarray
    candidate: np.ndarray
    stepping: np.ndarray
    halted: np.ndarray
    frozen: np.ndarray
    episodes_t_s: np.ndarray
    n_episodes: int
    frozen_time_s: float
    analysed_time_s: float
    analysed_t_s: tuple[float, float]
    frozen_pct: float
    used_ics: bool
    reason: str


def _band(lo_hi: Any, name: str, nyquist_hz: float) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in lo_hi)
    except (TypeError, ValueError) as exc:
        raise AnalysisInputError(f"{name} must be (low_hz, high_hz), got {lo_hi!r}") from exc
    if not (0 <= lo < hi < nyquist_hz):
        raise AnalysisInputError(
            f"{name} must satisfy 0 <= low < high < Nyquist ({nyquist_hz:g} Hz), got {lo_hi!r}"
        )
    return lo, hi


def _check_acc(acc_mps2: Any) -> np.ndarray:
    return check_finite_1d(
        acc_mps2, "acc_mps2", shape_hint=" (one axis)", rule="acceleration must be finite"
    )


def _check_ics(ic_t_s: Any) -> np.ndarray:
    ic = check_finite_1d(
        ic_t_s,
        "ic_t_s",
        what="times in s",
        shape_hint=" of times (s)",
        rule="IC times must be finite seconds",
    )
    return np.unique(ic)


def band_weights(f_hz: np.ndarray, band_hz: tuple[float, float]) -> np.ndarray:
    """Share (0–1) of each frequency bin inside a band: bin k covers f_k ± df/2.

    A bin straddling a band edge is split in proportion, so the band power does not jump when
    the sampling rate or window length moves a bin across the edge (at 102.4 Hz the bin next to
    3 Hz is 2.997 Hz, at 64 Hz it is 3.000 Hz: with whole bins a stride harmonic near 3 Hz would
    change band with the rate). The DC bin is never counted.
    """
    df = float(f_hz[1] - f_hz[0]) if f_hz.size > 1 else 1.0
    lo = np.maximum(f_hz - df / 2, band_hz[0])
    hi = np.minimum(f_hz + df / 2, band_hz[1])
    w = np.clip((hi - lo) / df, 0.0, 1.0)
    w[f_hz <= 0] = 0.0
    return w


def band_powers(
    acc_mps2: np.ndarray,
    sampling_rate_hz: float,
    *,
    window_s: float = DEFAULT_WINDOW_S,
    step_s: float = DEFAULT_STEP_S,
    locomotor_band_hz: tuple[float, float] = DEFAULT_LOCOMOTOR_BAND_HZ,
    freeze_band_hz: tuple[float, float] = DEFAULT_FREEZE_BAND_HZ,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Locomotor- and freeze-band power of each moving window.

    Parameters
    ----------
    acc_mps2 : ndarray, shape (n,)
        One acceleration axis, m/s², evenly sampled (checked by the caller).
    sampling_rate_hz : float
        Sampling rate, Hz.
    window_s, step_s : float
        Window length and step, s.
    locomotor_band_hz, freeze_band_hz : (float, float)
        Band edges, Hz (locomotor half-open [lo, hi), freeze closed).

    Returns
    -------
    centers_idx : ndarray, shape (k,)
        Window centres in (fractional) samples from the first sample.
    p_loco_m2_s4, p_freeze_m2_s4 : ndarray, shape (k,)
        Band powers = mean square acceleration in the band, (m/s²)².
    step_used_s : float
        The step actually used (a whole number of samples), s.
    """
    fs = float(sampling_rate_hz)
    n_win = round(window_s * fs)
    n_step = max(1, round(step_s * fs))
    if acc_mps2.size < n_win:
        e = np.zeros(0)
        return e, e, e, n_step / fs
    frames_all = sliding_window_view(acc_mps2, n_win)[::n_step]
    taper = np.hanning(n_win)
    scale = 1.0 / (fs * float((taper**2).sum()))
    f_hz = np.fft.rfftfreq(n_win, 1.0 / fs)
    w_loco = band_weights(f_hz, locomotor_band_hz) * (fs / n_win)
    w_frz = band_weights(f_hz, freeze_band_hz) * (fs / n_win)
    k = frames_all.shape[0]
    p_loco = np.empty(k)
    p_frz = np.empty(k)
    for a in range(0, k, _CHUNK_WINDOWS):
        frames = frames_all[a : a + _CHUNK_WINDOWS]
        frames = (frames - frames.mean(axis=1, keepdims=True)) * taper
        psd = np.abs(np.fft.rfft(frames, axis=1)) ** 2 * (2.0 * scale)  # one-sided (DC unused)
        p_loco[a : a + frames.shape[0]] = psd @ w_loco
        p_frz[a : a + frames.shape[0]] = psd @ w_frz
    centers = np.arange(k) * n_step + n_win / 2
    return centers, p_loco, p_frz, n_step / fs


def horizontal_forward(acc_mps2: Any) -> np.ndarray:
    """Acceleration along the horizontal part of the foot's x axis (forward), m/s².

    Up is the mean acceleration (gravity: the foot's own acceleration averages out over a
    walk); forward is the sensor's x axis with its component along up removed. For a foot-frame
    signal this is x when the foot is flat; for a sensor pitched on the instep (x partly
    vertical) it is still the forward direction of the sagittal plane, without the heel-strike
    impact and the swing of gravity that make the vertical axis read walking as trembling.

    Parameters
    ----------
    acc_mps2 : array_like, shape (n, 3)
        Acceleration x, y, z including gravity, m/s² (x forward, z up).

    Returns
    -------
    ndarray, shape (n,)
    """
    acc = np.asarray(acc_mps2, dtype=float)
    if acc.ndim != 2 or acc.shape[1] != 3 or acc.shape[0] == 0:
        raise AnalysisInputError(f"acc_mps2 must have shape (n, 3) for x, y, z; got {acc.shape}")
    if not np.isfinite(acc).all():
        raise AnalysisInputError("acc_mps2 holds NaN/inf; acceleration must be finite")
    up = acc.mean(axis=0)
    g = float(np.linalg.norm(up))
    if g < 1.0:
        raise AnalysisInputError(
            f"mean acceleration is {g:.2f} m/s²; need acceleration including gravity (≈ 9.81)"
        )
    up /= g
    fwd = np.array([1.0, 0.0, 0.0]) - up[0] * up
    n = float(np.linalg.norm(fwd))
    if n < 0.2:
        raise AnalysisInputError(
            "the sensor's x axis is within 12° of vertical; give the foot-frame acceleration"
        )
    return acc @ (fwd / n)


def _classify(
    p_loco: np.ndarray, p_frz: np.ndarray, fi_thr: float, p_thr: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """FI (NaN without power, inf without locomotor power), total power and candidates."""
    total = p_loco + p_frz
    fi = np.full(p_loco.size, np.nan)
    np.divide(p_frz, p_loco, out=fi, where=p_loco > 0)
    fi[(p_loco == 0) & (p_frz > 0)] = np.inf
    candidate = (total >= p_thr) & (total > 0)
    candidate[candidate] &= fi[candidate] >= fi_thr
    return fi, total, candidate


def gap_band_powers(
    acc_mps2: np.ndarray,
    sampling_rate_hz: float,
    centers_idx: np.ndarray,
    *,
    ic_idx: np.ndarray,
    consider: np.ndarray,
    window_s: float = DEFAULT_WINDOW_S,
    locomotor_band_hz: tuple[float, float] = DEFAULT_LOCOMOTOR_BAND_HZ,
    freeze_band_hz: tuple[float, float] = DEFAULT_FREEZE_BAND_HZ,
    min_segment_s: float = MIN_GAP_SEGMENT_S,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Band powers of windows confined to the stretch without steps around their centre.

    For a window centred between two ICs that are not a normal step apart (``consider``), the
    steps on either side are walking, not freezing: its power is taken over the samples between
    those two ICs only (window ∩ gap, Hann taper over that stretch, zero-padded to the full
    window's frequency grid). Without this a freeze shorter than the window is diluted by the
    walking around it. Windows that hold no IC are unchanged; stretches shorter than
    ``min_segment_s`` are left as they are.

    Parameters
    ----------
    acc_mps2 : ndarray, shape (n,)
        The acceleration axis, m/s².
    sampling_rate_hz : float
        Hz.
    centers_idx : ndarray, shape (k,)
        Window centres, fractional samples.
    ic_idx : ndarray
        Sorted IC times in fractional samples of the same signal.
    consider : ndarray of bool, shape (k,)
        Windows to refine (those not inside a normal step).

    Returns
    -------
    (indices, p_loco_m2_s4, p_freeze_m2_s4) of the refined windows, or None if none was.
    """
    if ic_idx.size == 0:
        return None
    fs = float(sampling_rate_hz)
    n_win = round(window_s * fs)
    lo_w = centers_idx - n_win / 2
    hi_w = centers_idx + n_win / 2
    i = np.searchsorted(ic_idx, centers_idx, side="right") - 1  # IC before each centre
    last = ic_idx.size - 1
    g0 = np.where(i >= 0, ic_idx[np.clip(i, 0, last)], 0.0)
    g1 = np.where(i + 1 <= last, ic_idx[np.clip(i + 1, 0, last)], float(acc_mps2.size))
    a = np.ceil(np.maximum(lo_w, g0)).astype(int)
    b = np.floor(np.minimum(hi_w, g1)).astype(int)
    clipped = (a > np.ceil(lo_w)) | (b < np.floor(hi_w))
    todo = np.flatnonzero(consider & clipped & (b - a >= round(min_segment_s * fs)))
    if todo.size == 0:
        return None
    p_loco, p_frz = _segment_band_powers(
        acc_mps2, fs, a[todo], b[todo], n_win, locomotor_band_hz, freeze_band_hz
    )
    return todo, p_loco, p_frz


def _segment_band_powers(
    acc_mps2: np.ndarray,
    fs: float,
    a_idx: np.ndarray,
    b_idx: np.ndarray,
    n_win: int,
    locomotor_band_hz: tuple[float, float],
    freeze_band_hz: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray]:
    """Band powers, (m/s²)², of the samples ``[a, b)`` of each segment: mean removed, Hann over
    the segment, zero-padded to ``n_win`` (the window's frequency grid)."""
    f_hz = np.fft.rfftfreq(n_win, 1.0 / fs)
    w_loco = band_weights(f_hz, locomotor_band_hz) * (fs / n_win)
    w_frz = band_weights(f_hz, freeze_band_hz) * (fs / n_win)
    p_loco = np.empty(a_idx.size)
    p_frz = np.empty(a_idx.size)
    for j, (a, b) in enumerate(zip(a_idx, b_idx, strict=True)):
        seg = acc_mps2[a:b]
        taper = np.hanning(seg.size)
        spec = np.fft.rfft((seg - seg.mean()) * taper, n=n_win)
        psd = np.abs(spec) ** 2 * (2.0 / (fs * float((taper**2).sum())))
        p_loco[j] = psd @ w_loco
        p_frz[j] = psd @ w_frz
    return p_loco, p_frz


def halt_band_powers(
    acc_mps2: np.ndarray,
    sampling_rate_hz: float,
    centers_idx: np.ndarray,
    *,
    stretches_idx: np.ndarray,
    window_s: float = DEFAULT_WINDOW_S,
    locomotor_band_hz: tuple[float, float] = DEFAULT_LOCOMOTOR_BAND_HZ,
    freeze_band_hz: tuple[float, float] = DEFAULT_FREEZE_BAND_HZ,
    min_segment_s: float = MIN_GAP_SEGMENT_S,
) -> tuple[np.ndarray, np.ndarray]:
    """Power P(0.5–8 Hz) of the windows centred in a stretch, taken on window ∩ stretch.

    Parameters
    ----------
    acc_mps2 : ndarray, shape (n,)
        The acceleration axis, m/s².
    sampling_rate_hz : float
        Hz.
    centers_idx : ndarray, shape (k,)
        Window centres, fractional samples.
    stretches_idx : ndarray, shape (m, 2)
        Stretches (start, end) in fractional samples, disjoint.

    Returns
    -------
    (indices, total_power_m2_s4) of the windows centred in a stretch whose part inside it is
    at least ``min_segment_s`` long.
    """
    fs = float(sampling_rate_hz)
    n_win = round(window_s * fs)
    idx: list[np.ndarray] = []
    a_all: list[np.ndarray] = []
    b_all: list[np.ndarray] = []
    for lo, hi in np.asarray(stretches_idx, dtype=float).reshape(-1, 2):
        k = np.flatnonzero((centers_idx >= lo) & (centers_idx < hi))
        a = np.ceil(np.maximum(centers_idx[k] - n_win / 2, lo)).astype(int)
        b = np.floor(np.minimum(centers_idx[k] + n_win / 2, min(hi, acc_mps2.size))).astype(int)
        keep = b - a >= round(min_segment_s * fs)
        idx.append(k[keep])
        a_all.append(a[keep])
        b_all.append(b[keep])
    if not idx:
        return np.zeros(0, dtype=int), np.zeros(0)
    k = np.concatenate(idx)
    p_loco, p_frz = _segment_band_powers(
        acc_mps2,
        fs,
        np.concatenate(a_all),
        np.concatenate(b_all),
        n_win,
        locomotor_band_hz,
        freeze_band_hz,
    )
    return k, p_loco + p_frz


def stepping_mask(
    t_s: Any,
    ic_t_s: Any,
    *,
    max_step_factor: float = DEFAULT_MAX_STEP_FACTOR,
    min_step_factor: float = DEFAULT_MIN_STEP_FACTOR,
    max_step_time_s: float = DEFAULT_MAX_STEP_TIME_S,
) -> np.ndarray:
    """Which times lie inside a normal step: the foot keeps stepping at its rhythm.

    A time t is inside a normal step when the two ICs around it (of either foot, merged in
    time order) are ``min_step_factor``–``max_step_factor`` × the median IC interval apart and
    at most ``max_step_time_s``. Before the first and after the last IC nothing is a step.

    Parameters
    ----------
    t_s : array_like, shape (k,)
        Times to classify, s.
    ic_t_s : array_like
        Initial contacts of one or both feet, s (any order; repeats ignored).
    max_step_factor, min_step_factor : float
        Allowed interval as multiples of the median interval.
    max_step_time_s : float
        Longest interval that is a step, s.

    Returns
    -------
    ndarray of bool, shape (k,)
    """
    t = np.asarray(t_s, dtype=float)
    ic = _check_ics(ic_t_s)
    out = np.zeros(t.shape, dtype=bool)
    if ic.size < 2:
        return out
    intervals = np.diff(ic)
    normal = _normal_steps(intervals, min_step_factor, max_step_factor, max_step_time_s)
    i = np.searchsorted(ic, t, side="right") - 1  # interval i runs from ic[i] to ic[i + 1]
    inside = (i >= 0) & (i < intervals.size)
    out[inside] = normal[i[inside]]
    return out


def _normal_steps(
    intervals: np.ndarray, min_factor: float, max_factor: float, max_time_s: float
) -> np.ndarray:
    """Which IC intervals are a normal step: within the factors of their median and the limit."""
    ref = float(np.median(intervals))
    shortest = intervals >= min_factor * ref
    return shortest & (intervals <= max_factor * ref) & (intervals <= max_time_s)


def walking_halts(
    ic_t_s: Any,
    *,
    halt_factor: float = DEFAULT_HALT_FACTOR,
    max_halt_s: float = DEFAULT_MAX_HALT_S,
    max_step_factor: float = DEFAULT_MAX_STEP_FACTOR,
    min_step_factor: float = DEFAULT_MIN_STEP_FACTOR,
    max_step_time_s: float = DEFAULT_MAX_STEP_TIME_S,
) -> np.ndarray:
    """Where walking halted: stretches without a normal step that interrupt ongoing walking.

    A halt is a run of consecutive IC intervals (either foot, merged) none of which is a normal
    step (:func:`stepping_mask`; abnormally short intervals, e.g. small shuffling steps that a
    step detector took for steps, do not end it) that follows a normal step (walking was under
    way), is longer than ``halt_factor`` × the median IC interval (1.5 strides: more than one
    missed IC) and at most ``max_halt_s``. It runs from the IC that ends the last normal step to
    the IC of the next normal step.

    Parameters
    ----------
    ic_t_s : array_like
        Initial contacts of one or both feet, s (any order; repeats ignored).
    halt_factor : float
        Shortest halt, in median IC intervals.
    max_halt_s : float
        Longest halt, s (longer: a rest).
    max_step_factor, min_step_factor, max_step_time_s : float
        What a normal step is (:func:`stepping_mask`).

    Returns
    -------
    ndarray, shape (n, 2)
        Halts (first IC, last IC), s.
    """
    ic = _check_ics(ic_t_s)
    if ic.size < 3:
        return np.zeros((0, 2))
    intervals = np.diff(ic)
    ref = float(np.median(intervals))
    normal = _normal_steps(intervals, min_step_factor, max_step_factor, max_step_time_s)
    # runs of consecutive non-normal intervals: interval k .. j-1 spans ic[k] .. ic[j]
    edges = np.diff(np.concatenate([[0], (~normal).astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    out = [
        (ic[k], ic[j])
        for k, j in zip(starts, ends, strict=True)
        if k > 0 and halt_factor * ref < ic[j] - ic[k] <= max_halt_s
    ]
    return np.asarray(out, dtype=float).reshape(-1, 2)


def episodes_from_decisions(
    centers_t_s: np.ndarray,
    decisions: np.ndarray,
    step_s: float,
    *,
    merge_gap_s: float = DEFAULT_MERGE_GAP_S,
    min_duration_s: float = DEFAULT_MIN_DURATION_S,
    barrier: np.ndarray | None = None,
) -> np.ndarray:
    """Episodes (start, end) in s from per-decision flags: merge close runs, drop short ones.

    Decision k covers [c_k − step/2, c_k + step/2). Runs of True decisions separated by at most
    ``merge_gap_s`` become one episode, unless a ``barrier`` decision (a normal step) lies
    between them: walking resumed, so they are two episodes. Episodes shorter than
    ``min_duration_s`` are dropped. Both rules are read on the decision grid (to within half a
    step), so a step of 0.498 s (0.5 s at 102.4 Hz) counts as 0.5 s.

    Returns
    -------
    ndarray, shape (n, 2)
    """
    d = np.asarray(decisions, dtype=bool)
    edges = np.diff(np.concatenate([[0], d.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    if starts.size == 0:
        return np.zeros((0, 2))
    walls = np.zeros(d.size + 1, dtype=np.int64)
    if barrier is not None:
        walls[1:] = np.cumsum(np.asarray(barrier, dtype=bool))
    runs = np.column_stack([centers_t_s[starts] - step_s / 2, centers_t_s[ends] + step_s / 2])
    merged = [runs[0].copy()]
    for k in range(1, starts.size):
        a, b = runs[k]
        stepped = walls[starts[k]] - walls[ends[k - 1] + 1] > 0
        if a - merged[-1][1] <= merge_gap_s + step_s / 2 and not stepped:
            merged[-1][1] = b
        else:
            merged.append(np.array([a, b]))
    ep = np.asarray(merged).reshape(-1, 2)
    return ep[ep[:, 1] - ep[:, 0] > min_duration_s - step_s / 2]


def _empty(reason: str, used_ics: bool) -> FreezingResult:
    e = np.zeros(0)
    b = np.zeros(0, dtype=bool)
    nan = math.nan
    return FreezingResult(
        e, e, e, b, b, b, b, np.zeros((0, 2)), 0, nan, 0.0, (nan, nan), nan, used_ics, reason
    )


def _moving_halts(
    acc: np.ndarray,
    fs: float,
    centers_idx: np.ndarray,
    ic: np.ndarray,
    first_t_s: float,
    p_thr: float,
    *,
    halt_factor: float,
    max_halt_s: float,
    window_s: float,
    locomotor_band_hz: tuple[float, float],
    freeze_band_hz: tuple[float, float],
    max_step_factor: float,
    min_step_factor: float,
    max_step_time_s: float,
) -> np.ndarray:
    """Decisions inside a halt of walking (trimmed) whose part in it has power ≥ the gate."""
    out = np.zeros(centers_idx.size, dtype=bool)
    found = walking_halts(
        ic,
        halt_factor=halt_factor,
        max_halt_s=max_halt_s,
        max_step_factor=max_step_factor,
        min_step_factor=min_step_factor,
        max_step_time_s=max_step_time_s,
    )
    if found.size == 0:
        return out
    ref_s = float(np.median(np.diff(ic)))
    trimmed = found + np.array([HALT_TRIM_FACTORS[0], -HALT_TRIM_FACTORS[1]]) * ref_s
    trimmed = trimmed[trimmed[:, 1] > trimmed[:, 0]]
    k, power = halt_band_powers(
        acc,
        fs,
        centers_idx,
        stretches_idx=(trimmed - first_t_s) * fs,
        window_s=window_s,
        locomotor_band_hz=locomotor_band_hz,
        freeze_band_hz=freeze_band_hz,
    )
    out[k[power >= p_thr]] = True
    return out


def freezing_of_gait(
    *,
    acc_mps2: Any,
    sampling_rate_hz: float,
    first_t_s: float = 0.0,
    ic_t_s: Any = None,
    window_s: float = DEFAULT_WINDOW_S,
    step_s: float = DEFAULT_STEP_S,
    locomotor_band_hz: tuple[float, float] = DEFAULT_LOCOMOTOR_BAND_HZ,
    freeze_band_hz: tuple[float, float] = DEFAULT_FREEZE_BAND_HZ,
    freeze_index_threshold: float = DEFAULT_FREEZE_INDEX_THRESHOLD,
    power_threshold_m2_s4: float = DEFAULT_POWER_THRESHOLD_M2_S4,
    merge_gap_s: float = DEFAULT_MERGE_GAP_S,
    min_duration_s: float = DEFAULT_MIN_DURATION_S,
    max_step_factor: float = DEFAULT_MAX_STEP_FACTOR,
    min_step_factor: float = DEFAULT_MIN_STEP_FACTOR,
    max_step_time_s: float = DEFAULT_MAX_STEP_TIME_S,
    halts: bool = True,
    halt_factor: float = DEFAULT_HALT_FACTOR,
    max_halt_s: float = DEFAULT_MAX_HALT_S,
) -> FreezingResult:
    """Freezing episodes and % time frozen from one acceleration axis (and ICs, if known).

    Parameters
    ----------
    acc_mps2 : array_like, shape (n,)
        One acceleration axis of the ankle, shank or foot (vertical or forward), m/s², evenly
        sampled, finite; any rate whose Nyquist frequency exceeds the freeze band (64 Hz and up).
    sampling_rate_hz : float
        Sampling rate, Hz.
    first_t_s : float
        Time of the first sample, s (session clock).
    ic_t_s : array_like, optional
        Initial contacts of one or both feet on the same clock, s. When given, candidates inside
        a normal step are walking (:func:`stepping_mask`); omit for acceleration-only data.
    window_s, step_s : float
        Moving window and step, s (default 4 and 0.5, Bächlin 2010).
    locomotor_band_hz, freeze_band_hz : (float, float)
        Band edges, Hz (default 0.5–3 and 3–8, Moore 2008).
    freeze_index_threshold : float
        FI at or above which a window is a candidate (default 1.5, Bächlin 2010).
    power_threshold_m2_s4 : float
        Power gate on P(0.5–8 Hz), (m/s²)² (default 0.2, Bächlin 2010 converted).
    merge_gap_s, min_duration_s : float
        Episode rules, s (default 1 and 1; 0 and 0 give plain runs of candidate windows).
    max_step_factor, min_step_factor, max_step_time_s : float
        What a normal step is for the stepping veto (defaults of analysis.spatiotemporal).
    halts : bool
        With ICs: a window inside a halt of walking (:func:`walking_halts`) whose part in the
        halt (without its first half and last whole median IC interval: the landing before it,
        the push-off and swing after) has power ≥ the gate is frozen whatever its FI — the legs
        move but no step is made. Off: the FI alone decides.
    halt_factor, max_halt_s : float
        Shortest halt (median IC intervals, default 3 = 1.5 strides) and longest (s, default 60).
    """
    acc = _check_acc(acc_mps2)
    fs = check_setting("sampling_rate_hz", sampling_rate_hz, 1.0, 100_000.0, "Hz")
    first_t_s = float(first_t_s)
    if not math.isfinite(first_t_s):
        raise AnalysisInputError(f"first_t_s must be finite seconds, got {first_t_s}")
    window_s = check_setting("window_s", window_s, 0.5, 600.0, "s")
    step_s = check_setting("step_s", step_s, 0.01, window_s, "s")
    loco = _band(locomotor_band_hz, "locomotor_band_hz", fs / 2)
    frz = _band(freeze_band_hz, "freeze_band_hz", fs / 2)
    fi_thr = check_setting("freeze_index_threshold", freeze_index_threshold, 0.0, 1e6)
    p_thr = check_setting("power_threshold_m2_s4", power_threshold_m2_s4, 0.0, 1e9, "(m/s²)²")
    merge_gap_s = check_setting("merge_gap_s", merge_gap_s, 0.0, 600.0, "s")
    min_duration_s = check_setting("min_duration_s", min_duration_s, 0.0, 600.0, "s")
    max_f = check_setting("max_step_factor", max_step_factor, 1.0, 100.0)
    min_f = check_setting("min_step_factor", min_step_factor, 0.0, 1.0)
    max_t = check_setting("max_step_time_s", max_step_time_s, 0.1, 60.0, "s")
    halt_f = check_setting("halt_factor", halt_factor, 2.0, 100.0)
    max_halt_s = check_setting("max_halt_s", max_halt_s, 1.0, 3600.0, "s")
    ic = None if ic_t_s is None else _check_ics(ic_t_s)
    used_ics = ic is not None

    n_win = round(window_s * fs)
    if acc.size < n_win:
        return _empty(
            f"{acc.size / fs:.1f} s of acceleration, shorter than one {window_s:g} s window",
            used_ics,
        )
    centers_idx, p_loco, p_frz, dt_s = band_powers(
        acc,
        fs,
        window_s=window_s,
        step_s=step_s,
        locomotor_band_hz=loco,
        freeze_band_hz=frz,
    )
    fi, total, candidate = _classify(p_loco, p_frz, fi_thr, p_thr)
    centers = first_t_s + centers_idx / fs
    stepping = np.zeros(centers.size, dtype=bool)
    halted = np.zeros(centers.size, dtype=bool)
    if ic is not None:
        stepping = stepping_mask(
            centers, ic, max_step_factor=max_f, min_step_factor=min_f, max_step_time_s=max_t
        )
        refined = gap_band_powers(
            acc,
            fs,
            centers_idx,
            ic_idx=(ic - first_t_s) * fs,
            consider=~stepping,
            window_s=window_s,
            locomotor_band_hz=loco,
            freeze_band_hz=frz,
        )
        if refined is not None:
            k, p_loco_k, p_frz_k = refined
            p_loco[k], p_frz[k] = p_loco_k, p_frz_k
            fi, total, candidate = _classify(p_loco, p_frz, fi_thr, p_thr)
        if halts:
            halted = _moving_halts(
                acc,
                fs,
                centers_idx,
                ic,
                first_t_s,
                p_thr,
                halt_factor=halt_f,
                max_halt_s=max_halt_s,
                window_s=window_s,
                locomotor_band_hz=loco,
                freeze_band_hz=frz,
                max_step_factor=max_f,
                min_step_factor=min_f,
                max_step_time_s=max_t,
            )
    episodes = episodes_from_decisions(
        centers,
        (candidate | halted) & ~stepping,
        dt_s,
        merge_gap_s=merge_gap_s,
        min_duration_s=min_duration_s,
        barrier=stepping,
    )
    frozen = np.zeros(centers.size, dtype=bool)
    for a, b in episodes:
        frozen |= (centers >= a) & (centers < b)
    span = (float(centers[0] - dt_s / 2), float(centers[-1] + dt_s / 2))
    analysed = span[1] - span[0]
    frozen_time = float((episodes[:, 1] - episodes[:, 0]).sum())
    return FreezingResult(
        window_center_t_s=centers,
        freeze_index=fi,
        total_power_m2_s4=total,
        candidate=candidate,
        stepping=stepping,
        halted=halted,
        frozen=frozen,
        episodes_t_s=episodes,
        n_episodes=int(episodes.shape[0]),
        frozen_time_s=frozen_time,
        analysed_time_s=analysed,
        analysed_t_s=span,
        frozen_pct=frozen_time / analysed * 100.0,
        used_ics=used_ics,
        reason="",
    )


def _overlap_s(intervals: np.ndarray, start: float, end: float) -> float:
    if intervals.size == 0:
        return 0.0
    lo = np.maximum(intervals[:, 0], start)
    hi = np.minimum(intervals[:, 1], end)
    return float(np.clip(hi - lo, 0.0, None).sum())


def clip_freezing(
    result: FreezingResult, start_t_s: float, end_t_s: float, *, window_s: float = DEFAULT_WINDOW_S
) -> FreezingResult:
    """The part of a whole-recording result that falls in ``[start_t_s, end_t_s)`` (a phase).

    Episodes are counted in the interval where they start (``episodes_t_s`` keeps them whole);
    frozen and analysed time are the overlap with the interval. If the assessed span leaves
    more than ``window_s`` of the interval uncovered (beyond the half windows lost at the ends
    of a recording), the count would be a guess: the result has a ``reason`` and NaN figures.
    """
    c = result.window_center_t_s
    keep = (c >= start_t_s) & (c < end_t_s)
    ep = result.episodes_t_s
    starts_in = (ep[:, 0] >= start_t_s) & (ep[:, 0] < end_t_s)
    duration = end_t_s - start_t_s
    if result.reason:
        analysed = 0.0
    else:
        analysed = max(
            0.0, min(result.analysed_t_s[1], end_t_s) - max(result.analysed_t_s[0], start_t_s)
        )
    frozen_time = _overlap_s(ep, start_t_s, end_t_s)
    reason = result.reason
    if not reason and duration - analysed > window_s + _EPS_S:
        reason = (
            f"raw IMU covers {analysed:.0f} s of this {duration:.0f} s phase"
            if analysed > 0
            else "no raw IMU in this phase"
        )
    nan = math.nan
    return FreezingResult(
        window_center_t_s=c[keep],
        freeze_index=result.freeze_index[keep],
        total_power_m2_s4=result.total_power_m2_s4[keep],
        candidate=result.candidate[keep],
        stepping=result.stepping[keep],
        halted=result.halted[keep],
        frozen=result.frozen[keep],
        episodes_t_s=ep[starts_in],
        n_episodes=int(starts_in.sum()),
        frozen_time_s=nan if reason else frozen_time,
        analysed_time_s=analysed,
        analysed_t_s=(max(result.analysed_t_s[0], start_t_s), min(result.analysed_t_s[1], end_t_s))
        if analysed > 0
        else (nan, nan),
        frozen_pct=nan if reason or analysed <= 0 else frozen_time / analysed * 100.0,
        used_ics=result.used_ics,
        reason=reason,
    )

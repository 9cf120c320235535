"""Freezing of gait (FOG) from ankle/shank acceleration: the freeze index (clinical.md).

Freeze index FI = P(3–8 Hz) / P(0.5–3 Hz), the power of vertical (or forward) acceleration in the
"freeze" band over that in the "locomotor" band (Moore, MacDougall & Ondo 2008, J Neurosci Methods
167:340–348), computed over a moving window of 4 s stepped by 0.5 s (Bächlin et al. 2010, IEEE
Trans Inf Technol Biomed 14:436–446). A window is frozen when FI ≥ ``freeze_index_threshold`` and
the total power P(0.5–8 Hz) ≥ ``power_threshold_m2_s4`` — the power gate of Bächlin 2010, so that
standing still (no power in either band) is not a freeze.

Power per window: mean removed, Hann taper, one-sided periodogram scaled so that the band power is
the mean square acceleration in that band ((m/s²)²; a sine of amplitude A gives A²/2). Bands are
half-open: locomotor [0.5, 3) Hz, freeze [3, 8] Hz.

Thresholds (documented defaults, tune per patient where possible):

- ``freeze_index_threshold = 1.5``: the literature uses ≈ 1.5–2.3 depending on scaling
  (clinical.md); 1.5 is the low end for this plain power ratio (Moore 2008, Bächlin 2010 tuned it
  per patient).
- ``power_threshold_m2_s4 = 0.05`` (RMS ≈ 0.22 m/s² in 0.5–8 Hz): Bächlin's gate was in device
  units and is not transferable; this value is an engineering default that keeps quiet standing
  (sensor noise ~0.01–0.05 m/s² RMS) out while a trembling foot (~0.5–2 m/s² RMS) passes.

Decision k covers [c_k − step/2, c_k + step/2) around the window centre c_k; an episode is a run
of frozen decisions, (start, end) in seconds on the signal's clock; % time frozen = frozen time /
analysed time × 100. Sensitivity/specificity reached in the literature: ≈ 73–86 % / 78–82 %.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from analysis.errors import AnalysisInputError
from analysis.spatiotemporal import check_setting

__all__ = [
    "DEFAULT_FREEZE_BAND_HZ",
    "DEFAULT_FREEZE_INDEX_THRESHOLD",
    "DEFAULT_LOCOMOTOR_BAND_HZ",
    "DEFAULT_POWER_THRESHOLD_M2_S4",
    "FreezeIndex",
    "FreezingResult",
    "freezing_of_gait",
]

DEFAULT_WINDOW_S = 4.0  # Bächlin 2010
DEFAULT_STEP_S = 0.5  # Bächlin 2010
DEFAULT_LOCOMOTOR_BAND_HZ = (0.5, 3.0)  # Moore 2008
DEFAULT_FREEZE_BAND_HZ = (3.0, 8.0)  # Moore 2008
DEFAULT_FREEZE_INDEX_THRESHOLD = 1.5  # clinical.md: ≈ 1.5–2.3 depending on scaling
DEFAULT_POWER_THRESHOLD_M2_S4 = 0.05  # engineering default, see module docstring


@dataclass(frozen=True, eq=False)
class FreezingResult:
    """Freeze index per window and freezing episodes.

    ``episodes_t_s`` has shape (n_episodes, 2): start and end (s). ``reason`` says why nothing
    was analysed ("" otherwise).
    """

    window_center_t_s: np.ndarray
    freeze_index: np.ndarray
    total_power_m2_s4: np.ndarray
    frozen: np.ndarray
    episodes_t_s: np.ndarray
    n_episodes: int
    frozen_time_s: float
    analysed_time_s: float
    frozen_pct: float
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


def freezing_of_gait(
    *,
    acc_m_s2: Any,
    sampling_rate_hz: float,
    first_t_s: float = 0.0,
    window_s: float = DEFAULT_WINDOW_S,
    step_s: float = DEFAULT_STEP_S,
    locomotor_band_hz: tuple[float, float] = DEFAULT_LOCOMOTOR_BAND_HZ,
    freeze_band_hz: tuple[float, float] = DEFAULT_FREEZE_BAND_HZ,
    freeze_index_threshold: float = DEFAULT_FREEZE_INDEX_THRESHOLD,
    power_threshold_m2_s4: float = DEFAULT_POWER_THRESHOLD_M2_S4,
) -> FreezingResult:
    """Freeze index over a moving window, frozen windows, episodes and % time frozen.

    Parameters
    ----------
    acc_m_s2 : array_like, shape (n,)
        Vertical (or forward) ankle/shank acceleration (m/s²), evenly sampled, finite.
    sampling_rate_hz : float
        Sampling rate (Hz); the Nyquist frequency must exceed the freeze band's top.
    first_t_s : float
        Time of the first sample (s, session clock).
    window_s, step_s : float
        Moving window length and step (s).
    locomotor_band_hz, freeze_band_hz : (float, float)
        Band edges (Hz).
    freeze_index_threshold : float
        FI at or above which a window is frozen.
    power_threshold_m2_s4 : float
        Minimum total power in the two bands ((m/s²)²) for a window to count as a freeze.
    """
    try:
        acc = np.asarray(acc_m_s2, dtype=float)
    except (TypeError, ValueError) as exc:
        kind = type(acc_m_s2).__name__
        raise AnalysisInputError(f"acc_m_s2 must be numbers, got {kind}") from exc
    if acc.ndim != 1:
        raise AnalysisInputError(f"acc_m_s2 must be a 1-D array (one axis), got shape {acc.shape}")
    if not np.isfinite(acc).all():
        i = int(np.argmax(~np.isfinite(acc)))
        raise AnalysisInputError(f"acc_m_s2[{i}] is {acc[i]}; acceleration must be finite")
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

    n_win_samples = round(window_s * fs)
    n_step = max(1, round(step_s * fs))
    dt_step_s = n_step / fs
    if acc.size < n_win_samples:
        e = np.zeros(0)
        return FreezingResult(
            e,
            e,
            e,
            np.zeros(0, dtype=bool),
            np.zeros((0, 2)),
            0,
            math.nan,
            0.0,
            math.nan,
            f"{acc.size} samples, shorter than one {window_s:g} s window ({n_win_samples})",
        )
    frames = sliding_window_view(acc, n_win_samples)[::n_step]
    frames = frames - frames.mean(axis=1, keepdims=True)
    taper = np.hanning(n_win_samples)
    spec = np.fft.rfft(frames * taper, axis=1)
    psd = np.abs(spec) ** 2 / (fs * float((taper**2).sum()))
    psd[:, 1:] *= 2.0  # one-sided (the Nyquist bin is doubled too; it lies outside the bands)
    f_hz = np.fft.rfftfreq(n_win_samples, 1.0 / fs)
    df_hz = fs / n_win_samples
    in_loco = (f_hz >= loco[0]) & (f_hz < loco[1])
    in_frz = (f_hz >= frz[0]) & (f_hz <= frz[1])
    p_loco = psd[:, in_loco].sum(axis=1) * df_hz
    p_frz = psd[:, in_frz].sum(axis=1) * df_hz
    total = p_loco + p_frz
    fi = np.full(p_loco.size, np.nan)
    np.divide(p_frz, p_loco, out=fi, where=p_loco > 0)
    fi[(p_loco == 0) & (p_frz > 0)] = np.inf
    frozen = (total >= p_thr) & (total > 0)
    frozen[frozen] &= fi[frozen] >= fi_thr
    centers = first_t_s + (np.arange(frames.shape[0]) * n_step + n_win_samples / 2) / fs

    # runs of frozen decisions
    edges = np.diff(np.concatenate([[0], frozen.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    episodes = np.column_stack(
        [centers[starts] - dt_step_s / 2, centers[ends] + dt_step_s / 2]
    ).reshape(-1, 2)
    analysed = frames.shape[0] * dt_step_s
    frozen_time = float(frozen.sum()) * dt_step_s
    return FreezingResult(
        window_center_t_s=centers,
        freeze_index=fi,
        total_power_m2_s4=total,
        frozen=frozen,
        episodes_t_s=episodes,
        n_episodes=int(starts.size),
        frozen_time_s=frozen_time,
        analysed_time_s=analysed,
        frozen_pct=frozen_time / analysed * 100.0,
        reason="",
    )


class FreezeIndex:
    """Freezing-of-gait detection by freeze index (settings here, data in :meth:`detect`).

    Parameters are those of :func:`freezing_of_gait` besides the data; defaults: 4 s window,
    0.5 s step (Bächlin 2010), bands 0.5–3 / 3–8 Hz (Moore 2008), FI threshold 1.5, power gate
    0.05 (m/s²)².

    Attributes
    ----------
    freezing_ : FreezingResult
    episodes_t_s_ : ndarray, shape (n, 2)
    frozen_pct_ : float
    """

    def __init__(
        self,
        *,
        window_s: float = DEFAULT_WINDOW_S,
        step_s: float = DEFAULT_STEP_S,
        locomotor_band_hz: tuple[float, float] = DEFAULT_LOCOMOTOR_BAND_HZ,
        freeze_band_hz: tuple[float, float] = DEFAULT_FREEZE_BAND_HZ,
        freeze_index_threshold: float = DEFAULT_FREEZE_INDEX_THRESHOLD,
        power_threshold_m2_s4: float = DEFAULT_POWER_THRESHOLD_M2_S4,
    ) -> None:
        self.window_s = check_setting("window_s", window_s, 0.5, 600.0, "s")
        self.step_s = check_setting("step_s", step_s, 0.01, self.window_s, "s")
        self.locomotor_band_hz = tuple(locomotor_band_hz)
        self.freeze_band_hz = tuple(freeze_band_hz)
        self.freeze_index_threshold = check_setting(
            "freeze_index_threshold", freeze_index_threshold, 0.0, 1e6
        )
        self.power_threshold_m2_s4 = check_setting(
            "power_threshold_m2_s4", power_threshold_m2_s4, 0.0, 1e9, "(m/s²)²"
        )

    def detect(
        self, *, acc_m_s2: Any, sampling_rate_hz: float, first_t_s: float = 0.0
    ) -> FreezeIndex:
        """Analyse one acceleration axis; returns self."""
        self.freezing_ = freezing_of_gait(
            acc_m_s2=acc_m_s2,
            sampling_rate_hz=sampling_rate_hz,
            first_t_s=first_t_s,
            window_s=self.window_s,
            step_s=self.step_s,
            locomotor_band_hz=self.locomotor_band_hz,  # type: ignore[arg-type]
            freeze_band_hz=self.freeze_band_hz,  # type: ignore[arg-type]
            freeze_index_threshold=self.freeze_index_threshold,
            power_threshold_m2_s4=self.power_threshold_m2_s4,
        )
        self.episodes_t_s_ = self.freezing_.episodes_t_s
        self.frozen_pct_ = self.freezing_.frozen_pct
        return self

"""Offline gait-event detection from one foot-mounted IMU (docs/gait-events.md).

Foot frame x forward, y left, z up, the same for both feet, so the sagittal angular velocity
``s = gyr_y`` (deg/s) has the same sign on both feet: positive pitches the toes down. Only the
lateral axes (acc_y, gyr_x, gyr_z) are mirrored between feet, and they are used here only in the
mid-stance energy, which does not depend on their sign. Per swing (after Rampp 2014, adapted to
this sign and to a causal rule that gives the same answer sample by sample):

- **arming**: ``s`` falling below ``-arm_dps`` starts a swing (not within ``ic_refractory_s``
  after an IC, where heel-strike transients can swing ``s`` negative for a few samples);
- **mid-swing (MSW)**: the minimum of ``s`` while armed (the large swing peak of clinical.md,
  negative in the y-left frame);
- **initial contact (IC)**: the first rise of ``s`` through zero after arming (the end of the
  swing, where the foot stops pitching toes-up and lands), linearly interpolated;
- **mid-stance (MS)**: centre of the ``ms_window_s`` window with the least gyro energy
  (sum of gyr_x² + gyr_y² + gyr_z²) between the previous IC and arming;
- **toe-off (TO)**: the maximum of ``s`` (push-off peak; the minimum before swing in the
  mid-swing-positive sign) after the MS window and up to arming.

On the gaitmap example data (motion-capture reference) the zero rise matches the reference IC and
the push-off peak the reference TO to about one sample; see docs/gait-events.md for the figures.
The arithmetic lives in module-level functions; :class:`GaitEventDetector` wraps them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.errors import AnalysisInputError
from analysis.imu_io import FootImu

__all__ = [
    "STRIDE_COLUMNS",
    "GaitEventDetector",
    "SwingEvents",
    "detect_swings",
    "match_events",
    "stride_table",
]

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


@dataclass(frozen=True)
class SwingEvents:
    """Events of each detected swing, in fractional sample indices (NaN where absent).

    Attributes
    ----------
    ms_idx : ndarray
        Mid-stance (centre of the least-energy window) of the stance before the swing.
    to_idx : ndarray
        Toe-off (push-off peak of ``s``).
    msw_idx : ndarray
        Mid-swing (minimum of ``s``).
    ic_idx : ndarray
        Initial contact (interpolated zero rise of ``s``).
    """

    ms_idx: np.ndarray
    to_idx: np.ndarray
    msw_idx: np.ndarray
    ic_idx: np.ndarray

    def __len__(self) -> int:
        return int(self.ic_idx.size)


def window_samples(ms_window_s: float, sampling_rate_hz: float) -> int:
    """Samples in the mid-stance window: ``max(2, round(ms_window_s * sampling_rate_hz))``."""
    return max(2, round(ms_window_s * sampling_rate_hz))


def detect_swings(
    gyr_dps: np.ndarray,
    sampling_rate_hz: float,
    arm_dps: float = 50.0,
    ms_window_s: float = 0.1,
    max_swing_s: float = 1.5,
    ic_refractory_s: float = 0.2,
) -> SwingEvents:
    """Detect MS, TO, MSW and IC of every swing (vectorised except for one loop over swings).

    Parameters
    ----------
    gyr_dps : ndarray, shape (n, 3)
        Angular velocity in the foot frame, deg/s (column 1 is the sagittal ``s = gyr_y``).
    sampling_rate_hz : float
        Sampling rate, Hz.
    arm_dps : float
        A swing starts when ``s`` falls below ``-arm_dps`` (deg/s).
    ms_window_s : float
        Length of the mid-stance least-energy window, s.
    max_swing_s : float
        A swing with no zero rise within this time after arming is dropped, s.
    ic_refractory_s : float
        No arming within this time after an IC (heel-strike transients), s.

    Returns
    -------
    SwingEvents
        One entry per swing that ended in an IC.
    """
    gyr = np.asarray(gyr_dps, dtype=np.float64)
    if gyr.ndim != 2 or gyr.shape[1] != 3:
        raise AnalysisInputError(f"gyr has shape {gyr.shape}; expected (n_samples, 3)")
    s = gyr[:, 1]
    n = s.size
    w = window_samples(ms_window_s, sampling_rate_hz)
    max_swing = round(max_swing_s * sampling_rate_hz)
    refractory = round(ic_refractory_s * sampling_rate_hz)
    # energy of the window ending at each sample e (valid for e >= w - 1)
    energy = np.full(n, np.inf)
    if n >= w:  # convolution, not a cumulative sum: no precision loss on long recordings
        energy[w - 1 :] = np.convolve(np.einsum("ij,ij->i", gyr, gyr), np.ones(w), "valid")
    # arming = s falling below -arm_dps (the sample before it at or above; 0 before the data)
    prev = np.concatenate(([0.0], s[:-1]))
    below = np.flatnonzero((s < -arm_dps) & (prev >= -arm_dps))
    upcross = np.flatnonzero((s[:-1] < 0.0) & (s[1:] >= 0.0)) + 1  # j: s[j-1] < 0 <= s[j]
    ms_l, to_l, msw_l, ic_l = [], [], [], []
    reset = -1  # last sample at which the stance trackers were reset (IC or timeout)
    earliest = 0  # first sample at which a swing may be armed
    while True:
        k = np.searchsorted(below, max(reset + 1, earliest))
        if k >= below.size:
            break
        a = int(below[k])
        m = np.searchsorted(upcross, a + 1)
        j = int(upcross[m]) if m < upcross.size else n
        if j - a > max_swing or j >= n:
            reset = min(a + max_swing, n - 1)  # timeout (or end of data): no events
            if j >= n:
                break
            continue
        # stance trackers over (reset, a]: least-energy window ending in [reset + w, a]
        lo = reset + w
        if lo <= a:
            e = lo + int(np.argmin(energy[lo : a + 1]))
            ms = e - (w - 1) / 2.0
            to_start = e + 1
        else:
            ms = np.nan
            to_start = reset + 1
        to = to_start + float(np.argmax(s[to_start : a + 1])) if to_start <= a else np.nan
        msw = a + int(np.argmin(s[a:j]))
        ic = (j - 1) + (-s[j - 1]) / (s[j] - s[j - 1])
        ms_l.append(ms)
        to_l.append(to)
        msw_l.append(float(msw))
        ic_l.append(float(ic))
        reset = j
        earliest = j + refractory
    return SwingEvents(*(np.asarray(x, dtype=np.float64) for x in (ms_l, to_l, msw_l, ic_l)))


def stride_table(
    swings: SwingEvents, sampling_rate_hz: float, max_stride_s: float = 3.0
) -> dict[str, np.ndarray]:
    """Per-stride times from consecutive swings (IC to the next IC of the same foot), seconds.

    A stride runs from the IC of swing k to the IC of swing k+1; its TO and MS are those of swing
    k+1 (the stance in between). Strides longer than ``max_stride_s`` (a stop) are left out.
    Columns are :data:`STRIDE_COLUMNS` (stance = TO - IC, swing = next IC - TO) and
    ``swing_index``, the index in ``swings`` of the swing inside the stride (k + 1).
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
    """Offline gait events of one foot (Rampp-style, sagittal gyro; see the module docstring).

    Parameters
    ----------
    arm_dps : float
        Swing threshold: ``gyr_y`` falling below ``-arm_dps`` (deg/s) starts a swing. Default 50
        (Salarian 2004).
    ms_window_s : float
        Mid-stance least-energy window, s. Default 0.1 (Rampp 2014).
    max_swing_s : float
        Longest arming-to-IC time, s; longer swings are dropped. Default 1.5.
    ic_refractory_s : float
        No swing is armed within this time after an IC (impact transients), s. Default 0.2.
    max_stride_s : float
        Longest IC-to-IC time counted as a stride in :attr:`strides_`, s. Default 3.

    Attributes
    ----------
    ic_t_s_, to_t_s_, ms_t_s_, msw_t_s_ : ndarray
        Event times from the first sample, s (ms_t_s_ leaves out stances too short for a window).
    swings_ : SwingEvents
        Per-swing events in fractional sample indices.
    strides_ : dict of ndarray
        Per-stride table, columns :data:`STRIDE_COLUMNS` (s) and ``swing_index``.
    """

    def __init__(
        self,
        arm_dps: float = 50.0,
        ms_window_s: float = 0.1,
        max_swing_s: float = 1.5,
        max_stride_s: float = 3.0,
        ic_refractory_s: float = 0.2,
    ) -> None:
        self.arm_dps = arm_dps
        self.ms_window_s = ms_window_s
        self.max_swing_s = max_swing_s
        self.max_stride_s = max_stride_s
        self.ic_refractory_s = ic_refractory_s

    def detect(self, imu: FootImu) -> GaitEventDetector:
        """Detect the events of ``imu`` (one foot, foot frame); returns ``self``."""
        if not isinstance(imu, FootImu):
            raise AnalysisInputError(
                f"imu is {type(imu).__name__}; expected analysis.imu_io.FootImu"
            )
        fs = imu.sampling_rate_hz
        self.sampling_rate_hz_ = fs
        self.swings_ = detect_swings(
            imu.gyr_dps, fs, self.arm_dps, self.ms_window_s, self.max_swing_s, self.ic_refractory_s
        )
        sw = self.swings_
        self.ic_t_s_ = sw.ic_idx / fs
        self.to_t_s_ = sw.to_idx / fs
        self.msw_t_s_ = sw.msw_idx / fs
        self.ms_t_s_ = sw.ms_idx[np.isfinite(sw.ms_idx)] / fs
        self.strides_ = stride_table(sw, fs, self.max_stride_s)
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

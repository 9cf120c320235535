"""Gaps in a raw IMU recording: short ones are filled and masked, long ones split it in segments.

A foot's sample is missing when its row is missing (a ``t_s`` step of more than 1.5 sample
periods, analysis.imu_io.sample_grid) or any of its six values is empty, NaN or inf. Each run of
missing samples between two present ones is a gap:

- up to ``max_fill_s`` (default :data:`MAX_FILL_S` = 0.1 s): **filled** by linear interpolation
  and marked in ``FootImu.filled``; gait events that land on a filled sample are dropped, so no
  event is ever placed inside a gap. 0.1 s is shorter than the time between any two of a foot's
  events (toe-off → mid-swing → initial contact → mid-stance, each at least ~0.1 s apart even
  in fast walking), so a filled gap can hide at most one event, never a whole swing, and the
  strides on either side keep their events; it spans a few dropped radio packets (10–20 ms
  each);
- longer: the recording is **split** there; each segment is analysed on its own, and no event or
  stride spans the gap;
- missing samples before the first or after the last present one are **trimmed**.

Segments shorter than ``min_duration_s`` (default analysis.imu_io.MIN_DURATION_S, 2 s) are
kept in the list, with a note, but not analysed. Times are on the file's clock: a segment's
samples carry the file's ``t_s`` (interpolated for missing rows), its FootImu starts at
``first_t_s`` = the time of its first sample, and :meth:`Segment.time_at` maps (fractional)
sample indices to file times.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from analysis.checks import check_in_range, check_side
from analysis.errors import AnalysisInputError
from analysis.imu_io import (
    MIN_DURATION_S,
    FootImu,
    ImuTable,
    read_imu_table,
    sample_grid,
)

__all__ = [
    "GAP_ACTIONS",
    "MAX_FILL_S",
    "FootSegments",
    "Gap",
    "Segment",
    "in_filled",
    "load_imu_segments",
    "segment_arrays",
    "segment_foot",
    "segment_table",
]

#: Longest gap filled by interpolation, s (see the module docstring for why 0.1 s).
MAX_FILL_S = 0.1
#: What was done with a gap.
GAP_ACTIONS = ("filled", "split", "trimmed")


@dataclass(frozen=True)
class Gap:
    """A run of missing samples of one foot.

    Attributes
    ----------
    start_t_s : float
        File time of the first missing sample, s.
    end_t_s : float
        File time of the sample after the last missing one, s (the gap is [start, end)).
    n_samples : int
        Missing samples.
    action : str
        ``"filled"``, ``"split"`` or ``"trimmed"`` (see the module docstring).
    sampling_rate_hz : float
        Rate of the recording, Hz.
    """

    start_t_s: float
    end_t_s: float
    n_samples: int
    action: str
    sampling_rate_hz: float

    @property
    def duration_s(self) -> float:
        """Missing time, s: ``n_samples / sampling_rate_hz``."""
        return self.n_samples / self.sampling_rate_hz

    def as_dict(self) -> dict[str, float | int | str]:
        """JSON-ready values."""
        return {
            "start_t_s": round(self.start_t_s, 6),
            "end_t_s": round(self.end_t_s, 6),
            "duration_s": round(self.duration_s, 6),
            "n_samples": self.n_samples,
            "action": self.action,
        }


@dataclass(frozen=True)
class Segment:
    """A stretch of one foot's recording without a long gap.

    Attributes
    ----------
    t_s : ndarray, shape (n,)
        File time of each sample, s.
    imu : FootImu or None
        The samples (short gaps filled, ``filled`` mask set, ``first_t_s = t_s[0]``); None when
        the segment is too short to analyse.
    n_filled : int
        Samples filled by interpolation.
    note : str
        Why it is not analysed ('' when it is).
    """

    t_s: np.ndarray
    imu: FootImu | None
    n_filled: int
    note: str = ""

    @property
    def start_t_s(self) -> float:
        """File time of the first sample, s."""
        return float(self.t_s[0])

    @property
    def end_t_s(self) -> float:
        """File time of the last sample, s."""
        return float(self.t_s[-1])

    @property
    def n_samples(self) -> int:
        """Samples in the segment."""
        return int(self.t_s.size)

    def time_at(self, idx: np.ndarray) -> np.ndarray:
        """File time of (fractional) sample indices ``idx`` of this segment, s (NaN stays NaN)."""
        i = np.asarray(idx, dtype=np.float64)
        out = np.interp(i, np.arange(self.t_s.size, dtype=np.float64), self.t_s)
        return np.where(np.isfinite(i), out, np.nan)

    def as_dict(self, sampling_rate_hz: float) -> dict[str, float | int | str | bool]:
        """JSON-ready values."""
        return {
            "start_t_s": round(self.start_t_s, 6),
            "end_t_s": round(self.end_t_s, 6),
            "duration_s": round(self.n_samples / sampling_rate_hz, 6),
            "n_samples": self.n_samples,
            "filled_samples": self.n_filled,
            "analysed": self.imu is not None,
            "note": self.note,
        }


@dataclass(frozen=True)
class FootSegments:
    """One foot's recording cut at its long gaps.

    Attributes
    ----------
    side : str
        ``"left"`` or ``"right"``.
    sampling_rate_hz : float
        Hz.
    segments : tuple of Segment
        In time order, the too-short ones included.
    gaps : tuple of Gap
        In time order.
    max_fill_s : float
        The fill limit used, s.
    from_t_s : bool
        Whether the times come from a ``t_s`` column (else ``index / rate`` from 0).
    """

    side: str
    sampling_rate_hz: float
    segments: tuple[Segment, ...]
    gaps: tuple[Gap, ...]
    max_fill_s: float
    from_t_s: bool = False

    @property
    def analysable(self) -> tuple[Segment, ...]:
        """The segments long enough to analyse."""
        return tuple(s for s in self.segments if s.imu is not None)


def in_filled(idx: np.ndarray, filled: np.ndarray) -> np.ndarray:
    """Which (fractional) sample indices touch a filled sample (either neighbour), bool.

    NaN indices are False (no event there to drop).
    """
    i = np.asarray(idx, dtype=np.float64)
    mask = np.asarray(filled, dtype=bool)
    out = np.zeros(i.shape, dtype=bool)
    ok = np.isfinite(i)
    if not mask.any() or not ok.any():
        return out
    last = mask.size - 1
    lo = np.clip(np.floor(i[ok]).astype(np.int64), 0, last)
    hi = np.clip(np.ceil(i[ok]).astype(np.int64), 0, last)
    out[ok] = mask[lo] | mask[hi]
    return out


def _check_fill(max_fill_s: float) -> float:
    return check_in_range(
        f"max_fill_s {max_fill_s:g} s", max_fill_s, 0.0, 1.0, f"0–1 s (default {MAX_FILL_S:g})"
    )


def segment_foot(
    acc_mps2: np.ndarray,
    gyr_dps: np.ndarray,
    grid_idx: np.ndarray,
    rows_t_s: np.ndarray,
    sampling_rate_hz: float,
    side: str,
    max_fill_s: float = MAX_FILL_S,
    min_duration_s: float = MIN_DURATION_S,
    from_t_s: bool = True,
) -> FootSegments:
    """Fill, split and trim one foot's rows (see the module docstring).

    Parameters
    ----------
    acc_mps2, gyr_dps : ndarray, shape (n_rows, 3)
        The rows as read, NaN where missing.
    grid_idx : ndarray of int, shape (n_rows,)
        Each row's sample index on the regular grid (increasing).
    rows_t_s : ndarray, shape (n_rows,)
        File time of each row, s; times of missing rows are interpolated between rows.
    sampling_rate_hz : float
        Hz.
    side : str
        The foot.
    max_fill_s : float
        Longest gap filled, s.
    min_duration_s : float
        Shortest segment analysed, s.
    from_t_s : bool
        Whether ``rows_t_s`` came from a ``t_s`` column (recorded in the result).

    Returns
    -------
    FootSegments
    """
    fs = float(sampling_rate_hz)
    limit = _check_fill(max_fill_s)
    max_fill = int(np.floor(limit * fs + 1e-9))
    acc = np.asarray(acc_mps2, dtype=np.float64)
    gyr = np.asarray(gyr_dps, dtype=np.float64)
    grid = np.asarray(grid_idx, dtype=np.int64)
    rows_t = np.asarray(rows_t_s, dtype=np.float64)

    def time_of(g: np.ndarray | int) -> np.ndarray:
        gf = np.asarray(g, dtype=np.float64)
        if grid.size < 2:
            return rows_t[0] + (gf - grid[0]) / fs
        inside = np.interp(gf, grid, rows_t)
        before = rows_t[0] + (gf - grid[0]) / fs
        after = rows_t[-1] + (gf - grid[-1]) / fs
        return np.where(gf < grid[0], before, np.where(gf > grid[-1], after, inside))

    ok = np.isfinite(acc).all(axis=1) & np.isfinite(gyr).all(axis=1)
    rows = np.flatnonzero(ok)
    gaps: list[Gap] = []
    segments: list[Segment] = []
    if rows.size == 0:
        return FootSegments(side, fs, (), (), limit, from_t_s)
    g_ok = grid[rows]
    if g_ok[0] > grid[0]:
        n = int(g_ok[0] - grid[0])
        gaps.append(Gap(float(time_of(grid[0])), float(time_of(g_ok[0])), n, "trimmed", fs))
    missing = np.diff(g_ok) - 1
    cut = np.flatnonzero(missing > max_fill)
    bounds = np.concatenate(([0], cut + 1, [rows.size]))
    for k in range(bounds.size - 1):
        r = rows[bounds[k] : bounds[k + 1]]
        g = grid[r]
        span = np.arange(g[0], g[-1] + 1)
        filled = ~np.isin(span, g)
        seg_acc, seg_gyr = _fill(acc, gyr, r, g, span)
        t_seg = time_of(span)
        for a, b in _runs(filled):
            gaps.append(Gap(float(t_seg[a]), float(t_seg[b]), int(b - a), "filled", fs))
        if span.size < min_duration_s * fs:
            note = f"too short to analyse: {span.size / fs:.2f} s (at least {min_duration_s:g} s)"
            segments.append(Segment(t_seg, None, int(filled.sum()), note))
        else:
            imu = FootImu(seg_acc, seg_gyr, fs, side, float(t_seg[0]), filled)
            segments.append(Segment(t_seg, imu, int(filled.sum())))
        if k < cut.size:
            start = g[-1] + 1
            end = g_ok[cut[k] + 1]
            gaps.append(
                Gap(float(time_of(start)), float(time_of(end)), int(end - start), "split", fs)
            )
    if g_ok[-1] < grid[-1]:
        n = int(grid[-1] - g_ok[-1])
        gaps.append(
            Gap(float(time_of(g_ok[-1] + 1)), float(time_of(grid[-1] + 1)), n, "trimmed", fs)
        )
    gaps.sort(key=lambda gap: gap.start_t_s)
    return FootSegments(side, fs, tuple(segments), tuple(gaps), limit, from_t_s)


def _fill(
    acc: np.ndarray, gyr: np.ndarray, rows: np.ndarray, grid: np.ndarray, span: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A segment's acc and gyr on every grid position of ``span``, gaps linearly filled.

    Without a gap the rows are returned as views (FootImu copies them); with one, new read-only
    arrays (FootImu keeps them without a copy), so a long recording is not copied twice.
    """
    if span.size == rows.size:
        return acc[rows[0] : rows[-1] + 1], gyr[rows[0] : rows[-1] + 1]
    out = []
    for x in (acc, gyr):
        filled = np.empty((span.size, 3), dtype=np.float64)
        for c in range(3):
            filled[:, c] = np.interp(span, grid, x[rows, c])
        filled.setflags(write=False)
        out.append(filled)
    return out[0], out[1]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True in ``mask``."""
    d = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


def segment_table(table: ImuTable, max_fill_s: float = MAX_FILL_S) -> dict[str, FootSegments]:
    """Each foot of a table read by analysis.imu_io.read_imu_table, cut at its long gaps."""
    return {
        side: segment_foot(
            table.acc_mps2[side],
            table.gyr_dps[side],
            table.grid_idx,
            table.t_s,
            table.sampling_rate_hz,
            side,
            max_fill_s,
            from_t_s=table.has_t_s,
        )
        for side in table.sides
    }


def segment_arrays(
    acc_mps2: np.ndarray,
    gyr_dps: np.ndarray,
    sampling_rate_hz: float,
    side: str,
    t_s: np.ndarray | None = None,
    max_fill_s: float = MAX_FILL_S,
) -> FootSegments:
    """One foot's arrays with gaps (NaN rows, or rows missing from ``t_s``), cut and filled.

    Parameters
    ----------
    acc_mps2, gyr_dps : ndarray, shape (n, 3)
        Foot signals, NaN where missing.
    sampling_rate_hz : float
        The nominal rate, Hz.
    side : str
        ``"left"`` or ``"right"``.
    t_s : ndarray, shape (n,), optional
        Time of each row, s (missing rows are steps of more than 1.5 periods); default
        ``index / rate``.
    max_fill_s : float
        Longest gap filled, s.
    """
    check_side(side)
    acc = np.asarray(acc_mps2, dtype=np.float64)
    gyr = np.asarray(gyr_dps, dtype=np.float64)
    if acc.ndim != 2 or acc.shape[1] != 3 or acc.shape != gyr.shape:
        raise AnalysisInputError(
            f"acc {acc.shape} and gyr {gyr.shape} must both have shape (n_samples, 3)"
        )
    fs = float(sampling_rate_hz)
    if t_s is None:
        grid = np.arange(acc.shape[0], dtype=np.int64)
        times = grid / fs
    else:
        times = np.asarray(t_s, dtype=np.float64)
        if times.shape != (acc.shape[0],):
            raise AnalysisInputError(f"t_s has shape {times.shape}; expected ({acc.shape[0]},)")
        grid = sample_grid(times, fs)
    return segment_foot(acc, gyr, grid, times, fs, side, max_fill_s, from_t_s=t_s is not None)


def load_imu_segments(
    path: str | os.PathLike[str],
    sampling_rate_hz: float | None = None,
    side: str | None = None,
    max_fill_s: float = MAX_FILL_S,
    check_units: bool = True,
) -> dict[str, FootSegments]:
    """Read an IMU CSV (docs/imu-format.md) and cut each foot at its long gaps.

    Parameters are those of analysis.imu_io.load_imu_csv; ``check_units`` checks each segment
    that can be analysed.

    Raises
    ------
    AnalysisInputError
        One line: bad file (see read_imu_table), or no segment of any foot long enough to
        analyse.
    """
    table = read_imu_table(path, sampling_rate_hz, side)
    feet = segment_table(table, max_fill_s)
    if not any(f.analysable for f in feet.values()):
        longest = max((s.n_samples for f in feet.values() for s in f.segments), default=0)
        raise AnalysisInputError(
            f"{table.name}: no stretch between gaps is long enough to analyse (longest "
            f"{longest / table.sampling_rate_hz:.2f} s, at least {MIN_DURATION_S:g} s needed; "
            f"gaps longer than {max_fill_s:g} s split the recording)"
        )
    if check_units:
        for foot in feet.values():
            for seg in foot.segments:
                if seg.imu is not None:
                    seg.imu.check_units()
    return feet

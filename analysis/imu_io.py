"""Raw foot-IMU data: the in-memory type, checks, and the CSV format of docs/imu-format.md.

Foot frame (both feet): x forward (toward the toes), y left, z up; acc in m/s² including gravity
(standing still: acc_z ≈ +9.81), gyr in deg/s. Two CSV layouts are read:

- ras (docs/imu-format.md): ``# sampling_rate_hz: 200`` comment line, then one header row with
  ``{side}_acc_{axis}_mps2`` and ``{side}_gyr_{axis}_dps`` columns (optional ``t_s`` first);
- gaitmap example data: two header rows (sensor, axis) with a sample-index first column, or one
  header row with ``acc_x .. gyr_z`` (one foot per file); the sampling rate must be given.

Reading gives an :class:`ImuTable`: the rows as they are (NaN where a value is empty or NaN),
each placed on the regular sample grid (:func:`sample_grid`: a ``t_s`` step of more than 1.5
sample periods means rows are missing) with its time on the file's clock. Gaps are then filled
(short) or split at (long) by analysis.segments; :func:`load_imu_csv` is the simple path for
files whose gaps are all short (one :class:`FootImu` per foot, time base and filled-sample mask
kept).
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis.checks import SIDES, check_in_range, check_side
from analysis.errors import AnalysisInputError

__all__ = [
    "AXES",
    "CHUNK_ROWS",
    "MAX_ABS_ACC_MPS2",
    "MAX_ABS_GYR_DPS",
    "MAX_GAP_STEP_PERIODS",
    "MAX_SAMPLING_RATE_HZ",
    "MAX_T_S_RATE_ERROR",
    "MIN_DURATION_S",
    "MIN_SAMPLING_RATE_HZ",
    "SIDES",
    "FootImu",
    "ImuTable",
    "load_imu_csv",
    "read_imu_table",
    "sample_grid",
    "write_imu_csv",
]

AXES: tuple[str, str, str] = ("x", "y", "z")
MIN_SAMPLING_RATE_HZ = 50.0
MAX_SAMPLING_RATE_HZ = 1000.0
#: Shortest recording worth analysing (one slow stride is about 1.5 s).
MIN_DURATION_S = 2.0
#: Gravity, m/s².
GRAVITY_MPS2 = 9.81
#: A ``t_s`` step longer than this many sample periods means rows are missing (a gap).
MAX_GAP_STEP_PERIODS = 1.5
#: Largest relative difference between the rate ``t_s`` advances at and the stated rate.
MAX_T_S_RATE_ERROR = 0.02
_RAS_MAGIC = "# ras-imu 1"
#: Largest |acc| read from a file, m/s² (about 200 g: beyond any foot IMU's range; ±16 g is usual).
MAX_ABS_ACC_MPS2 = 2000.0
#: Largest |gyr| read from a file, deg/s (beyond any IMU's range; ±2000 deg/s is usual).
MAX_ABS_GYR_DPS = 10000.0
#: Longest ``t_s`` step between two rows, s (a day): a longer one is not a gap but a wrong time.
MAX_T_S_STEP_S = 86400.0
#: Data rows parsed at a time: the reader holds one chunk of text rows, never the whole file.
CHUNK_ROWS = 8192


def _check_signal(name: str, values: np.ndarray, side: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise AnalysisInputError(
            f"{side} {name} has shape {arr.shape}; expected (n_samples, 3) for x, y, z"
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        row = int(np.argwhere(bad)[0, 0])
        raise AnalysisInputError(
            f"{side} {name} has {int(bad.sum())} NaN/inf values (first at sample {row}); "
            "only finite numbers are allowed (fill or cut gaps before analysis)"
        )
    if arr.flags.writeable or not (arr.flags.owndata or _read_only(arr.base)):
        arr = arr.copy()  # the caller's array could change under us
        arr.setflags(write=False)
    return arr


def _read_only(base: object) -> bool:
    """Whether ``base`` (an array's owner) is a read-only array: its views cannot change."""
    return isinstance(base, np.ndarray) and base.flags.owndata and not base.flags.writeable


@dataclass(frozen=True)
class FootImu:
    """One foot's IMU signals in the foot frame (x forward, y left, z up).

    Attributes
    ----------
    acc_mps2 : ndarray, shape (n, 3)
        Acceleration including gravity, m/s² (standing: z ≈ +9.81).
    gyr_dps : ndarray, shape (n, 3)
        Angular velocity, deg/s.
    sampling_rate_hz : float
        Samples per second, 50–1000 Hz.
    side : str
        ``"left"`` or ``"right"``.
    first_t_s : float
        Time of sample 0 on the recording's clock, s (the file's ``t_s``; 0 without one).
    filled : ndarray of bool, shape (n,), optional
        True where a sample was missing and filled by linear interpolation (a short gap,
        analysis.segments); no gait event may be placed there. Default: none filled.
    """

    acc_mps2: np.ndarray
    gyr_dps: np.ndarray
    sampling_rate_hz: float
    side: str
    first_t_s: float = 0.0
    filled: np.ndarray | None = None

    def __post_init__(self) -> None:
        check_side(self.side)
        rate = _check_rate(self.sampling_rate_hz, f"sampling rate {self.sampling_rate_hz} Hz")
        acc = _check_signal("acc", self.acc_mps2, self.side)
        gyr = _check_signal("gyr", self.gyr_dps, self.side)
        if acc.shape != gyr.shape:
            raise AnalysisInputError(
                f"{self.side} acc has {acc.shape[0]} samples but gyr has {gyr.shape[0]}; "
                "they must have the same length"
            )
        if acc.shape[0] < MIN_DURATION_S * rate:
            raise AnalysisInputError(
                f"{self.side} recording is {acc.shape[0] / rate:.2f} s long; "
                f"at least {MIN_DURATION_S:g} s ({math.ceil(MIN_DURATION_S * rate)} samples) "
                "are needed"
            )
        first = float(self.first_t_s)
        if not math.isfinite(first):
            raise AnalysisInputError(f"{self.side} first_t_s is {first}; it must be a finite time")
        if self.filled is None:
            filled = np.zeros(acc.shape[0], dtype=bool)
        else:
            filled = np.asarray(self.filled, dtype=bool).copy()
            if filled.shape != (acc.shape[0],):
                raise AnalysisInputError(
                    f"{self.side} filled mask has shape {filled.shape}; expected "
                    f"({acc.shape[0]},), one flag per sample"
                )
        filled.setflags(write=False)
        object.__setattr__(self, "acc_mps2", acc)
        object.__setattr__(self, "gyr_dps", gyr)
        object.__setattr__(self, "sampling_rate_hz", rate)
        object.__setattr__(self, "first_t_s", first)
        object.__setattr__(self, "filled", filled)

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return int(self.acc_mps2.shape[0])

    @property
    def duration_s(self) -> float:
        """Recording length, s."""
        return self.n_samples / self.sampling_rate_hz

    @property
    def t_s(self) -> np.ndarray:
        """Time of each sample on the recording's clock: ``first_t_s + index / rate``, s."""
        return self.first_t_s + np.arange(self.n_samples) / self.sampling_rate_hz

    def check_units(self) -> None:
        """Raise AnalysisInputError if acc does not look like m/s² or gyr like deg/s.

        acc: the median magnitude over the quietest 10 % of samples (least angular speed) must be
        5–15 m/s² (gravity is 9.81; a value near 1 means g).
        gyr: if the foot clearly walks (acc magnitude SD > 2 m/s²) the largest angular velocity
        must exceed 30 deg/s (a swing is 200–600 deg/s; values under 15 mean rad/s).
        """
        with np.errstate(over="ignore", invalid="ignore"):  # 1e300: the message says it
            norm = np.linalg.norm(self.acc_mps2, axis=1)
            gyr_norm = np.linalg.norm(self.gyr_dps, axis=1)
            quiet = np.argsort(gyr_norm)[: max(10, self.n_samples // 10)]
            median = float(np.median(norm[quiet]))
            spread = float(np.std(norm))
        if not 5.0 <= median <= 15.0:
            hint = " (looks like g: multiply by 9.81)" if 0.5 <= median <= 1.5 else ""
            raise AnalysisInputError(
                f"{self.side} acc magnitude at rest is {median:.3g}{hint}; acc must be in m/s² "
                "including gravity (about 9.81 at rest)"
            )
        peak = float(np.max(np.abs(self.gyr_dps)))
        if spread > 2.0 and peak < 30.0:
            hint = " (looks like rad/s: multiply by 57.3)" if peak < 15.0 else ""
            raise AnalysisInputError(
                f"{self.side} gyr never exceeds {peak:.3g} while the foot moves{hint}; "
                "gyr must be in deg/s"
            )


class _CsvRows:
    """The non-empty rows of a CSV file, read lazily (header rows one by one, data in chunks).

    Opened as UTF-8 with an optional byte-order mark (spreadsheets write one); a field longer
    than the csv module's limit, bytes that are not UTF-8 and read errors become one-line
    AnalysisInputErrors. ``capacity`` is an upper bound on the rows (the file's line count),
    so the data can be stored in arrays allocated once.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.capacity = _count_lines(path)
            self._fh = path.open(newline="", encoding="utf-8-sig")
        except FileNotFoundError:
            raise AnalysisInputError(f"IMU file {str(path)!r} does not exist") from None
        except OSError as err:
            raise AnalysisInputError(f"cannot read IMU file {str(path)!r}: {err}") from None
        self._rows = csv.reader(self._fh)
        self._pushed: list[list[str]] = []

    def close(self) -> None:
        """Close the file."""
        self._fh.close()

    def next(self) -> list[str] | None:
        """The next non-empty row, or None at the end of the file."""
        if self._pushed:
            return self._pushed.pop()
        try:
            for row in self._rows:
                if row:
                    return row
        except csv.Error as err:
            raise AnalysisInputError(
                f"{self.path.name}: line {self._rows.line_num} cannot be read ({err}); "
                f"fields may be at most {csv.field_size_limit()} characters"
            ) from None
        except (OSError, UnicodeDecodeError) as err:
            raise AnalysisInputError(f"cannot read IMU file {str(self.path)!r}: {err}") from None
        return None

    def push(self, row: list[str]) -> None:
        """Give ``row`` back: :meth:`next` returns it again."""
        self._pushed.append(row)

    def chunks(self, n_rows: int) -> Iterator[list[list[str]]]:
        """The remaining rows, at most ``n_rows`` at a time."""
        while True:
            chunk = []
            while len(chunk) < n_rows:
                row = self.next()
                if row is None:
                    break
                chunk.append(row)
            if not chunk:
                return
            yield chunk


def _count_lines(path: Path) -> int:
    """Line breaks in the file plus one: at least the number of its CSV rows."""
    n = 1
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            n += block.count(b"\n")
    return n


def _chunk_array(chunk: list[list[str]], n_cols: int, path: Path, first_line: int) -> np.ndarray:
    """One chunk of data rows as floats (empty values NaN); one-line errors."""
    lengths = sorted({len(r) for r in chunk})
    if lengths != [n_cols]:
        k = next(i for i, r in enumerate(chunk) if len(r) != n_cols)
        raise AnalysisInputError(
            f"{path.name}: data row at line {first_line + k} has {len(chunk[k])} values; "
            f"every row needs {n_cols} like the header"
        )
    try:
        return np.array(chunk, dtype=np.str_).astype(np.float64)
    except ValueError:
        pass  # empty values (NaN) or a bad one: value by value below
    try:
        return np.array([[float(v) if v.strip() else np.nan for v in r] for r in chunk])
    except ValueError as err:
        raise AnalysisInputError(
            f"{path.name}: a value is not a number ({err}); only numbers are allowed in data rows"
        ) from None


def _read_columns(
    rows: _CsvRows,
    n_cols: int,
    picks: Mapping[str, Sequence[int]],
    path: Path,
    first_line: int,
) -> dict[str, np.ndarray]:
    """Read the data rows into one array per entry of ``picks`` (its columns), in chunks.

    Each output array is allocated once (``rows.capacity`` rows) and filled chunk by chunk of
    :data:`CHUNK_ROWS` rows, so no list of all rows is ever built: the reader's memory is the
    output arrays plus one chunk. Empty, NaN and infinite values become NaN.
    """
    cap = rows.capacity
    out = {k: np.empty((cap, len(cols)), dtype=np.float64) for k, cols in picks.items()}
    n = 0
    for chunk in rows.chunks(CHUNK_ROWS):
        block = _chunk_array(chunk, n_cols, path, first_line + n)
        m = block.shape[0]
        for key, cols in picks.items():
            part = block[:, list(cols)]
            part[~np.isfinite(part)] = np.nan
            out[key][n : n + m] = part
        n += m
    if n == 0:
        raise AnalysisInputError(f"{path.name}: no data rows after the header")
    for a in out.values():
        a.setflags(write=False)  # FootImu can then keep views of it instead of a copy
    return {k: a[:n] for k, a in out.items()}


def _check_range(name: str, values: np.ndarray, limit: float, what: str, first_line: int) -> None:
    """One-line error if a value of ``values`` is beyond ``limit`` (NaN ignored)."""
    with np.errstate(invalid="ignore"):
        big = np.abs(values) > limit
    if big.any():
        row, col = (int(v) for v in np.argwhere(big)[0])
        raise AnalysisInputError(
            f"{what}: {name} is {values[row, col]:.6g} at line {first_line + row}; a foot IMU "
            f"measures at most ±{limit:g} ({'m/s²' if 'acc' in name else 'deg/s'}); "
            "check the file's numbers and units"
        )


def _column_index(header: Sequence[str], name: str, path: Path) -> int:
    try:
        return list(header).index(name)
    except ValueError:
        raise AnalysisInputError(f"{path.name}: column {name!r} is missing") from None


def _check_rate(rate_hz: float, what: str) -> float:
    return check_in_range(
        what,
        rate_hz,
        MIN_SAMPLING_RATE_HZ,
        MAX_SAMPLING_RATE_HZ,
        f"{MIN_SAMPLING_RATE_HZ:g}–{MAX_SAMPLING_RATE_HZ:g} Hz",
    )


def sample_grid(
    t_s: np.ndarray, sampling_rate_hz: float, what: str = "t_s", first_line: int = 1
) -> np.ndarray:
    """Sample index of each row on the regular grid, from the rows' times.

    A step of up to :data:`MAX_GAP_STEP_PERIODS` sample periods is the next sample (jitter is
    accepted); a longer step means ``round(step * rate) - 1`` rows are missing (a gap).

    Parameters
    ----------
    t_s : ndarray, shape (n,)
        Time of each row, s, increasing (any start).
    sampling_rate_hz : float
        The stated sampling rate, Hz.
    what : str
        Name of the time column in messages (e.g. the file name and column).
    first_line : int
        File line of the first row, for messages.

    Returns
    -------
    ndarray of int, shape (n,)
        0 for the first row.

    Raises
    ------
    AnalysisInputError
        A time that is not a number, goes backwards or repeats, jumps by more than
        :data:`MAX_T_S_STEP_S`, a median step longer than
        1.5 periods, or a clock that runs more than :data:`MAX_T_S_RATE_ERROR` off the stated
        rate.
    """
    t = np.asarray(t_s, dtype=np.float64)
    fs = float(sampling_rate_hz)
    bad = np.flatnonzero(~np.isfinite(t))
    if bad.size:
        raise AnalysisInputError(
            f"{what} is empty or not finite at line {first_line + int(bad[0])}; every row needs "
            "its time"
        )
    step = np.diff(t)
    back = np.flatnonzero(step <= 0.0)
    if back.size:
        k = int(back[0])
        raise AnalysisInputError(
            f"{what} goes backwards or repeats at line {first_line + k + 1} ({t[k + 1]:.6g} s "
            f"after {t[k]:.6g} s); times must increase"
        )
    jump = np.flatnonzero(step > MAX_T_S_STEP_S)
    if jump.size:
        k = int(jump[0])
        raise AnalysisInputError(
            f"{what} jumps by {step[k]:.6g} s at line {first_line + k + 1}; rows of one "
            f"recording are at most {MAX_T_S_STEP_S:g} s (a day) apart"
        )
    periods = step * fs
    if periods.size and np.median(periods) > MAX_GAP_STEP_PERIODS:
        raise AnalysisInputError(
            f"{what} steps by {np.median(step):.4g} s (median) but the sampling rate is {fs:g} Hz "
            f"({1 / fs:.4g} s); is the rate right?"
        )
    grid = np.concatenate(
        ([0], np.cumsum(np.where(periods > MAX_GAP_STEP_PERIODS, np.round(periods), 1)))
    ).astype(np.int64)
    span = t[-1] - t[0] if t.size else 0.0
    if grid.size > 1 and span > 0:
        clock = grid[-1] / span
        if abs(clock / fs - 1.0) > MAX_T_S_RATE_ERROR:
            raise AnalysisInputError(
                f"{what} advances at {clock:.4g} samples/s but the sampling rate is {fs:g} Hz; "
                f"they must agree within {MAX_T_S_RATE_ERROR:.0%} (is the rate right?)"
            )
    return grid


@dataclass(frozen=True)
class ImuTable:
    """An IMU file as read, before gaps are handled (analysis.segments does that).

    Attributes
    ----------
    name : str
        File name, for messages.
    sampling_rate_hz : float
        Samples per second, Hz.
    grid_idx : ndarray of int, shape (n_rows,)
        Sample index of each row on the regular grid (first row 0; :func:`sample_grid`).
    t_s : ndarray, shape (n_rows,)
        Time of each row on the file's clock, s: its ``t_s`` value, or ``grid_idx / rate``.
    has_t_s : bool
        Whether the file had a ``t_s`` column.
    acc_mps2, gyr_dps : dict of str to ndarray, shape (n_rows, 3)
        Per foot, in file order; NaN where a value was empty, NaN or inf.
    """

    name: str
    sampling_rate_hz: float
    grid_idx: np.ndarray
    t_s: np.ndarray
    has_t_s: bool
    acc_mps2: dict[str, np.ndarray]
    gyr_dps: dict[str, np.ndarray]

    @property
    def sides(self) -> tuple[str, ...]:
        """The feet present, left first."""
        return tuple(s for s in SIDES if s in self.acc_mps2)

    def grid_t_s(self, grid: np.ndarray) -> np.ndarray:
        """Time on the file's clock of grid positions ``grid``, s (linear between rows)."""
        g = np.asarray(grid, dtype=np.float64)
        if self.grid_idx.size < 2:
            return self.t_s[0] + g / self.sampling_rate_hz
        return np.interp(g, self.grid_idx, self.t_s)


def _table(
    path: Path,
    rate_hz: float,
    t_s: np.ndarray | None,
    signals: dict[str, tuple[np.ndarray, np.ndarray]],
    first_line: int,
) -> ImuTable:
    rate = _check_rate(rate_hz, f"{path.name}: sampling rate {rate_hz:g} Hz")
    n = next(iter(signals.values()))[0].shape[0]
    if t_s is None:
        grid = np.arange(n, dtype=np.int64)
        times = grid / rate
    else:
        grid = sample_grid(t_s, rate, f"{path.name}: t_s", first_line)
        times = np.asarray(t_s, dtype=np.float64)
    acc, gyr = {}, {}
    for side in SIDES:
        if side in signals:
            acc[side], gyr[side] = signals[side]
            what = path.name
            _check_range(f"{side} acc", acc[side], MAX_ABS_ACC_MPS2, what, first_line)
            _check_range(f"{side} gyr", gyr[side], MAX_ABS_GYR_DPS, what, first_line)
    return ImuTable(path.name, rate, grid, times, t_s is not None, acc, gyr)


def _parse_ras(first: list[str], rows: _CsvRows, path: Path, rate_hz: float | None) -> ImuTable:
    meta: dict[str, str] = {}
    i = 0
    row: list[str] | None = first
    while row is not None and row[0].startswith("#"):
        key, sep, value = ",".join(row).lstrip("#").partition(":")
        if sep:
            meta[key.strip()] = value.strip()
        i += 1
        row = rows.next()
    if row is None:
        raise AnalysisInputError(f"{path.name}: no header row after the comment lines")
    header = [h.strip() for h in row]
    if "sampling_rate_hz" in meta:
        try:
            file_rate = float(meta["sampling_rate_hz"])
        except ValueError:
            raise AnalysisInputError(
                f"{path.name}: sampling_rate_hz {meta['sampling_rate_hz']!r} is not a number"
            ) from None
        if rate_hz is not None and not math.isclose(rate_hz, file_rate, rel_tol=1e-6):
            raise AnalysisInputError(
                f"{path.name}: file says {file_rate:g} Hz but {rate_hz:g} Hz was given; "
                "give no rate or the file's"
            )
        rate_hz = file_rate
    if rate_hz is None:
        raise AnalysisInputError(
            f"{path.name}: no '# sampling_rate_hz: N' line; add it or give the sampling rate "
            "(sampling_rate_hz; ras analyse --sampling-rate-hz)"
        )
    allowed = {"t_s"} | {
        f"{s}_{k}_{a}_{u}"
        for s in SIDES
        for k, u in (("acc", "mps2"), ("gyr", "dps"))
        for a in AXES
    }
    unknown = [h for h in header if h not in allowed]
    if unknown:
        raise AnalysisInputError(
            f"{path.name}: unknown column {unknown[0]!r}; allowed are t_s and "
            "{left,right}_acc_{x,y,z}_mps2, {left,right}_gyr_{x,y,z}_dps (acc m/s², gyr deg/s)"
        )
    picks: dict[str, list[int]] = {}
    for side in SIDES:
        if not any(h.startswith(side + "_") for h in header):
            continue
        for kind, unit in (("acc", "mps2"), ("gyr", "dps")):
            picks[f"{side}_{kind}"] = [
                _column_index(header, f"{side}_{kind}_{a}_{unit}", path) for a in AXES
            ]
    if not picks:
        raise AnalysisInputError(
            f"{path.name}: no left_* or right_* columns; one or two feet needed"
        )
    if "t_s" in header:
        picks["t_s"] = [header.index("t_s")]
    data = _read_columns(rows, len(header), picks, path, i + 2)
    signals = {
        side: (data[f"{side}_acc"], data[f"{side}_gyr"]) for side in SIDES if f"{side}_acc" in data
    }
    t_s = data["t_s"][:, 0] if "t_s" in data else None
    return _table(path, rate_hz, t_s, signals, i + 2)


def _parse_gaitmap(
    first: list[str], rows: _CsvRows, path: Path, rate_hz: float | None, side: str | None
) -> ImuTable:
    if rate_hz is None:
        raise AnalysisInputError(
            f"{path.name}: gaitmap-style CSV has no sampling rate; give it (sampling_rate_hz; "
            "ras analyse --sampling-rate-hz; the gaitmap example is 204.8 Hz)"
        )
    names = [f"{k}_{a}" for k in ("acc", "gyr") for a in AXES]
    second = rows.next()
    two_rows = second is not None and any(c.strip() in names for c in second)
    if two_rows and second is not None:
        sensors = [c.strip() for c in first]
        axes = [c.strip() for c in second]
        picks: dict[str, list[int]] = {}
        for s in SIDES:
            cols = {
                ax: j
                for j, (sn, ax) in enumerate(zip(sensors, axes, strict=False))
                if sn == f"{s}_sensor"
            }
            if not cols:
                continue
            missing = [n for n in names if n not in cols]
            if missing:
                raise AnalysisInputError(f"{path.name}: {s}_sensor has no column {missing[0]!r}")
            picks[f"{s}_acc"] = [cols[n] for n in names[:3]]
            picks[f"{s}_gyr"] = [cols[n] for n in names[3:]]
        if not picks:
            raise AnalysisInputError(
                f"{path.name}: first header row names no left_sensor or right_sensor"
            )
        data = _read_columns(rows, len(axes), picks, path, 3)
        signals = {s: (data[f"{s}_acc"], data[f"{s}_gyr"]) for s in SIDES if f"{s}_acc" in data}
        return _table(path, rate_hz, None, signals, 3)
    if second is not None:
        rows.push(second)
    header = [c.strip() for c in first]
    idx = [_column_index(header, n, path) for n in names]
    if side is None:
        raise AnalysisInputError(
            f"{path.name}: one-sensor file does not say which foot; give side 'left' or 'right' "
            "(ras analyse --side)"
        )
    check_side(side)
    data = _read_columns(rows, len(header), {"acc": idx[:3], "gyr": idx[3:]}, path, 2)
    return _table(path, rate_hz, None, {side: (data["acc"], data["gyr"])}, 2)


def read_imu_table(
    path: str | os.PathLike[str],
    sampling_rate_hz: float | None = None,
    side: str | None = None,
) -> ImuTable:
    """Read an IMU CSV (ras format, or gaitmap example layout) as it is, gaps and all.

    Parameters are those of :func:`load_imu_csv`. Raises AnalysisInputError (one line) for
    anything but gaps: columns, numbers, sampling rate, ``t_s`` going backwards or repeating.
    """
    p = Path(path)
    rows = _CsvRows(p)
    try:
        first = rows.next()
        if first is None:
            raise AnalysisInputError(f"{p.name}: file is empty; expected a header and data rows")
        if first[0].strip().startswith("#") or any(
            c.strip().endswith(("_mps2", "_dps")) for c in first
        ):
            return _parse_ras(first, rows, p, sampling_rate_hz)
        return _parse_gaitmap(first, rows, p, sampling_rate_hz, side)
    finally:
        rows.close()


def load_imu_csv(
    path: str | os.PathLike[str],
    sampling_rate_hz: float | None = None,
    side: str | None = None,
    check_units: bool = True,
    max_fill_s: float | None = None,
) -> dict[str, FootImu]:
    """Read an IMU CSV (ras format, or gaitmap example layout) into ``{side: FootImu}``.

    Short gaps (NaN values, missing rows) are filled and marked in ``FootImu.filled``; a file
    with a longer gap is refused here: analysis.segments.load_imu_segments (and ``ras
    analyse``) split it and analyse the parts. Each FootImu's ``first_t_s`` is the file's time
    of its first sample (0 without a ``t_s`` column).

    Parameters
    ----------
    path : path-like
        The CSV file.
    sampling_rate_hz : float, optional
        Needed when the file does not state it (gaitmap files; imu_sample.csv is 204.8 Hz).
    side : str, optional
        Which foot a one-sensor gaitmap file is (``"left"`` or ``"right"``).
    check_units : bool
        Also run :meth:`FootImu.check_units` (acc m/s², gyr deg/s) on each foot.
    max_fill_s : float, optional
        Longest gap filled, s (default analysis.segments.MAX_FILL_S, 0.1 s).

    Returns
    -------
    dict
        ``{"left": FootImu, "right": FootImu}`` with the feet present, left first.

    Raises
    ------
    AnalysisInputError
        One line naming what was wrong and what is allowed.
    """
    from analysis.segments import MAX_FILL_S, segment_table  # segments builds on this module

    limit = MAX_FILL_S if max_fill_s is None else max_fill_s
    table = read_imu_table(path, sampling_rate_hz, side)
    feet = {}
    for s, parts in segment_table(table, limit).items():
        split = [g for g in parts.gaps if g.action == "split"]
        if split:
            g = split[0]
            raise AnalysisInputError(
                f"{table.name}: {s} has a gap of {g.duration_s:.3g} s at t = {g.start_t_s:.6g} s, "
                f"longer than the {limit:g} s filled; analyse the parts separately "
                "(analysis.segments.load_imu_segments, or ras analyse)"
            )
        if not parts.segments:
            raise AnalysisInputError(f"{table.name}: {s} has no sample with finite values")
        seg = parts.segments[0]
        if seg.imu is None:
            raise AnalysisInputError(f"{table.name}: {s} {seg.note}")
        feet[s] = seg.imu
    if check_units:
        for foot in feet.values():
            foot.check_units()
    return feet


def write_imu_csv(path: str | os.PathLike[str], feet: Mapping[str, FootImu]) -> None:
    """Write ``feet`` (one or two FootImu of equal length, rate and start) in the ras CSV format.

    ``t_s`` is written on the feet's clock (``first_t_s + index / rate``); the file is
    owner-only (0600): IMU recordings are health data.
    """
    items = [feet[s] for s in SIDES if s in feet]
    if not items:
        raise AnalysisInputError("no feet to write; give 'left' and/or 'right'")
    rate, n, first = items[0].sampling_rate_hz, items[0].n_samples, items[0].first_t_s
    if any(f.sampling_rate_hz != rate or f.n_samples != n for f in items):
        raise AnalysisInputError("both feet must have the same sampling rate and length")
    if any(f.first_t_s != first for f in items):
        raise AnalysisInputError("both feet must start at the same time (first_t_s)")
    header = ["t_s"]
    blocks = [items[0].t_s[:, None]]
    for f in items:
        header += [f"{f.side}_acc_{a}_mps2" for a in AXES] + [f"{f.side}_gyr_{a}_dps" for a in AXES]
        blocks += [f.acc_mps2, f.gyr_dps]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(f"{_RAS_MAGIC}\n# sampling_rate_hz: {rate:.10g}\n")
        fmt = ["%.6f"] + ["%.9g"] * (6 * len(items))
        np.savetxt(
            fh, np.hstack(blocks), delimiter=",", header=",".join(header), comments="", fmt=fmt
        )

"""What a detector gets from a recording, and one small adapter per detector.

:func:`prepare` turns a (disturbed) :class:`~tests.robustness.cases.Recording` into what the
sensor delivered, per foot: the signals in the sensor's axes with their gaps, then

1. **gaps** (NaN rows, or rows missing from ``t_s``): cut and filled as ``ras analyse`` does
   (:func:`analysis.segments.segment_arrays`: gaps up to 0.1 s filled, longer ones split the
   recording), and, for the live detectors, the runs of samples between any two gaps, fed to
   :class:`analysis.live_stream.LiveGaitEvents` on the recording's sample grid (short gaps
   bridged as the offline analysis fills them, a new detector after a long one);
2. **alignment** when the data are not in the foot frame: :class:`analysis.alignment.
   SensorAlignment` over the foot's segments, as ``ras analyse --align`` does, with the error
   of the estimated rotation against the true mounting and whether it turned the foot around
   (heading error > 90 deg).

The adapters (:data:`RUNNERS`) each run one detector on one foot and return event times in
seconds on the recording's clock. The offline adapter is the analysis pipeline of
``ras analyse`` (:func:`analysis.pipeline.analyse_foot`: events per segment, none on a filled
sample). The detectors' settings and the C port's inputs are changing (the lead engineer's
rewrite): adjust the adapters, nothing else.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from analysis.alignment import SensorAlignment
from analysis.causal_events import EVENT_IC, EVENT_TO
from analysis.errors import AnalysisInputError
from analysis.imu_io import FootImu
from analysis.live_stream import LiveGaitEvents
from analysis.pipeline import analyse_foot
from analysis.segments import FootSegments, segment_arrays
from tests.robustness.cases import SIDES, Recording

__all__ = [
    "RUNNERS",
    "Detected",
    "Prepared",
    "fill_gaps",
    "prepare",
    "rotation_error",
    "run_cport",
    "run_live",
    "run_offline",
]


@dataclass(frozen=True)
class Prepared:
    """One foot as the detectors get it.

    Attributes
    ----------
    side : str
        ``"left"`` or ``"right"``.
    sampling_rate_hz : float
        Rate, Hz.
    segments : FootSegments
        The foot in the **sensor** frame, cut at long gaps and filled in short ones.
    rotation : ndarray (3, 3) or None
        ``foot = rotation @ sensor`` when the data needed alignment (None: already foot frame).
    runs : list of (start_t_s, ndarray (n, 6))
        Foot-frame runs between gaps: acc x, y, z (m/s²), gyr x, y, z (deg/s).
    filled : FootImu
        The whole recording in the foot frame on a uniform grid from ``t0_s``, every gap filled
        linearly (for gaitmap, which has no gap handling).
    t0_s : float
        Time of ``filled``'s first sample, s.
    rotation_error_deg : float or None
        Angle of the estimated-vs-true mounting error (None: no alignment was needed).
    flipped : bool or None
        The alignment turned the foot around (heading error > 90 deg); None: not aligned.
    alignment_failed : str
        The alignment's error message, or empty.
    """

    side: str
    sampling_rate_hz: float
    segments: FootSegments
    rotation: np.ndarray | None
    runs: list[tuple[float, np.ndarray]]
    filled: FootImu
    t0_s: float
    rotation_error_deg: float | None = None
    flipped: bool | None = None
    alignment_failed: str = ""


@dataclass(frozen=True)
class Detected:
    """Events of one detector on one foot, s on the recording's clock.

    ``raw`` lists (run, kind, idx, detected_idx) for the causal detectors (C-port check).
    """

    ic_t_s: np.ndarray
    to_t_s: np.ndarray
    raw: tuple[tuple[int, int, float, int], ...] = ()


def fill_gaps(
    t_s: np.ndarray, x: np.ndarray, sampling_rate_hz: float
) -> tuple[float, np.ndarray, np.ndarray]:
    """Put samples on a uniform grid and fill every lost one (NaN rows, missing times) linearly.

    Returns
    -------
    t0_s : float
        Time of grid sample 0.
    filled : ndarray, shape (m, k)
        ``x`` on the grid, gaps interpolated.
    lost : ndarray of bool, shape (m,)
        Grid samples that were lost.
    """
    t0 = float(t_s[0])
    idx = np.round((np.asarray(t_s) - t0) * sampling_rate_hz).astype(np.int64)
    grid = np.full((int(idx[-1]) + 1, x.shape[1]), np.nan)
    grid[idx] = x
    lost = np.isnan(grid).any(axis=1)
    if lost.any():
        good = np.flatnonzero(~lost)
        for j in range(grid.shape[1]):
            grid[lost, j] = np.interp(np.flatnonzero(lost), good, grid[good, j])
    return t0, grid, lost


def _runs(t0_s: float, x: np.ndarray, lost: np.ndarray, fs: float) -> list:
    edges = np.flatnonzero(np.diff(np.r_[1, lost.astype(np.int8), 1]))
    return [(t0_s + a / fs, x[a:b]) for a, b in zip(edges[0::2], edges[1::2], strict=True)]


def rotation_error(estimated: np.ndarray, mount: np.ndarray) -> tuple[float, bool]:
    """Angle (deg) of ``estimated @ mount`` (identity if right) and whether the heading is off
    by more than 90 deg (the foot turned around)."""
    c = np.asarray(estimated) @ np.asarray(mount)
    angle = float(np.degrees(np.arccos(np.clip((np.trace(c) - 1.0) / 2.0, -1.0, 1.0))))
    heading = float(np.degrees(np.arctan2(c[1, 0], c[0, 0])))
    return angle, abs(heading) > 90.0


def prepare(rec: Recording) -> dict[str, Prepared]:
    """Each foot of ``rec`` as the sensor delivered it, gap-handled and aligned if needed."""
    fs = rec.sampling_rate_hz
    out = {}
    for side in SIDES:
        m = np.asarray(rec.mount[side])
        acc, gyr = rec.acc_mps2[side] @ m.T, rec.gyr_dps[side] @ m.T
        segments = segment_arrays(acc, gyr, fs, side, t_s=rec.t_s)
        rot, err, flip, failed = None, None, None, ""
        imus = [s.imu for s in segments.analysable if s.imu is not None]
        if rec.needs_alignment and not imus:
            failed = "no segment long enough to align"
        elif rec.needs_alignment:
            try:
                rot = SensorAlignment().estimate(imus).rotation_
                err, flip = rotation_error(rot, m)
            except AnalysisInputError as exc:
                failed = str(exc)
        t0, grid, lost = fill_gaps(rec.times_s(), np.hstack([acc, gyr]), fs)
        block = np.kron(np.eye(2), np.eye(3) if rot is None else rot)  # acc and gyr alike
        aligned = grid @ block.T
        out[side] = Prepared(
            side=side,
            sampling_rate_hz=fs,
            segments=segments,
            rotation=rot,
            runs=_runs(t0, aligned, lost, fs),
            filled=FootImu(aligned[:, :3], aligned[:, 3:], fs, side),
            t0_s=t0,
            rotation_error_deg=err,
            flipped=flip,
            alignment_failed=failed,
        )
    return out


def run_offline(p: Prepared) -> Detected:
    """The analysis pipeline of ``ras analyse`` (GaitEventDetector per segment, the rotation
    found by :func:`prepare` as a fixed one)."""
    if p.alignment_failed:
        return Detected(np.empty(0), np.empty(0))
    foot = analyse_foot(p.segments, rotation=p.rotation)
    return Detected(foot.events_t_s["ic"], foot.events_t_s["to"])


def _stream_events(p: Prepared, factory: Callable[[], object] | None = None) -> Detected:
    """A live detector fed run by run on the recording's sample grid: short gaps bridged and
    events on bridged samples dropped, a new detector after a long gap
    (:class:`analysis.live_stream.LiveGaitEvents`, as the host runs it)."""
    fs = p.sampling_rate_hz
    stream = LiveGaitEvents(fs, detector_factory=factory)  # type: ignore[arg-type]
    ic, to, raw = [], [], []
    for start, x in p.runs:
        for e in stream.feed(round((start - p.t0_s) * fs), x):
            raw.append((0, int(e.kind), float(e.idx), int(e.detected_idx)))
            t = p.t0_s + e.idx / fs
            if e.kind == EVENT_IC:
                ic.append(t)
            elif e.kind == EVENT_TO:
                to.append(t)
    return Detected(np.asarray(ic), np.asarray(to), tuple(raw))


def run_live(p: Prepared) -> Detected:
    """The live Python detector (``CausalGaitEventDetector``) over the stream."""
    return _stream_events(p)


class _CPort:
    """The firmware's C detector behind the live detector's ``process`` interface."""

    def __init__(self, sampling_rate_hz: float) -> None:
        from ras.sim.firmware_core import FirmwareDetector  # builds the library on first use

        self._det = FirmwareDetector(sampling_rate_hz)
        self._takes_acc = "acc_mps2" in inspect.signature(FirmwareDetector.run).parameters
        self._period_us = 1e6 / sampling_rate_hz
        self._n = 0

    def process(self, x: np.ndarray) -> list:
        t_us = np.round((self._n + np.arange(len(x))) * self._period_us).astype(np.int64)
        self._n += len(x)
        if self._takes_acc:
            return self._det.run(x[:, :3], x[:, 3:], t_us)
        return self._det.run(x[:, 3:], t_us)


def run_cport(p: Prepared) -> Detected:
    """The firmware's C detector (ctypes, ``ras.sim.firmware_core.FirmwareDetector``) over the
    same stream as :func:`run_live`; sample times ``i * 1e6 / rate`` us."""
    return _stream_events(p, lambda: _CPort(p.sampling_rate_hz))


#: The detectors compared, by row name.
RUNNERS: Mapping[str, Callable[[Prepared], Detected]] = {
    "offline": run_offline,
    "live": run_live,
    "C port": run_cport,
}

"""Undisturbed recordings of both feet with their reference events (the suite's base cases).

A :class:`Recording` keeps the signals in the **foot frame** (x forward, y left, z up; acc m/s²,
gyr deg/s) and the sensor's true mounting ``mount`` (sensor = mount @ foot), so disturbances act
on foot-frame signals and the runners see what the sensor saw. Times are seconds from the first
sample.

- :func:`gaitmap_walk` — ``imu_sample.csv`` (204.8 Hz, already in the foot frame) against its
  motion-capture ICs (``ic`` and ``pre_ic``) and TOs (``tc``) of ``stride_events_sample.csv``;
  scored from the first to the last reference event, leaving out the turn between the
  hand-labelled bouts of ``stride_borders_sample.csv`` (as benchmarks/gait_accuracy.py does).
- :func:`gaitmap_ic_stride` — ``imu_sample_ic_stride.csv`` (102.4 Hz, raw sensor frames tilted
  about 40 deg): ICs are the starts and ends of the strides of
  ``stride_borders_sample_ic_stride.csv`` (motion capture), scored on those strides only; no TO
  reference. Its mounting is what :class:`analysis.alignment.SensorAlignment` finds on the
  undisturbed file.
- :func:`simulated` — a walk of the virtual patient (:func:`ras.sim.recording.simulate_walk`) in
  several bouts with standing in between; the true ICs (ground contact) and TOs, scored over the
  whole recording.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from analysis.alignment import SensorAlignment
from analysis.imu_io import load_imu_csv
from ras.sim.presets import PatientParams, make_params
from ras.sim.recording import simulate_walk
from tests.datasets import (
    GAITMAP_DIR,
    GAITMAP_RATE_HZ,
    GAITMAP_SLOW_RATE_HZ,
    read_borders,
    read_stride_events,
    require_gaitmap,
)

__all__ = [
    "SIDES",
    "SIM_PRESETS",
    "Recording",
    "Reference",
    "gaitmap_ic_stride",
    "gaitmap_walk",
    "in_intervals",
    "simulated",
    "subtract_intervals",
]

SIDES: tuple[str, str] = ("left", "right")
#: Margin around the reference span and the left-out turns, s (the matching tolerance).
MARGIN_S = 0.05

#: Virtual patients of the suite: the presets (no freezing in the event rows) and slow walkers.
SIM_PRESETS: Mapping[str, PatientParams] = {
    "healthy": make_params("healthy"),
    "parkinson": make_params("parkinson", freeze_rate_per_min=0),
    "stroke": make_params("stroke"),
    "slow": make_params("healthy", speed_mps=0.4),
    "stroke-slow": make_params("stroke", cadence_spm=64.0, speed_mps=0.3),
}


@dataclass(frozen=True)
class Reference:
    """True events of one foot and where detections are scored, s.

    Attributes
    ----------
    ic_t_s, to_t_s : ndarray
        Reference initial contacts and toe-offs (``to_t_s`` None: no TO reference).
    ic_region_t_s, to_region_t_s : ndarray, shape (k, 2)
        Intervals in which detections and references of that event are counted.
    bouts_t_s : ndarray, shape (m, 2)
        Walking bouts; the first and last IC of each bout are scored separately.
    """

    ic_t_s: np.ndarray
    to_t_s: np.ndarray | None
    ic_region_t_s: np.ndarray
    to_region_t_s: np.ndarray
    bouts_t_s: np.ndarray


@dataclass(frozen=True)
class Recording:
    """Both feet of one walk in the foot frame, the sensor mounting and the reference.

    Attributes
    ----------
    name : str
        What it is, e.g. ``"gaitmap 204.8 Hz"``.
    sampling_rate_hz : float
        Nominal rate, Hz.
    acc_mps2, gyr_dps : dict of str to ndarray, shape (n, 3)
        Foot-frame signals per side (NaN rows: samples lost).
    mount : dict of str to ndarray, shape (3, 3)
        True rotation per side: sensor vector = ``mount @ foot vector``.
    reference : dict of str to Reference
        Per side.
    t_s : ndarray, optional
        Sample times when rows are missing (dropped packets); None: ``k / sampling_rate_hz``.
    needs_alignment : bool
        The runners must estimate the mounting first (the data are not in the foot frame).
    notes : tuple of str
        The disturbances applied, with their parameters.
    """

    name: str
    sampling_rate_hz: float
    acc_mps2: Mapping[str, np.ndarray]
    gyr_dps: Mapping[str, np.ndarray]
    mount: Mapping[str, np.ndarray]
    reference: Mapping[str, Reference]
    t_s: np.ndarray | None = None
    needs_alignment: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def n_samples(self) -> int:
        """Rows per foot."""
        return int(next(iter(self.gyr_dps.values())).shape[0])

    def times_s(self) -> np.ndarray:
        """Time of every row, s."""
        if self.t_s is not None:
            return self.t_s
        return np.arange(self.n_samples) / self.sampling_rate_hz


def subtract_intervals(keep: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """Intervals ``keep`` (k, 2) minus the intervals ``cut`` (m, 2); result (j, 2), sorted."""
    out = [tuple(iv) for iv in np.asarray(keep, dtype=float).reshape(-1, 2)]
    for a, b in np.asarray(cut, dtype=float).reshape(-1, 2):
        nxt = []
        for lo, hi in out:
            if b <= lo or a >= hi:
                nxt.append((lo, hi))
                continue
            if a > lo:
                nxt.append((lo, a))
            if b < hi:
                nxt.append((b, hi))
        out = nxt
    return np.asarray(sorted(out), dtype=float).reshape(-1, 2)


def in_intervals(t: np.ndarray, intervals: np.ndarray) -> np.ndarray:
    """Which of ``t`` lie in one of ``intervals`` (k, 2), ends included."""
    t = np.asarray(t, dtype=float)
    iv = np.asarray(intervals, dtype=float).reshape(-1, 2)
    return ((t[:, None] >= iv[None, :, 0]) & (t[:, None] <= iv[None, :, 1])).any(axis=1)


def _region(ref_t_s: np.ndarray, borders_t_s: np.ndarray, margin_s: float) -> np.ndarray:
    """The reference's span (widened by ``margin_s``) minus the gaps between labelled strides
    that do not touch (widened by ``margin_s``): tests.datasets.in_region as intervals."""
    span = np.array([[ref_t_s.min() - margin_s, ref_t_s.max() + margin_s]])
    b = np.asarray(borders_t_s)
    gaps = [(e - margin_s, s + margin_s) for e, s in zip(b[:-1, 1], b[1:, 0], strict=True) if s > e]
    return subtract_intervals(span, np.asarray(gaps).reshape(-1, 2))


def _bouts(borders_t_s: np.ndarray) -> np.ndarray:
    """Groups of touching labelled strides, (m, 2) s."""
    b = np.asarray(borders_t_s)
    out = [[b[0, 0], b[0, 1]]]
    for start, end in b[1:]:
        if start > out[-1][1]:
            out.append([start, end])
        else:
            out[-1][1] = max(out[-1][1], end)
    return np.asarray(out)


def _identity() -> dict[str, np.ndarray]:
    return {s: np.eye(3) for s in SIDES}


def gaitmap_walk(folder: Path | None = None) -> Recording:
    """``imu_sample.csv`` (204.8 Hz, foot frame) with its motion-capture reference."""
    folder = require_gaitmap(GAITMAP_DIR if folder is None else folder)
    fs = GAITMAP_RATE_HZ
    feet = load_imu_csv(folder / "imu_sample.csv", fs)
    events = read_stride_events(folder / "stride_events_sample.csv")
    borders = read_borders(folder / "stride_borders_sample.csv")
    # the two straight bouts are split by the turn, which only the left foot's labels leave out
    turn = _bouts(borders["left"] / fs)
    reference = {}
    for side in SIDES:
        ev = events[side]
        ic = np.unique(np.r_[ev["pre_ic"], ev["ic"]]) / fs
        to = np.sort(ev["tc"]) / fs
        b = borders[side] / fs
        bouts = subtract_intervals(
            np.array([[b[0, 0], b[-1, 1]]]), np.array([[turn[0, 1], turn[1, 0]]])
        )
        reference[side] = Reference(
            ic, to, _region(ic, b, MARGIN_S), _region(to, b, MARGIN_S), bouts
        )
    return Recording(
        name=f"gaitmap {fs:g} Hz",
        sampling_rate_hz=fs,
        acc_mps2={s: feet[s].acc_mps2 for s in SIDES},
        gyr_dps={s: feet[s].gyr_dps for s in SIDES},
        mount=_identity(),
        reference=reference,
    )


def gaitmap_ic_stride(folder: Path | None = None) -> Recording:
    """``imu_sample_ic_stride.csv`` (102.4 Hz, tilted sensor) with its motion-capture ICs.

    The signals are rotated into the foot frame with the alignment estimated on this undisturbed
    file, which is also the mounting the runners must recover.
    """
    folder = require_gaitmap(GAITMAP_DIR if folder is None else folder)
    fs = GAITMAP_SLOW_RATE_HZ
    feet = load_imu_csv(folder / "imu_sample_ic_stride.csv", fs)
    rows: dict[str, list[tuple[float, float]]] = {}
    with (folder / "stride_borders_sample_ic_stride.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            rows.setdefault(row["foot"], []).append((float(row["start"]), float(row["end"])))
    acc, gyr, mount, reference = {}, {}, {}, {}
    for side in SIDES:
        rot = SensorAlignment().estimate(feet[side]).rotation_
        acc[side] = feet[side].acc_mps2 @ rot.T
        gyr[side] = feet[side].gyr_dps @ rot.T
        mount[side] = rot.T
        b = np.asarray(rows[side]) / fs
        ic = np.unique(b)
        region = _region(ic, b, MARGIN_S)
        reference[side] = Reference(ic, None, region, np.empty((0, 2)), _bouts(b))
    return Recording(
        name=f"gaitmap ic_stride {fs:g} Hz",
        sampling_rate_hz=fs,
        acc_mps2=acc,
        gyr_dps=gyr,
        mount=mount,
        reference=reference,
        needs_alignment=True,
    )


def default_bouts(
    duration_s: float, n_bouts: int, stand_s: float = 4.0
) -> list[tuple[float, float]]:
    """``n_bouts`` equal walking bouts with ``stand_s`` of standing before, between and after."""
    walk_s = (duration_s - (n_bouts + 1) * stand_s) / n_bouts
    return [(stand_s + k * (walk_s + stand_s), stand_s + k * (walk_s + stand_s) + walk_s)
            for k in range(n_bouts)]  # fmt: skip


def simulated(
    preset: str,
    sampling_rate_hz: float = 100.0,
    *,
    seed: int = 1,
    duration_s: float = 96.0,
    bouts_s: Sequence[tuple[float, float]] | None = None,
) -> Recording:
    """A walk of the virtual patient ``preset`` (a key of :data:`SIM_PRESETS`) in bouts.

    Default: four bouts of 19 s with 4 s of standing before, between and after. ``seed`` is the
    person (landing delay, impact, ringing; :func:`ras.sim.imu.foot_shape`) and their steps.
    """
    params = SIM_PRESETS[preset]
    bouts = default_bouts(duration_s, 4) if bouts_s is None else list(bouts_s)
    walk = simulate_walk(
        params,
        duration_s=duration_s,
        sampling_rate_hz=sampling_rate_hz,
        seed=seed,
        bouts_s=bouts,
    )
    whole = np.array([[0.0, duration_s]])
    reference = {
        s: Reference(walk.ic_t_s[s], walk.to_t_s[s], whole, whole, walk.walking_t_s) for s in SIDES
    }
    return Recording(
        name=f"sim {preset} {sampling_rate_hz:g} Hz (seed {seed})",
        sampling_rate_hz=float(sampling_rate_hz),
        acc_mps2={s: walk.feet[s].acc_mps2 for s in SIDES},
        gyr_dps={s: walk.feet[s].gyr_dps for s in SIDES},
        mount=_identity(),
        reference=reference,
    )

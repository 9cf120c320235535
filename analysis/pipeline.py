"""The offline analysis of one recording: align → detect → strides, per foot and per segment.

Input: each foot's recording cut at its long gaps (analysis.segments). Per foot:

1. **frame**: the sensor-to-foot rotation is estimated over all the foot's segments together
   (``align=True``), taken as given (``rotations``), or — neither — the data are taken as being
   in the foot frame and only checked (warnings when they look otherwise); analysis.alignment;
2. **events** per segment (analysis.gait_events.GaitEventDetector); an event that lands on a
   sample filled in a short gap is dropped (no event is placed inside a gap);
3. **strides** per segment: the detector's stride table plus stride length, gait speed and
   clearance (analysis.trajectory); a stride with a dropped event is dropped. Strides never
   span segments.

Every output time (columns ending in ``_t_s``) is on the file's clock: a sample index of a
segment is mapped through the file's ``t_s`` (Segment.time_at), so a recording whose ``t_s``
starts at 100 s gives events from 100 s on, and jitter or a slow clock in ``t_s`` is carried
over. Durations (``*_time_s``) are the detector's, on the sample clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from analysis.alignment import SensorAlignment
from analysis.errors import AnalysisInputError
from analysis.gait_events import EventSettings, GaitEventDetector
from analysis.imu_io import FootImu
from analysis.segments import FootSegments, Gap, Segment, in_filled
from analysis.trajectory import StrideTrajectory, add_spatial_parameters
from analysis.walking import MIN_STRIDE_REPEAT_R, check_walking, stride_repeat_r

__all__ = ["EVENT_KINDS", "FootAnalysis", "RecordingAnalysis", "analyse_foot"]

#: Event kinds in the output, and the detector attribute each comes from.
EVENT_KINDS: dict[str, str] = {"ic": "ic_t_s_", "to": "to_t_s_", "msw": "msw_t_s_", "ms": "ms_t_s_"}
#: What the frame of a foot is when neither alignment nor a rotation was asked for.
NO_ALIGNMENT = "none"


@dataclass(frozen=True)
class FootAnalysis:
    """The analysis of one foot.

    Attributes
    ----------
    side : str
        ``"left"`` or ``"right"``.
    sampling_rate_hz : float
        Hz.
    events_t_s : dict of str to ndarray
        ``ic``, ``to``, ``msw``, ``ms``: event times on the file's clock, s, sorted.
    strides : dict of str to ndarray
        One row per stride: the detector's columns (analysis.gait_events.STRIDE_COLUMNS) plus
        ``stride_length_m``, ``gait_speed_mps``, ``clearance_m`` and ``segment`` (index into
        ``segments``); ``*_t_s`` columns on the file's clock.
    alignment : dict or None
        SensorAlignment.summary(), ``source`` ``"estimated"``, ``"fixed"`` or ``"none"``; None
        when no segment could be analysed.
    segments : tuple of Segment
        The foot's segments (the too-short ones included).
    gaps : tuple of Gap
        The foot's gaps.
    dropped_in_gaps : int
        Events dropped because they landed on a filled sample.
    warnings : tuple of str
        One line each.
    stride_repeat_r : ndarray
        Per stride (rows of ``strides``), how much it looks like its neighbour stride
        (analysis.walking.stride_repeat_r; NaN where it cannot be told).
    """

    side: str
    sampling_rate_hz: float
    events_t_s: dict[str, np.ndarray]
    strides: dict[str, np.ndarray]
    alignment: dict[str, Any] | None
    segments: tuple[Segment, ...]
    gaps: tuple[Gap, ...]
    dropped_in_gaps: int
    warnings: tuple[str, ...]
    stride_repeat_r: np.ndarray = field(default_factory=lambda: np.empty(0))


def _empty_strides() -> dict[str, np.ndarray]:
    from analysis.gait_events import STRIDE_COLUMNS

    cols = [*STRIDE_COLUMNS, "stride_length_m", "gait_speed_mps", "clearance_m"]
    return {c: np.empty(0) for c in cols} | {"segment": np.empty(0, dtype=np.int64)}


def _segment_events(
    imu: FootImu, seg: Segment, index: int, settings: EventSettings
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], int, np.ndarray]:
    """Events (file clock), strides, events dropped and stride repeat r of one segment."""
    fs = imu.sampling_rate_hz
    det = GaitEventDetector(**asdict(settings)).detect(replace(imu, first_t_s=0.0))
    events: dict[str, np.ndarray] = {}
    dropped = 0
    for kind, attr in EVENT_KINDS.items():
        idx = np.asarray(getattr(det, attr), dtype=np.float64) * fs
        idx = idx[np.isfinite(idx)]
        bad = in_filled(idx, imu.filled)
        dropped += int(bad.sum())
        events[kind] = seg.time_at(idx[~bad])
    traj = StrideTrajectory().estimate(imu, det.swings_.ms_idx)
    table = add_spatial_parameters(det.strides_, traj)
    table.pop("swing_index", None)
    repeat = stride_repeat_r(
        imu.gyr_dps,
        np.asarray(table["ic_t_s"], dtype=np.float64) * fs,
        np.asarray(table["next_ic_t_s"], dtype=np.float64) * fs,
    )
    time_cols = [c for c in table if c.endswith("_t_s")]
    keep = np.ones(len(table["ic_t_s"]), dtype=bool)
    for c in time_cols:
        keep &= ~in_filled(np.asarray(table[c], dtype=np.float64) * fs, imu.filled)
    strides = {c: np.asarray(v)[keep] for c, v in table.items()}
    for c in time_cols:
        strides[c] = seg.time_at(strides[c] * fs)
    strides["segment"] = np.full(int(keep.sum()), index, dtype=np.int64)
    return events, strides, dropped, repeat[keep]


def analyse_foot(
    foot: FootSegments,
    align: bool = False,
    rotation: np.ndarray | None = None,
    events: EventSettings | None = None,
) -> FootAnalysis:
    """Analyse one foot (see the module docstring).

    Parameters
    ----------
    foot : FootSegments
        The foot's recording cut at its long gaps, in the sensor frame (or the foot frame when
        neither ``align`` nor ``rotation`` is given).
    align : bool
        Estimate the sensor-to-foot rotation.
    rotation : ndarray (3, 3), optional
        A fixed rotation, ``foot = rotation @ sensor`` (takes precedence over ``align``).
    events : EventSettings, optional
        The event model's settings, e.g. the IC landmark (defaults if None).

    Raises
    ------
    AnalysisInputError
        One line, naming the foot, when alignment was asked for and is impossible.
    """
    usable = [(k, s) for k, s in enumerate(foot.segments) if s.imu is not None]
    warnings = [
        f"segment {s.start_t_s:.3f}–{s.end_t_s:.3f} s not analysed: {s.note}"
        for s in foot.segments
        if s.imu is None
    ]
    empty = {kind: np.empty(0) for kind in EVENT_KINDS}
    if not usable:
        warnings.append("no segment long enough to analyse; no events for this foot")
        return FootAnalysis(
            foot.side,
            foot.sampling_rate_hz,
            empty,
            _empty_strides(),
            None,
            foot.segments,
            foot.gaps,
            0,
            tuple(warnings),
        )
    imus = [s.imu for _, s in usable if s.imu is not None]
    if rotation is not None:
        al = SensorAlignment(rotation=rotation).estimate(imus)
    elif align:
        try:
            al = SensorAlignment().estimate(imus)
        except AnalysisInputError as err:
            raise AnalysisInputError(f"{foot.side} foot: {err}") from None
    else:
        al = SensorAlignment(rotation=np.eye(3), fixed_name="the file's frame").estimate(imus)
    summary = al.summary()
    if rotation is None and not align:
        summary["source"] = NO_ALIGNMENT
    warnings = list(al.warnings_) + warnings
    aligned = al.aligned_ if isinstance(al.aligned_, tuple) else (al.aligned_,)
    settings = events if events is not None else EventSettings()
    parts = [
        _segment_events(imu, seg, k, settings)
        for imu, (k, seg) in zip(aligned, usable, strict=True)
    ]
    events = {kind: np.sort(np.concatenate([p[0][kind] for p in parts])) for kind in EVENT_KINDS}
    strides = {c: np.concatenate([p[1][c] for p in parts]) for c in parts[0][1]}
    dropped = sum(p[2] for p in parts)
    repeat = np.concatenate([p[3] for p in parts])
    if dropped:
        warnings.append(f"{dropped} events fell on samples filled in short gaps and were dropped")
    return FootAnalysis(
        foot.side,
        foot.sampling_rate_hz,
        events,
        strides,
        summary,
        foot.segments,
        foot.gaps,
        dropped,
        tuple(warnings),
        repeat,
    )


class RecordingAnalysis:
    """Analyse every foot of a recording (see the module docstring).

    Parameters
    ----------
    align : bool
        Estimate each foot's sensor-to-foot rotation.
    rotations : mapping of str to ndarray (3, 3), optional
        Fixed rotations per foot (``foot = R @ sensor``); a foot missing here is aligned as
        ``align`` says.
    events : EventSettings, optional
        The event model's settings (docs/gait-events.md), e.g. ``ic_landmark``.
    min_stride_repeat_r : float or None
        Refuse a recording whose strides do not repeat like walking (analysis.walking; median
        stride-to-neighbour correlation below this); None: do not check.

    Attributes
    ----------
    feet_ : dict of str to FootAnalysis
        Per foot, left first.
    stride_repeat_r_ : dict of str to float
        Per foot with strides, the median stride-to-neighbour correlation (walking: near 0.9).
    """

    def __init__(
        self,
        align: bool = False,
        rotations: Mapping[str, np.ndarray] | None = None,
        events: EventSettings | None = None,
        min_stride_repeat_r: float | None = MIN_STRIDE_REPEAT_R,
    ) -> None:
        self.align = align
        self.rotations = rotations
        self.events = events if events is not None else EventSettings()
        self.min_stride_repeat_r = min_stride_repeat_r

    def analyse(self, feet: Mapping[str, FootSegments]) -> RecordingAnalysis:
        """Analyse ``feet`` (``{side: FootSegments}``); returns ``self``.

        Raises AnalysisInputError when no foot has a segment long enough to analyse, or when
        the strides found are not walking (analysis.walking.check_walking).
        """
        if not any(f.analysable for f in feet.values()):
            raise AnalysisInputError(
                "no foot has a stretch between gaps long enough to analyse (at least 2 s)"
            )
        rotations = dict(self.rotations or {})
        self.feet_ = {
            side: analyse_foot(feet[side], self.align, rotations.get(side), self.events)
            for side in ("left", "right")
            if side in feet
        }
        repeat = {side: f.stride_repeat_r for side, f in self.feet_.items()}
        hints = {
            side: frame[0]
            for side, f in self.feet_.items()
            if (frame := [w for w in f.warnings if w.startswith("the file's frame:")])
        }
        limit = -np.inf if self.min_stride_repeat_r is None else self.min_stride_repeat_r
        self.stride_repeat_r_ = check_walking(repeat, limit, hints)
        return self

"""One recording's headline gait measures, the row of a cohort summary (``ras analyse``).

From the offline analysis of an IMU file (:class:`analysis.pipeline.RecordingAnalysis`): both
feet's initial contacts, toe-offs and stride lengths become :class:`analysis.events.GaitEvents`
(:func:`recording_events`), summarised as one phase over the whole recording by
:func:`analysis.phases.summarise_phases` — the same measures, rules and reasons as a session's
report. Freezing of gait is analysed on one foot's forward acceleration (the left, else the
right), on its longest analysed segment, rotated into the foot frame the analysis used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from analysis.events import GaitEvents
from analysis.pipeline import FootAnalysis
from analysis.segments import FootSegments, Segment

__all__ = [
    "MEASURES",
    "RecordingSummary",
    "recording_events",
    "recording_summary",
    "stride_lengths_per_ic",
]

#: Summary measures: key of ``PhaseSummary.measures()`` (units in the name) -> what it is.
MEASURES: dict[str, str] = {
    "duration_s": "length of the recording, s (first to last sample)",
    "n_steps": "steps used for the step-time measures",
    "cadence_spm": "cadence, steps/min",
    "gait_speed_m_per_s": "gait speed, m/s",
    "stride_length_m": "stride length, m",
    "stride_time_cv_pct": "stride-time coefficient of variation, %",
    "step_time_si_pct": "step-time symmetry index, % (right vs left)",
    "pci_pct": "phase coordination index, %",
    "n_freezing_episodes": "freezing-of-gait episodes",
}
#: The phase name of the one interval a recording is summarised as.
PHASE_NAME = "recording"


@dataclass(frozen=True)
class RecordingSummary:
    """The headline measures of one recording.

    Attributes
    ----------
    values : dict of str to float
        Per key of :data:`MEASURES`; NaN where it cannot be computed.
    reasons : dict of str to str
        Why each NaN value is NaN (only keys whose value is NaN).
    """

    values: dict[str, float]
    reasons: dict[str, str]


def stride_lengths_per_ic(foot: FootAnalysis) -> np.ndarray:
    """Stride length (m) of the stride ending at each IC of ``foot`` (NaN: none measured)."""
    ic = foot.events_t_s["ic"]
    out = np.full(ic.size, np.nan)
    ends = np.asarray(foot.strides.get("next_ic_t_s", np.empty(0)), dtype=np.float64)
    lengths = np.asarray(foot.strides.get("stride_length_m", np.empty(0)), dtype=np.float64)
    if ends.size and ic.size:
        k = np.clip(np.searchsorted(ic, ends), 0, ic.size - 1)
        hit = np.isclose(ic[k], ends, rtol=0.0, atol=1e-9)
        out[k[hit]] = lengths[hit]
    return out


def recording_events(feet: Mapping[str, FootAnalysis]) -> GaitEvents:
    """Both feet's ICs, TOs (s, file clock) and stride lengths (m, one per IC); a foot the
    recording does not have gets no events."""
    kw: dict[str, np.ndarray | None] = {}
    for side in ("left", "right"):
        foot = feet.get(side)
        kw[f"ic_{side}_t_s"] = np.empty(0) if foot is None else foot.events_t_s["ic"]
        kw[f"to_{side}_t_s"] = None if foot is None else foot.events_t_s["to"]
        kw[f"stride_length_{side}_m"] = None if foot is None else stride_lengths_per_ic(foot)
    return GaitEvents.from_arrays(**kw)


def _longest_segment(
    feet: Mapping[str, FootAnalysis], segments: Mapping[str, FootSegments]
) -> tuple[Segment | None, FootAnalysis | None, str]:
    """The longest analysed segment of the left foot (else the right), its foot, and a note."""
    for side in ("left", "right"):
        if side not in feet or side not in segments:
            continue
        usable = [s for s in segments[side].segments if s.imu is not None]
        if usable:
            best = max(usable, key=lambda s: s.n_samples)
            note = ""
            if len(usable) > 1:
                note = (
                    f"freezing analysed on the {side} foot's longest stretch between gaps, "
                    f"{best.start_t_s:.1f}–{best.end_t_s:.1f} s"
                )
            return best, feet[side], note
    return None, None, "no foot has a segment long enough to analyse"


def _freezing_input(
    feet: Mapping[str, FootAnalysis], segments: Mapping[str, FootSegments]
) -> tuple[dict[str, object], str]:
    """summarise_phases keyword arguments for freezing, and a reason when there are none."""
    from analysis.errors import AnalysisInputError
    from analysis.freezing import horizontal_forward

    seg, foot, note = _longest_segment(feet, segments)
    if seg is None or seg.imu is None or foot is None:
        return {}, note
    acc = np.asarray(seg.imu.acc_mps2, dtype=np.float64)
    rotation = (foot.alignment or {}).get("rotation")
    if rotation is not None:
        acc = acc @ np.asarray(rotation, dtype=np.float64).T
    try:
        forward = horizontal_forward(acc)
    except AnalysisInputError as err:
        return {}, f"freezing not analysed: {err}"
    kw = {
        "acc_mps2": forward,
        "sampling_rate_hz": seg.imu.sampling_rate_hz,
        "acc_first_t_s": seg.start_t_s,
    }
    return kw, note


def recording_summary(
    feet: Mapping[str, FootAnalysis], segments: Mapping[str, FootSegments]
) -> RecordingSummary:
    """The :data:`MEASURES` of one analysed recording.

    Parameters
    ----------
    feet : mapping of str to FootAnalysis
        ``RecordingAnalysis.feet_``.
    segments : mapping of str to FootSegments
        The same recording cut at its gaps (analysis.segments.load_imu_segments), for its
        length and the freezing signal.
    """
    from analysis.phases import summarise_phases

    starts = [s.start_t_s for f in segments.values() for s in f.segments]
    ends = [s.end_t_s for f in segments.values() for s in f.segments]
    start_s, end_s = min(starts), max(ends)
    events = recording_events(feet)
    freezing_kw, note = _freezing_input(feet, segments)
    # the last sample's events count: the interval is half-open
    (summary,) = summarise_phases(
        [(PHASE_NAME, start_s, math.nextafter(end_s, math.inf))], events, **freezing_kw
    )
    measures = summary.measures()
    values = {k: float(measures[k]) for k in MEASURES}
    values["duration_s"] = end_s - start_s
    st = summary.spatiotemporal
    why = {
        "cadence_spm": st.reason,
        "n_steps": st.reason,
        "gait_speed_m_per_s": st.reason or "no stride length measured",
        "stride_length_m": st.reason or "no stride length measured",
        "stride_time_cv_pct": summary.variability.reason,
        "step_time_si_pct": summary.symmetry.reason,
        "pci_pct": summary.pci.reason,
        "n_freezing_episodes": (summary.freezing.reason if summary.freezing is not None else note),
    }
    reasons = {
        k: (why.get(k) or "not computable") for k, v in values.items() if not math.isfinite(v)
    }
    return RecordingSummary(values, reasons)

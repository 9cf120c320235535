"""One picture of a live session, from the host to whoever shows it (a screen, a status line).

Besides the numbers, it says which of them are current: :func:`live_readings` gives each live
figure with its age and, when it should not be read as the patient's state now, the reason
(no cue in the probe, the cue paused, a foot's sensor disconnected, no steps for a while). A
screen greys or blanks the figure and shows the reason; no front-end decides it again.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from ras.events import LinkEvent, Phase
from ras.link.host_steps import StepSource
from ras.protocol.messages import Side
from ras.session.actions import ActionResult
from ras.session.music import SongView
from ras.session.runner import STALE_AFTER_S, LiveDetail, StatusSnapshot

__all__ = [
    "STALE_AFTER_S",
    "ActionRecord",
    "LiveSnapshot",
    "Reading",
    "SensorView",
    "live_readings",
]


@dataclass(frozen=True)
class SensorView:
    """One sensor as a status panel shows it."""

    name: str
    port: str
    state: str
    connected: bool
    battery_pct: int | None
    lost_frames: int
    frames_ok: int
    clock_synced: bool
    clock_residual_ms: float
    reconnects: int
    steps: StepSource | None = None  # where its steps are detected (None before its HELLO)
    side: Side = Side.UNKNOWN
    #: session s since the link's state last changed (NaN if not known)
    state_age_s: float = math.nan

    @property
    def reason(self) -> str:
        """Why this sensor's figures are not current ("" while it is connected)."""
        if self.connected:
            return ""
        age = f" {self.state_age_s:.0f} s" if math.isfinite(self.state_age_s) else ""
        return f"{self.name} sensor {self.state}{age}"


@dataclass(frozen=True)
class Reading:
    """One live figure: its value, how old it is, and why it is not current.

    Attributes
    ----------
    value : float
        In the figure's unit; NaN when there is none, or when it must not be shown (it would
        be taken for the patient's state now).
    reason : str
        Why the figure is not current ("" if it is): ``no cue in the probe``, ``cue paused``,
        ``left sensor disconnected 12 s``, ``no steps for 5 s``. A screen greys the value (if
        any) and shows the reason.
    age_s : float
        Session s since the steps it is made of (NaN if not known).
    """

    value: float
    reason: str = ""
    age_s: float = math.nan

    @property
    def current(self) -> bool:
        return not self.reason


def _no_steps(what: str, age_s: float) -> str:
    return f"no {what} for {age_s:.0f} s" if age_s > STALE_AFTER_S else ""


def live_readings(
    status: StatusSnapshot,
    detail: LiveDetail,
    *,
    sensors: tuple[SensorView, ...] = (),
    foot_step_age_s: Mapping[Side, float] | None = None,
    stride_length_m: float = math.nan,
    gait_speed_m_per_s: float = math.nan,
    stride_age_s: float = math.nan,
) -> dict[str, Reading]:
    """Each live figure, keyed by its field name, with its age and why it is not current.

    Parameters
    ----------
    status, detail : StatusSnapshot, LiveDetail
        The runner's state (:meth:`SessionRunner.status`, :meth:`SessionRunner.detail`).
    sensors : tuple of SensorView
        Each sensor's link: a foot whose sensor is not connected has no current figures.
    foot_step_age_s : mapping of Side to float
        Session s since each foot's latest initial contact (a foot missing: not known).
    stride_length_m, gait_speed_m_per_s : float
        Medians of the last strides the sensors reported; ``stride_age_s`` since the latest.

    Returns
    -------
    dict of str to Reading
        ``cadence_spm``, ``tempo_bpm``, ``sync_r``, ``mean_asynchrony_ms``,
        ``step_time_si_pct``, ``step_time_left_s``, ``step_time_right_s``, ``stride_length_m``,
        ``gait_speed_m_per_s``.
    """
    ages = foot_step_age_s or {}
    lost = [v for v in sensors if not v.connected]

    def foot(side: Side) -> Reading:
        value = getattr(detail, f"step_time_{side.label}_s")
        age = ages.get(side, math.nan)
        unplugged = [v.reason for v in lost if v.side == side]
        why = unplugged[0] if unplugged else _no_steps(f"{side.label} step", age)
        return Reading(math.nan if why else value, why, age)

    def unless(why: str, value: float, age_s: float) -> Reading:
        return Reading(math.nan if why else value, why, age_s)

    step_age = status.step_age_s
    states = " / ".join(sorted({v.state for v in lost}))  # connecting, disconnected, ...
    stopped = (
        f"{'sensors' if len(lost) > 1 else 'sensor'} {states}"
        if lost and len(lost) == len(sensors)
        else _no_steps("steps", step_age)
    )
    left, right = foot(Side.LEFT), foot(Side.RIGHT)
    si_why = left.reason or right.reason
    sync_why = status.sync_reason or stopped
    if status.tempo_bpm is None:
        tempo = Reading(math.nan, status.sync_reason or f"no cue in the {status.phase}", 0.0)
    elif status.phase is Phase.CUED and status.sync_reason:  # paused or off: the tempo waits
        tempo = Reading(status.tempo_bpm, status.sync_reason, 0.0)
    else:
        tempo = Reading(status.tempo_bpm, "", 0.0)
    return {
        "cadence_spm": unless(stopped, status.cadence_spm, step_age),
        "tempo_bpm": tempo,
        "sync_r": unless(sync_why, status.sync_r, step_age),
        "mean_asynchrony_ms": unless(sync_why, detail.mean_asynchrony_ms, step_age),
        "step_time_si_pct": unless(si_why, status.step_time_si_pct, max(left.age_s, right.age_s)),
        "step_time_left_s": left,
        "step_time_right_s": right,
        "stride_length_m": unless(
            stopped or _no_steps("strides", stride_age_s), stride_length_m, stride_age_s
        ),
        "gait_speed_m_per_s": unless(
            stopped or _no_steps("strides", stride_age_s), gait_speed_m_per_s, stride_age_s
        ),
    }


@dataclass(frozen=True)
class ActionRecord:
    """A therapist action as a front-end posted it (session time, short label)."""

    t_s: float
    label: str


@dataclass
class LiveSnapshot:
    """The session now, and what happened since the previous snapshot.

    Attributes
    ----------
    state : str
        ``new``, ``starting``, ``running``, ``finished`` or ``failed`` (the front-end's view).
    t_s : float
        Session time, s (NaN before the clock runs).
    status, detail : StatusSnapshot, LiveDetail or None
        The runner's status line and the rest of its state (None before the baseline).
    tempo_actions : bool
        Whether the cue can be changed now (the runner's rule: the cued phase only).
    sensors : tuple of SensorView
    stride_length_m, gait_speed_m_per_s : float
        Median of the last strides (NaN if the sensors do not report them).
    audio_problem, recording_problem : str
        What goes wrong with the sound or the recording, in the therapist's words ("" if all
        is well).
    records : list
        Tempo changes, markers, phase boundaries, cue states, cue modes and song events
        recorded since the previous snapshot.
    messages : list of str
        Notices of the session since then (phases, tempo changes, warnings).
    results : list of ActionResult
        What became of the therapist's actions since then.
    link_events : list of LinkEvent
        Sensor links connecting, lost, back.
    actions : list of ActionRecord
        The actions a front-end posted since its previous look (it fills them in).
    readings : dict of str to Reading
        Each live figure with its age and why it is not current (:func:`live_readings`);
        empty before the baseline.
    large_jump_pct : float
        A therapist tempo change larger than this (%) is a large jump: a screen asks to
        confirm it before sending it (the session's ``large_jump_pct``).
    music : SongView
        The cue mode and the song playing (title, native tempo, stretch %, beat confidence).
    """

    state: str = "running"
    t_s: float = math.nan
    status: StatusSnapshot | None = None
    detail: LiveDetail | None = None
    tempo_actions: bool = False
    sensors: tuple[SensorView, ...] = ()
    stride_length_m: float = math.nan
    gait_speed_m_per_s: float = math.nan
    audio_problem: str = ""
    recording_problem: str = ""
    records: list[object] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    results: list[ActionResult] = field(default_factory=list)
    link_events: list[LinkEvent] = field(default_factory=list)
    actions: list[ActionRecord] = field(default_factory=list)
    readings: dict[str, Reading] = field(default_factory=dict)
    large_jump_pct: float = math.inf
    music: SongView = field(default_factory=SongView)

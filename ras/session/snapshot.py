"""One picture of a live session, from the host to whoever shows it (a screen, a status line)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ras.events import LinkEvent
from ras.link.host_steps import StepSource
from ras.session.actions import ActionResult
from ras.session.runner import LiveDetail, StatusSnapshot

__all__ = ["ActionRecord", "LiveSnapshot", "SensorView"]


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
        Tempo changes, markers and phase boundaries recorded since the previous snapshot.
    messages : list of str
        Notices of the session since then (phases, tempo changes, warnings).
    results : list of ActionResult
        What became of the therapist's actions since then.
    link_events : list of LinkEvent
        Sensor links connecting, lost, back.
    actions : list of ActionRecord
        The actions a front-end posted since its previous look (it fills them in).
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

"""What the live plots show, accumulated from polled snapshots (no Qt, no gait arithmetic)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ras.events import MarkerEvent, Phase, PhaseEvent, TempoChangeEvent
from ras.session.snapshot import ActionRecord, LiveSnapshot

__all__ = ["Growable", "LiveSeries"]


class Growable:
    """A float column that grows by doubling; :meth:`view` is the filled part."""

    def __init__(self, capacity: int = 4096) -> None:
        self._data = np.full(capacity, np.nan)
        self.n = 0

    def append(self, value: float) -> None:
        if self.n == self._data.size:
            self._data = np.concatenate([self._data, np.full(self._data.size, np.nan)])
        self._data[self.n] = value
        self.n += 1

    def view(self) -> np.ndarray:
        return self._data[: self.n]


@dataclass
class LiveSeries:
    """Time series sampled from the runner's snapshots plus the session's records.

    Parameters
    ----------
    sample_every_s : float
        Least session time between two samples (1 s: 3,600 points per hour).
    """

    sample_every_s: float = 1.0
    t_s: Growable = field(default_factory=Growable)
    cadence_spm: Growable = field(default_factory=Growable)
    step_left_s: Growable = field(default_factory=Growable)
    step_right_s: Growable = field(default_factory=Growable)
    si_pct: Growable = field(default_factory=Growable)
    changes: list[TempoChangeEvent] = field(default_factory=list)
    markers: list[MarkerEvent] = field(default_factory=list)
    actions: list[ActionRecord] = field(default_factory=list)
    #: ``(name, start_s, end_s)`` of each phase; ``end_s`` None while it runs, as the store has it
    phases: list[tuple[str, float, float | None]] = field(default_factory=list)
    now_s: float = math.nan
    version: int = 0  # bumped when changes/markers/actions/phases change

    def add(self, live: LiveSnapshot) -> None:
        """Take one poll's state and records."""
        if math.isfinite(live.t_s):
            self.now_s = live.t_s
        for rec in live.records:
            if isinstance(rec, TempoChangeEvent):
                self.changes.append(rec)
            elif isinstance(rec, MarkerEvent):
                self.markers.append(rec)
            elif isinstance(rec, PhaseEvent):
                self._phase(rec)
            self.version += 1
        if live.actions:
            self.actions.extend(live.actions)
            self.version += 1
        s, d = live.status, live.detail
        if s is None or d is None:
            return
        last = self.t_s.view()[-1] if self.t_s.n else -math.inf
        if s.t_s - last >= self.sample_every_s:
            self.sample(
                s.t_s, s.cadence_spm, d.step_time_left_s, d.step_time_right_s, s.step_time_si_pct
            )

    def sample(self, t_s: float, cadence: float, left: float, right: float, si: float) -> None:
        """Append one sample (also used to fill a benchmark)."""
        self.t_s.append(t_s)
        self.cadence_spm.append(cadence)
        self.step_left_s.append(left)
        self.step_right_s.append(right)
        self.si_pct.append(si)

    def _phase(self, rec: PhaseEvent) -> None:
        if rec.edge == "start":
            if self.phases and self.phases[-1][2] is None:
                name, start, _ = self.phases[-1]
                self.phases[-1] = (name, start, rec.t_s)
            self.phases.append((rec.name, rec.t_s, None))
        elif self.phases and self.phases[-1][0] == rec.name:
            name, start, _ = self.phases[-1]
            self.phases[-1] = (name, start, rec.t_s)

    @property
    def session_start_s(self) -> float:
        """Session time the baseline started (NaN before)."""
        return self.phases[0][1] if self.phases else math.nan

    def tempo_steps(self, until_s: float) -> tuple[np.ndarray, np.ndarray]:
        """The cue tempo as a step curve (x, y) from the recorded changes up to ``until_s``."""
        xs: list[float] = []
        ys: list[float] = []
        for c in self.changes:
            if ys:
                xs.append(c.t_s)
                ys.append(ys[-1])
            xs.append(c.t_s)
            ys.append(c.new_bpm)
        if ys:
            end = until_s
            cued_end = [e for n, _, e in self.phases if n == Phase.CUED and e is not None]
            if cued_end:
                end = min(end, cued_end[-1])
            xs.append(max(end, xs[-1]))
            ys.append(ys[-1])
        return np.asarray(xs), np.asarray(ys)

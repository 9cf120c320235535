"""What the live plots show, accumulated from polled snapshots (no Qt, no gait arithmetic)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ras.events import CueStateEvent, MarkerEvent, Phase, PhaseEvent, TempoChangeEvent
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
    cue_states: list[CueStateEvent] = field(default_factory=list)
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
            elif isinstance(rec, CueStateEvent):
                self.cue_states.append(rec)
            self.version += 1
        if live.actions:
            self.actions.extend(live.actions)
            self.version += 1
        s, r = live.status, live.readings
        if s is None or not r:
            return
        last = self.t_s.view()[-1] if self.t_s.n else -math.inf
        if s.t_s - last >= self.sample_every_s:  # a figure that is not current is a gap (NaN)
            self.sample(
                s.t_s,
                r["cadence_spm"].value,
                r["step_time_left_s"].value,
                r["step_time_right_s"].value,
                r["step_time_si_pct"].value,
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
        """The cue tempo as a step curve (x, y) from the recorded changes up to ``until_s``
        (or the cued phase's end); a NaN breaks it where the cue was silent (off, paused), so
        no line crosses a gap (draw it with ``connect="finite"``)."""
        if not self.changes:
            return np.empty(0), np.empty(0)
        end = until_s
        cued_end = [e for n, _, e in self.phases if n == Phase.CUED and e is not None]
        if cued_end:
            end = min(end, cued_end[-1])
        end = max(end, self.changes[-1].t_s)
        silent = self.silent_spans(end)
        edges = sorted({c.t_s for c in self.changes} | {t for span in silent for t in span} | {end})
        xs: list[float] = []
        ys: list[float] = []
        for a, b in zip(edges, [*edges[1:], end], strict=True):
            middle = 0.5 * (a + b)
            if any(lo <= middle < hi for lo, hi in silent):
                xs.append(a)
                ys.append(math.nan)
                continue
            levels = [c.new_bpm for c in self.changes if c.t_s <= a]
            if levels:
                xs += [a, b]
                ys += [levels[-1], levels[-1]]
        return np.asarray(xs), np.asarray(ys)

    def silent_spans(self, until_s: float) -> list[tuple[float, float]]:
        """``(from_s, to_s)`` of each stretch the cue was off or paused within the cued phase."""
        spans: list[tuple[float, float]] = []
        silent_from: float | None = None
        for e in self.cue_states:
            if not e.state.audible and silent_from is None:
                silent_from = e.t_s
            elif e.state.audible and silent_from is not None:
                spans.append((silent_from, e.t_s))
                silent_from = None
        if silent_from is not None and until_s > silent_from:
            spans.append((silent_from, until_s))
        return [(a, b) for a, b in spans if b > a]

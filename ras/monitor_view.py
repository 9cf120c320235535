"""Text lines for `ras monitor`: one per step event, a health line per sensor now and then."""

from __future__ import annotations

import math
from typing import Protocol

from ras.cadence import CadenceEstimator
from ras.events import LinkEvent, SensorStatusEvent, StepEvent
from ras.protocol.messages import Side, StepKind

__all__ = ["LineSink", "MonitorView", "format_health", "format_link", "format_step"]


class LineSink(Protocol):
    """Where monitor lines go: a :class:`ras.console.Console`, so a terminal that does not read
    never stalls the monitor."""

    def line(self, text: str) -> None: ...


_SIDE = {Side.LEFT: "L", Side.RIGHT: "R", Side.UNKNOWN: "?"}
_KIND = {
    StepKind.INITIAL_CONTACT: "initial contact",
    StepKind.TOE_OFF: "toe-off",
    StepKind.MID_SWING: "mid-swing",
    StepKind.MID_STANCE: "mid-stance",
}


def format_step(event: StepEvent, cadence_spm: float) -> str:
    """One line for a step event: session time, side, kind, running cadence."""
    cad = "   --  " if math.isnan(cadence_spm) else f"{cadence_spm:5.1f}  "
    extra = ""
    if event.stride_length_m is not None:
        extra += f"  stride {event.stride_length_m:4.2f} m"
    if event.stride_time_s is not None:
        extra += f"  stride time {event.stride_time_s:5.3f} s"
    return (
        f"{event.t_s:9.3f} s  {_SIDE[event.side]}  {_KIND[event.kind]:<15}"
        f"  cadence {cad}steps/min{extra}"
    )


def format_link(event: LinkEvent) -> str:
    """One line for a link state change."""
    who = f"sensor {event.sensor_id:08x} ({_SIDE[event.side]})" if event.sensor_id else "sensor"
    detail = f": {event.detail}" if event.detail else ""
    return f"{event.t_s:9.3f} s  ** {who} on {event.port} {event.state.value}{detail}"


def format_health(status: SensorStatusEvent) -> str:
    """One line of sensor health: battery, lost and rejected frames, clock sync."""
    battery = "?" if status.battery_pct is None else f"{status.battery_pct} %"
    clock = (
        "not synced"
        if math.isnan(status.clock_residual_s)
        else f"±{status.clock_residual_s * 1e3:.2f} ms, drift {status.clock_drift_ppm:+.1f} ppm"
    )
    return (
        f"{status.t_s:9.3f} s  -- {_SIDE[status.side]} sensor {status.sensor_id:08x}:"
        f" battery {battery}, lost frames {status.lost_frames},"
        f" rejected {status.rejected_frames}, sensor dropped {status.dropped_frames},"
        f" clock {clock}"
    )


class MonitorView:
    """Turns bus events into monitor lines written to ``out``.

    Parameters
    ----------
    out : LineSink
        Takes each line (without its line break).
    health_every_s : float
        Minimum session time between two health lines of one sensor (s).
    kinds : set of StepKind
        Step event kinds printed (all by default).
    """

    def __init__(
        self,
        out: LineSink,
        health_every_s: float = 5.0,
        kinds: frozenset[StepKind] | None = None,
    ) -> None:
        self.out = out
        self.health_every_s = health_every_s
        self.kinds = kinds
        self.cadence = CadenceEstimator()
        self._last_health_t_s: dict[int, float] = {}
        self.n_steps_ = 0

    def show(self, event: object) -> None:
        """Write the line(s) for one event, if it has any."""
        if isinstance(event, StepEvent):
            self.n_steps_ += 1
            if event.kind == StepKind.INITIAL_CONTACT:
                self.cadence.update(event=event)
            if self.kinds is None or event.kind in self.kinds:
                self._write(format_step(event, self.cadence.cadence_spm_))
        elif isinstance(event, LinkEvent):
            self._write(format_link(event))
        elif isinstance(event, SensorStatusEvent):
            last = self._last_health_t_s.get(event.sensor_id, -math.inf)
            if event.t_s - last >= self.health_every_s:
                self._last_health_t_s[event.sensor_id] = event.t_s
                self._write(format_health(event))

    def _write(self, line: str) -> None:
        self.out.line(line)

"""`ras monitor`: live step events and link health from real or virtual sensors."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator

from ras.bus import SessionBus
from ras.errors import UserInputError
from ras.events import ImuEvent
from ras.link.manager import LinkManager
from ras.link.ports import probe
from ras.link.serial_link import LinkStats
from ras.monitor_view import MonitorView
from ras.protocol.messages import StepKind
from ras.session_clock import SessionClock

__all__ = ["parse_event_kinds", "run_monitor"]

_KIND_NAMES = {
    "ic": StepKind.INITIAL_CONTACT,
    "to": StepKind.TOE_OFF,
    "msw": StepKind.MID_SWING,
    "mst": StepKind.MID_STANCE,
}


def parse_event_kinds(text: str) -> frozenset[StepKind] | None:
    """``all`` -> None (every kind), else a comma list of ic, to, msw, mst."""
    if text.strip().lower() == "all":
        return None
    kinds = set()
    for name in text.lower().split(","):
        name = name.strip()
        if name not in _KIND_NAMES:
            raise UserInputError(
                f"unknown step event kind {name!r} in --events; use all or a comma list of"
                f" {', '.join(_KIND_NAMES)}"
            )
        kinds.add(_KIND_NAMES[name])
    return frozenset(kinds)


def number_or_text(value: str) -> object:
    try:
        return float(value)
    except ValueError:
        return value


@contextlib.contextmanager
def _sources(args: argparse.Namespace, clock: SessionClock) -> Iterator[list[str]]:
    """Open the sensors (virtual or real) and yield their port paths."""
    if args.simulate is not None:
        from ras.sim.presets import make_params
        from ras.sim.rig import VirtualPatientRig

        overrides = {name: number_or_text(value) for name, value in args.set}
        params = make_params(args.simulate.lower(), **overrides)
        rig = VirtualPatientRig(
            params,
            clock,
            seed=args.seed if args.seed is not None else 0,
            imu_rate_hz=args.imu_rate or None,
        )
        with rig:
            yield [p for p in rig.ports if p]
        return
    if args.set:
        raise UserInputError("--set applies to a virtual patient; use it with --simulate")
    if args.speed != 1.0:
        raise UserInputError("--speed applies to a virtual patient; real sensors run in real time")
    for url in args.port:
        if probe(url, timeout_s=1.0) is None:
            raise UserInputError(
                f"{url} does not answer as a ras sensor (no HELLO within 1 s);"
                " `ras devices` lists the ports and what answers on them"
            )
    yield list(args.port)


def _summary(stats: list[LinkStats], n_steps: int, t_s: float) -> str:
    lines = [f"monitor ended after {t_s:.1f} s of session time: {n_steps} step events"]
    for s in stats:
        who = f"sensor {s.sensor_id:08x}" if s.sensor_id is not None else "no sensor"
        clock = (
            f"clock ±{s.clock_residual_s * 1e3:.2f} ms, drift {s.clock_drift_ppm:+.1f} ppm"
            if s.clock_synced
            else "clock not synced"
        )
        lines.append(
            f"  {s.port}: {who}, {s.frames_ok} frames, lost {s.lost_frames},"
            f" rejected {s.decoder.get('frames_rejected', 0)}, reconnects {s.reconnects},"
            f" reboots {s.reboots}, {clock}"
        )
    return "\n".join(lines)


def run_monitor(args: argparse.Namespace) -> int:
    """Run until ``--duration`` session seconds or Ctrl-C; print a summary; exit 0."""
    kinds = parse_event_kinds(args.events)
    if args.imu_rate < 0 or args.imu_rate > 1000:
        raise UserInputError(f"--imu-rate must be between 0 and 1000 Hz, got {args.imu_rate}")
    clock = SessionClock(speed=args.speed)
    bus = SessionBus()
    feed = bus.subscribe("monitor", accept=lambda e: not isinstance(e, ImuEvent))
    view = MonitorView(sys.stdout, kinds=kinds)
    with _sources(args, clock) as urls:
        manager = LinkManager(urls, bus, clock)
        manager.start()
        try:
            while args.duration is None or clock.now_s() < args.duration:
                event = feed.get(timeout_s=0.1)
                if event is not None:
                    view.show(event)
        except KeyboardInterrupt:
            print("\nstopping (Ctrl-C)", file=sys.stderr)
        finally:
            manager.close()
            for event in feed.drain():
                view.show(event)
            print(_summary(manager.stats(), view.n_steps_, clock.now_s()))
    return 0

"""`ras monitor`: live step events and link health from real or virtual sensors."""

from __future__ import annotations

import argparse
import sys
import threading
from signal import SIGINT

from ras.bus import SessionBus
from ras.console import Console
from ras.errors import UserInputError
from ras.events import ImuEvent
from ras.link.serial_link import LinkStats
from ras.monitor_view import MonitorView
from ras.protocol.messages import StepKind
from ras.session.request import check_sensors
from ras.session.sensors import open_sensors
from ras.session.signals import STOP_SIGNALS, SessionSignal, session_signals
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


def _summary(stats: list[LinkStats], n_steps: int, t_s: float) -> str:
    lines = [f"monitor ended after {t_s:.1f} s of session time: {n_steps} step events"]
    for s in stats:
        who = f"sensor {s.sensor_id:08x}" if s.sensor_id is not None else "no sensor"
        clock = (
            f"clock ±{s.clock_residual_s * 1e3:.2f} ms, drift {s.clock_drift_ppm:+.1f} ppm"
            if s.clock_synced
            else "clock not synced"
        )
        steps = f", steps on the {s.step_source.value}" if s.step_source is not None else ""
        lines.append(
            f"  {s.port}: {who}, {s.frames_ok} frames, lost {s.lost_frames},"
            f" rejected {s.decoder.get('frames_rejected', 0)}, reconnects {s.reconnects},"
            f" reboots {s.reboots}, {clock}{steps}"
        )
    return "\n".join(lines)


def run_monitor(args: argparse.Namespace) -> int:
    """Run until ``--duration`` session seconds, Ctrl-C, SIGTERM or SIGHUP; print a summary.

    Returns 0, or 128 + N when signal N ended it (the summary is printed first).
    """
    from ras.commands.run import sensors_from_args

    kinds = parse_event_kinds(args.events)
    if args.imu_rate < 0 or args.imu_rate > 1000:
        raise UserInputError(f"--imu-rate must be between 0 and 1000 Hz, got {args.imu_rate}")
    sensors, speed = check_sensors(sensors_from_args(args), args.speed)  # no audio here
    clock = SessionClock(speed=speed)
    bus = SessionBus()
    feed = bus.subscribe("monitor", accept=lambda e: not isinstance(e, ImuEvent))
    # lines are queued for a printer thread: a terminal that does not read stalls nothing here
    console = Console(line_out=sys.stdout)
    view = MonitorView(console, kinds=kinds)
    stop = threading.Event()

    def on_signal(sig: SessionSignal) -> bool:
        stop.set()  # the loop ends and the links close as at the end of --duration
        return True

    try:
        with (
            session_signals(STOP_SIGNALS, on_signal=on_signal) as signalled,
            open_sensors(sensors, clock, bus) as (_, manager),
        ):
            try:
                while not stop.is_set() and (
                    args.duration is None or clock.now_s() < args.duration
                ):
                    event = feed.get(timeout_s=0.1)
                    if event is not None:
                        view.show(event)
                if signalled.received is not None:
                    how = signalled.received
                    print(
                        f"\nstopping ({'Ctrl-C' if how.signum == SIGINT else how.name})",
                        file=sys.stderr,
                    )
            except KeyboardInterrupt:  # a second Ctrl-C
                print("\nstopping (Ctrl-C)", file=sys.stderr)
            finally:
                manager.close()
                for event in feed.drain():
                    view.show(event)
                stats = manager.stats()
    finally:
        console.close(timeout_s=2.0)
    print(_summary(stats, view.n_steps_, clock.now_s()))
    got = signalled.received
    return 0 if got is None or got.signum == SIGINT else got.exit_code  # Ctrl-C ends it: 0

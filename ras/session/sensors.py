"""The sensors of a session: a virtual patient (--simulate) or real ports (--port), linked."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ras.bus import SessionBus
from ras.errors import UserInputError
from ras.link.manager import LinkManager
from ras.link.ports import probe
from ras.session_clock import SessionClock

if TYPE_CHECKING:
    from ras.sim.presets import PatientParams

__all__ = ["number_or_text", "open_sensors", "simulated_params"]


def number_or_text(value: str) -> object:
    """A ``--set`` value: a number where it reads as one, else the text (e.g. a side)."""
    try:
        return float(value)
    except ValueError:
        return value


def simulated_params(args: argparse.Namespace) -> PatientParams:
    """The virtual patient of ``--simulate PRESET`` with its ``--set`` overrides."""
    from ras.sim.presets import make_params

    overrides = {name: number_or_text(value) for name, value in args.set}
    return make_params(args.simulate.lower(), **overrides)


@contextlib.contextmanager
def open_sensors(
    args: argparse.Namespace, clock: SessionClock, bus: SessionBus
) -> Iterator[tuple[object | None, LinkManager]]:
    """Start the sensors and one link per port; yield ``(rig or None, links)``.

    With ``--simulate`` a :class:`~ras.sim.rig.VirtualPatientRig` is started (its sensors are
    found again by id if they come back on another path); with ``--port`` each port must answer
    as a ras sensor. Both are closed on exit.
    """
    rig = None
    if args.simulate is not None:
        from ras.sim.rig import VirtualPatientRig

        params = simulated_params(args)
        imu_rate_hz = getattr(args, "imu_rate", 0) or None
        rig = VirtualPatientRig(params, clock, seed=args.seed or 0, imu_rate_hz=imu_rate_hz)
        urls = None
    else:
        if args.set:
            raise UserInputError("--set applies to a virtual patient; use it with --simulate")
        if args.speed != 1.0:
            raise UserInputError(
                "--speed applies to a virtual patient; real sensors run in real time"
            )
        for url in args.port:
            if probe(url, timeout_s=1.0) is None:
                raise UserInputError(
                    f"{url} does not answer as a ras sensor (no HELLO within 1 s);"
                    " `ras devices` lists the ports and what answers on them"
                )
        urls = list(args.port)
    with contextlib.ExitStack() as stack:
        if rig is not None:
            stack.enter_context(rig)
            urls = [p for p in rig.ports if p]
            by_id = {s.sensor_id: s for s in rig.sensors}
            find_sensor = lambda sensor_id: by_id[sensor_id].port  # noqa: E731
        else:
            find_sensor = None
        links = LinkManager(urls, bus, clock, find_sensor=find_sensor)
        stack.enter_context(links)
        yield rig, links

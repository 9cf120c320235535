"""The sensors of a session, linked: a virtual patient or real sensors on ports."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ras.bus import SessionBus
from ras.errors import UserInputError
from ras.link.manager import LinkManager
from ras.link.ports import probe
from ras.session.request import (
    SensorSpec,
    SimulatedSensors,
    check_sensors,
    simulated_params,
    virtual_sensor_options,
)
from ras.session_clock import SessionClock

__all__ = ["open_sensors"]


@contextlib.contextmanager
def open_sensors(
    sensors: SensorSpec, clock: SessionClock, bus: SessionBus
) -> Iterator[tuple[object | None, LinkManager]]:
    """Start the sensors and one link per port; yield ``(rig or None, links)``.

    A virtual patient is a :class:`~ras.sim.rig.VirtualPatientRig` (its sensors are found
    again by id if they come back on another path; options as :func:`virtual_sensor_options`
    says); each real port must answer as a ras sensor. Both are closed on exit.
    """
    check_sensors(sensors, clock.speed)
    rig = None
    if isinstance(sensors, SimulatedSensors):
        from ras.sim.rig import VirtualPatientRig

        rig = VirtualPatientRig(
            simulated_params(sensors),
            clock,
            seed=sensors.seed or 0,
            **virtual_sensor_options(sensors),
        )
        urls = None
    else:
        for url in sensors.ports:
            if probe(url, timeout_s=1.0) is None:
                raise UserInputError(
                    f"{url} does not answer as a ras sensor (no HELLO within 1 s);"
                    " `ras devices` lists the ports and what answers on them"
                )
        urls = list(sensors.ports)
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

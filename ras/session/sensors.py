"""The sensors of a session: a virtual patient (--simulate) or real ports (--port), linked."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ras.bus import SessionBus
from ras.errors import UserInputError
from ras.link.host_steps import MAX_RATE_HZ, MIN_RATE_HZ
from ras.link.manager import LinkManager
from ras.link.ports import probe
from ras.session_clock import SessionClock, check_speed
from ras.validate import check_choice

if TYPE_CHECKING:
    from ras.sim.presets import PatientParams

__all__ = [
    "HOST_STEPS_IMU_RATE_HZ",
    "SENSOR_STEPS",
    "check_session_speed",
    "number_or_text",
    "open_sensors",
    "simulated_params",
    "virtual_sensor_options",
]

#: ``--sensor-steps``: where virtual sensors' steps are detected (the sensor, or the host from
#: their IMU stream); real sensors say it in their HELLO.
SENSOR_STEPS = ("device", "host")
#: IMU rate of virtual sensors whose steps the host detects when no ``--imu-rate`` is given, Hz.
HOST_STEPS_IMU_RATE_HZ = 100


def number_or_text(value: str) -> object:
    """A ``--set`` value: a number where it reads as one, else the text (e.g. a side)."""
    try:
        return float(value)
    except ValueError:
        return value


def check_session_speed(
    speed: float, *, simulated: bool, audio_kind: str | None = None, name: str = "--speed"
) -> float:
    """The one check of a session's clock speed, for every front end (run, monitor, gui).

    Parameters
    ----------
    speed : float
        Session seconds per real second, as given.
    simulated : bool
        True for a virtual patient (``--simulate``); real sensors run in real time only.
    audio_kind : str, optional
        The ``--audio`` kind (``default``, ``device``, ``wav``, ``none``); None where there is no
        audio (``ras monitor``). A sound card plays in real time only.
    name : str
        The option's name for the message.

    Returns
    -------
    float
        The speed, within :data:`~ras.session_clock.MIN_SPEED` to
        :data:`~ras.session_clock.MAX_SPEED`.

    Raises
    ------
    UserInputError
        One line saying what was wrong and what is allowed.
    """
    value = check_speed(speed, name)
    if value == 1.0:
        return value
    if not simulated:
        raise UserInputError(f"{name} applies to a virtual patient; real sensors run in real time")
    if audio_kind is not None and audio_kind not in ("wav", "none"):
        raise UserInputError(
            f"{name} needs --audio wav:PATH or --audio none (a sound card plays in real time)"
        )
    return value


def simulated_params(args: argparse.Namespace) -> PatientParams:
    """The virtual patient of ``--simulate PRESET`` with its ``--set`` overrides."""
    from ras.sim.presets import make_params

    overrides = {name: number_or_text(value) for name, value in args.set}
    return make_params(args.simulate.lower(), **overrides)


def virtual_sensor_options(args: argparse.Namespace) -> dict[str, object]:
    """What ``--sensor-steps`` and ``--imu-rate`` ask of the virtual sensors (checked here only).

    Returns the :class:`~ras.sim.rig.VirtualPatientRig` keywords ``imu_rate_hz`` and
    ``on_device_steps``. ``--sensor-steps host`` makes IMU-only sensors whose steps the host
    detects: they stream IMU at ``--imu-rate`` (default 100 Hz), which the live detector needs
    within 50–1000 Hz. Real sensors (``--port``) are handled from their HELLO, so the option is
    refused with them. Raises :class:`UserInputError` naming what was wrong.
    """
    steps = getattr(args, "sensor_steps", None)
    if steps is not None:
        check_choice("--sensor-steps", steps, SENSOR_STEPS)
        if args.simulate is None:
            raise UserInputError(
                "--sensor-steps applies to virtual sensors (--simulate); a real sensor's HELLO"
                " says whether it detects steps, and the host detects them itself if not"
            )
    on_host = steps == "host"
    rate_hz = int(getattr(args, "imu_rate", 0) or 0)
    if on_host and rate_hz == 0:
        rate_hz = HOST_STEPS_IMU_RATE_HZ
    if on_host and not MIN_RATE_HZ <= rate_hz <= MAX_RATE_HZ:
        raise UserInputError(
            f"--sensor-steps host needs --imu-rate between {MIN_RATE_HZ:g} and {MAX_RATE_HZ:g} Hz"
            f" (the host detects the steps from the IMU stream), got {rate_hz}"
        )
    return {"imu_rate_hz": rate_hz or None, "on_device_steps": not on_host}


@contextlib.contextmanager
def open_sensors(
    args: argparse.Namespace, clock: SessionClock, bus: SessionBus
) -> Iterator[tuple[object | None, LinkManager]]:
    """Start the sensors and one link per port; yield ``(rig or None, links)``.

    With ``--simulate`` a :class:`~ras.sim.rig.VirtualPatientRig` is started (its sensors are
    found again by id if they come back on another path; ``--sensor-steps`` and ``--imu-rate``
    as :func:`virtual_sensor_options` says); with ``--port`` each port must answer as a ras
    sensor. Both are closed on exit.
    """
    rig = None
    options = virtual_sensor_options(args)
    check_session_speed(args.speed, simulated=args.simulate is not None)
    if args.simulate is not None:
        from ras.sim.rig import VirtualPatientRig

        params = simulated_params(args)
        rig = VirtualPatientRig(params, clock, seed=args.seed or 0, **options)
        urls = None
    else:
        if args.set:
            raise UserInputError("--set applies to a virtual patient; use it with --simulate")
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

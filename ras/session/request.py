"""What a front-end asks for when it starts a session, checked once for every front-end.

``ras run``, ``ras monitor``, ``ras gui`` and the GUI's set-up screen all build a
:class:`SessionRequest` (or, without audio, just the sensors and speed) and call
:func:`check_request` / :func:`check_sensors`: the rule that a faster or slower clock needs a
virtual patient and sound that does not play in real time, and the rules of the virtual
sensors' options, live here only. Messages are in the therapist's words; a command line adds
its own option names only where its own parser refuses a value.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ras.audio.mixer import DEFAULT_CEILING_DBFS
from ras.errors import UserInputError
from ras.link.host_steps import MAX_RATE_HZ, MIN_RATE_HZ
from ras.session.settings import SessionSettings
from ras.session_clock import check_speed
from ras.validate import check_choice

if TYPE_CHECKING:
    from ras.audio.backends import AudioSpec
    from ras.sim.presets import PatientParams

__all__ = [
    "DEFAULT_IMU_RATE_HZ",
    "HOST_STEPS_IMU_RATE_HZ",
    "SENSOR_STEPS",
    "SensorPorts",
    "SensorSpec",
    "SessionRequest",
    "SimulatedSensors",
    "check_request",
    "check_sensors",
    "check_session_speed",
    "number_or_text",
    "simulated_params",
    "virtual_sensor_options",
    "with_patient_side",
]

#: Where virtual sensors' steps are detected (the sensor, or the host from their IMU stream);
#: real sensors say it in their HELLO.
SENSOR_STEPS = ("device", "host")
#: IMU rate of virtual sensors whose steps the host detects when no rate is given, Hz.
HOST_STEPS_IMU_RATE_HZ = 100
#: Raw IMU rate of virtual sensors unless told otherwise, Hz: raw IMU is recorded by default
#: (freezing analysis, Motion-BIDS); 0 turns it off. 100 Hz on two feet adds about 2 MB to the
#: database per 5-minute session (ras.store.space.IMU_BYTES_PER_SAMPLE).
DEFAULT_IMU_RATE_HZ = 100


@dataclass(frozen=True)
class SimulatedSensors:
    """A virtual patient with two foot sensors.

    Parameters
    ----------
    preset : str
        ``healthy``, ``parkinson`` or ``stroke``.
    overrides : tuple of (name, value)
        Patient parameters to change (numbers, or text such as a side).
    seed : int
        Seed of the virtual patient.
    sensor_steps : str or None
        ``device`` (the sensors detect the steps; also None) or ``host`` (IMU-only sensors,
        the host detects the steps from their IMU stream).
    imu_rate_hz : int
        Raw IMU rate, Hz (default :data:`DEFAULT_IMU_RATE_HZ`, recorded; 0: none; with
        ``host`` steps, 0 means 100 Hz).
    """

    preset: str = "healthy"
    overrides: tuple[tuple[str, object], ...] = ()
    seed: int = 0
    sensor_steps: str | None = None
    imu_rate_hz: int = DEFAULT_IMU_RATE_HZ


@dataclass(frozen=True)
class SensorPorts:
    """Real sensors on serial ports (each must answer as a ras sensor)."""

    ports: tuple[str, ...] = field(default_factory=tuple)


SensorSpec = SimulatedSensors | SensorPorts


@dataclass(frozen=True)
class SessionRequest:
    """Everything one live session needs, from any front-end.

    Parameters
    ----------
    patient_id : str
        Pseudonymous id of an existing patient.
    settings : SessionSettings
        Plan and phase durations.
    sensors : SimulatedSensors or SensorPorts
    audio : str
        ``default``, ``device:NAME``, ``wav:PATH`` or ``none``.
    level_dbfs, ceiling_dbfs : float
        Cue level and the hard ceiling it never exceeds, dBFS.
    speed : float
        Session seconds per real second (a virtual patient with wav or no audio only).
    db : str or None
        Database file (None: ``$RAS_DB`` or the per-user default).
    via : str
        The front-end (``cli`` or ``gui``), stored with the session.
    """

    patient_id: str
    settings: SessionSettings = field(default_factory=SessionSettings)
    sensors: SensorSpec = field(default_factory=SimulatedSensors)
    audio: str = "default"
    level_dbfs: float = DEFAULT_CEILING_DBFS
    ceiling_dbfs: float = DEFAULT_CEILING_DBFS
    speed: float = 1.0
    db: str | None = None
    via: str = "cli"

    @property
    def simulated(self) -> bool:
        return isinstance(self.sensors, SimulatedSensors)

    def stored_settings(self) -> dict[str, Any]:
        """The settings stored with the session (the same keys from every front-end)."""
        sim = self.sensors if isinstance(self.sensors, SimulatedSensors) else None
        return {
            **self.settings.as_dict(),
            "audio": self.audio,
            "simulate": sim.preset if sim is not None else None,
            "sensor_steps": (sim.sensor_steps or "device") if sim is not None else None,
            "level_dbfs": self.level_dbfs,
            "ceiling_dbfs": self.ceiling_dbfs,
            "speed": self.speed,
            "via": self.via,
        }


def number_or_text(value: str) -> object:
    """A patient-parameter value: a number where it reads as one, else the text (a side)."""
    try:
        return float(value)
    except ValueError:
        return value


def check_session_speed(speed: float, *, simulated: bool, audio_kind: str | None = None) -> float:
    """The one check of a session's clock speed, for every front-end (run, monitor, gui).

    Parameters
    ----------
    speed : float
        Session seconds per real second.
    simulated : bool
        True for a virtual patient; real sensors run in real time only.
    audio_kind : str, optional
        ``default``, ``device``, ``wav`` or ``none``; None where there is no audio (monitor).
        A sound card plays in real time only.

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
    value = check_speed(speed, "the simulation speed")
    if value == 1.0:
        return value
    if not simulated:
        raise UserInputError(
            f"a simulation speed of {value:g}x applies to a virtual patient;"
            " real sensors run in real time"
        )
    if audio_kind is not None and audio_kind not in ("wav", "none"):
        raise UserInputError(
            f"a simulation speed of {value:g}x needs the cue written to a WAV file or no sound"
            " (a sound card plays in real time)"
        )
    return value


def simulated_params(sensors: SimulatedSensors) -> PatientParams:
    """The virtual patient of a preset with its parameter overrides."""
    from ras.sim.presets import make_params

    return make_params(sensors.preset.lower(), **dict(sensors.overrides))


def with_patient_side(sensors: SensorSpec, affected_side: str | None) -> SensorSpec:
    """The virtual patient walking with the stored patient's affected side.

    ``affected_side`` is the patient's record (``left``, ``right``, ``both``, ``none`` or None):
    left or right makes that step the long one of an asymmetric preset (``stroke``); both or
    none a symmetric gait; None (not recorded) keeps the preset's side. A side the request
    sets itself (``--set affected_side=...``) is kept; real sensors are returned unchanged.
    """
    if not isinstance(sensors, SimulatedSensors) or affected_side is None:
        return sensors
    if any(name == "affected_side" for name, _ in sensors.overrides):
        return sensors
    side = affected_side if affected_side in ("left", "right") else "none"
    return replace(sensors, overrides=(*sensors.overrides, ("affected_side", side)))


def virtual_sensor_options(sensors: SimulatedSensors) -> dict[str, object]:
    """The :class:`~ras.sim.rig.VirtualPatientRig` keywords ``imu_rate_hz``, ``on_device_steps``.

    Steps detected on the host make IMU-only sensors that stream IMU at ``imu_rate_hz``
    (default 100 Hz), which the live detector needs within 50–1000 Hz. Raises
    :class:`UserInputError` naming what was wrong.
    """
    steps = sensors.sensor_steps
    if steps is not None:
        check_choice("where steps are detected", steps, SENSOR_STEPS)
    on_host = steps == "host"
    rate_hz = int(sensors.imu_rate_hz or 0)
    if on_host and rate_hz == 0:
        rate_hz = HOST_STEPS_IMU_RATE_HZ
    if on_host and not MIN_RATE_HZ <= rate_hz <= MAX_RATE_HZ:
        raise UserInputError(
            f"steps detected on the host need an IMU rate between {MIN_RATE_HZ:g} and"
            f" {MAX_RATE_HZ:g} Hz (the host detects the steps from the IMU stream), got {rate_hz}"
        )
    return {"imu_rate_hz": rate_hz or None, "on_device_steps": not on_host}


def check_sensors(
    sensors: SensorSpec, speed: float, audio_kind: str | None = None
) -> tuple[SensorSpec, float]:
    """Check the sensors and the clock speed together; returns them (speed as a float).

    A virtual patient's preset and overrides and its sensors' options are checked here, so a
    bad one fails before any session row is written; real sensors need at least one port.
    """
    if isinstance(sensors, SimulatedSensors):
        virtual_sensor_options(sensors)
        simulated_params(sensors)  # an unknown preset or parameter fails here
    elif not sensors.ports:
        raise UserInputError("choose at least one sensor port, or a virtual patient")
    speed = check_session_speed(
        speed, simulated=isinstance(sensors, SimulatedSensors), audio_kind=audio_kind
    )
    return sensors, speed


def check_request(request: SessionRequest) -> tuple[SessionRequest, AudioSpec]:
    """The request checked once for every front-end, with its parsed audio output.

    Returns the request (speed as a float, level clamped to the ceiling) and its
    :class:`~ras.audio.backends.AudioSpec`; raises :class:`UserInputError` (one line). The
    songs of a session with music are looked up in the patient's library here
    (:func:`~ras.session.songs.session_songs`), so a song that cannot play is refused before
    the session row is written.
    """
    from ras.audio.backends import parse_audio_spec
    from ras.session.songs import session_songs

    audio = parse_audio_spec(request.audio)
    _, speed = check_sensors(request.sensors, request.speed, audio.kind)
    session_songs(request.db, request.patient_id, request.settings)
    level_dbfs = min(request.level_dbfs, request.ceiling_dbfs)
    return replace(request, speed=speed, level_dbfs=level_dbfs), audio

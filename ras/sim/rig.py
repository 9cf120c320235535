"""One virtual patient wearing a virtual sensor on each shoe."""

from __future__ import annotations

from ras.protocol.messages import Side
from ras.session_clock import SessionClock
from ras.sim.patient import VirtualPatient
from ras.sim.presets import PatientParams, make_params
from ras.sim.sensor import TruthRecord, VirtualFootSensor

__all__ = ["VirtualPatientRig"]


def _pair(value: float | tuple[float, float]) -> tuple[float, float]:
    if isinstance(value, tuple):
        return float(value[0]), float(value[1])
    return float(value), float(value)


class VirtualPatientRig:
    """A virtual patient with a left and a right :class:`VirtualFootSensor`.

    Parameters
    ----------
    patient : str or PatientParams
        A preset name (``healthy``, ``parkinson``, ``stroke``) or parameters.
    clock : SessionClock or None
        Session clock shared with the host; None: a new real-time clock.
    seed : int
        Seed of the patient and both sensors.
    imu_rate_hz : int or None
        IMU stream rate of both sensors, None for none.
    corrupt_byte_prob, drop_byte_prob : float
        Byte faults of both sensors.
    drift_ppm : float or (float, float)
        Device clock drift, both or (left, right), ppm.
    boot_offset_s : float, (float, float) or None
        Device time at session time 0, s; None: seeded per sensor.
    sensor_ids : (int, int) or None
        u32 ids (left, right); None: derived from ``seed``.
    start_t_s : float
        Session time the patient starts walking, s.
    on_device_steps : bool
        The sensors detect the steps and send STEP frames (default); False: IMU-only sensors
        whose steps the host detects from their IMU stream (needs ``imu_rate_hz``).

    Attributes
    ----------
    patient : VirtualPatient
    left, right : VirtualFootSensor
    """

    def __init__(
        self,
        patient: str | PatientParams = "healthy",
        clock: SessionClock | None = None,
        seed: int = 0,
        imu_rate_hz: int | None = None,
        *,
        corrupt_byte_prob: float = 0.0,
        drop_byte_prob: float = 0.0,
        drift_ppm: float | tuple[float, float] = 0.0,
        boot_offset_s: float | tuple[float, float] | None = None,
        sensor_ids: tuple[int, int] | None = None,
        start_t_s: float = 0.0,
        on_device_steps: bool = True,
    ) -> None:
        params = make_params(patient) if isinstance(patient, str) else patient
        self.clock = SessionClock() if clock is None else clock
        self.seed = seed
        self.patient = VirtualPatient(params, seed=seed, start_t_s=start_t_s)
        if sensor_ids is None:
            base = (0x5A500000 + 2 * (seed & 0x7FFFF)) & 0xFFFFFFFF
            sensor_ids = (base + 1, base + 2)
        if sensor_ids[0] == sensor_ids[1]:
            raise ValueError("the two sensors need distinct ids")
        drifts = _pair(drift_ppm)
        offsets = (None, None) if boot_offset_s is None else _pair(boot_offset_s)
        self.left, self.right = (
            VirtualFootSensor(
                self.patient,
                side,
                self.clock,
                sensor_id=sensor_ids[i],
                seed=seed * 2 + i,
                imu_rate_hz=imu_rate_hz,
                drift_ppm=drifts[i],
                boot_offset_s=offsets[i],
                corrupt_byte_prob=corrupt_byte_prob,
                drop_byte_prob=drop_byte_prob,
                on_device_steps=on_device_steps,
            )
            for i, side in enumerate((Side.LEFT, Side.RIGHT))
        )

    @property
    def params(self) -> PatientParams:
        return self.patient.params

    @property
    def sensors(self) -> tuple[VirtualFootSensor, VirtualFootSensor]:
        """(left, right)."""
        return self.left, self.right

    @property
    def ports(self) -> tuple[str | None, str | None]:
        """Stable port paths (left, right); None before start or while unplugged."""
        return self.left.port, self.right.port

    @property
    def truth_logs(self) -> tuple[list[TruthRecord], list[TruthRecord]]:
        """Copies of the truth logs (left, right)."""
        return self.left.truth_log, self.right.truth_log

    def on_cue(self, beat_t_s: float) -> None:
        """Announce a beat at session time ``beat_t_s`` to the patient."""
        self.patient.on_cue(beat_t_s)

    def retract_cues_from(self, t_s: float) -> None:
        """Beats from session time ``t_s`` on were taken back before they sounded."""
        self.patient.retract_cues_from(t_s)

    def stop_walking(self) -> None:
        """The patient stops after the step in progress."""
        self.patient.stop(self.clock.now_s())

    def resume_walking(self) -> None:
        """The patient starts walking again now."""
        self.patient.resume(self.clock.now_s())

    def finish(self, until_t_s: float) -> None:
        """The session ends at session time ``until_t_s``: both sensors send everything up to
        it, however far behind the clock their threads were (:meth:`VirtualFootSensor.finish`)."""
        for sensor in self.sensors:
            sensor.finish(until_t_s)

    def start(self) -> None:
        """Start both sensors."""
        self.left.start()
        try:
            self.right.start()
        except BaseException:
            self.left.stop()
            raise

    def stop(self) -> None:
        """Stop both sensors and release their ptys."""
        try:
            self.left.stop()
        finally:
            self.right.stop()

    def __enter__(self) -> VirtualPatientRig:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

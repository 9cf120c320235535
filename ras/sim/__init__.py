"""Virtual patient and virtual foot sensors: the whole stack runs without hardware.

- :mod:`ras.sim.presets` — :class:`PatientParams` and the presets ``healthy``, ``parkinson``,
  ``stroke`` (:func:`make_params`).
- :mod:`ras.sim.sms` — sensorimotor synchronisation: phase and period correction to the beat.
- :mod:`ras.sim.patient` — :class:`VirtualPatient`, a seeded generator of true gait events.
- :mod:`ras.sim.imu` — gait-shaped raw IMU signals consistent with those events.
- :mod:`ras.sim.sensor` — :class:`VirtualFootSensor`, the wire protocol over a real pty pair.
- :mod:`ras.sim.rig` — :class:`VirtualPatientRig`, one patient with a sensor on each shoe.
"""

from ras.sim.imu import ImuSynth, render_imu
from ras.sim.patient import FreezeEpisode, GaitEvent, PlannedStep, VirtualPatient
from ras.sim.presets import HEALTHY, PARKINSON, PRESETS, STROKE, PatientParams, make_params
from ras.sim.rig import VirtualPatientRig
from ras.sim.sensor import TruthRecord, VirtualFootSensor

__all__ = [
    "HEALTHY",
    "PARKINSON",
    "PRESETS",
    "STROKE",
    "FreezeEpisode",
    "GaitEvent",
    "ImuSynth",
    "PatientParams",
    "PlannedStep",
    "TruthRecord",
    "VirtualFootSensor",
    "VirtualPatient",
    "VirtualPatientRig",
    "make_params",
    "render_imu",
]

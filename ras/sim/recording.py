"""A whole virtual walk rendered offline: foot-frame IMU of both feet plus the true events.

The same patient model and IMU synthesis the virtual sensors stream (:mod:`ras.sim.patient`,
:mod:`ras.sim.imu`), rendered in one go for analysis tests and benchmarks: no pty, no clock.
The true initial contact (IC) of the model is the heel-strike impact of the synthetic signal;
toe-off (TO) is just after the push-off peak of the sagittal gyro.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analysis.imu_io import FootImu
from ras.protocol.messages import Side, StepKind
from ras.sim.imu import ImuSynth
from ras.sim.patient import VirtualPatient
from ras.sim.presets import PatientParams

__all__ = ["SimulatedWalk", "simulate_walk"]


@dataclass(frozen=True, eq=False)
class SimulatedWalk:
    """A rendered walk and its truth.

    Attributes
    ----------
    feet : dict of str to FootImu
        ``"left"`` / ``"right"``: IMU in the foot frame (x forward, y left, z up).
    ic_t_s, to_t_s : dict of str to ndarray
        True initial contacts and toe-offs per side, s from the first sample.
    freezes_t_s : ndarray, shape (n, 2)
        True freezing episodes (start, end), s.
    walking_t_s : ndarray, shape (n, 2)
        The walking bouts asked for (start, end), s.
    params : PatientParams
        The patient.
    freeze_kinds : tuple of str
        Kind of each freeze, row by row of ``freezes_t_s`` (``ras.sim.patient.FREEZE_KINDS``).
    """

    feet: dict[str, FootImu]
    ic_t_s: dict[str, np.ndarray]
    to_t_s: dict[str, np.ndarray]
    freezes_t_s: np.ndarray
    walking_t_s: np.ndarray
    params: PatientParams
    freeze_kinds: tuple[str, ...] = ()


def simulate_walk(
    params: PatientParams,
    *,
    duration_s: float,
    sampling_rate_hz: float = 200.0,
    seed: int = 0,
    bouts_s: Sequence[tuple[float, float]] | None = None,
    beats_t_s: Sequence[float] | None = None,
) -> SimulatedWalk:
    """Render ``duration_s`` of the patient walking (standing outside ``bouts_s``).

    Parameters
    ----------
    params : PatientParams
        How the patient walks.
    duration_s : float
        Length of the recording, s.
    sampling_rate_hz : float
        IMU rate, Hz.
    seed : int
        Seed of the patient's draws and the sensor noise.
    bouts_s : sequence of (start, end), optional
        Walking bouts, s; default one bout from 1 s to ``duration_s - 1``.
    beats_t_s : sequence of float, optional
        Cue beats the patient hears (uncued without).
    """
    if bouts_s is None:
        bouts_s = [(1.0, duration_s - 1.0)]
    bouts = sorted((float(a), float(b)) for a, b in bouts_s)
    patient = VirtualPatient(params, seed=seed, start_t_s=bouts[0][0])
    for beat in beats_t_s or ():
        patient.on_cue(float(beat))
    for k, (start, end) in enumerate(bouts):
        if k:
            patient.resume(start)
        patient.stop(end)
        patient.advance(end + 3.0)
    patient.advance(duration_s + 2.0)
    events = patient.events_between(-np.inf, np.inf)
    freezes = list(patient.freeze_episodes_)
    n = round(duration_s * sampling_rate_hz)
    feet: dict[str, FootImu] = {}
    ic: dict[str, np.ndarray] = {}
    to: dict[str, np.ndarray] = {}
    for side in (Side.LEFT, Side.RIGHT):
        name = side.label
        synth = ImuSynth(params, side, sampling_rate_hz, seed=seed)
        x = synth.render(0.0, n, events, freezes)
        feet[name] = FootImu(x[:, :3], x[:, 3:], sampling_rate_hz, name)
        mine = [e for e in events if e.side == side and 0.0 <= e.t_s < duration_s]
        ic[name] = np.array([e.t_s for e in mine if e.kind == StepKind.INITIAL_CONTACT])
        to[name] = np.array([e.t_s for e in mine if e.kind == StepKind.TOE_OFF])
    return SimulatedWalk(
        feet=feet,
        ic_t_s=ic,
        to_t_s=to,
        freezes_t_s=np.array([(f.start_t_s, f.end_t_s) for f in freezes]).reshape(-1, 2),
        walking_t_s=np.array(bouts).reshape(-1, 2),
        params=params,
        freeze_kinds=tuple(f.kind for f in freezes),
    )

"""Parameters of a virtual patient and the named presets ``healthy``, ``parkinson``, ``stroke``.

References (full list in the project's clinical brief, clinical.md): stride-time CV 1–3 % in
healthy adults, higher in PD; step-time asymmetry after stroke (Patterson 2008); footfalls settle
slightly before the beat (Buhmann 2018); linear phase and period correction (Repp 2005); IMU event
detection latency and error (Aminian 2002, Trojaniello 2014); freezing of gait as trembling in the
3–8 Hz band (Moore 2008, Bächlin 2010).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ras.errors import UserInputError
from ras.protocol.messages import Side, StepKind
from ras.validate import check_choice, check_range

__all__ = [
    "HEALTHY",
    "PARKINSON",
    "PRESETS",
    "STROKE",
    "PatientParams",
    "make_params",
]

#: Allowed range (low, high, unit) of every numeric parameter.
PARAM_RANGES: Mapping[str, tuple[float, float, str]] = MappingProxyType(
    {
        "cadence_spm": (30.0, 180.0, "steps/min"),
        "stride_time_cv_pct": (0.0, 20.0, "%"),
        "step_time_asymmetry_pct": (0.0, 60.0, "%"),
        "stride_length_m": (0.1, 2.5, "m"),
        "stride_length_cv_pct": (0.0, 20.0, "%"),
        "stance_fraction": (0.5, 0.8, ""),
        "clearance_m": (0.0, 0.5, "m"),
        "freeze_rate_per_min": (0.0, 10.0, "per min"),
        "freeze_mean_duration_s": (0.5, 60.0, "s"),
        "tremble_hz": (1.0, 12.0, "Hz"),
        "coupling": (0.0, 1.0, ""),
        "phase_correction_alpha": (0.0, 1.5, ""),
        "period_correction_beta": (0.0, 0.5, ""),
        "target_asynchrony_s": (-0.2, 0.2, "s"),
        "motor_noise_sd_s": (0.0, 0.05, "s"),
        "uncued_period_relaxation": (0.0, 1.0, "per step"),
        "latency_ic_s": (0.0, 0.5, "s"),
        "latency_to_s": (0.0, 0.5, "s"),
        "latency_mid_swing_s": (0.0, 0.5, "s"),
        "latency_mid_stance_s": (0.0, 0.5, "s"),
        "event_time_error_sd_s": (0.0, 0.05, "s"),
        "speed_mps": (0.05, 3.0, "m/s"),
    }
)


@dataclass(frozen=True)
class PatientParams:
    """Everything that makes one virtual patient walk the way it does (immutable).

    Construction checks every value and raises :class:`~ras.errors.UserInputError` naming the
    allowed range.

    Attributes
    ----------
    cadence_spm : float
        Preferred (uncued) cadence, steps/min; the step period is ``60 / cadence_spm`` s.
    stride_time_cv_pct : float
        Stride-time coefficient of variation CV = SD / mean × 100 when walking uncued (healthy
        adults 1–3 %, higher in PD; clinical.md "Variability").
    step_time_asymmetry_pct : float
        How much longer the affected side's step time is, as the negated symmetry index of
        clinical.md: ``step_time_asymmetry_pct = -SI = (X_p - X_np) / (0.5 (X_p + X_np)) × 100``,
        with X_p the mean step time ending at an initial contact (IC) of the affected (paretic)
        foot (previous IC of the other foot to this IC) and X_np the same for the other foot.
        So X_p = P (1 + a/2), X_np = P (1 - a/2) with P the mean step period and a = pct / 100;
        the stride time is unchanged. Ignored when ``affected_side`` is ``Side.UNKNOWN``.
    affected_side : Side
        The paretic / more affected side, or ``Side.UNKNOWN`` for none.
    stride_length_m : float
        Mean stride length (same foot, IC to IC), m.
    stride_length_cv_pct : float
        Stride-to-stride CV of the stride length, %.
    stance_fraction : float
        Stance time / stride time (about 0.6 in healthy gait, longer in pathological gait).
    clearance_m : float
        Mean maximal foot clearance during swing, m.
    freeze_rate_per_min : float
        Mean rate of freezing-of-gait episodes per minute of walking (0 = never).
    freeze_mean_duration_s : float
        Mean duration of a freezing episode, s.
    tremble_hz : float
        The patient's typical trembling frequency during a freeze (3–8 Hz band; Moore 2008);
        each trembling episode varies around it (ras.sim.imu.freeze_motion).
    coupling : float
        0..1, how strongly the patient listens to the beat: 0 = does not entrain at all (walks at
        its own cadence and drifts relative to the beat); scales both corrections below.
    phase_correction_alpha : float
        Fraction of the last asynchrony corrected in the next step interval (Repp 2005).
    period_correction_beta : float
        Fraction of the last asynchrony moved into the timekeeper period (Repp 2005).
    target_asynchrony_s : float
        Asynchrony the patient settles at (negative = footfall before the beat; Buhmann 2018).
    motor_noise_sd_s : float
        SD of the motor (implementation) delay noise of the two-level timing model
        (Vorberg & Wing 1996); the timekeeper noise is derived from ``stride_time_cv_pct``.
    uncued_period_relaxation : float
        Per step fraction by which the timekeeper period returns toward the preferred one when no
        beat is heard (carry-over of a cued tempo fades).
    latency_ic_s, latency_to_s, latency_mid_swing_s, latency_mid_stance_s : float
        On-sensor detection latency per event kind: time from the event to the STEP frame, s
        (IC needs samples after the gyro minimum; mid-stance a 100 ms window, Rampp 2014).
    event_time_error_sd_s : float
        SD of the error of the sensor's reported event times, s (0 = perfect detection;
        Trojaniello 2014 reports 0–11 ms).
    """

    cadence_spm: float = 110.0
    stride_time_cv_pct: float = 2.0
    step_time_asymmetry_pct: float = 0.0
    affected_side: Side = Side.UNKNOWN
    stride_length_m: float = 1.4
    stride_length_cv_pct: float = 3.0
    stance_fraction: float = 0.62
    clearance_m: float = 0.12
    freeze_rate_per_min: float = 0.0
    freeze_mean_duration_s: float = 4.0
    tremble_hz: float = 6.0
    coupling: float = 1.0
    phase_correction_alpha: float = 0.5
    period_correction_beta: float = 0.1
    target_asynchrony_s: float = -0.03
    motor_noise_sd_s: float = 0.008
    uncued_period_relaxation: float = 0.05
    latency_ic_s: float = 0.04
    latency_to_s: float = 0.03
    latency_mid_swing_s: float = 0.05
    latency_mid_stance_s: float = 0.1
    event_time_error_sd_s: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "affected_side", Side.from_text(self.affected_side, "affected_side")
        )
        for f in dataclasses.fields(self):
            if f.name in PARAM_RANGES:
                low, high, unit = PARAM_RANGES[f.name]
                value = getattr(self, f.name)
                if isinstance(value, bool):
                    raise UserInputError(f"{f.name} must be a number, got {value!r}")
                check_range(f.name, value, low, high, unit)
                object.__setattr__(self, f.name, float(value))
        check_range("speed_mps", self.speed_mps, *PARAM_RANGES["speed_mps"])

    @property
    def speed_mps(self) -> float:
        """Gait speed, m/s: ``stride_length_m * cadence_spm / 120`` (two steps per stride)."""
        return self.stride_length_m * self.cadence_spm / 120.0

    @property
    def step_period_s(self) -> float:
        """Mean step time, s: ``60 / cadence_spm``."""
        return 60.0 / self.cadence_spm

    @property
    def stride_time_s(self) -> float:
        """Mean stride time, s: ``120 / cadence_spm``."""
        return 120.0 / self.cadence_spm

    def detection_latency_s(self, kind: StepKind) -> float:
        """Sensor detection latency of an event ``kind``, s."""
        return {
            StepKind.INITIAL_CONTACT: self.latency_ic_s,
            StepKind.TOE_OFF: self.latency_to_s,
            StepKind.MID_SWING: self.latency_mid_swing_s,
            StepKind.MID_STANCE: self.latency_mid_stance_s,
        }[StepKind(kind)]


#: Healthy adult: about 110 steps/min and 1.4 m strides (the gaitmap example data, README of
#: tests/data/gaitmap-example), stride-time CV 2 % (clinical.md: 1–3 %), good
#: entrainment with footfalls ~30 ms before the beat (Buhmann 2018; Repp 2005 for α, β).
HEALTHY = PatientParams()

#: Parkinson's disease: short strides, slower cadence, stride-time CV 4.5 % (higher in PD,
#: clinical.md), occasional freezing with 6 Hz trembling (3–8 Hz band, Moore 2008), weaker
#: entrainment (smaller α, β, coupling) and larger motor noise.
PARKINSON = PatientParams(
    cadence_spm=90.0,
    stride_time_cv_pct=4.5,
    stride_length_m=0.9,
    stride_length_cv_pct=5.0,
    stance_fraction=0.65,
    clearance_m=0.08,
    freeze_rate_per_min=0.5,
    freeze_mean_duration_s=4.0,
    tremble_hz=6.0,
    coupling=0.7,
    phase_correction_alpha=0.35,
    period_correction_beta=0.05,
    target_asynchrony_s=-0.04,
    motor_noise_sd_s=0.012,
)

#: Chronic hemiparetic stroke: slow (78 steps/min, about 0.5 m/s, below community ambulation
#: 0.8 m/s), step time of the paretic (right) side 18 % longer (step-time asymmetry is common
#: after stroke, Patterson 2008), long stance, weaker entrainment.
STROKE = PatientParams(
    cadence_spm=78.0,
    stride_time_cv_pct=4.0,
    step_time_asymmetry_pct=18.0,
    affected_side=Side.RIGHT,
    stride_length_m=0.8,
    stride_length_cv_pct=5.0,
    stance_fraction=0.66,
    clearance_m=0.07,
    coupling=0.6,
    phase_correction_alpha=0.3,
    period_correction_beta=0.05,
    target_asynchrony_s=-0.04,
    motor_noise_sd_s=0.012,
)

#: The named presets (read-only).
PRESETS: Mapping[str, PatientParams] = MappingProxyType(
    {"healthy": HEALTHY, "parkinson": PARKINSON, "stroke": STROKE}
)


def make_params(preset: str = "healthy", **overrides: object) -> PatientParams:
    """Parameters of a named preset with some values overridden.

    Parameters
    ----------
    preset : str
        One of ``healthy``, ``parkinson``, ``stroke``.
    **overrides
        Any :class:`PatientParams` field, or ``speed_mps`` (sets ``stride_length_m`` to
        ``speed_mps * 120 / cadence_spm``, after any cadence override).

    Raises
    ------
    UserInputError
        One line naming the bad preset, parameter name or value and what is allowed.
    """
    base = PRESETS[check_choice("preset", preset, PRESETS)]
    names = [f.name for f in dataclasses.fields(PatientParams)]
    for name in overrides:
        check_choice("patient parameter", name, [*names, "speed_mps"])
    values = dict(overrides)
    speed = values.pop("speed_mps", None)
    params = dataclasses.replace(base, **values)
    if speed is not None:
        low, high, unit = PARAM_RANGES["speed_mps"]
        check_range("speed_mps", speed, low, high, unit)  # type: ignore[arg-type]
        stride_length_m = float(speed) * 120.0 / params.cadence_spm  # type: ignore[arg-type]
        params = dataclasses.replace(params, stride_length_m=stride_length_m)
    return params

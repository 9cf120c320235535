"""Gait-shaped raw IMU signals of one foot, consistent with the patient's event times.

Foot frame: x forward, y left, z up; acc in m/s² including gravity (standing: acc_z ≈ +9.81),
gyr in deg/s; a positive gyr_y pitches the toes down. The shapes follow real foot-mounted
recordings, the gaitmap example data (tests/data/gaitmap-example): ``imu_sample.csv``
(204.8 Hz, motion-capture reference) and ``imu_sample_ic_stride.csv`` (102.4 Hz, reference
initial contact (IC) on the heel impact), and what reviewers measured on held-back real data
(instep IMUs, 100 Hz, 19 healthy adults).

One stride of one foot, in time order:

- **push-off**: gyr_y rises to about +400..+550 deg/s, peaking just before toe-off (TO);
- **swing**: gyr_y negative, its extreme (the mid-swing peak of clinical.md, negative in this
  y-left frame) about -310..-370 deg/s at mid-swing in healthy walking;
- **end of the swing rotation**: gyr_y rises through zero (the foot stops pitching toes-up) a
  *landing delay* before the ground contact. Real data: the zero rise sits on the motion-capture
  IC of ``imu_sample.csv`` (median -5 / +2 ms, left / right), came a median 27 ms before the
  reference heel strike on the held-back set (subject medians 16-50 ms) and 60-80 ms before
  the heel impact of ``imu_sample_ic_stride.csv``. Here each person draws a mean delay of
  5-55 ms (:func:`foot_shape`) and each stride adds SD 8 ms (clipped to 0-100 ms);
- **landing rotation**: a positive gyr_y burst (the foot flattens) that returns the toe-up pitch
  of IC; about +300 deg/s when the zero rise and contact coincide (``imu_sample.csv``), a slower
  +150..+200 deg/s burst when the delay is long (``imu_sample_ic_stride.csv``);
- **ground contact = the model's true IC**: a heel-impact transient starts; the acceleration is
  an oscillation (35-50 Hz) under an envelope that peaks 10-25 ms after contact (|acc| peak
  +24 ms after the motion-capture IC of ``imu_sample.csv``, +20 ms on the held-back set), about
  60-160 m/s² in healthy walking at 204.8 Hz (``imu_sample.csv``, |acc| 10th-90th percentile);
- **impact ringing**: the sensor rings after the impact, a decaying 30-50 Hz gyro oscillation of
  2-5 deg/s per m/s² of impact (``imu_sample.csv``: gyr_x / gyr_z swing ±300 deg/s for about
  60 ms; ``imu_sample_ic_stride.csv``: one or two gyr_y samples of -200..-330 deg/s at impact);
- **flat stance**: gyr ≈ 0, acc ≈ gravity.

gyr_y of a swing is three asymmetric Gaussian bumps (push-off, swing, landing) whose areas
(pitch angles) cancel over the stride, so the pitch, integrated analytically, returns to 0;
gravity is projected through it and a smooth forward / vertical (and, for a circumducting foot,
lateral) trajectory adds linear acceleration. A freezing episode takes no step; what the legs do
depends on its kind (:func:`freeze_motion`, after Schaafsma et al. 2003): trembling in place in
the 3–8 Hz band (Moore et al. 2008) with weight shifting, shuffling with very small steps, or
no movement at all (akinetic).

Foot shapes (:class:`FootShape`, from the patient's parameters and the seed): with the stride
length as vigour v (1 at 1.4 m), pitch angles scale as sqrt(v) and the impact as v^1.2; a
clearance below 0.12 m flattens the foot (less push-off, toe-up² and impact), so the
``parkinson`` preset shuffles (swing peak about -165 deg/s, flat landing, small impact), slow
walking at 0.4 m/s has small gyro peaks (about -170 deg/s) and impacts; the paretic foot of
``stroke`` pushes off less, lands flatter (a quarter of the dorsiflexion at IC) and more softly,
and circumducts (out and back, toes out, sole inverted: acc_y, gyr_x, gyr_z).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import erf

from ras.protocol.messages import Side, StepKind
from ras.sim.patient import FreezeEpisode, GaitEvent
from ras.sim.presets import PatientParams

__all__ = [
    "GRAVITY_MPS2",
    "IMU_LOOKAHEAD_S",
    "IMU_LOOKBACK_S",
    "FootShape",
    "FreezeMotion",
    "ImuSynth",
    "Landing",
    "Swing",
    "foot_shape",
    "freeze_motion",
    "landing",
    "render_imu",
    "swings_from_events",
]

GRAVITY_MPS2 = 9.80665
#: Events up to this long after a sample shape it (push-off starts before TO), s.
IMU_LOOKAHEAD_S = 0.3
#: Events up to this long before a sample shape it (a swing of up to 1 s, then the landing
#: burst, the impact and its ringing after IC), s.
IMU_LOOKBACK_S = 1.5
#: How long after IC a swing still shapes the signal, s.
AFTER_IC_S = 0.4

_SQRT_HALF_PI = math.sqrt(math.pi / 2.0)
#: exp(-0.5 * 2.25**2): the swing bump's value at the zero rise, relative to its extreme.
_SWING_TAIL = math.exp(-0.5 * 2.25**2)
_NOISE_BLOCK = 256
_ACC_NOISE_MPS2 = 0.08
_GYR_NOISE_DPS = 0.8
_REFERENCE_CLEARANCE_M = 0.12
_PUSH_FALL_S = 0.012
_LANDING_RISE_S = 0.012  # plus 0.4 x the landing delay: slower when the delay is long
_LANDING_FALL_S = 0.04
# --- freezing of gait (freeze_motion) -------------------------------------------------------
#: Onset and end ramp of trembling and weight shifting, s.
_TREMBLE_RAMP_S = 0.2
#: Where the sensor sits from the pivot of a heel lift (the metatarsal heads): behind it and above
#: the ground, m. A toes-down pitch θ (heel lift) moves the sensor up by BEHIND·θ, forward by
#: ABOVE·θ.
_PIVOT_BEHIND_M = 0.07
_PIVOT_ABOVE_M = 0.06
#: Trembling in place: frequency of an episode around the patient's ``tremble_hz`` (log SD),
#: frequency modulation depth (fraction) and rate (Hz), heel-lift pitch amplitude (deg,
#: log-uniform), amplitude modulation depth and rate (Hz).
_TREMBLE_HZ_LOG_SD = 0.15
_TREMBLE_BAND_HZ = (3.0, 8.0)
_TREMBLE_FM_DEPTH = (0.03, 0.12)
_TREMBLE_FM_HZ = (0.15, 0.5)
_TREMBLE_DEG = (0.5, 2.0)
_TREMBLE_AM_DEPTH = (0.0, 0.5)
_TREMBLE_AM_HZ = (0.2, 0.8)
#: Weight shifting from foot to foot (Hz; heel-lift pitch of the unloaded foot, deg, log-uniform)
#: while trembling, and the small sway of an akinetic freeze.
_SHIFT_HZ = (0.5, 1.5)
_SHIFT_DEG = (1.0, 4.0)
_AKINETIC_SHIFT_HZ = (0.3, 1.0)
_AKINETIC_SHIFT_DEG = (0.1, 0.3)
#: Shuffling: small steps per foot per s, share of each step's cycle the foot moves, step
#: length (m, log-uniform), clearance (m), heel-lift pitch (deg), step-to-step timing jitter
#: (fraction of the cycle) and size variation (log SD).
_SHUFFLE_HZ = (2.0, 4.0)
_SHUFFLE_DUTY = (0.5, 0.8)
_SHUFFLE_STEP_M = (0.01, 0.05)
_SHUFFLE_CLEARANCE_M = (0.003, 0.012)
_SHUFFLE_DEG = (1.0, 3.0)
_SHUFFLE_JITTER = 0.1
_SHUFFLE_SIZE_LOG_SD = 0.2


@dataclass(frozen=True, slots=True)
class Swing:
    """One swing of a foot: TO at ``to_t_s``, IC at ``ic_t_s``, swing extreme at ``mid_t_s``."""

    to_t_s: float
    mid_t_s: float
    ic_t_s: float
    stride_length_m: float
    clearance_m: float


@dataclass(frozen=True, slots=True)
class FootShape:
    """How one person's foot swings and lands; angles and impact are for a 1.4 m stride.

    Attributes
    ----------
    push_off_deg : float
        Toe-down pitch at TO, deg.
    toe_up_deg : float
        Toe-up pitch (dorsiflexion) at IC, deg; small = flat landing.
    landing_delay_s, landing_delay_sd_s : float
        Mean and stride-to-stride SD of the time from the gyr_y zero rise (end of the swing
        rotation) to the ground contact (the true IC), s.
    impact_mps2, impact_cv : float
        Peak of the heel-impact acceleration (m/s²) and its stride-to-stride CV (fraction).
    impact_peak_s : float
        Time from contact to the peak of the impact envelope, s.
    impact_hz : float
        Oscillation frequency of the impact transient, Hz.
    ring_dps_per_mps2, ring_hz, ring_tau_s : float
        Gyro ringing after the impact: amplitude per m/s² of impact (deg/s), frequency (Hz) and
        decay time constant (s).
    ring_axis : tuple of float
        Unit direction of the ringing in gyr x, y, z (left foot; x and z mirror on the right).
    circumduction_deg : float
        Toe-out yaw at mid-swing, deg (0 = straight swing; the sole inverts by 2/3 of it and
        the foot swings 5 mm per degree outward).
    """

    push_off_deg: float = 45.0
    toe_up_deg: float = 20.0
    landing_delay_s: float = 0.027
    landing_delay_sd_s: float = 0.008
    impact_mps2: float = 80.0
    impact_cv: float = 0.2
    impact_peak_s: float = 0.018
    impact_hz: float = 42.0
    ring_dps_per_mps2: float = 3.5
    ring_hz: float = 40.0
    ring_tau_s: float = 0.015
    ring_axis: tuple[float, float, float] = (0.6, -0.5, 0.62)
    circumduction_deg: float = 0.0


def foot_shape(params: PatientParams, side: Side, seed: int = 0) -> FootShape:
    """The foot shape of ``side`` for a patient: preset-driven, with per-person draws.

    The person (``seed``) draws the landing delay (mean uniform in 5-55 ms), the impact hardness
    (log-normal, SD 0.25), where the |acc| peak falls after contact (10-25 ms), the impact and
    ringing frequencies and the ringing gain and direction. Clearance below the 0.12 m
    reference flattens the foot (``parkinson`` shuffling); the paretic foot of an affected side
    lands flatter and softer and circumducts.
    """
    rng = np.random.default_rng([seed, 11])
    delay_s = float(rng.uniform(0.005, 0.055))
    hardness = float(np.exp(rng.normal(0.0, 0.25)))
    peak_s = float(rng.uniform(0.010, 0.025))
    impact_hz = float(rng.uniform(35.0, 50.0))
    gain = float(rng.uniform(2.0, 5.0))
    ring_hz = float(rng.uniform(30.0, 50.0))
    tau_s = float(rng.uniform(0.010, 0.020))
    axis = np.array([rng.uniform(0.4, 0.8), -rng.uniform(0.2, 0.7), rng.uniform(0.4, 0.8)])
    axis /= np.linalg.norm(axis)
    flat = min(max(params.clearance_m / _REFERENCE_CLEARANCE_M, 0.2), 1.0)
    paretic = params.affected_side != Side.UNKNOWN and side == params.affected_side
    return FootShape(
        push_off_deg=45.0 * (0.75 + 0.25 * flat) * (0.8 if paretic else 1.0),
        toe_up_deg=20.0 * flat**2 * (0.25 if paretic else 1.0),
        landing_delay_s=delay_s,
        impact_mps2=80.0 * flat * hardness * (0.5 if paretic else 1.0),
        impact_peak_s=peak_s,
        impact_hz=impact_hz,
        ring_dps_per_mps2=gain,
        ring_hz=ring_hz,
        ring_tau_s=tau_s,
        ring_axis=(float(axis[0]), float(axis[1]), float(axis[2])),
        circumduction_deg=12.0 if paretic else 0.0,
    )


@dataclass(frozen=True, slots=True)
class Landing:
    """Where one swing lands.

    Attributes
    ----------
    zero_rise_t_s : float
        gyr_y rises through zero (end of the swing rotation), s.
    contact_t_s : float
        Ground contact: the true IC, where the impact starts, s.
    impact_mps2 : float
        Peak of this stride's impact acceleration, m/s².
    """

    zero_rise_t_s: float
    contact_t_s: float
    impact_mps2: float


def _vigour(sw: Swing, reference_stride_m: float) -> float:
    return min(max(sw.stride_length_m / reference_stride_m, 0.2), 1.5)


def landing(
    sw: Swing, shape: FootShape, side: Side, seed: int = 0, reference_stride_m: float = 1.4
) -> Landing:
    """This stride's landing: draws depend only on (``seed``, ``side``, the swing's IC time).

    The landing delay is at most 100 ms and leaves the swing rotation at least 60 % of the
    mid-swing-to-IC time.
    """
    key = round(sw.ic_t_s * 1e6) & 0x7FFFFFFF
    rng = np.random.default_rng([seed, int(side), 13, key])
    delay_s = shape.landing_delay_s + shape.landing_delay_sd_s * float(rng.standard_normal())
    delay_s = min(max(delay_s, 0.0), 0.1, 0.4 * max(sw.ic_t_s - sw.mid_t_s, 0.0))
    impact = shape.impact_mps2 * _vigour(sw, reference_stride_m) ** 1.2
    impact *= float(np.exp(shape.impact_cv * rng.standard_normal()))
    return Landing(sw.ic_t_s - delay_s, sw.ic_t_s, impact)


def swings_from_events(events: Sequence[GaitEvent], side: Side) -> list[Swing]:
    """Pair each TO of ``side`` with the following mid-swing and IC (incomplete swings dropped)."""
    swings: list[Swing] = []
    to_t: float | None = None
    mid_t: float | None = None
    for e in events:
        if e.side != side:
            continue
        if e.kind == StepKind.TOE_OFF:
            to_t, mid_t = e.t_s, None
        elif e.kind == StepKind.MID_SWING and to_t is not None:
            mid_t = e.t_s
        elif e.kind == StepKind.INITIAL_CONTACT and to_t is not None:
            mid = 0.5 * (to_t + e.t_s) if mid_t is None else mid_t
            swings.append(Swing(to_t, mid, e.t_s, e.stride_length_m or 0.0, e.clearance_m or 0.0))
            to_t = mid_t = None
    return swings


def _half_gauss(t: np.ndarray, mu: float, amp: float, s1: float, s2: float) -> np.ndarray:
    sigma = np.where(t < mu, s1, s2)
    return amp * np.exp(-0.5 * ((t - mu) / sigma) ** 2)


def _half_gauss_integral(t: np.ndarray, mu: float, amp: float, s1: float, s2: float) -> np.ndarray:
    before = amp * s1 * _SQRT_HALF_PI * (1.0 + erf((t - mu) / (math.sqrt(2.0) * s1)))
    after = amp * _SQRT_HALF_PI * (s1 + s2 * erf((t - mu) / (math.sqrt(2.0) * s2)))
    return np.where(t < mu, before, after)


def _bell(t: np.ndarray, start_s: float, dur_s: float) -> tuple[np.ndarray, np.ndarray]:
    """``sin⁴(πu)`` over ``[start_s, start_s + dur_s]`` (0 outside): value and 2nd derivative.

    Zero value, slope and curvature at both ends; the second derivative is per s².
    """
    u = (t - start_s) / dur_s
    inside = (u >= 0.0) & (u <= 1.0)
    sin_u, cos_u = np.sin(np.pi * u), np.cos(np.pi * u)
    value = np.where(inside, sin_u**4, 0.0)
    dd = np.where(inside, 4.0 * np.pi**2 * (3.0 * sin_u**2 * cos_u**2 - sin_u**4) / dur_s**2, 0.0)
    return value, dd


def _bell_rate(t: np.ndarray, start_s: float, dur_s: float) -> np.ndarray:
    """First derivative of :func:`_bell`'s value, per s."""
    u = (t - start_s) / dur_s
    inside = (u >= 0.0) & (u <= 1.0)
    sin_u, cos_u = np.sin(np.pi * u), np.cos(np.pi * u)
    return np.where(inside, 4.0 * np.pi * sin_u**3 * cos_u / dur_s, 0.0)


@dataclass(frozen=True, slots=True)
class _Parts:
    """Signals of one swing: sagittal rate and pitch, extra gyro, roll, world linear acc."""

    gyr_y: np.ndarray  # deg/s, pitch rate
    pitch_deg: np.ndarray
    gyr_extra: np.ndarray  # (n, 3) deg/s: ringing and circumduction (left-foot signs)
    roll_deg: np.ndarray
    acc_fwd: np.ndarray
    acc_lat: np.ndarray  # toward +y of the left foot (outward); mirrored by the caller
    acc_up: np.ndarray


def _swing_signals(
    t: np.ndarray, sw: Swing, land: Landing, shape: FootShape, reference_stride_m: float
) -> _Parts:
    """All signal parts of one swing at times ``t`` (left-foot signs for lateral signals)."""
    swing_s = max(sw.ic_t_s - sw.to_t_s, 0.05)
    vigour = _vigour(sw, reference_stride_m)
    pitch_scale = vigour**0.5  # slower, shorter strides: smaller but not proportionally
    push_deg = shape.push_off_deg * pitch_scale
    toe_up_deg = shape.toe_up_deg * pitch_scale
    push_rise_s = min(0.2 * swing_s, 0.07)
    # swing bump: extreme at mid-swing, 2.25 SD on either side to TO and to the zero rise
    zr = land.zero_rise_t_s
    s1 = max(sw.mid_t_s - sw.to_t_s, 0.02) / 2.25
    s2 = max(zr - sw.mid_t_s, 0.02) / 2.25
    swing_amp = -(push_deg + toe_up_deg) / (_SQRT_HALF_PI * (s1 + s2))
    # landing bump: area = toe-up pitch; placed so the sum crosses zero at the zero rise
    delay_s = land.contact_t_s - zr
    rise_s = _LANDING_RISE_S + 0.4 * delay_s
    land_amp = toe_up_deg / (_SQRT_HALF_PI * (rise_s + _LANDING_FALL_S))
    ratio = max(land_amp / max(-swing_amp * _SWING_TAIL, 1e-9), 1.2)
    land_mu = zr + rise_s * math.sqrt(2.0 * math.log(ratio))
    bumps = (
        (sw.to_t_s - 0.003, push_deg / (_SQRT_HALF_PI * (push_rise_s + _PUSH_FALL_S)),
         push_rise_s, _PUSH_FALL_S),
        (sw.mid_t_s, swing_amp, s1, s2),
        (land_mu, land_amp, rise_s, _LANDING_FALL_S),
    )  # fmt: skip
    gyr = np.zeros_like(t)
    pitch = np.zeros_like(t)
    for mu, amp, a, b in bumps:
        gyr += _half_gauss(t, mu, amp, a, b)
        pitch += _half_gauss_integral(t, mu, amp, a, b)
    # forward and vertical trajectory from heel-off to just after IC
    start_s = sw.to_t_s - min(0.3 * swing_s, 0.25)
    dur_s = sw.ic_t_s + min(0.1 * swing_s, 0.05) - start_s
    u = (t - start_s) / dur_s
    inside = (u >= 0.0) & (u <= 1.0)
    acc_fwd = np.where(
        inside, sw.stride_length_m * 2.0 * np.pi / dur_s**2 * np.sin(2.0 * np.pi * u), 0.0
    )
    _, z_dd = _bell(t, start_s, dur_s)  # clearance profile h sin⁴(πu)
    acc_up = sw.clearance_m * z_dd
    # circumduction during the swing: out and back, toes out, sole inverted
    extra = np.zeros((t.size, 3))
    roll = np.zeros_like(t)
    acc_lat = np.zeros_like(t)
    if shape.circumduction_deg > 0.0:
        yaw_deg = shape.circumduction_deg * pitch_scale
        bell, lat_dd = _bell(t, sw.to_t_s, swing_s)
        rate = _bell_rate(t, sw.to_t_s, swing_s)
        roll = -(2.0 / 3.0) * yaw_deg * bell
        extra[:, 0] += -(2.0 / 3.0) * yaw_deg * rate
        extra[:, 2] += yaw_deg * rate
        acc_lat = 0.005 * yaw_deg * lat_dd
    # heel impact from contact: oscillation under an envelope peaking impact_peak_s later
    dt = t - land.contact_t_s
    hit = dt >= 0.0
    x = np.where(hit, dt, 0.0) / shape.impact_peak_s
    envelope = np.where(hit, x * np.exp(1.0 - x), 0.0)
    impact = (
        land.impact_mps2
        * envelope
        * np.cos(2.0 * np.pi * shape.impact_hz * (dt - shape.impact_peak_s))
    )
    acc_up = acc_up + impact
    acc_fwd = acc_fwd - 0.5 * impact
    # gyro ringing of the sensor after the impact
    ring = np.where(
        hit,
        np.exp(-np.where(hit, dt, 0.0) / shape.ring_tau_s)
        * np.sin(2.0 * np.pi * shape.ring_hz * dt),
        0.0,
    )
    extra += (shape.ring_dps_per_mps2 * land.impact_mps2 * ring)[:, None] * np.asarray(
        shape.ring_axis
    )
    return _Parts(gyr, pitch, extra, roll, acc_fwd, acc_lat, acc_up)


def _ramp(t: np.ndarray, ep: FreezeEpisode) -> np.ndarray:
    up = np.clip((t - ep.start_t_s) / _TREMBLE_RAMP_S, 0.0, 1.0)
    down = np.clip((ep.end_t_s - t) / _TREMBLE_RAMP_S, 0.0, 1.0)
    return np.minimum(up, down)


def _log_uniform(rng: np.random.Generator, lo_hi: tuple[float, float]) -> float:
    return float(np.exp(rng.uniform(math.log(lo_hi[0]), math.log(lo_hi[1]))))


@dataclass(frozen=True, slots=True)
class FreezeMotion:
    """What the legs do in one freezing episode (drawn from the episode's seed).

    Attributes
    ----------
    tremble_hz : float
        Mean trembling frequency, Hz (0: no trembling).
    tremble_deg : float
        Heel-lift pitch amplitude of the trembling, deg.
    fm_depth, fm_hz : float
        Trembling frequency modulation: depth (fraction of ``tremble_hz``) and rate, Hz.
    am_depth, am_hz : float
        Trembling amplitude modulation: depth (fraction) and rate, Hz.
    shift_hz, shift_deg : float
        Weight shifting: frequency (Hz) and heel-lift pitch of the unloaded foot (deg).
    shuffle_hz : float
        Small steps per foot per s (0: none).
    shuffle_duty : float
        Share of each small step's cycle the foot moves.
    shuffle_step_m, shuffle_clearance_m, shuffle_deg : float
        Typical small step: length (m), clearance (m) and heel-lift pitch (deg).
    """

    tremble_hz: float = 0.0
    tremble_deg: float = 0.0
    fm_depth: float = 0.0
    fm_hz: float = 0.0
    am_depth: float = 0.0
    am_hz: float = 0.0
    shift_hz: float = 0.0
    shift_deg: float = 0.0
    shuffle_hz: float = 0.0
    shuffle_duty: float = 0.0
    shuffle_step_m: float = 0.0
    shuffle_clearance_m: float = 0.0
    shuffle_deg: float = 0.0


def freeze_motion(ep: FreezeEpisode, tremble_hz: float = 6.0) -> FreezeMotion:
    """The legs' motion in a freezing episode, by its kind (Schaafsma et al. 2003).

    No kind makes an effective step (the patient's events have none during a freeze). Drawn
    from the episode's seed, so both feet and every streamed chunk render the same episode.

    - **trembling** in place: both feet tremble in antiphase (alternating knee trembling; the
      heel lifts and drops about the forefoot) in the 3–8 Hz "freeze band" of the leg movement
      in FOG (Hausdorff, Balash & Giladi 2003, Physica A 321:565; Moore et al. 2008), at a
      frequency drawn per episode around the patient's ``tremble_hz`` (log SD 0.15) that
      wanders within the episode (frequency modulated by 3–12 % at 0.15–0.5 Hz), with a
      heel-lift pitch of 0.5–2° (the heel moves about 2–7 mm; log-uniform) waxing and waning
      (amplitude modulated by up to 50 % at 0.2–0.8 Hz); on top, weight shifting from foot to
      foot at 0.5–1.5 Hz, the unloaded heel lifting 1–4° (knee trembling is made of repeated,
      alternating anticipatory postural adjustments: Jacobs et al. 2009, Exp Neurol 215:334),
      which puts power into the 0.5–3 Hz locomotor band: the freeze index of the foot's forward
      acceleration is tens to hundreds, not the thousands of a pure sine;
    - **shuffling** forward with very small steps: each foot slides 1–5 cm forward (log-uniform;
      clearance 3–12 mm, heel lift 1–3°) 2–4 times per s, moving for 50–80 % of each cycle, the
      feet alternating, with per-step jitter (10 % of the cycle) and size variation (log SD 0.2)
      — steps shorten and quicken into a freeze (Nieuwboer et al. 2001, Mov Disord 16:1066).
      The step rate straddles the 3 Hz edge between the locomotor and freeze bands, so the
      freeze index of a slow shuffle is low; the gyro shows small swings of tens of deg/s, which
      a step detector may take for (abnormally quick) steps;
    - **akinetic**: no visible leg movement (Schaafsma 2003: "rare"); only a slow sway
      (0.3–1 Hz, 0.1–0.3° of heel lift): to a foot or ankle sensor, standing still.

    Parameters
    ----------
    ep : FreezeEpisode
        The episode (kind and seed).
    tremble_hz : float
        The patient's typical trembling frequency, Hz.
    """
    rng = np.random.default_rng([ep.seed, 31])
    if ep.kind == "akinetic":
        return FreezeMotion(
            shift_hz=float(rng.uniform(*_AKINETIC_SHIFT_HZ)),
            shift_deg=_log_uniform(rng, _AKINETIC_SHIFT_DEG),
        )
    if ep.kind == "shuffling":
        return FreezeMotion(
            shuffle_hz=float(rng.uniform(*_SHUFFLE_HZ)),
            shuffle_duty=float(rng.uniform(*_SHUFFLE_DUTY)),
            shuffle_step_m=_log_uniform(rng, _SHUFFLE_STEP_M),
            shuffle_clearance_m=float(rng.uniform(*_SHUFFLE_CLEARANCE_M)),
            shuffle_deg=float(rng.uniform(*_SHUFFLE_DEG)),
        )
    depth = float(rng.uniform(*_TREMBLE_FM_DEPTH))
    lo, hi = _TREMBLE_BAND_HZ[0] / (1.0 - depth), _TREMBLE_BAND_HZ[1] / (1.0 + depth)
    f_hz = min(max(tremble_hz * math.exp(_TREMBLE_HZ_LOG_SD * rng.standard_normal()), lo), hi)
    return FreezeMotion(
        tremble_hz=f_hz,
        tremble_deg=_log_uniform(rng, _TREMBLE_DEG),
        fm_depth=depth,
        fm_hz=float(rng.uniform(*_TREMBLE_FM_HZ)),
        am_depth=float(rng.uniform(*_TREMBLE_AM_DEPTH)),
        am_hz=float(rng.uniform(*_TREMBLE_AM_HZ)),
        shift_hz=float(rng.uniform(*_SHIFT_HZ)),
        shift_deg=_log_uniform(rng, _SHIFT_DEG),
    )


def _tremble(
    tau: np.ndarray, m: FreezeMotion, phases: np.ndarray, offset: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x = A(τ) sin φ(τ) with its first and second derivatives (deg, deg/s, deg/s²)."""
    w0 = 2.0 * math.pi * m.tremble_hz
    wm = 2.0 * math.pi * m.fm_hz
    wa = 2.0 * math.pi * m.am_hz
    psi, chi = phases
    a = m.tremble_deg * (1.0 + m.am_depth * np.sin(wa * tau + chi))
    a1 = m.tremble_deg * m.am_depth * wa * np.cos(wa * tau + chi)
    a2 = -m.tremble_deg * m.am_depth * wa**2 * np.sin(wa * tau + chi)
    phi = w0 * tau - w0 * m.fm_depth / wm * (np.cos(wm * tau + psi) - math.cos(psi)) + offset
    p1 = w0 * (1.0 + m.fm_depth * np.sin(wm * tau + psi))
    p2 = w0 * m.fm_depth * wm * np.cos(wm * tau + psi)
    s, c = np.sin(phi), np.cos(phi)
    x = a * s
    x1 = a1 * s + a * p1 * c
    x2 = a2 * s + 2.0 * a1 * p1 * c + a * p2 * c - a * p1**2 * s
    return x, x1, x2


def _freeze_parts(
    t: np.ndarray, ep: FreezeEpisode, side: Side, tremble_hz: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pitch (deg), pitch rate (deg/s) and world linear acc fwd / lateral / up (m/s²)."""
    m = freeze_motion(ep, tremble_hz)
    right = side == Side.RIGHT
    pitch = np.zeros_like(t)
    rate = np.zeros_like(t)
    acc_fwd = np.zeros_like(t)
    acc_lat = np.zeros_like(t)
    acc_up = np.zeros_like(t)
    tau = t - ep.start_t_s
    env = _ramp(t, ep)
    phases = np.random.default_rng([ep.seed, 33]).uniform(0.0, 2.0 * math.pi, 2)
    pitch_dd = np.zeros_like(t)  # deg/s²
    if m.tremble_hz > 0:
        x, x1, x2 = _tremble(tau, m, phases, math.pi if right else 0.0)
        pitch += env * x
        rate += env * x1
        pitch_dd += env * x2
        acc_lat += 0.2 * _PIVOT_BEHIND_M * np.deg2rad(env * x2)
    if m.shift_hz > 0:
        w = 2.0 * math.pi * m.shift_hz
        arg = w * tau + (math.pi if right else 0.0)
        pitch += env * m.shift_deg * 0.5 * (1.0 - np.cos(arg))
        rate += env * m.shift_deg * 0.5 * w * np.sin(arg)
        pitch_dd += env * m.shift_deg * 0.5 * w**2 * np.cos(arg)
    if m.shuffle_hz > 0:
        cycle_s = 1.0 / m.shuffle_hz
        n = math.ceil(ep.duration_s * m.shuffle_hz) + 1
        rng = np.random.default_rng([ep.seed, 41, int(side)])
        jitter = rng.uniform(-_SHUFFLE_JITTER, _SHUFFLE_JITTER, n) * cycle_s
        size = np.exp(_SHUFFLE_SIZE_LOG_SD * rng.standard_normal((n, 3)))
        onset = ep.start_t_s + 0.1 + (np.arange(n) + (0.5 if right else 0.0)) * cycle_s + jitter
        dur_s = m.shuffle_duty * cycle_s
        for k in np.flatnonzero(onset + dur_s <= ep.end_t_s - 0.05):
            t0 = float(onset[k])
            if t0 > t[-1] or t0 + dur_s < t[0]:
                continue
            u = (t - t0) / dur_s
            inside = (u >= 0.0) & (u <= 1.0)
            length_m = m.shuffle_step_m * size[k, 0]
            acc_fwd += np.where(
                inside, length_m * 2.0 * math.pi / dur_s**2 * np.sin(2.0 * math.pi * u), 0.0
            )
            bell, bell_dd = _bell(t, t0, dur_s)
            acc_up += m.shuffle_clearance_m * size[k, 1] * bell_dd
            pitch += m.shuffle_deg * size[k, 2] * bell
            rate += m.shuffle_deg * size[k, 2] * _bell_rate(t, t0, dur_s)
    # a heel lift about the forefoot moves the sensor up and forward
    dd_rad = np.deg2rad(pitch_dd)
    acc_up += _PIVOT_BEHIND_M * dd_rad
    acc_fwd += _PIVOT_ABOVE_M * dd_rad
    return pitch, rate, acc_fwd, acc_lat, acc_up


def render_imu(
    t_s: np.ndarray,
    swings: Sequence[Swing],
    freezes: Sequence[FreezeEpisode] = (),
    *,
    side: Side = Side.LEFT,
    tremble_hz: float = 6.0,
    reference_stride_m: float = 1.4,
    noise: np.ndarray | None = None,
    shape: FootShape | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Noise-free (unless ``noise`` is given) IMU samples at session times ``t_s``.

    Parameters
    ----------
    t_s : ndarray, shape (n,)
        Sample times, s.
    swings : sequence of Swing
        Swings of this foot near the samples.
    freezes : sequence of FreezeEpisode
        Freezing episodes near the samples.
    side : Side
        The foot (mirrors the medio-lateral signals).
    tremble_hz : float
        The patient's typical trembling frequency during a freeze, Hz (each trembling episode
        draws its own around it: :func:`freeze_motion`).
    reference_stride_m : float
        Stride length giving the nominal signal amplitudes, m.
    noise : ndarray, shape (n, 6), optional
        Added as is.
    shape : FootShape, optional
        How the foot swings and lands; default the nominal :class:`FootShape`.
    seed : int
        Seed of the per-stride draws (:func:`landing`).

    Returns
    -------
    ndarray, shape (n, 6)
        acc x, y, z (m/s²), gyr x, y, z (deg/s) in the foot frame.
    """
    shape = FootShape() if shape is None else shape
    t = np.asarray(t_s, dtype=float)
    n = len(t)
    gyr_y = np.zeros(n)
    pitch_deg = np.zeros(n)
    gyr_extra = np.zeros((n, 3))
    roll_deg = np.zeros(n)
    acc_fwd = np.zeros(n)
    acc_lat = np.zeros(n)
    acc_up = np.zeros(n)
    if n:
        t_lo, t_hi = t[0], t[-1]
        for sw in swings:
            if sw.to_t_s - IMU_LOOKAHEAD_S > t_hi or sw.ic_t_s + AFTER_IC_S < t_lo:
                continue
            lo = np.searchsorted(t, sw.to_t_s - IMU_LOOKAHEAD_S)
            hi = np.searchsorted(t, sw.ic_t_s + AFTER_IC_S)
            land = landing(sw, shape, side, seed, reference_stride_m)
            p = _swing_signals(t[lo:hi], sw, land, shape, reference_stride_m)
            gyr_y[lo:hi] += p.gyr_y
            pitch_deg[lo:hi] += p.pitch_deg
            gyr_extra[lo:hi] += p.gyr_extra
            roll_deg[lo:hi] += p.roll_deg
            acc_fwd[lo:hi] += p.acc_fwd
            acc_lat[lo:hi] += p.acc_lat
            acc_up[lo:hi] += p.acc_up
    for ep in freezes:
        if n == 0 or ep.end_t_s <= t[0] or ep.start_t_s > t[-1]:
            continue
        lo = np.searchsorted(t, ep.start_t_s)
        hi = np.searchsorted(t, ep.end_t_s)
        if hi <= lo:
            continue
        f_pitch, f_rate, f_fwd, f_lat, f_up = _freeze_parts(t[lo:hi], ep, side, tremble_hz)
        pitch_deg[lo:hi] += f_pitch
        gyr_y[lo:hi] += f_rate
        acc_fwd[lo:hi] += f_fwd
        acc_lat[lo:hi] += f_lat
        acc_up[lo:hi] += f_up
    mirror = 1.0 if side == Side.LEFT else -1.0
    pitch = np.deg2rad(pitch_deg)
    c, s = np.cos(pitch), np.sin(pitch)
    up = acc_up + GRAVITY_MPS2
    out = np.empty((n, 6))
    out[:, 0] = c * acc_fwd - s * up
    out[:, 1] = mirror * (acc_lat + GRAVITY_MPS2 * np.sin(np.deg2rad(roll_deg)))
    out[:, 2] = s * acc_fwd + c * up
    out[:, 3] = mirror * (0.15 * gyr_y + gyr_extra[:, 0])
    out[:, 4] = gyr_y + gyr_extra[:, 1]
    out[:, 5] = mirror * (-0.25 * gyr_y + gyr_extra[:, 2])
    if noise is not None:
        out += noise
    return out


class ImuSynth:
    """Streaming IMU synthesis for one foot.

    Parameters
    ----------
    params : PatientParams
        The patient (foot shape, tremble frequency).
    side : Side
        The foot.
    rate_hz : float
        Sample rate on the session clock, Hz.
    seed : int
        Seed of the person's foot shape (:func:`foot_shape`), the per-stride draws and the sensor
        noise; the noise of sample ``k`` (time ``k / rate_hz``) depends only on ``seed``,
        ``side`` and ``k``, so chunking does not change the signal.
    shape : FootShape, optional
        Use this foot shape instead of drawing one.

    Attributes
    ----------
    shape : FootShape
        The foot shape in use.
    """

    def __init__(
        self,
        params: PatientParams,
        side: Side,
        rate_hz: float,
        seed: int = 0,
        shape: FootShape | None = None,
    ) -> None:
        self.params = params
        self.side = side
        self.rate_hz = float(rate_hz)
        self.seed = seed
        self.shape = foot_shape(params, side, seed) if shape is None else shape
        self._bias = np.random.default_rng([seed, int(side), 7]).normal(
            0.0, [0.05, 0.05, 0.05, 0.3, 0.3, 0.3]
        )
        self._block_cache: tuple[int, np.ndarray] | None = None

    def times_s(self, t0_s: float, n: int) -> np.ndarray:
        """Session times of ``n`` samples from ``t0_s``, s."""
        return t0_s + np.arange(n) / self.rate_hz

    def landings(self, events: Sequence[GaitEvent]) -> list[Landing]:
        """Where each swing of this foot in ``events`` lands (zero rise, contact, impact)."""
        return [
            landing(sw, self.shape, self.side, self.seed)
            for sw in swings_from_events(events, self.side)
        ]

    def _noise(self, first_index: int, n: int) -> np.ndarray:
        out = np.empty((n, 6))
        scale = np.array([_ACC_NOISE_MPS2] * 3 + [_GYR_NOISE_DPS] * 3)
        k = first_index
        done = 0
        while done < n:
            block, offset = divmod(k, _NOISE_BLOCK)
            if self._block_cache is None or self._block_cache[0] != block:
                rng = np.random.default_rng([self.seed, int(self.side), block & 0x7FFFFFFF])
                self._block_cache = (block, rng.standard_normal((_NOISE_BLOCK, 6)))
            take = min(n - done, _NOISE_BLOCK - offset)
            out[done : done + take] = self._block_cache[1][offset : offset + take]
            done += take
            k += take
        return out * scale + self._bias

    def render(
        self,
        t0_s: float,
        n: int,
        events: Sequence[GaitEvent],
        freezes: Sequence[FreezeEpisode] = (),
    ) -> np.ndarray:
        """``n`` samples from session time ``t0_s``: acc (m/s²), gyr (deg/s), shape (n, 6).

        ``events`` must hold this foot's events from ``IMU_LOOKBACK_S`` before ``t0_s`` to
        ``IMU_LOOKAHEAD_S`` after the last sample (other feet's events are ignored).
        """
        t = self.times_s(t0_s, n)
        swings = swings_from_events(events, self.side)
        first_index = round(t0_s * self.rate_hz)
        return render_imu(
            t,
            swings,
            freezes,
            side=self.side,
            tremble_hz=self.params.tremble_hz,
            reference_stride_m=1.4,
            noise=self._noise(first_index, n),
            shape=self.shape,
            seed=self.seed,
        )

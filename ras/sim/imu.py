"""Gait-shaped raw IMU signals of one foot, consistent with the patient's event times.

Foot frame: x forward, y left, z up; acc in m/s² including gravity (standing: acc_z ≈ +9.81),
gyr in deg/s. Shapes follow the real foot-mounted recording of the gaitmap example data
(tests/data/gaitmap-example, ``imu_sample.csv``), where the sagittal rotation is about y and
a positive gyr_y pitches the toes down:

- push-off: gyr_y rises to about +400..+500 deg/s, peaking just before toe-off (TO);
- swing: gyr_y negative with its extreme, about -340 deg/s, at mid-swing (the "mid-swing peak"
  of clinical.md, negative in this y-left frame);
- initial contact (IC): gyr_y crosses zero just before IC and a positive burst of about
  +300 deg/s follows as the foot flattens, with an impact transient on acc;
- flat stance: gyr ≈ 0, acc ≈ gravity.

Each swing is three asymmetric Gaussian bumps of gyr_y whose areas (pitch angles) cancel over the
stride, so the pitch angle, integrated analytically, returns to 0; gravity is projected through
that pitch and a smooth forward / vertical foot trajectory adds linear acceleration. During a
freeze both feet tremble at ``tremble_hz`` (3–8 Hz band, Moore 2008).
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
    "ImuSynth",
    "Swing",
    "render_imu",
    "swings_from_events",
]

GRAVITY_MPS2 = 9.80665
#: Events up to this long after a sample shape it (push-off starts before TO), s.
IMU_LOOKAHEAD_S = 0.3
#: Events up to this long before a sample shape it (IC burst and impact after IC), s.
IMU_LOOKBACK_S = 1.0

_SQRT_HALF_PI = math.sqrt(math.pi / 2.0)
_NOISE_BLOCK = 256
_ACC_NOISE_MPS2 = 0.08
_GYR_NOISE_DPS = 0.8
_PUSH_OFF_DEG = 45.0  # toe-down pitch at TO for a 1.4 m stride
_IC_TOE_UP_DEG = 20.0  # toe-up pitch at IC for a 1.4 m stride
_PUSH_FALL_S = 0.012
_IC_PEAK_DELAY_S = 0.03
_IC_RISE_S = 0.012
_IC_FALL_S = 0.04
_IMPACT_MPS2 = 25.0
_IMPACT_TAU_S = 0.012
_IMPACT_HZ = 30.0
_TREMBLE_ACC_MPS2 = (2.0, 0.3, 1.5)
_TREMBLE_GYR_DPS = (5.0, 40.0, 5.0)
_TREMBLE_RAMP_S = 0.2


@dataclass(frozen=True, slots=True)
class Swing:
    """One swing of a foot: TO at ``to_t_s``, IC at ``ic_t_s``, swing extreme at ``mid_t_s``."""

    to_t_s: float
    mid_t_s: float
    ic_t_s: float
    stride_length_m: float
    clearance_m: float


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


def _swing_signals(
    t: np.ndarray, sw: Swing, reference_stride_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """gyr_y (deg/s), pitch (deg), world forward and vertical linear acc (m/s²) of one swing."""
    swing_s = max(sw.ic_t_s - sw.to_t_s, 0.05)
    vigour = min(max(sw.stride_length_m / reference_stride_m, 0.2), 1.5)
    push_deg = _PUSH_OFF_DEG * vigour
    toe_up_deg = _IC_TOE_UP_DEG * vigour
    push_rise_s = min(0.2 * swing_s, 0.07)
    mid_sigma_s = swing_s / 4.5
    bumps = (
        (sw.to_t_s - 0.003, push_deg / (_SQRT_HALF_PI * (push_rise_s + _PUSH_FALL_S)),
         push_rise_s, _PUSH_FALL_S),
        (sw.mid_t_s, -(push_deg + toe_up_deg) / (2.0 * _SQRT_HALF_PI * mid_sigma_s),
         mid_sigma_s, mid_sigma_s),
        (sw.ic_t_s + _IC_PEAK_DELAY_S, toe_up_deg / (_SQRT_HALF_PI * (_IC_RISE_S + _IC_FALL_S)),
         _IC_RISE_S, _IC_FALL_S),
    )  # fmt: skip
    gyr = np.zeros_like(t)
    pitch = np.zeros_like(t)
    for mu, amp, s1, s2 in bumps:
        gyr += _half_gauss(t, mu, amp, s1, s2)
        pitch += _half_gauss_integral(t, mu, amp, s1, s2)
    # forward and vertical trajectory from heel-off to just after IC
    start_s = sw.to_t_s - min(0.3 * swing_s, 0.25)
    dur_s = sw.ic_t_s + min(0.1 * swing_s, 0.05) - start_s
    u = (t - start_s) / dur_s
    inside = (u >= 0.0) & (u <= 1.0)
    two_pi_u = 2.0 * np.pi * u
    acc_fwd = np.where(inside, sw.stride_length_m * 2.0 * np.pi / dur_s**2 * np.sin(two_pi_u), 0.0)
    # clearance profile z = h sin⁴(πu): zero height, speed and acceleration at both ends
    sin_u, cos_u = np.sin(np.pi * u), np.cos(np.pi * u)
    z_dd = 4.0 * np.pi**2 * (3.0 * sin_u**2 * cos_u**2 - sin_u**4)
    acc_up = np.where(inside, sw.clearance_m / dur_s**2 * z_dd, 0.0)
    # impact transient after IC
    dt = t - sw.ic_t_s
    hit = dt >= 0.0
    impact = np.where(
        hit,
        _IMPACT_MPS2 * vigour * np.exp(-np.where(hit, dt, 0.0) / _IMPACT_TAU_S)
        * np.sin(2.0 * np.pi * _IMPACT_HZ * dt + 0.5 * np.pi),
        0.0,
    )  # fmt: skip
    acc_up = acc_up + impact
    acc_fwd = acc_fwd - 0.5 * impact
    return gyr, pitch, acc_fwd, acc_up


def _ramp(t: np.ndarray, ep: FreezeEpisode) -> np.ndarray:
    up = np.clip((t - ep.start_t_s) / _TREMBLE_RAMP_S, 0.0, 1.0)
    down = np.clip((ep.end_t_s - t) / _TREMBLE_RAMP_S, 0.0, 1.0)
    return np.minimum(up, down)


def render_imu(
    t_s: np.ndarray,
    swings: Sequence[Swing],
    freezes: Sequence[FreezeEpisode] = (),
    *,
    side: Side = Side.LEFT,
    tremble_hz: float = 6.0,
    reference_stride_m: float = 1.4,
    noise: np.ndarray | None = None,
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
        Trembling frequency during a freeze, Hz.
    reference_stride_m : float
        Stride length giving the nominal signal amplitudes, m.
    noise : ndarray, shape (n, 6), optional
        Added as is.

    Returns
    -------
    ndarray, shape (n, 6)
        acc x, y, z (m/s²), gyr x, y, z (deg/s) in the foot frame.
    """
    t = np.asarray(t_s, dtype=float)
    n = len(t)
    gyr_y = np.zeros(n)
    pitch_deg = np.zeros(n)
    acc_fwd = np.zeros(n)
    acc_up = np.zeros(n)
    if n:
        t_lo, t_hi = t[0], t[-1]
        for sw in swings:
            if sw.to_t_s - IMU_LOOKAHEAD_S > t_hi or sw.ic_t_s + 0.3 < t_lo:
                continue
            lo = np.searchsorted(t, sw.to_t_s - IMU_LOOKAHEAD_S)
            hi = np.searchsorted(t, sw.ic_t_s + 0.3)
            g, p, af, au = _swing_signals(t[lo:hi], sw, reference_stride_m)
            gyr_y[lo:hi] += g
            pitch_deg[lo:hi] += p
            acc_fwd[lo:hi] += af
            acc_up[lo:hi] += au
    mirror = 1.0 if side == Side.LEFT else -1.0
    pitch = np.deg2rad(pitch_deg)
    c, s = np.cos(pitch), np.sin(pitch)
    up = acc_up + GRAVITY_MPS2
    out = np.empty((n, 6))
    out[:, 0] = c * acc_fwd - s * up
    out[:, 1] = 0.0
    out[:, 2] = s * acc_fwd + c * up
    out[:, 3] = mirror * 0.15 * gyr_y
    out[:, 4] = gyr_y
    out[:, 5] = mirror * -0.25 * gyr_y
    for ep in freezes:
        if n == 0 or ep.end_t_s <= t[0] or ep.start_t_s > t[-1]:
            continue
        env = _ramp(t, ep)
        if not env.any():
            continue
        phase = 2.0 * np.pi * tremble_hz * t
        wave = env * np.sin(phase)
        wave_q = env * np.sin(phase + 0.6)
        out[:, 0] += _TREMBLE_ACC_MPS2[0] * wave
        out[:, 1] += mirror * _TREMBLE_ACC_MPS2[1] * wave_q
        out[:, 2] += _TREMBLE_ACC_MPS2[2] * wave_q
        out[:, 3] += mirror * _TREMBLE_GYR_DPS[0] * wave_q
        out[:, 4] += _TREMBLE_GYR_DPS[1] * np.cos(phase) * env
        out[:, 5] += mirror * _TREMBLE_GYR_DPS[2] * wave
    if noise is not None:
        out += noise
    return out


class ImuSynth:
    """Streaming IMU synthesis for one foot.

    Parameters
    ----------
    params : PatientParams
        The patient (tremble frequency, reference stride length).
    side : Side
        The foot.
    rate_hz : float
        Sample rate on the session clock, Hz.
    seed : int
        Seed of the sensor noise; the noise of sample ``k`` (time ``k / rate_hz``) depends only on
        ``seed``, ``side`` and ``k``, so chunking does not change the signal.
    """

    def __init__(self, params: PatientParams, side: Side, rate_hz: float, seed: int = 0) -> None:
        self.params = params
        self.side = side
        self.rate_hz = float(rate_hz)
        self.seed = seed
        self._bias = np.random.default_rng([seed, int(side), 7]).normal(
            0.0, [0.05, 0.05, 0.05, 0.3, 0.3, 0.3]
        )
        self._block_cache: tuple[int, np.ndarray] | None = None

    def times_s(self, t0_s: float, n: int) -> np.ndarray:
        """Session times of ``n`` samples from ``t0_s``, s."""
        return t0_s + np.arange(n) / self.rate_hz

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
        )

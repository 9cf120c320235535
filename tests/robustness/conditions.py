"""Physical disturbances of a recording, each a pure seeded function (recording in, recording out).

Each returns a new :class:`~tests.robustness.cases.Recording` with the reference adjusted where
the disturbance changes what can be known (lost samples) and a note of its parameters. Sizes are
those of real sensors and real failures, not tuned to any detector; :data:`CONDITIONS` says why
each size was chosen (the text goes into docs/benchmarks.md).

- :func:`resample` — another sensor rate (scipy.signal.resample_poly: a polyphase FIR low-pass
  like a sensor's decimation filter); reference times in seconds unchanged;
- :func:`rotate` — the sensor mounted in another orientation (:func:`random_rotations`,
  :func:`yaw_180`, :func:`instep_tilt`); the runners must then align;
- :func:`sensor_noise` — MEMS offsets, scale errors, white noise, 16-bit quantisation and
  full-scale clipping;
- :func:`impact_ringing` — a decaying sagittal-gyro oscillation after each heel strike that dips
  below -50 deg/s 0.2-0.4 s after the IC (the reviewers' failure 1);
- :func:`spikes` — one-sample glitches right after toe-off (failure 2: -189 deg/s among
  +300 deg/s neighbours at 100 Hz) and at random times;
- :func:`drop_packets` — runs of lost samples (Bluetooth packets), as NaN rows or as rows missing
  from a ``t_s`` column.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy.signal import resample_poly
from scipy.spatial.transform import Rotation

from tests.robustness.cases import SIDES, Recording, subtract_intervals

__all__ = [
    "CONDITIONS",
    "Condition",
    "drop_packets",
    "impact_ringing",
    "instep_tilt",
    "random_rotations",
    "resample",
    "rotate",
    "sensor_noise",
    "spikes",
    "yaw_180",
]

GYR_Y = 1


def _side_rng(seed: int, side: str, salt: int) -> np.random.Generator:
    return np.random.default_rng([seed, SIDES.index(side), salt])


def _with(rec: Recording, note: str, **changes: object) -> Recording:
    return dataclasses.replace(rec, notes=(*rec.notes, note), **changes)  # type: ignore[arg-type]


def resample(rec: Recording, rate_hz: float) -> Recording:
    """``rec`` at ``rate_hz`` (polyphase FIR anti-alias filter, Kaiser window, edges padded
    with a line); reference times unchanged."""
    if rec.t_s is not None or any(np.isnan(g).any() for g in rec.gyr_dps.values()):
        raise ValueError("resample before dropping packets")
    ratio = Fraction(rate_hz / rec.sampling_rate_hz).limit_denominator(1000)
    if abs(float(ratio) * rec.sampling_rate_hz - rate_hz) > 1e-6:
        raise ValueError(f"{rec.sampling_rate_hz} Hz -> {rate_hz} Hz is not a small ratio")

    def rs(x: np.ndarray) -> np.ndarray:
        return resample_poly(x, ratio.numerator, ratio.denominator, axis=0, padtype="line")

    return _with(
        rec,
        f"resampled {rec.sampling_rate_hz:g} -> {rate_hz:g} Hz (resample_poly {ratio})",
        name=f"{rec.name} -> {rate_hz:g} Hz",
        sampling_rate_hz=float(rate_hz),
        acc_mps2={s: rs(a) for s, a in rec.acc_mps2.items()},
        gyr_dps={s: rs(g) for s, g in rec.gyr_dps.items()},
    )


def rotate(rec: Recording, rotations: Mapping[str, np.ndarray], label: str) -> Recording:
    """The sensor of each foot turned by ``rotations[side]`` (a rotation of the sensor body in
    foot axes): the new mounting is ``mount @ rotation.T``; the runners must align."""
    mount = {s: rec.mount[s] @ np.asarray(rotations[s]).T for s in SIDES}
    return _with(rec, f"sensor rotated: {label}", mount=mount, needs_alignment=True)


def random_rotations(seed: int) -> dict[str, np.ndarray]:
    """A uniformly random orientation per foot (scipy Rotation.random, seeded)."""
    return {
        s: Rotation.random(random_state=np.random.default_rng([seed, k, 31])).as_matrix()
        for k, s in enumerate(SIDES)
    }


def yaw_180() -> dict[str, np.ndarray]:
    """Both sensors turned 180 deg about the vertical (mounted backwards)."""
    r = Rotation.from_euler("z", 180.0, degrees=True).as_matrix()
    return {s: r for s in SIDES}


def instep_tilt(seed: int) -> dict[str, np.ndarray]:
    """Per foot: pitched toes-down 30-40 deg (lying on the instep) and yawed ±15 deg."""
    out = {}
    for s in SIDES:
        rng = _side_rng(seed, s, 32)
        pitch, yaw = rng.uniform(30.0, 40.0), rng.uniform(-15.0, 15.0)
        out[s] = Rotation.from_euler("zy", [yaw, pitch], degrees=True).as_matrix()
    return out


#: Sensor model of :func:`sensor_noise` (consumer MEMS IMU, e.g. BMI160 / LSM6DS3 / MPU-6050).
GYR_OFFSET_DPS = 5.0  # zero-rate offset, uniform ±, per axis (datasheets: ±3 typical, ±10 max)
ACC_OFFSET_MPS2 = 0.4  # zero-g offset, ±40 mg
SCALE_ERROR = 0.03  # sensitivity error, ±3 %
GYR_NOISE_DPS = 0.5  # white noise rms: the noisiest still period of the gaitmap files
ACC_NOISE_MPS2 = 0.1
GYR_RANGE_DPS = 2000.0  # full scale, 16 bits
ACC_RANGE_MPS2 = 16.0 * 9.80665


def sensor_noise(rec: Recording, seed: int) -> Recording:
    """Offsets, scale errors, white noise, then 16-bit quantisation and clipping at full scale
    (±2000 deg/s, ±16 g), all in the sensor's own axes."""
    acc, gyr = {}, {}
    for s in SIDES:
        rng = _side_rng(seed, s, 41)
        m = rec.mount[s]
        out = []
        for x, off, noise, full in (
            (rec.acc_mps2[s], ACC_OFFSET_MPS2, ACC_NOISE_MPS2, ACC_RANGE_MPS2),
            (rec.gyr_dps[s], GYR_OFFSET_DPS, GYR_NOISE_DPS, GYR_RANGE_DPS),
        ):
            sensor = x @ m.T
            scale = 1.0 + rng.uniform(-SCALE_ERROR, SCALE_ERROR, 3)
            sensor = sensor * scale + rng.uniform(-off, off, 3)
            sensor = sensor + rng.normal(0.0, noise, sensor.shape)
            lsb = full / 32768.0
            sensor = np.clip(np.round(sensor / lsb), -32768, 32767) * lsb
            out.append(sensor @ m)
        acc[s], gyr[s] = out
    return _with(
        rec,
        f"sensor noise (offsets ±{GYR_OFFSET_DPS:g} deg/s, ±{ACC_OFFSET_MPS2:g} m/s², scale "
        f"±{SCALE_ERROR:.0%}, white {GYR_NOISE_DPS:g} deg/s / {ACC_NOISE_MPS2:g} m/s² rms, 16 bit, "
        "±2000 deg/s, ±16 g)",
        acc_mps2=acc,
        gyr_dps=gyr,
    )


#: Ringing of :func:`impact_ringing`: frequency, decay, depth of the trough 0.2-0.4 s after IC.
RING_HZ = (6.0, 9.0)
RING_TAU_S = (0.2, 0.3)
RING_DEPTH_DPS = (60.0, 110.0)
RING_END_S = 0.5  # tapered to zero by then (before the push-off of the same foot)
RING_SEARCH_S = 0.1  # the impact that starts the ringing, after the reference IC


def _unit_ring(dt: np.ndarray, hz: float, tau_s: float) -> np.ndarray:
    """-exp(-dt/tau) sin(2 pi hz dt) from the IC, tapered to 0 over the last 0.1 s to RING_END_S."""
    inside = (dt >= 0.0) & (dt <= RING_END_S)
    taper = np.clip((RING_END_S - dt) / 0.1, 0.0, 1.0)
    ring = -np.exp(-dt / tau_s) * np.sin(2.0 * np.pi * hz * dt) * taper
    return np.where(inside, ring, 0.0)


def _impact_t_s(t: np.ndarray, acc: np.ndarray, ic_t_s: float) -> float:
    """The heel impact that excites the ringing: the largest change of the acceleration vector
    within :data:`RING_SEARCH_S` after the reference IC (a motion-capture IC may lead ground
    contact by tens of ms; the virtual patient's IC is the contact itself)."""
    near = np.flatnonzero((t >= ic_t_s) & (t <= ic_t_s + RING_SEARCH_S))
    if near.size < 2 or near[0] == 0:
        return ic_t_s
    d = np.diff(acc[near[0] - 1 : near[-1] + 1], axis=0)
    jerk = np.einsum("ij,ij->i", d, d)
    if not np.isfinite(jerk).all():
        return ic_t_s
    return float(t[near[int(np.argmax(jerk))]])


def impact_ringing(rec: Recording, seed: int) -> Recording:
    """After every heel impact (:func:`_impact_t_s`), a decaying gyr_y oscillation (6-9 Hz,
    decay 0.2-0.3 s) whose deepest trough 0.2-0.4 s after the reference IC reaches
    -60..-110 deg/s (the signal, not the ring)."""
    t = rec.times_s()
    gyr = {}
    for s in SIDES:
        rng = _side_rng(seed, s, 51)
        g = rec.gyr_dps[s].copy()
        for ref_ic in rec.reference[s].ic_t_s:
            ic = _impact_t_s(t, rec.acc_mps2[s], ref_ic)
            hz, tau = rng.uniform(*RING_HZ), rng.uniform(*RING_TAU_S)
            depth = rng.uniform(*RING_DEPTH_DPS)
            near = (t >= ic) & (t <= ic + RING_END_S)
            dt = t[near] - ic
            unit = _unit_ring(dt, hz, tau)
            late = (t[near] - ref_ic >= 0.2) & (t[near] - ref_ic <= 0.4)
            base = g[near, GYR_Y]
            if not late.any() or np.isnan(base).any():
                continue
            lo, hi = 0.0, 2000.0  # amplitude (deg/s) giving the trough: bisection
            for _ in range(40):
                amp = 0.5 * (lo + hi)
                if np.min(base[late] + amp * unit[late]) > -depth:
                    lo = amp
                else:
                    hi = amp
            g[near, GYR_Y] = base + hi * unit
        gyr[s] = g
    return _with(
        rec,
        f"impact ringing from every heel impact: {RING_HZ[0]:g}-{RING_HZ[1]:g} Hz, decay "
        f"{RING_TAU_S[0]:g}-{RING_TAU_S[1]:g} s, gyr_y trough -{RING_DEPTH_DPS[0]:g}.."
        f"-{RING_DEPTH_DPS[1]:g} deg/s 0.2-0.4 s after IC",
        gyr_dps=gyr,
    )


#: One-sample spikes of :func:`spikes`.
TO_SPIKE_FRACTION = 0.25  # of the toe-offs
TO_SPIKE_DPS = (150.0, 250.0)  # the sample reads -150..-250 deg/s (failure 2: -189)
TO_SPIKE_AFTER_S = 0.03  # within this after TO
RANDOM_SPIKES_PER_MIN = 10.0  # per foot, anywhere
RANDOM_GYR_DPS = (150.0, 500.0)
RANDOM_ACC_MPS2 = (20.0, 60.0)


def _push_off_t_s(rec: Recording, side: str) -> np.ndarray:
    """Reference TOs, or (no TO reference) the sagittal push-off peak inside each reference
    stride (IC to the next IC less than 2.5 s later)."""
    ref = rec.reference[side]
    if ref.to_t_s is not None:
        return ref.to_t_s
    t = rec.times_s()
    g = rec.gyr_dps[side][:, GYR_Y]
    out = []
    for a, b in zip(ref.ic_t_s[:-1], ref.ic_t_s[1:], strict=True):
        inside = (t > a) & (t < b)
        if b - a < 2.5 and inside.any():
            out.append(t[inside][np.nanargmax(g[inside])])
    return np.asarray(out)


def spikes(rec: Recording, seed: int) -> Recording:
    """One-sample glitches: after a quarter of the TOs (within 30 ms) gyr_y reads
    -150..-250 deg/s for one sample; anywhere, 10 per minute per foot, one gyro axis gets
    ±150..500 deg/s or one acc axis ±20..60 m/s² added for one sample (never next to another
    spike)."""
    t = rec.times_s()
    acc, gyr = {}, {}
    for s in SIDES:
        rng = _side_rng(seed, s, 61)
        a, g = rec.acc_mps2[s].copy(), rec.gyr_dps[s].copy()
        for to in _push_off_t_s(rec, s):
            if rng.random() >= TO_SPIKE_FRACTION:
                continue
            k = int(np.searchsorted(t, to + rng.uniform(0.0, TO_SPIKE_AFTER_S)))
            if k < len(t):
                g[k, GYR_Y] = -rng.uniform(*TO_SPIKE_DPS)
        n = rng.poisson(RANDOM_SPIKES_PER_MIN * t[-1] / 60.0)
        spiked = np.flatnonzero((g != rec.gyr_dps[s]).any(axis=1))
        for k in rng.integers(0, len(t), n):
            axis, sign = int(rng.integers(0, 3)), rng.choice([-1.0, 1.0])
            if np.any(np.abs(spiked - k) <= 1):
                continue  # one-sample spikes: never two in a row
            spiked = np.append(spiked, k)
            if rng.random() < 0.5:
                g[k, axis] += sign * rng.uniform(*RANDOM_GYR_DPS)
            else:
                a[k, axis] += sign * rng.uniform(*RANDOM_ACC_MPS2)
        acc[s], gyr[s] = a, g
    return _with(
        rec,
        f"one-sample spikes: {TO_SPIKE_FRACTION:.0%} of TOs followed within "
        f"{TO_SPIKE_AFTER_S * 1000:g} ms by gyr_y -{TO_SPIKE_DPS[0]:g}..-{TO_SPIKE_DPS[1]:g} "
        f"deg/s; {RANDOM_SPIKES_PER_MIN:g}/min random (gyro ±{RANDOM_GYR_DPS[0]:g}.."
        f"{RANDOM_GYR_DPS[1]:g} deg/s or acc ±{RANDOM_ACC_MPS2[0]:g}..{RANDOM_ACC_MPS2[1]:g} m/s²)",
        acc_mps2=acc,
        gyr_dps=gyr,
    )


#: Packet loss of :func:`drop_packets` (Gilbert-Elliott: bursts).
PACKET_SAMPLES = 10
PACKET_LOSS = 0.02
MEAN_BURST_PACKETS = 2.0


def lost_packets(n_packets: int, rng: np.random.Generator) -> np.ndarray:
    """Which packets are lost: two-state Markov chain with loss ratio ``PACKET_LOSS`` and mean
    burst ``MEAN_BURST_PACKETS``."""
    p_end = 1.0 / MEAN_BURST_PACKETS
    p_start = PACKET_LOSS * p_end / (1.0 - PACKET_LOSS)
    lost = np.zeros(n_packets, dtype=bool)
    state = False
    for k in range(n_packets):
        state = rng.random() < (1.0 - p_end if state else p_start)
        lost[k] = state
    return lost


def drop_packets(rec: Recording, seed: int, missing_rows: bool = False) -> Recording:
    """Lose 2 % of the 10-sample packets in bursts (mean 2 packets), the same packets on both
    feet (one radio); lost rows become NaN, or (``missing_rows``) are removed and ``t_s`` kept.

    Events inside a gap or within a sample of it are no longer scored (the analysis drops an
    event that touches a filled sample).
    """
    if rec.t_s is not None:
        raise ValueError("packets are already missing")
    n = rec.n_samples
    fs = rec.sampling_rate_hz
    lost = np.repeat(lost_packets(-(-n // PACKET_SAMPLES), np.random.default_rng([seed, 71])),
                     PACKET_SAMPLES)[:n]  # fmt: skip
    t = rec.times_s()
    edges = np.flatnonzero(np.diff(np.r_[0, lost.astype(np.int8), 0]))
    gaps_t_s = np.column_stack([t[edges[0::2]] - 1.0 / fs, t[edges[1::2] - 1] + 1.0 / fs])
    reference = {
        s: dataclasses.replace(
            r,
            ic_region_t_s=subtract_intervals(r.ic_region_t_s, gaps_t_s),
            to_region_t_s=subtract_intervals(r.to_region_t_s, gaps_t_s),
        )
        for s, r in rec.reference.items()
    }
    note = (
        f"{PACKET_LOSS:.0%} of {PACKET_SAMPLES}-sample packets lost in bursts (mean "
        f"{MEAN_BURST_PACKETS:g}): {len(gaps_t_s)} gaps, {lost.sum()} samples, as "
        + ("rows missing from t_s" if missing_rows else "NaN rows")
    )
    if missing_rows:
        keep = ~lost
        return _with(
            rec,
            note,
            acc_mps2={s: a[keep] for s, a in rec.acc_mps2.items()},
            gyr_dps={s: g[keep] for s, g in rec.gyr_dps.items()},
            t_s=t[keep],
            reference=reference,
        )
    nan = np.where(lost[:, None], np.nan, 1.0)
    return _with(
        rec,
        note,
        acc_mps2={s: a * nan for s, a in rec.acc_mps2.items()},
        gyr_dps={s: g * nan for s, g in rec.gyr_dps.items()},
        reference=reference,
    )


@dataclass(frozen=True)
class Condition:
    """A named disturbance, ``apply(recording, seed)``, and why it has the size it has."""

    name: str
    apply: Callable[[Recording, int], Recording]
    about: str
    seeds: int = 1  # how many draws the benchmark runs (random rotations: several)


CONDITIONS: Mapping[str, Condition] = {
    c.name: c
    for c in (
        Condition("clean", lambda r, _s: r, "as recorded / simulated."),
        *(
            Condition(
                f"{hz:g} Hz",
                lambda r, _s, hz=hz: resample(r, hz),
                f"resampled to {hz:g} Hz with scipy.signal.resample_poly (a polyphase FIR "
                "low-pass, as a sensor decimates); commercial instep IMUs stream 100-128 Hz.",
            )
            for hz in (100.0, 102.4, 128.0)
        ),
        Condition(
            "random rotation",
            lambda r, s: rotate(r, random_rotations(s), f"random (seed {s})"),
            "the sensor in a uniformly random orientation on each foot, then aligned "
            "(analysis.alignment, as `ras analyse --align`); 3 draws.",
            seeds=3,
        ),
        Condition(
            "yaw 180",
            lambda r, _s: rotate(r, yaw_180(), "180 deg about the vertical"),
            "both sensors mounted backwards (180 deg about the vertical), then aligned: the "
            "reviewers' `--align` turned one foot by 180 deg.",
        ),
        Condition(
            "instep tilt",
            lambda r, s: rotate(r, instep_tilt(s), "instep tilt 30-40 deg, yaw ±15 deg"),
            "sensor lying on the instep: pitched toes-down 30-40 deg and yawed ±15 deg, then "
            "aligned (imu_sample_ic_stride.csv is tilted about 40 deg).",
        ),
        Condition(
            "sensor noise",
            sensor_noise,
            f"consumer MEMS: offsets ±{GYR_OFFSET_DPS:g} deg/s and ±{ACC_OFFSET_MPS2:g} m/s² "
            f"(datasheet zero-rate ±3..10 deg/s, zero-g ±40 mg), sensitivity ±{SCALE_ERROR:.0%},"
            f" white noise {GYR_NOISE_DPS:g} deg/s and {ACC_NOISE_MPS2:g} m/s² rms (the noisiest "
            "still period of the gaitmap files), 16-bit quantisation, clipping at ±2000 deg/s "
            "and ±16 g (the gaitmap heel impacts reach 16 g).",
        ),
        Condition(
            "impact ringing",
            impact_ringing,
            f"from every heel impact (the largest acceleration change within "
            f"{RING_SEARCH_S * 1000:g} ms after the reference IC; motion-capture ICs lead "
            f"contact by tens of ms) a decaying gyr_y oscillation "
            f"({RING_HZ[0]:g}-{RING_HZ[1]:g} Hz, "
            f"decay {RING_TAU_S[0]:g}-{RING_TAU_S[1]:g} s, over by {RING_END_S:g} s) whose "
            f"trough 0.2-0.4 s after the IC reaches -{RING_DEPTH_DPS[0]:g}..-"
            f"{RING_DEPTH_DPS[1]:g} deg/s: the reviewers' failure 1 (a second IC 0.2-0.4 s "
            "after a real one, 94 cases).",
        ),
        Condition(
            "spikes",
            spikes,
            f"one-sample glitches: {TO_SPIKE_FRACTION:.0%} of toe-offs followed within "
            f"{TO_SPIKE_AFTER_S * 1000:g} ms by one gyr_y sample of -{TO_SPIKE_DPS[0]:g}..-"
            f"{TO_SPIKE_DPS[1]:g} deg/s (failure 2: -189 deg/s between +300 deg/s samples at "
            f"100 Hz, about 180 cases), plus {RANDOM_SPIKES_PER_MIN:g} per minute anywhere "
            f"(gyro ±{RANDOM_GYR_DPS[0]:g}..{RANDOM_GYR_DPS[1]:g} deg/s or acc "
            f"±{RANDOM_ACC_MPS2[0]:g}..{RANDOM_ACC_MPS2[1]:g} m/s² on one axis).",
        ),
        Condition(
            "dropped packets (NaN)",
            lambda r, s: drop_packets(r, s, missing_rows=False),
            f"Bluetooth loss: {PACKET_LOSS:.0%} of {PACKET_SAMPLES}-sample packets in bursts "
            f"(mean {MEAN_BURST_PACKETS:g} packets), the lost rows NaN; events inside a gap "
            "are not scored.",
        ),
        Condition(
            "dropped packets (rows)",
            lambda r, s: drop_packets(r, s, missing_rows=True),
            "the same loss, the lost rows missing from a t_s column.",
        ),
    )
}

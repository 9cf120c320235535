"""Freezing-of-gait accuracy: false episodes in steady walking, freezes found, and session counts.

Data: the virtual patient (ras.sim.recording.simulate_walk, foot-frame IMU of both feet with the
model's true freezes and their kinds) — healthy, stroke, parkinson without freezes (each also at
+10 % cadence, as a cue asks) and the parkinson preset (0.5 freezes per min, mean 4 s; trembling
in place, shuffling with small steps, or akinetic: ras.sim.imu.freeze_motion); the gaitmap
example recordings (tests/data/gaitmap-example: imu_sample.csv both feet,
imu_sample_ic_stride.csv both feet, imu_sample_ms_left/right.csv), real walking without freezes.
Each foot a session would analyse (the left foot of the virtual patient; every foot of the
recordings) is run through:

- **new**: analysis.freezing as sessions use it (freeze index, Bächlin's power gate, episodes
  merged across <= 1 s and kept from 1 s, and with ICs the stepping veto, gap windows and the
  halt rule: legs moving in a halt of walking);
- **new, FI only**: the same without the halt rule (``halts=False``), rows with ICs only;
- **previous**: the detector before issue 11 — plain runs of windows with FI >= 1.5 and power
  >= 0.05 (m/s²)², no merging, no minimum, no ICs — measured in the same run on the same signal.

Signals: the horizontal forward axis with the ICs (the virtual patient's true ICs, as its
virtual sensors report them; on the recordings the gait-event detector's), as sessions analyse
it; the same with the gait-event detector's ICs (virtual patient: what a sensor that detects its
steps from the IMU reports, shuffling steps included); the forward axis alone resampled to 64 Hz
(acceleration only, as an ankle accelerometer gives); the vertical axis at the native rate (what
sessions analysed before). Per episode: sensitivity (true episodes overlapped by a detected
one), also per kind of freeze and over the kinds with moving legs (trembling, shuffling), and
false episodes (overlapping no true one) per hour; per sample: sensitivity and specificity over
the assessed time. Sessions (not with --quick / --no-sessions): one simulated session per preset
(``ras run --simulate P --imu-rate 100 --speed 10``, 30 / 180 / 30 s), the report's freezing count
per phase against the virtual patient's true freezes (counted where they start), and the previous
detector's count on the same recording.

``freezing_rows(quick)`` gives the table's rows as dicts for benchmarks/gait_robustness.py.

Usage: .venv/bin/python benchmarks/freezing_accuracy.py [--quick] [--no-sessions] [--write]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _report import write_section  # noqa: E402

from analysis.freezing import freezing_of_gait, horizontal_forward  # noqa: E402
from analysis.freezing_eval import episode_agreement, sample_agreement  # noqa: E402
from analysis.gait_events import GaitEventDetector  # noqa: E402
from analysis.imu_io import FootImu, load_imu_csv  # noqa: E402
from ras.sim.patient import FREEZE_KINDS  # noqa: E402
from ras.sim.presets import make_params  # noqa: E402
from ras.sim.recording import simulate_walk  # noqa: E402
from tests.datasets import GAITMAP_RATE_HZ, GAITMAP_SLOW_RATE_HZ, gaitmap_file  # noqa: E402

SECTION = "Freezing of gait (virtual patient, gaitmap example walking, sessions)"
#: Simulated sessions: the seeds per preset (0 is what ``ras run`` uses without --seed; the
#: parkinson preset freezes about twice in 4 min, so three sessions).
SESSION_SEEDS = {"healthy": (1,), "stroke": (1,), "parkinson": (0, 1, 2)}
SIGNALS = ("forward + ICs", "forward + detected ICs", "forward, 64 Hz, acc only", "vertical")
KINDS = FREEZE_KINDS
MOVING = ("trembling", "shuffling")
RATE_64_HZ = 64.0


@dataclass(frozen=True)
class Previous:
    """What the previous detector gives: episodes (n, 2) s and the assessed span (s)."""

    episodes_t_s: np.ndarray
    analysed_t_s: tuple[float, float]


def previous_detector(acc_mps2: np.ndarray, sampling_rate_hz: float, first_t_s: float = 0.0):
    """The detector before issue 11 (analysis/freezing.py at commit 18fa099), kept here as is.

    4 s Hann windows stepped 0.5 s, whole bins in [0.5, 3) and [3, 8] Hz, a window frozen when
    FI >= 1.5 and P(0.5–8 Hz) >= 0.05 (m/s²)², every run of frozen windows an episode.
    """
    fs = float(sampling_rate_hz)
    n_win, n_step = round(4.0 * fs), max(1, round(0.5 * fs))
    dt = n_step / fs
    frames = np.lib.stride_tricks.sliding_window_view(acc_mps2, n_win)[::n_step]
    frames = frames - frames.mean(axis=1, keepdims=True)
    taper = np.hanning(n_win)
    psd = np.abs(np.fft.rfft(frames * taper, axis=1)) ** 2 / (fs * float((taper**2).sum()))
    psd[:, 1:] *= 2.0
    f_hz = np.fft.rfftfreq(n_win, 1.0 / fs)
    p_loco = psd[:, (f_hz >= 0.5) & (f_hz < 3.0)].sum(axis=1) * fs / n_win
    p_frz = psd[:, (f_hz >= 3.0) & (f_hz <= 8.0)].sum(axis=1) * fs / n_win
    total = p_loco + p_frz
    fi = np.divide(p_frz, p_loco, out=np.full(total.size, np.inf), where=p_loco > 0)
    frozen = (total >= 0.05) & (total > 0) & (fi >= 1.5)
    centers = first_t_s + (np.arange(frames.shape[0]) * n_step + n_win / 2) / fs
    edges = np.diff(np.concatenate([[0], frozen.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    episodes = np.column_stack([centers[starts] - dt / 2, centers[ends] + dt / 2]).reshape(-1, 2)
    return Previous(episodes, (float(centers[0] - dt / 2), float(centers[-1] + dt / 2)))


@dataclass(frozen=True)
class Recording:
    """One foot's walk: what a session would analyse, and its truth.

    ``ic_t_s`` are the ICs a session would have (virtual patient: its true ICs; recordings: the
    gait-event detector's), ``detected_ic_t_s`` the gait-event detector's; ``kinds`` the kind of
    each true freeze.
    """

    group: str
    foot: FootImu
    ic_t_s: np.ndarray
    detected_ic_t_s: np.ndarray
    freezes_t_s: np.ndarray
    kinds: np.ndarray


def _detected_ics(feet: dict[str, FootImu]) -> np.ndarray:
    return np.concatenate([GaitEventDetector().detect(f).ic_t_s_ for f in feet.values()])


def _signal(rec: Recording, signal: str) -> tuple[np.ndarray, float, np.ndarray | None]:
    fs = rec.foot.sampling_rate_hz
    if signal == "vertical":
        return rec.foot.acc_mps2[:, 2], fs, rec.ic_t_s
    fwd = horizontal_forward(rec.foot.acc_mps2)
    if signal == "forward + ICs":
        return fwd, fs, rec.ic_t_s
    if signal == "forward + detected ICs":
        return fwd, fs, rec.detected_ic_t_s
    up, down = (640, round(fs * 10)) if fs != round(fs) else (64, round(fs))
    return resample_poly(fwd, up, down), RATE_64_HZ, None


def _walk_recording(label: str, walk) -> Recording:  # type: ignore[no-untyped-def]
    ics = np.concatenate([walk.ic_t_s["left"], walk.ic_t_s["right"]])
    kinds = np.array(walk.freeze_kinds, dtype=str)
    return Recording(
        label, walk.feet["left"], ics, _detected_ics(walk.feet), walk.freezes_t_s, kinds
    )


def virtual(quick: bool) -> Iterator[Recording]:
    """The virtual patient: steady walking (several seeds), the parkinson preset, and a parkinson
    patient freezing 3 times a minute (enough freezes of each kind)."""
    seeds = (1,) if quick else (1, 2, 3)
    minutes = 5.0 if quick else 10.0
    for preset, label, over in (
        ("healthy", "virtual healthy", {}),
        ("healthy", "virtual healthy +10 % cadence", {"cadence_spm": 121.0}),
        ("stroke", "virtual stroke", {}),
        ("stroke", "virtual stroke +10 % cadence", {"cadence_spm": 86.0}),
        ("parkinson", "virtual parkinson, no freezes", {"freeze_rate_per_min": 0.0}),
        (
            "parkinson",
            "virtual parkinson, no freezes, +10 % cadence",
            {"freeze_rate_per_min": 0.0, "cadence_spm": 99.0},
        ),
    ):
        for seed in seeds:
            walk = simulate_walk(
                make_params(preset, **over),
                duration_s=minutes * 60,
                sampling_rate_hz=100,
                seed=seed,
            )
            yield _walk_recording(label, walk)
    for seed in (0,) if quick else range(6):
        walk = simulate_walk(
            make_params("parkinson"), duration_s=1200, sampling_rate_hz=100, seed=seed
        )
        yield _walk_recording("virtual parkinson preset", walk)
    for seed in (0,) if quick else range(3):
        params = make_params("parkinson", freeze_rate_per_min=3.0)
        walk = simulate_walk(params, duration_s=1200, sampling_rate_hz=100, seed=100 + seed)
        yield _walk_recording("virtual parkinson, 3 freezes per min", walk)


def gaitmap() -> Iterator[Recording]:
    """The example recordings, every foot; ICs from the gait-event detector (both feet)."""
    for name, rate, side in (
        ("imu_sample.csv", GAITMAP_RATE_HZ, None),
        ("imu_sample_ic_stride.csv", GAITMAP_SLOW_RATE_HZ, None),
        ("imu_sample_ms_left.csv", GAITMAP_SLOW_RATE_HZ, "left"),
        ("imu_sample_ms_right.csv", GAITMAP_SLOW_RATE_HZ, "right"),
    ):
        feet = load_imu_csv(gaitmap_file(name), rate, side)
        ics = _detected_ics(feet)
        none = np.zeros((0, 2))
        for foot in feet.values():
            kinds = np.zeros(0, dtype=str)
            yield Recording("gaitmap example walking", foot, ics, ics, none, kinds)


@dataclass
class Tally:
    """Pooled agreement of one (data, signal, detector)."""

    seconds: float = 0.0
    n_true: int = 0
    n_found: int = 0
    n_false: int = 0
    true_s: float = 0.0
    hit_s: float = 0.0
    free_s: float = 0.0
    false_s: float = 0.0
    by_kind: dict[str, list[int]] = field(default_factory=lambda: {k: [0, 0] for k in KINDS})

    def add(self, rec: Recording, result) -> None:  # type: ignore[no-untyped-def]
        span = result.analysed_t_s
        ep = episode_agreement(
            detected_t_s=result.episodes_t_s, true_t_s=rec.freezes_t_s, duration_s=span[1] - span[0]
        )
        for kind in KINDS:
            mine = rec.freezes_t_s[rec.kinds == kind]
            got = episode_agreement(detected_t_s=result.episodes_t_s, true_t_s=mine, duration_s=1.0)
            self.by_kind[kind][0] += got.n_true
            self.by_kind[kind][1] += got.n_found
        smp = sample_agreement(
            detected_t_s=result.episodes_t_s,
            true_t_s=rec.freezes_t_s,
            start_t_s=span[0],
            end_t_s=span[1],
        )
        hit = smp.sensitivity * smp.true_frozen_s if smp.true_frozen_s > 0 else 0.0
        self.seconds += span[1] - span[0]
        self.n_true += ep.n_true
        self.n_found += ep.n_found
        self.n_false += ep.n_false
        self.true_s += smp.true_frozen_s
        self.hit_s += hit
        self.free_s += smp.span_s - smp.true_frozen_s
        self.false_s += smp.detected_frozen_s - hit

    def row(self, data: str, signal: str, detector: str) -> dict:
        nan = float("nan")
        moving_true = sum(self.by_kind[k][0] for k in MOVING)
        moving_found = sum(self.by_kind[k][1] for k in MOVING)
        return {
            "data": data,
            "signal": signal,
            "detector": detector,
            "minutes": self.seconds / 60.0,
            "true episodes": self.n_true,
            "found": self.n_found,
            "sensitivity": self.n_found / self.n_true if self.n_true else nan,
            "sensitivity (moving)": moving_found / moving_true if moving_true else nan,
            **{f"{k} true": self.by_kind[k][0] for k in KINDS},
            **{f"{k} found": self.by_kind[k][1] for k in KINDS},
            "false episodes": self.n_false,
            "false per hour": self.n_false / self.seconds * 3600.0,
            "sample sensitivity": self.hit_s / self.true_s if self.true_s else nan,
            "sample specificity": 1.0 - self.false_s / self.free_s if self.free_s else nan,
        }


def freezing_rows(quick: bool = False) -> list[dict]:
    """One row per (data, signal, detector): per-episode and per-sample agreement, pooled.

    Parameters
    ----------
    quick : bool
        One seed and 5 min of each steady walk, one 20 min parkinson walk (about 10 s);
        otherwise three seeds of 10 min and six parkinson walks (2 h).
    """
    tallies: dict[tuple[str, str, str], Tally] = {}
    recordings = [*virtual(quick), *gaitmap()]
    for rec in recordings:
        for signal in SIGNALS:
            acc, fs, ics = _signal(rec, signal)
            new = freezing_of_gait(acc_mps2=acc, sampling_rate_hz=fs, ic_t_s=ics)
            tallies.setdefault((rec.group, signal, "new"), Tally()).add(rec, new)
            if ics is not None and signal != "vertical" and rec.freezes_t_s.size:
                fi_only = freezing_of_gait(
                    acc_mps2=acc, sampling_rate_hz=fs, ic_t_s=ics, halts=False
                )
                tallies.setdefault((rec.group, signal, "new, FI only"), Tally()).add(rec, fi_only)
            if signal != "forward + detected ICs":  # the previous detector takes no ICs
                old = previous_detector(acc, fs)
                tallies.setdefault((rec.group, signal, "previous"), Tally()).add(rec, old)
    return [t.row(*key) for key, t in tallies.items()]


# --- sessions ------------------------------------------------------------------------------


def session_counts(preset: str, seed: int, db: Path) -> list[dict]:
    """One simulated session: report count per phase vs the true freezes and the previous one."""
    import ras.sim.rig
    from ras.cli import main
    from ras.results.outcomes import session_outcomes
    from ras.results.session_data import load_session
    from ras.store.store import Store

    rigs: list = []

    class Recorded(ras.sim.rig.VirtualPatientRig):
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*args, **kwargs)
            rigs.append(self)

    original = ras.sim.rig.VirtualPatientRig
    ras.sim.rig.VirtualPatientRig = Recorded  # type: ignore[misc]
    argv = ["run", "--simulate", preset, "--audio", "none", "--speed", "10", "--imu-rate", "100"]
    argv += ["--seed", str(seed), "--db", str(db), "--baseline", "30", "--cued", "180"]
    argv += ["--probe", "30"]
    stdin, sys.stdin = sys.stdin, io.StringIO("")
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            assert main(argv) == 0
    finally:
        sys.stdin = stdin
        ras.sim.rig.VirtualPatientRig = original  # type: ignore[misc]
    episodes = rigs[-1].patient.freeze_episodes_
    truth = np.array([(f.start_t_s, f.end_t_s) for f in episodes]).reshape(-1, 2)
    still = np.array([f.kind == "akinetic" for f in episodes], dtype=bool)
    with Store(db) as store:
        data = load_session(store, 1, with_imu=True)
    out = session_outcomes(data)
    # the previous detector as sessions ran it: vertical axis of the same foot, cut per phase
    chunks = [c for c in data.imu if int(c.side) == 1]
    rate = float(chunks[0].sample_rate_hz)
    vertical = np.concatenate([np.asarray(c.samples_si)[:, 2] for c in chunks])
    t = chunks[0].first_t_s + np.arange(vertical.size) / rate
    rows = []
    for p in out.phases:
        inside = (t >= p.start_t_s) & (t < p.end_t_s)
        prev = previous_detector(vertical[inside], rate, t[inside][0])
        starts = (truth[:, 0] >= p.start_t_s) & (truth[:, 0] < p.end_t_s)
        rows.append(
            {
                "preset": f"{preset} (seed {seed})",
                "phase": p.phase,
                "seconds": p.end_t_s - p.start_t_s,
                "true": int(starts.sum()),
                "true moving": int((starts & ~still).sum()),
                "report": p.value("n_freezing_episodes"),
                "time frozen %": p.value("frozen_pct"),
                "previous": len(prev.episodes_t_s),
            }
        )
    return rows


# --- report --------------------------------------------------------------------------------


def _f(x: float, digits: int = 2) -> str:
    return "–" if isinstance(x, float) and np.isnan(x) else f"{x:.{digits}f}"


def table(rows: list[dict]) -> list[str]:
    out = [
        "| data | signal | detector | min | true | found | sensitivity | false | false / h "
        "| sample sens. | sample spec. |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        out.append(
            f"| {r['data']} | {r['signal']} | {r['detector']} | {r['minutes']:.0f} | "
            f"{r['true episodes']} | {r['found']} | {_f(r['sensitivity'])} | "
            f"{r['false episodes']} | {_f(r['false per hour'], 1)} | "
            f"{_f(r['sample sensitivity'])} | {_f(r['sample specificity'], 3)} |"
        )
    return out


def kind_table(rows: list[dict]) -> list[str]:
    """Freezes found by kind, for the rows whose data hold true freezes."""
    out = [
        "| data | signal | detector | trembling | shuffling | akinetic | sensitivity (moving) "
        "| sensitivity (all) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        if not r["true episodes"]:
            continue
        kinds = " | ".join(f"{r[f'{k} found']} / {r[f'{k} true']}" for k in KINDS)
        out.append(
            f"| {r['data']} | {r['signal']} | {r['detector']} | {kinds} | "
            f"{_f(r['sensitivity (moving)'])} | {_f(r['sensitivity'])} |"
        )
    return out


def session_table(rows: list[dict]) -> list[str]:
    out = [
        "| preset | phase | s | true freezes (with moving legs) | report (new) | time frozen % "
        "| previous |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        out.append(
            f"| {r['preset']} | {r['phase']} | {r['seconds']:.0f} | {r['true']} "
            f"({r['true moving']}) | {r['report']:.0f} | {r['time frozen %']:.1f} | "
            f"{r['previous']} |"
        )
    return out


def report(rows: list[dict], sessions: list[dict] | None, seconds: float, quick: bool) -> str:
    out = [
        "Per foot a session analyses (virtual patient: the left foot; recordings: every foot). "
        "**new** = analysis.freezing (freeze index 3–8 / 0.5–3 Hz over 4 s windows stepped "
        "0.5 s, power gate 0.2 (m/s²)², episodes merged across <= 1 s and kept from 1 s; with "
        "ICs a window inside a normal step is walking, a window between steps is analysed on "
        "the stretch between them, and a window in a halt of walking — no normal step for over "
        "1.5 strides — whose legs move (power >= the gate) is a freeze whatever its FI); **new, "
        "FI only** = the same without the halt rule; **previous** = the detector before issue "
        "11 (plain runs of windows with FI >= 1.5 and power >= 0.05 (m/s²)², no ICs). Signals: "
        "*forward + ICs* = the horizontal forward axis with the ICs (virtual patient: its true "
        "ICs, as its sensors report them; recordings: the gait-event detector's), as sessions "
        "analyse it (previous ignores the ICs); *forward + detected ICs* = the same with the "
        "gait-event detector's ICs (the virtual patient's shuffling steps included); *forward, "
        "64 Hz, acc only* = the same axis resampled to 64 Hz, no ICs; *vertical* = the foot's z "
        "axis, which sessions analysed before. Steady walking has no true episodes: every "
        "detection is false. Sensitivity = true episodes overlapped by a detection; false / h = "
        "detections overlapping no true episode per hour; sample figures pooled over the "
        "assessed time.",
        "",
        *table(rows),
        "",
        "Freezes found by kind (ras.sim.imu.freeze_motion: *trembling* in place at 3–8 Hz with "
        "weight shifting, *shuffling* with small steps at 2–4 per s per foot, *akinetic* = no "
        "leg movement; mix 45 / 45 / 10 %). Sensitivity (moving) counts trembling and shuffling "
        "freezes: an akinetic freeze is standing still to a foot or ankle sensor, for the freeze "
        "index and for the halt rule alike, and is not counted.",
        "",
        *kind_table(rows),
        "",
    ]
    if sessions is not None:
        out += [
            "Simulated sessions (`ras run --simulate P --audio none --speed 10 --imu-rate 100 "
            "--baseline 30 --cued 180 --probe 30 --seed S`, healthy and stroke seed 1, "
            "parkinson seeds 0-2): the session report's freezing count "
            "per phase (episodes counted in the phase where they start) against the virtual "
            "patient's true freezes starting in that phase (in brackets those with moving legs, "
            "the ones a sensor can see), and the previous detector on the same recording "
            "(vertical axis, each phase analysed on its own). The cued phase walks ~10 % faster "
            "(the ramp), which is where the previous detector counted freezes in healthy walking.",
            "",
            *session_table(sessions),
            "",
        ]
    mode = (
        "quick: one seed, 5 min steady walks, one 20 min parkinson walk of each kind"
        if quick
        else (
            "three seeds of 10 min per steady walk, six 20 min walks of the parkinson preset "
            "(2 h), three 20 min walks at 3 freezes per min (1 h)"
        )
    )
    out.append(f"Run: {mode}; {seconds:.0f} s.")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, short walks")
    parser.add_argument("--no-sessions", action="store_true", help="skip the simulated sessions")
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md section")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    rows = freezing_rows(quick=args.quick)
    sessions = None
    if not (args.quick or args.no_sessions):
        sessions = []
        with tempfile.TemporaryDirectory() as tmp:
            for preset, seeds in SESSION_SEEDS.items():
                for seed in seeds:
                    db = Path(tmp) / f"{preset}-{seed}.sqlite3"
                    sessions += session_counts(preset, seed, db)
    body = report(rows, sessions, time.perf_counter() - t0, args.quick)
    print(body)
    if args.write:
        flags = " --quick" if args.quick else " --no-sessions" if args.no_sessions else ""
        write_section(
            SECTION, body, f".venv/bin/python benchmarks/freezing_accuracy.py{flags} --write"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

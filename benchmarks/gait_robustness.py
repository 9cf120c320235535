"""Gait-event robustness: every detector on real and virtual walks under physical disturbances.

Rows (tests/robustness/grid.py): the gaitmap example walks against their motion capture and the
virtual patient's walks (healthy, parkinson shuffling, stroke hemiparetic, slow 0.4 m/s, slower
stroke; several bouts, so first and last steps of a bout are scored apart) against their true
events, each undisturbed and under one disturbance (tests/robustness/conditions.py: resampling
to 100 / 102.4 / 128 Hz, sensor rotations through alignment, MEMS noise, impact ringing,
one-sample spikes, dropped packets). Runners side by side: ras offline (GaitEventDetector), live
(CausalGaitEventDetector, sample by sample), the firmware's C port (ctypes) and gaitmap's default
pipeline (Barth DTW + Rampp, in its own venv as in benchmarks/gait_accuracy.py) on the same
aligned data, gaps filled. Scores: IC and TO F1 within 50 ms, precision, recall, median |error|,
bias (detected - reference); recall of the first / last IC of each bout; alignment flips; whether
the C port emitted exactly the live detector's events. Freezing rows come from
benchmarks/freezing_accuracy.py (``freezing_rows``) when it exists.

Acceptance (issue 11, point 7): every row IC F1 >= 0.98 and precision >= 0.99 offline and live,
the C port equal to live, no flip.

Usage: .venv/bin/python benchmarks/gait_robustness.py [--quick] [--no-gaitmap] [--write]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _report import write_section  # noqa: E402
from gait_accuracy import GAITMAP_PINS, gaitmap_python  # noqa: E402

from tests.robustness.conditions import CONDITIONS  # noqa: E402
from tests.robustness.grid import rows  # noqa: E402
from tests.robustness.runners import Detected  # noqa: E402
from tests.robustness.scoring import total  # noqa: E402
from tests.robustness.suite import (  # noqa: E402
    RowResult,
    acceptance_groups,
    add_runner,
    check_acceptance,
    check_group,
    evaluate,
)

SECTION = "Gait-event robustness (real and virtual walks, disturbed)"
RUNNER_ORDER = ("offline", "live", "C port", "gaitmap")

#: Runs inside the gaitmap venv: gaitmap's default event pipeline on each job's CSV.
GAITMAP_BATCH = r"""
import json, sys, time
import pandas as pd
from gaitmap.utils.coordinate_conversion import convert_to_fbf
from gaitmap.stride_segmentation import BarthDtw
from gaitmap.event_detection import RamppEventDetection

jobs = json.load(open(sys.argv[1]))
out = {}
for job in jobs:
    try:
        data = pd.read_csv(job["path"], header=[0, 1], index_col=0)
        bf = convert_to_fbf(data, left_like="left_", right_like="right_")
        dtw = BarthDtw().segment(data=bf, sampling_rate_hz=job["fs"])
        ed = RamppEventDetection().detect(
            data=bf, stride_list=dtw.stride_list_, sampling_rate_hz=job["fs"]
        )
        feet = {}
        for sensor in ("left_sensor", "right_sensor"):
            ev = ed.min_vel_event_list_[sensor]
            feet[sensor.removesuffix("_sensor")] = {
                "ic": ev["ic"].tolist() + ev["pre_ic"].tolist(),
                "tc": ev["tc"].tolist(),
            }
        out[job["key"]] = {"feet": feet}
    except Exception as err:  # a row gaitmap cannot segment scores as all missed
        out[job["key"]] = {"error": f"{type(err).__name__}: {err}"}
json.dump(out, sys.stdout)
"""


def _write_gaitmap_csv(path: Path, prepared: dict) -> None:
    """Both feet (foot frame, gaps filled) in the two-header-row layout of imu_sample.csv."""
    cols = ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")
    data = [np.hstack([prepared[s].filled.acc_mps2, prepared[s].filled.gyr_dps]) for s in prepared]
    n = min(d.shape[0] for d in data)
    table = np.hstack([np.arange(n)[:, None], *(d[:n] for d in data)])
    sensors = ",".join(f"{s}_sensor" for s in prepared for _ in cols)
    axes = ",".join(c for _ in prepared for c in cols)
    header = f",{sensors}\n,{axes}"
    np.savetxt(path, table, delimiter=",", header=header, comments="", fmt="%.6g")


def run_gaitmap(results: list[RowResult]) -> float:
    """gaitmap on every prepared recording of ``results`` (one venv process); returns its time."""
    with tempfile.TemporaryDirectory() as tmp:
        jobs = []
        for i, res in enumerate(results):
            for j, (rec, prepared) in enumerate(res.prepared):
                path = Path(tmp) / f"r{i}_{j}.csv"
                _write_gaitmap_csv(path, prepared)
                jobs.append({"key": f"{i}_{j}", "path": str(path), "fs": rec.sampling_rate_hz})
        (Path(tmp) / "jobs.json").write_text(json.dumps(jobs))
        (Path(tmp) / "batch.py").write_text(GAITMAP_BATCH)
        t0 = time.perf_counter()
        proc = subprocess.run(
            [str(gaitmap_python()), str(Path(tmp) / "batch.py"), str(Path(tmp) / "jobs.json")],
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"gaitmap run failed:\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout)
    for i, res in enumerate(results):
        detected = []
        for j, (rec, prepared) in enumerate(res.prepared):
            got = out[f"{i}_{j}"]
            feet = {}
            for side, p in prepared.items():
                ev = got.get("feet", {}).get(side, {"ic": [], "tc": []})
                fs = rec.sampling_rate_hz
                feet[side] = Detected(
                    np.unique(np.asarray(ev["ic"], dtype=float)) / fs + p.t0_s,
                    np.asarray(ev["tc"], dtype=float) / fs + p.t0_s,
                )
            note = f"gaitmap: {got.get('error')}"
            if "error" in got and note not in res.notes:
                res.notes.append(note)
            detected.append(feet)
        add_runner(res, "gaitmap", detected)
    return seconds


def freezing_rows(quick: bool) -> list[dict] | None:
    """The freezing rows of benchmarks/freezing_accuracy.py, or None while it does not exist.

    HOOK: another engineer is writing ``freezing_rows(quick: bool = False) -> list[dict]``
    there (false episodes per hour of steady walking, sensitivity on the parkinson preset).
    """
    try:
        from freezing_accuracy import freezing_rows as rows_of
    except ImportError:
        return None
    return rows_of(quick=quick)


def _f(x: float, digits: int = 3) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _ms(x: float, sign: bool = False) -> str:
    if x is None or math.isnan(x):
        return "–"
    return f"{x:+.0f}" if sign else f"{x:.0f}"


def summary_table(results: list[RowResult]) -> list[str]:
    """One line per row: IC F1 of every runner side by side, the acceptance checks."""
    runners = [r for r in RUNNER_ORDER if any(r in res.scores for res in results)]
    out = [
        "| data | condition | IC F1 " + " | ".join(runners) + " | IC precision offline / live "
        "| TO F1 offline / live | first+last IC of bouts: recall offline / live | flips | "
        "C = live | row meets the targets |",
        "| --- | --- | " + " | ".join("---" for _ in runners) + " | --- | --- | --- | --- | --- "
        "| --- |",
    ]
    for res in results:
        sc = res.scores
        f1 = " | ".join(_f(sc[r]["ic"].f1) if r in sc else "–" for r in runners)
        prec = " / ".join(_f(sc[r]["ic"].precision) for r in ("offline", "live"))
        to = " / ".join(_f(sc[r]["to"].f1) if "to" in sc[r] else "–" for r in ("offline", "live"))
        edge = " / ".join(_f(sc[r]["ic_edge"].recall, 2) for r in ("offline", "live"))
        flips = f"{res.flips}/{res.aligned}" if res.aligned else "–"
        same = {True: "yes", False: "**no**", None: "–"}[res.c_equals_live]
        met = "yes" if not check_acceptance(res) else "**no**"
        out.append(
            f"| {res.row.data} | {res.row.condition} | {f1} | {prec} | {to} | {edge} | {flips} "
            f"| {same} | {met} |"
        )
    return out


def detail_table(results: list[RowResult]) -> list[str]:
    """One line per row and runner: every figure."""
    out = [
        "| data | condition | runner | IC n | IC F1 | P | R | median abs ms | bias ms | "
        "TO F1 | P | R | median abs ms | bias ms | bout-edge IC recall / median abs ms | "
        "other IC recall / median abs ms |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | "
        "--- | --- |",
    ]
    for res in results:
        for name in RUNNER_ORDER:
            if name not in res.scores:
                continue
            sc = res.scores[name]
            ic = sc["ic"]
            to = sc.get("to")
            to_cells = (
                f"{_f(to.f1)} | {_f(to.precision)} | {_f(to.recall)} | {_ms(to.median_abs_ms)} "
                f"| {_ms(to.bias_ms, True)}"
                if to is not None
                else "– | – | – | – | –"
            )
            e, i = sc["ic_edge"], sc["ic_inner"]
            out.append(
                f"| {res.row.data} | {res.row.condition} | {name} | {ic.n_reference} | "
                f"{_f(ic.f1)} | {_f(ic.precision)} | {_f(ic.recall)} | {_ms(ic.median_abs_ms)} | "
                f"{_ms(ic.bias_ms, True)} | {to_cells} | {_f(e.recall, 2)} / "
                f"{_ms(e.median_abs_ms)} | {_f(i.recall, 2)} / {_ms(i.median_abs_ms)} |"
            )
    return out


#: Freezing columns shown, and the rows kept: the new detector on the signal sessions analyse.
FREEZING_COLUMNS = (
    "data",
    "minutes",
    "true episodes",
    "found",
    "sensitivity",
    "false episodes",
    "false per hour",
)


def freezing_table(frows: list[dict] | None) -> list[str]:
    """The freezing rows of the new detector on the forward axis with ICs (as sessions)."""
    if frows is None:
        return [
            "Freezing rows: **not yet** — benchmarks/freezing_accuracy.py has no "
            "`freezing_rows(quick)` yet (hook in `freezing_rows()` of this script)."
        ]
    keep = [
        r
        for r in frows
        if r.get("detector", "new") == "new" and r.get("signal", "forward + ICs") == "forward + ICs"
    ]
    if not keep:
        return ["Freezing rows: none returned."]
    out = [
        "From benchmarks/freezing_accuracy.py (`freezing_rows`; the new detector on the forward "
        "acceleration with the ICs, as sessions analyse it; steady walking has no true episodes, "
        "so every episode found there is false):",
        "",
        "| " + " | ".join(FREEZING_COLUMNS) + " |",
        "|" + " --- |" * len(FREEZING_COLUMNS),
    ]
    for r in keep:
        cells = []
        for k in FREEZING_COLUMNS:
            v = r.get(k, "")
            if isinstance(v, float):
                v = "–" if math.isnan(v) else f"{v:.3g}" if k != "minutes" else f"{v:.0f}"
            cells.append(str(v))
        out.append("| " + " | ".join(cells) + " |")
    return out


def _scores_met(res: RowResult) -> bool:
    """IC F1 and precision targets met offline and live (C port and flips aside)."""
    why = check_acceptance(res)
    return not any(w.startswith(("offline", "live")) for w in why)


def group_table(results: list[RowResult]) -> list[str]:
    """The acceptance: each condition pooled over its rows."""
    out = [
        "| condition | rows | IC tp / fp / fn offline | IC F1 offline / live | IC precision "
        "offline / live | C = live on every row | flips | target met |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, members in acceptance_groups(results).items():
        sc = {r: total(m.scores[r]["ic"] for m in members) for r in ("offline", "live")}
        off = sc["offline"]
        same = all(m.c_equals_live is True for m in members)
        flips = sum(m.flips for m in members)
        met = "yes" if not check_group(members) else "**no**"
        out.append(
            f"| {name} | {len(members)} | {off.tp} / {off.fp} / {off.fn} | "
            f"{_f(sc['offline'].f1)} / {_f(sc['live'].f1)} | "
            f"{_f(sc['offline'].precision)} / {_f(sc['live'].precision)} | "
            f"{'yes' if same else '**no**'} | {flips} | {met} |"
        )
    return out


def report(results: list[RowResult], frows, gaitmap_s: float | None, total_s: float) -> str:
    failing = [(res, check_acceptance(res)) for res in results]
    failing = [(res, why) for res, why in failing if why]
    groups = acceptance_groups(results)
    groups_failing = [name for name, members in groups.items() if check_group(members)]
    out = [
        "Every row: one recording kind under one disturbance, scored against its reference "
        "(gaitmap walks: motion capture; virtual walks: the model's true ground contact and "
        "toe-off); virtual rows sum three people (seeds 1-3). IC / TO matched within 50 ms; "
        "precision = tp / (tp + fp), recall = tp / (tp + fn); errors are detected - reference. "
        "Acceptance (issue 11): every condition — each disturbance pooled over the recordings "
        "it was applied to, and each virtual gait pooled over its disturbances — IC F1 >= 0.98 "
        "and precision >= 0.99 offline and live; on every row the C port emits the live "
        "detector's events and alignment turns no foot around.",
        "",
        *group_table(results),
        "",
        f"Conditions meeting the target: {len(groups) - len(groups_failing)} of {len(groups)}.",
        "",
        "Row by row (a row's own IC F1 / precision is shown for transparency; the target is "
        "per condition):",
        "",
        *summary_table(results),
        "",
        f"Rows whose own IC F1 and precision meet 0.98 / 0.99 offline and live: "
        f"{sum(_scores_met(r) for r in results)} of {len(results)}; C port = live: "
        f"{sum(r.c_equals_live is True for r in results)}; rows with a flip: "
        f"{sum(r.flips > 0 for r in results)}.",
    ]
    misses = [(res, [w for w in why if not w.startswith("C port")]) for res, why in failing]
    misses = [(res, why) for res, why in misses if why]
    if misses:
        out += ["", "Misses of the IC F1 / precision, flip and alignment targets:", ""]
        out += [f"- {res.row.label}: {'; '.join(why)}" for res, why in misses]
    differ = [res.row.label for res in results if res.c_equals_live is False]
    if differ:
        where = "every row" if len(differ) == len(results) else "; ".join(differ)
        out += ["", f"The C port's events differ from the live detector's on {where}."]
    gaitmap_errors = [
        f"- {res.row.label}: {note.removeprefix('gaitmap: ')}"
        for res in results
        for note in res.notes
        if note.startswith("gaitmap: ")
    ]
    if gaitmap_errors:
        out += ["", "gaitmap raised on (scored as all missed):", "", *gaitmap_errors]
    out += [
        "",
        "<details><summary>All figures per detector</summary>",
        "",
        *detail_table(results),
        "",
        "</details>",
        "",
        "Conditions (tests/robustness/conditions.py):",
        "",
    ]
    out += [f"- **{c.name}**: {c.about}" for c in CONDITIONS.values()]
    out += [
        "",
        "Data (tests/robustness/cases.py): `gaitmap 204.8 Hz` = imu_sample.csv against its "
        "motion-capture IC / TO (the turn between the labelled bouts left out); `gaitmap "
        "ic_stride 102.4 Hz` = imu_sample_ic_stride.csv (tilted sensor, always aligned) against "
        "its motion-capture ICs on the labelled strides (no TO reference); `sim <preset>` = "
        "ras.sim.recording.simulate_walk, four 19 s bouts with 4 s of standing, presets "
        "healthy, parkinson (no freezing), stroke, slow = healthy at 0.4 m/s, stroke-slow = "
        "stroke at 64 steps/min and 0.3 m/s. Disturbances never upsample: resampling rows run "
        "on the 204.8 Hz walk, the 102.4 Hz walk (to 100 Hz) and virtual walks rendered at "
        "200 Hz; the others on virtual walks at 100 Hz. Offline is the pipeline of `ras analyse` "
        "(analysis.pipeline.analyse_foot: gaps up to 0.1 s filled, longer ones split the "
        "recording, no event on a filled sample; alignment as `--align`); the live detector and "
        "the C port run over the stream as the host does (analysis.live_stream: the same gap "
        "rule); gaitmap gets every gap filled linearly.",
        "",
        "Freezing:",
        "",
        *freezing_table(frows),
        "",
        f"Run time: {total_s:.0f} s for {len(results)} rows"
        + (f" (gaitmap {gaitmap_s:.0f} s of it, {GAITMAP_PINS[0]})" if gaitmap_s else "")
        + ".",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the short version (as the tests)")
    parser.add_argument("--no-gaitmap", action="store_true", help="skip gaitmap")
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md section")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    results = []
    for row in rows(quick=args.quick):
        res = evaluate(row)
        results.append(res)
        ic = {n: s["ic"] for n, s in res.scores.items()}
        print(
            f"{res.row.label:55s} "
            + " ".join(f"{n} {v.f1:.3f}" for n, v in ic.items())
            + f"  ({res.seconds:.1f} s)",
            flush=True,
        )
    gaitmap_s = None if args.no_gaitmap else run_gaitmap(results)
    frows = freezing_rows(args.quick)
    total_s = time.perf_counter() - t0
    body = report(results, frows, gaitmap_s, total_s)
    print(body)
    if args.write:
        cmd = ".venv/bin/python benchmarks/gait_robustness.py" + " --quick" * args.quick
        cmd += " --no-gaitmap" * args.no_gaitmap + " --write"
        write_section(SECTION, body, cmd)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`ras analyse FILE`: gait events and per-stride parameters from a raw foot-IMU CSV.

Reads docs/imu-format.md files (and the gaitmap example layout), detects events per foot
(docs/gait-events.md), integrates each stride, and writes ``<stem>.analysis.json`` and/or
``<stem>.events.csv`` + ``<stem>.strides.csv`` into ``--out`` (owner-only files, 0600).
"""

from __future__ import annotations

import argparse

__all__ = ["COMMAND_NAMES", "add_parser", "run"]

COMMAND_NAMES = ("analyse",)
FORMATS = ("json", "csv")


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``ras analyse`` (argparse only; the analysis is imported when it runs)."""
    p = sub.add_parser(
        "analyse", help="gait events and per-stride parameters from a raw foot-IMU CSV file"
    )
    p.add_argument("file", metavar="FILE", help="IMU CSV (docs/imu-format.md)")
    p.add_argument("--out", default=".", metavar="DIR", help="output folder (default: here)")
    p.add_argument(
        "--format",
        default="json,csv",
        metavar="FORMATS",
        help="comma list of json, csv (default json,csv)",
    )
    p.add_argument(
        "--sampling-rate-hz",
        type=float,
        default=None,
        metavar="HZ",
        help="sampling rate, for files that do not state it (gaitmap example files: 204.8)",
    )
    p.add_argument(
        "--side",
        choices=("left", "right"),
        default=None,
        help="which foot a one-sensor file without side names is",
    )
    p.add_argument(
        "--align",
        action="store_true",
        help="estimate the sensor-to-foot rotation first (data in raw sensor frames)",
    )


def _formats(text: str) -> tuple[str, ...]:
    from ras.errors import UserInputError

    names = tuple(dict.fromkeys(f.strip() for f in text.split(",") if f.strip()))
    bad = [f for f in names if f not in FORMATS]
    if bad or not names:
        raise UserInputError(f"--format {text!r} is not allowed; use json, csv or json,csv")
    return names


def _open_private(path):  # type: ignore[no-untyped-def]
    import os

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8", newline="")


def analyse_feet(feet: dict, align: bool = False) -> dict:
    """Per foot: event times (s) and the stride table with spatial parameters."""
    from analysis.alignment import SensorAlignment
    from analysis.gait_events import GaitEventDetector
    from analysis.trajectory import StrideTrajectory, add_spatial_parameters

    out = {}
    for side, imu in feet.items():
        if align:
            imu = SensorAlignment().estimate(imu).aligned_
        det = GaitEventDetector().detect(imu)
        traj = StrideTrajectory().estimate(imu, det.swings_.ms_idx)
        strides = add_spatial_parameters(det.strides_, traj)
        strides.pop("swing_index")
        out[side] = {
            "events": {
                "ic": det.ic_t_s_,
                "to": det.to_t_s_[~_isnan(det.to_t_s_)],
                "msw": det.msw_t_s_,
                "ms": det.ms_t_s_,
            },
            "strides": strides,
        }
    return out


def _isnan(x):  # type: ignore[no-untyped-def]
    import numpy as np

    return np.isnan(x)


def _num(v: float) -> float | None:
    import math

    return None if not math.isfinite(v) else round(float(v), 6)


def run(args: argparse.Namespace) -> int:
    """Analyse ``args.file``; prints one line per file written."""
    import csv
    import json
    from pathlib import Path

    from analysis.errors import AnalysisInputError
    from analysis.imu_io import load_imu_csv
    from ras.errors import UserInputError

    formats = _formats(args.format)
    src = Path(args.file)
    if not src.is_file():
        raise UserInputError(f"{args.file}: no such file; give a raw-IMU CSV (docs/imu-format.md)")
    out_dir = Path(args.out)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserInputError(f"--out {args.out} is a file; give a folder")
    try:
        feet = load_imu_csv(src, args.sampling_rate_hz, args.side)
        result = analyse_feet(feet, args.align)
    except AnalysisInputError as err:
        raise UserInputError(str(err)) from None
    out_dir.mkdir(parents=True, exist_ok=True)
    rate = next(iter(feet.values())).sampling_rate_hz
    written = []
    if "json" in formats:
        doc = {
            "source": src.name,
            "sampling_rate_hz": rate,
            "units": {"t_s": "s from the first sample", "length": "m", "speed": "m/s"},
            "events_doc": "docs/gait-events.md",
            "feet": {
                side: {
                    "events_t_s": {k: [_num(v) for v in a] for k, a in r["events"].items()},
                    "strides": [
                        {k: _num(r["strides"][k][i]) for k in r["strides"]}
                        for i in range(len(r["strides"]["ic_t_s"]))
                    ],
                }
                for side, r in result.items()
            },
        }
        path = out_dir / f"{src.stem}.analysis.json"
        with _open_private(path) as fh:
            json.dump(doc, fh, indent=1)
            fh.write("\n")
        written.append(path)
    if "csv" in formats:
        path = out_dir / f"{src.stem}.events.csv"
        with _open_private(path) as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["foot", "event", "t_s"])
            rows = [
                (side, kind, float(t))
                for side, r in result.items()
                for kind, times in r["events"].items()
                for t in times
            ]
            for side, kind, t in sorted(rows, key=lambda row: (row[0], row[2])):
                w.writerow([side, kind, f"{t:.6f}"])
        written.append(path)
        path = out_dir / f"{src.stem}.strides.csv"
        with _open_private(path) as fh:
            w = csv.writer(fh, lineterminator="\n")
            cols = list(next(iter(result.values()))["strides"])
            w.writerow(["foot", *cols])
            for side, r in result.items():
                for i in range(len(r["strides"]["ic_t_s"])):
                    vals = [_num(r["strides"][c][i]) for c in cols]
                    w.writerow([side, *("" if v is None else f"{v:.6f}" for v in vals)])
        written.append(path)
    for side, r in result.items():
        n_strides = len(r["strides"]["ic_t_s"])
        print(f"{side}: {r['events']['ic'].size} initial contacts, {n_strides} strides")
    for path in written:
        print(f"wrote {path}")
    return 0

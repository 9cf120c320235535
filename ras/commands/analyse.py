"""`ras analyse FILE`: gait events and per-stride parameters from a raw foot-IMU CSV.

Reads docs/imu-format.md files (and the gaitmap example layout), fills short gaps and splits the
recording at long ones (analysis.segments), brings each foot into the foot frame if asked
(``--align``, or a fixed ``--rotation`` / ``--rotation-deg``; docs/alignment.md), detects events
per foot and segment (docs/gait-events.md), integrates each stride (analysis.pipeline), and
writes ``<stem>.analysis.json`` and/or ``<stem>.events.csv`` + ``<stem>.strides.csv`` into
``--out`` (owner-only files, 0600, each written atomically by ras.results.files: a full disk or
an unwritable folder is a one-line error and leaves no partial file). Every time is on the
file's clock (its ``t_s`` column). A recording whose "strides" do not repeat like walking
(analysis.walking: noise, random movement) is refused with a one-line error.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["COMMAND_NAMES", "add_parser", "run"]

COMMAND_NAMES = ("analyse",)
#: Longest --out accepted, characters (Linux PATH_MAX).
MAX_PATH_CHARS = 4096
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
    frame = p.add_mutually_exclusive_group()
    frame.add_argument(
        "--align",
        action="store_true",
        help="estimate the sensor-to-foot rotation first (data in raw sensor frames); the "
        "rotation, its quality and any warnings go into the output (docs/alignment.md)",
    )
    frame.add_argument(
        "--rotation",
        metavar="FILE",
        default=None,
        help="use a fixed sensor-to-foot rotation (foot = R @ sensor): JSON or CSV 3x3, "
        "{'left': 3x3, 'right': 3x3}, or the .analysis.json of an earlier --align run",
    )
    frame.add_argument(
        "--rotation-deg",
        metavar="YAW,PITCH,ROLL",
        default=None,
        help="use a fixed rotation given as the sensor's angles on the foot, degrees, for "
        "every foot (e.g. 180,35,0; write --rotation-deg=-90,0,0 for a negative first angle)",
    )
    p.add_argument(
        "--ic-landmark",
        choices=("impact", "gyro_zero"),
        default="impact",
        help="where initial contact is placed: the onset of the heel-strike impact (default) "
        "or the zero rise of the sagittal gyro at the end of the swing (docs/gait-events.md)",
    )
    p.add_argument(
        "--to-landmark",
        choices=("push_off", "gyro_zero"),
        default="push_off",
        help="where toe-off is placed: the push-off peak of the sagittal gyro (default) or "
        "its fall through zero after it (Rampp 2015, gaitmap)",
    )
    p.add_argument(
        "--max-fill-s",
        type=float,
        default=None,
        metavar="S",
        help="longest gap (NaN values or missing t_s rows) filled by interpolation, s "
        "(default 0.1); longer gaps split the recording",
    )


def _formats(text: str) -> tuple[str, ...]:
    from ras.errors import UserInputError

    names = tuple(dict.fromkeys(f.strip() for f in text.split(",") if f.strip()))
    bad = [f for f in names if f not in FORMATS]
    if bad or not names:
        raise UserInputError(f"--format {text!r} is not allowed; use json, csv or json,csv")
    return names


def _check_out_dir(out_dir: Any) -> None:
    """UserInputError (one line) if ``out_dir`` could not be created or written; creates nothing."""
    import os

    from ras.errors import UserInputError

    d = out_dir
    try:
        while not d.exists() and d.parent != d:
            d = d.parent
        is_dir = d.is_dir()
    except OSError as err:  # e.g. a name too long
        raise UserInputError(f"cannot write into --out: {err.strerror or err}") from None
    if not is_dir:
        what = "is a file; give a folder" if d == out_dir else f"{d} is a file, not a folder"
        raise UserInputError(f"cannot write into --out {out_dir}: {what}")
    if not os.access(d, os.W_OK | os.X_OK):
        raise UserInputError(f"cannot write into --out {out_dir}: {d} is not writable")


def _csv_text(rows: Any) -> str:
    """CSV text (``\n`` line ends) of ``rows`` (numbers and fixed words only: no formulas)."""
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _outputs(
    formats: tuple[str, ...], stem: str, doc: dict[str, Any], result: dict[str, Any]
) -> list[tuple[str, str]]:
    """``(file name, text)`` of each output file, built before any is written."""
    import json

    out = []
    if "json" in formats:
        out.append((f"{stem}.analysis.json", json.dumps(doc, indent=1) + "\n"))
    if "csv" in formats:
        rows = [
            (side, kind, float(t))
            for side, r in result.items()
            for kind, times in r.events_t_s.items()
            for t in times
        ]
        events = [["foot", "event", "t_s"]] + [
            [side, kind, f"{t:.6f}"] for side, kind, t in sorted(rows, key=lambda r: (r[0], r[2]))
        ]
        out.append((f"{stem}.events.csv", _csv_text(events)))
        cols = list(dict.fromkeys(c for r in result.values() for c in r.strides))
        strides = [["foot", *cols]]
        for side, r in result.items():
            for i in range(len(r.strides["ic_t_s"])):
                vals = [_num(r.strides[c][i]) if c in r.strides else None for c in cols]
                strides.append([side, *("" if v is None else _cell(v) for v in vals)])
        out.append((f"{stem}.strides.csv", _csv_text(strides)))
    return out


def _num(v: Any) -> float | int | None:
    import math

    import numpy as np

    if isinstance(v, (int, np.integer)):
        return int(v)
    return None if not math.isfinite(v) else round(float(v), 6)


def _foot_doc(r: Any) -> dict[str, Any]:
    """The JSON block of one foot (analysis.pipeline.FootAnalysis)."""
    n = len(r.strides["ic_t_s"])
    return {
        "events_t_s": {k: [_num(v) for v in a] for k, a in r.events_t_s.items()},
        "strides": [{k: _num(r.strides[k][i]) for k in r.strides} for i in range(n)],
        "alignment": r.alignment,
        "segments": [s.as_dict(r.sampling_rate_hz) for s in r.segments],
        "gaps": [g.as_dict() for g in r.gaps],
        "dropped_in_gaps": r.dropped_in_gaps,
        "warnings": list(r.warnings),
    }


def _frame_line(side: str, alignment: dict[str, Any] | None) -> str | None:
    if alignment is None:
        return None
    q = alignment.get("quality")
    source = {"estimated": "estimated", "fixed": "fixed", "none": "as in the file (no --align)"}
    head = f"{side}: frame {source.get(alignment['source'], alignment['source'])}"
    if alignment["source"] != "none":
        head += f": {alignment['text']}"
    if q:
        votes = q["pitch_votes"][0] + q["swing_votes"][0]
        total = q["pitch_votes"][1] + q["swing_votes"][1]
        head += (
            f"; pitch axis spread {q['axis_spread_deg']:.0f}° over {q['steps']} steps, "
            f"forward votes {votes}/{total}"
        )
    return head


def run(args: argparse.Namespace) -> int:
    """Analyse ``args.file``; prints a summary per foot and one line per file written."""
    import sys
    from pathlib import Path

    from analysis.errors import AnalysisInputError
    from analysis.gait_events import EventSettings
    from analysis.pipeline import RecordingAnalysis
    from analysis.rotations import parse_rotation_angles, read_rotation_file
    from analysis.segments import MAX_FILL_S, load_imu_segments
    from ras.errors import UserInputError
    from ras.results.files import prepare_out_dir, write_text
    from ras.text import check_text, terminal_safe

    formats = _formats(args.format)
    src = Path(args.file)
    if not src.is_file():
        why = (
            "no such file"
            if not src.exists()
            else "a directory"
            if src.is_dir()
            else "not a regular file (a device, pipe or socket)"
        )
        raise UserInputError(f"{args.file}: {why}; give a raw-IMU CSV (docs/imu-format.md)")
    if not args.out.strip():
        raise UserInputError("--out is empty; give a folder (default: the current one)")
    check_text("--out", args.out, MAX_PATH_CHARS)
    out_dir = Path(args.out)
    _check_out_dir(out_dir)  # before the work: an unusable folder fails at once
    max_fill_s = MAX_FILL_S if args.max_fill_s is None else args.max_fill_s
    try:
        feet = load_imu_segments(src, args.sampling_rate_hz, args.side, max_fill_s)
        rotations = None
        if args.rotation is not None:
            rotations = read_rotation_file(args.rotation, feet)
        elif args.rotation_deg is not None:
            r = parse_rotation_angles(args.rotation_deg)
            rotations = dict.fromkeys(feet, r)
        events = EventSettings(ic_landmark=args.ic_landmark, to_landmark=args.to_landmark)
        result = (
            RecordingAnalysis(align=args.align, rotations=rotations, events=events)
            .analyse(feet)
            .feet_
        )
    except AnalysisInputError as err:
        raise UserInputError(str(err)) from None
    rate = next(iter(feet.values())).sampling_rate_hz
    first_t = min(s.start_t_s for f in feet.values() for s in f.segments)
    doc = {
        "source": src.name,
        "sampling_rate_hz": rate,
        "units": {
            "t_s": "s on the file's clock (its t_s column; from the first sample without one)",
            "length": "m",
            "speed": "m/s",
        },
        "time_base": {
            "clock": "file",
            "from_t_s_column": any(f.from_t_s for f in feet.values()),
            "first_sample_t_s": round(first_t, 6),
        },
        "max_fill_s": max_fill_s,
        "events_doc": "docs/gait-events.md",
        "event_landmarks": {"ic": events.ic_landmark, "to": events.to_landmark},
        "alignment_doc": "docs/alignment.md",
        "gaps_doc": "docs/imu-format.md",
        "feet": {side: _foot_doc(r) for side, r in result.items()},
    }
    outputs = _outputs(formats, src.stem, doc, result)
    for side, r in result.items():
        n_strides = len(r.strides["ic_t_s"])
        print(f"{side}: {r.events_t_s['ic'].size} initial contacts, {n_strides} strides")
        line = _frame_line(side, r.alignment)
        if line:
            print(line)
        if r.gaps:
            kinds = {a: sum(1 for g in r.gaps if g.action == a) for a in ("filled", "split")}
            short = sum(1 for s in r.segments if s.imu is None)
            print(
                f"{side}: gaps: {kinds['filled']} filled, {kinds['split']} split "
                f"({len(r.segments)} segments, {short} too short to analyse)"
            )
        for warning in r.warnings:
            print(f"ras: warning: {side}: {warning}", file=sys.stderr)
    if abs(first_t) > 0:
        print(f"times are on the file's clock: first sample at {first_t:.6f} s")
    out_dir = prepare_out_dir(out_dir)
    for name, text in outputs:
        print(terminal_safe(f"wrote {write_text(out_dir / name, text)}"))
    return 0


def _cell(v: float | int) -> str:
    return str(v) if isinstance(v, int) else f"{v:.6f}"

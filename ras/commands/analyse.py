"""`ras analyse FILE...`: gait events and per-stride parameters from raw foot-IMU CSVs.

One file: reads a docs/imu-format.md file (or the gaitmap example layout), fills short gaps and
splits the recording at long ones (analysis.segments), brings each foot into the foot frame if asked
(``--align``, or a fixed ``--rotation`` / ``--rotation-deg``; docs/alignment.md), detects events
per foot and segment (docs/gait-events.md), integrates each stride (analysis.pipeline), and
writes ``<stem>.analysis.json`` and/or ``<stem>.events.csv`` + ``<stem>.strides.csv`` into
``--out`` (owner-only files, 0600, each written atomically by ras.results.files: a full disk or
an unwritable folder is a one-line error and leaves no partial file). Every time is on the
file's clock (its ``t_s`` column). A recording whose "strides" do not repeat like walking
(analysis.walking: noise, random movement) is refused with a one-line error.

Many files, folders (every ``*.csv`` below them) or globs: a research batch (ras.batch). Each
recording's results go into its own folder in ``--out`` (named from its path), a cohort table
``summary.csv`` + ``summary.json`` (one row per recording, failed ones with their reason) beside
them, progress on stderr; a recording that fails is listed and the batch goes on (exit code 1
when any failed). ``--jobs N`` local processes (default: all cores), ``--scheduler ADDRESS`` a
Dask cluster. Nothing heavier than argparse is imported until the command runs, and scipy only
when the analysis does.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["COMMAND_NAMES", "add_parser", "run"]

COMMAND_NAMES = ("analyse",)
#: Longest --out accepted, characters (Linux PATH_MAX).
MAX_PATH_CHARS = 4096
FORMATS = ("json", "csv")
#: Most local processes --jobs accepts.
MAX_JOBS = 1024


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``ras analyse`` (argparse only; the analysis is imported when it runs)."""
    p = sub.add_parser(
        "analyse",
        help="gait events and per-stride parameters from raw foot-IMU CSV files (one, a "
        "folder or a glob: a batch with a summary table)",
    )
    p.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="IMU CSV (docs/imu-format.md), a folder (every *.csv below it) or a glob "
        "('data/**/*.csv', quoted); several make a batch with summary.csv and summary.json",
    )
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
    p.add_argument(
        "--jobs",
        type=_jobs,
        default=None,
        metavar="N",
        help="recordings analysed at once, in local processes (default: all cores; 1: in "
        "this process)",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="send the recordings to a Dask distributed scheduler (tcp://host:8786); needs "
        "the 'cluster' extra",
    )


def _jobs(text: str) -> int:
    """--jobs: a whole number of processes, at least 1."""
    try:
        value = int(text.strip())
    except ValueError:
        value = 0
    if value < 1 or value > MAX_JOBS:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of processes from 1 to {MAX_JOBS}, got {text!r}"
        )
    return value


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


def _settings(args: argparse.Namespace, summary: bool) -> Any:
    from ras.batch.recording import AnalyseSettings

    return AnalyseSettings(
        formats=_formats(args.format),
        sampling_rate_hz=args.sampling_rate_hz,
        side=args.side,
        align=args.align,
        rotation_file=args.rotation,
        rotation_deg=args.rotation_deg,
        ic_landmark=args.ic_landmark,
        to_landmark=args.to_landmark,
        max_fill_s=args.max_fill_s,
        summary=summary,
    )


def _write(out_dir: Any, outputs: list[tuple[str, str]]) -> list[Any]:
    """Write ``outputs`` into ``out_dir`` (created 0700, files 0600, each atomically)."""
    from ras.results.files import prepare_out_dir, write_text

    folder = prepare_out_dir(out_dir)
    return [write_text(folder / name, text) for name, text in outputs]


def _run_one(path: str, args: argparse.Namespace, out_dir: Any) -> int:
    """One file, as ``ras analyse FILE`` always did: per-foot lines, files written, 0."""
    import sys

    from ras.batch.recording import analyse_recording
    from ras.text import terminal_safe

    result = analyse_recording(path, _settings(args, summary=False))
    for line in result.lines:
        print(line)
    for warning in result.warnings:
        print(f"ras: warning: {warning}", file=sys.stderr)
    for written in _write(out_dir, result.outputs):
        print(terminal_safe(f"wrote {written}"))
    return 0


def _run_batch(paths: tuple[str, ...], args: argparse.Namespace, out_dir: Any) -> int:
    """A batch: results per recording, summary.csv/.json, progress; 1 if any failed."""
    from ras.batch.inputs import output_folders
    from ras.batch.progress import Progress
    from ras.batch.runner import default_jobs, run_batch
    from ras.batch.table import summary_csv, summary_json, summary_rows
    from ras.text import terminal_safe

    settings = _settings(args, summary=True)
    folders = output_folders(paths) if len(paths) > 1 else [""]
    jobs = default_jobs() if args.jobs is None else args.jobs
    results: list[Any] = [None] * len(paths)
    done = run_batch(paths, settings, jobs=jobs, scheduler=args.scheduler)
    progress = Progress(len(paths))
    for k, res in done:
        if res.ok:
            _write(out_dir / folders[k], res.outputs)
        else:
            progress.say(f"ras: failed: {res.path}: {res.error}")
        for warning in res.warnings:
            progress.say(f"ras: warning: {res.path}: {warning}")
        results[k] = res
        progress.finished(res.path, "ok" if res.ok else "failed")
    progress.close()
    from analysis.summary import MEASURES

    rows = summary_rows(results, folders)
    written = _write(
        out_dir,
        [("summary.csv", summary_csv(rows)), ("summary.json", summary_json(rows, MEASURES))],
    )
    for path in written:
        print(terminal_safe(f"wrote {path}"))
    n_failed = sum(1 for r in results if not r.ok)
    print(
        f"{len(paths)} recordings: {len(paths) - n_failed} analysed, {n_failed} failed"
        + (" (reasons in summary.csv)" if n_failed else "")
    )
    return 1 if n_failed else 0


def run(args: argparse.Namespace) -> int:
    """Analyse ``args.files``: one file as always, several (or a folder, a glob) as a batch."""
    from pathlib import Path

    from ras.batch.inputs import expand_inputs
    from ras.errors import UserInputError
    from ras.text import check_text

    _formats(args.format)
    if not args.out.strip():
        raise UserInputError("--out is empty; give a folder (default: the current one)")
    check_text("--out", args.out, MAX_PATH_CHARS)
    if args.rotation_deg is not None:
        from analysis.errors import AnalysisInputError
        from analysis.rotations import parse_rotation_angles

        try:
            parse_rotation_angles(args.rotation_deg)
        except AnalysisInputError as err:
            raise UserInputError(str(err)) from None
    out_dir = Path(args.out)
    _check_out_dir(out_dir)  # before the work: an unusable folder fails at once
    inputs = expand_inputs(args.files, args.out)
    if not inputs.batch:
        return _run_one(inputs.paths[0], args, out_dir)
    return _run_batch(inputs.paths, args, out_dir)

"""One recording through ``ras analyse``: analysis, output files' text and summary row.

:func:`analyse_recording` reads a docs/imu-format.md file (gaps filled or split,
analysis.segments), aligns and analyses each foot (analysis.pipeline) and returns what would be
printed and written — ``<stem>.analysis.json`` and/or ``<stem>.events.csv`` +
``<stem>.strides.csv`` — without writing anything, so the caller writes them (owner-only,
atomically) wherever the work ran: this process, a worker process or a Dask worker.
:func:`batch_task` is the same for a batch: a recording that cannot be analysed becomes a
failed result with its one-line reason instead of an exception, so the batch goes on.
Every time is on the file's clock (its ``t_s`` column).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["AnalyseSettings", "RecordingResult", "analyse_recording", "batch_task"]

#: Output formats, and what each writes.
FORMATS = ("json", "csv")


@dataclass(frozen=True)
class AnalyseSettings:
    """What ``ras analyse`` was asked for (picklable: sent to worker processes).

    Attributes
    ----------
    formats : tuple of str
        ``json`` and/or ``csv``.
    sampling_rate_hz : float or None
        Hz, for files that do not state it.
    side : str or None
        The foot of a one-sensor file without side names.
    align : bool
        Estimate the sensor-to-foot rotation.
    rotation_file : str or None
        A fixed rotation from this file (analysis.rotations.read_rotation_file).
    rotation_deg : str or None
        A fixed rotation as ``YAW,PITCH,ROLL`` degrees.
    ic_landmark, to_landmark : str
        The event landmarks (docs/gait-events.md).
    max_fill_s : float or None
        Longest gap filled, s (None: analysis.segments.MAX_FILL_S).
    summary : bool
        Also compute the cohort-summary row (analysis.summary).
    """

    formats: tuple[str, ...] = FORMATS
    sampling_rate_hz: float | None = None
    side: str | None = None
    align: bool = False
    rotation_file: str | None = None
    rotation_deg: str | None = None
    ic_landmark: str = "impact"
    to_landmark: str = "push_off"
    max_fill_s: float | None = None
    summary: bool = False


@dataclass(frozen=True)
class RecordingResult:
    """What analysing one recording gave.

    Attributes
    ----------
    path : str
        The recording, as found.
    error : str
        One line when it could not be analysed ('' when it was).
    outputs : list of (str, str)
        ``(file name, text)`` of each output file.
    lines : list of str
        What a single-file run prints per foot.
    warnings : list of str
        ``side: warning`` lines.
    values, reasons : dict
        The summary row (analysis.summary.RecordingSummary), when asked for.
    """

    path: str
    error: str = ""
    outputs: list[tuple[str, str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    values: dict[str, float] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the recording was analysed."""
        return not self.error


def _csv_text(rows: Any) -> str:
    """CSV text (``\n`` line ends) of ``rows`` (numbers and fixed words only: no formulas)."""
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _num(v: Any) -> float | int | None:
    import numpy as np

    if isinstance(v, (int, np.integer)):
        return int(v)
    return None if not math.isfinite(v) else round(float(v), 6)


def _cell(v: float | int) -> str:
    return str(v) if isinstance(v, int) else f"{v:.6f}"


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


def _printed(result: dict[str, Any], first_t_s: float) -> tuple[list[str], list[str]]:
    """The per-foot lines a single-file run prints, and the warnings (``side: text``)."""
    lines: list[str] = []
    warnings: list[str] = []
    for side, r in result.items():
        n_strides = len(r.strides["ic_t_s"])
        lines.append(f"{side}: {r.events_t_s['ic'].size} initial contacts, {n_strides} strides")
        line = _frame_line(side, r.alignment)
        if line:
            lines.append(line)
        if r.gaps:
            kinds = {a: sum(1 for g in r.gaps if g.action == a) for a in ("filled", "split")}
            short = sum(1 for s in r.segments if s.imu is None)
            lines.append(
                f"{side}: gaps: {kinds['filled']} filled, {kinds['split']} split "
                f"({len(r.segments)} segments, {short} too short to analyse)"
            )
        warnings += [f"{side}: {w}" for w in r.warnings]
    if abs(first_t_s) > 0:
        lines.append(f"times are on the file's clock: first sample at {first_t_s:.6f} s")
    return lines, warnings


def analyse_recording(path: str, settings: AnalyseSettings) -> RecordingResult:
    """Analyse the IMU file ``path`` as ``settings`` say; nothing is written.

    Raises
    ------
    UserInputError
        One line when the file cannot be read or analysed (analysis.errors.AnalysisInputError).
    """
    from analysis.errors import AnalysisInputError
    from analysis.gait_events import EventSettings
    from analysis.pipeline import RecordingAnalysis
    from analysis.rotations import parse_rotation_angles, read_rotation_file
    from analysis.segments import MAX_FILL_S, load_imu_segments
    from ras.errors import UserInputError

    src = Path(path)
    max_fill_s = MAX_FILL_S if settings.max_fill_s is None else settings.max_fill_s
    events = EventSettings(ic_landmark=settings.ic_landmark, to_landmark=settings.to_landmark)
    try:
        feet = load_imu_segments(src, settings.sampling_rate_hz, settings.side, max_fill_s)
        rotations = None
        if settings.rotation_file is not None:
            rotations = read_rotation_file(settings.rotation_file, feet)
        elif settings.rotation_deg is not None:
            rotations = dict.fromkeys(feet, parse_rotation_angles(settings.rotation_deg))
        analysis = RecordingAnalysis(align=settings.align, rotations=rotations, events=events)
        result = analysis.analyse(feet).feet_
        row = None
        if settings.summary:
            from analysis.summary import recording_summary

            row = recording_summary(result, feet)
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
    lines, warnings = _printed(result, first_t)
    return RecordingResult(
        path=path,
        outputs=_outputs(settings.formats, src.stem, doc, result),
        lines=lines,
        warnings=warnings,
        values={} if row is None else row.values,
        reasons={} if row is None else row.reasons,
    )


def batch_task(path: str, settings: AnalyseSettings) -> RecordingResult:
    """:func:`analyse_recording` for a batch: a failure is a result with its one-line reason.

    Input the analysis refuses gives its own line; anything else (a bug, memory) is named by
    its type, so one bad recording never stops the batch.
    """
    from ras.errors import UserInputError

    try:
        return analyse_recording(path, settings)
    except UserInputError as err:
        return RecordingResult(path=path, error=str(err))
    except Exception as err:
        text = " ".join(str(err).split()) or "no message"
        return RecordingResult(path=path, error=f"internal error: {type(err).__name__}: {text}")

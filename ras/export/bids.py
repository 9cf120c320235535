"""Motion-BIDS export of one session: raw foot IMU per tracking system, and gait events.

Layout (BIDS 1.9 motion, https://bids-specification.readthedocs.io/ -> Motion)::

    DIR/dataset_description.json, README, participants.tsv
    DIR/sub-<pseudo>/sub-<pseudo>_sessions.tsv
    DIR/sub-<pseudo>/ses-<id>/sub-<pseudo>_ses-<id>_scans.tsv
    DIR/sub-<pseudo>/ses-<id>/motion/sub-<pseudo>_ses-<id>_task-rasgait_tracksys-<foot>_motion.tsv
                                      ..._channels.tsv, ..._motion.json, ..._events.tsv/.json

One tracking system per foot sensor (each has its own clock and sample count). Every motion
file has a LATENCY channel first: the sample's time in seconds on the session clock, whose zero
is the ``acq_time`` in scans.tsv; event onsets use the same zero.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ras.events import ImuEvent
from ras.protocol.messages import Side, StepKind
from ras.results.files import prepare_out_dir, spreadsheet_cell, write_text
from ras.results.session_data import SessionData
from ras.results.tables import event_name, phase_of, side_name

__all__ = [
    "BIDS_VERSION",
    "CHANNEL_COLUMNS",
    "EVENT_COLUMNS",
    "TASK_LABEL",
    "bids_label",
    "write_bids",
]

BIDS_VERSION = "1.9.0"
TASK_LABEL = "rasgait"
TASK_NAME = "RAS gait training"
TASK_DESCRIPTION = (
    "Walking with rhythmic auditory cues: uncued baseline, cued training, uncued probe"
)
CHANNEL_COLUMNS = (
    "name",
    "component",
    "type",
    "tracked_point",
    "units",
    "placement",
    "sampling_frequency",
    "reference_frame",
    "description",
)
EVENT_COLUMNS = ("onset", "duration", "trial_type", "side", "phase", "value", "source", "note")
_AXES = ("x", "y", "z")
_TRACKED = {Side.LEFT: "LeftFoot", Side.RIGHT: "RightFoot"}


def bids_label(text: str) -> str:
    """A BIDS label (letters and digits only) from a pseudonymous id or name."""
    label = re.sub(r"[^A-Za-z0-9]", "", str(text))
    return label or "unknown"


def _tsv(columns: Sequence[str] | None, rows: Sequence[Sequence[object]]) -> str:
    """TSV text; text cells that a spreadsheet would run as a formula are escaped."""

    def cell(v: object) -> str:
        if v is None or (isinstance(v, float) and not np.isfinite(v)):
            return "n/a"
        if isinstance(v, float):
            return f"{v:.6f}"
        text = str(v).replace("\t", " ").replace("\r", " ").replace("\n", " ")
        return spreadsheet_cell(text) if text else "n/a"

    lines = [] if columns is None else ["\t".join(columns)]
    lines += ["\t".join(cell(v) for v in r) for r in rows]
    return "\n".join(lines) + "\n"


def _json(obj: object) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _tracksys(sensor_id: int, side: Side) -> tuple[str, str]:
    """(tracksys label, tracked point) of a foot sensor."""
    if side in _TRACKED:
        return f"imu{side.label}foot", _TRACKED[side]
    return f"imusensor{sensor_id}", f"Sensor{sensor_id}"


def _imu_matrix(chunks: Sequence[ImuEvent]) -> tuple[np.ndarray, float]:
    """(n, 7) array of latency (session s) and acc xyz, gyr xyz; and the nominal rate (Hz)."""
    rates = [c.sample_rate_hz for c in chunks]
    nominal = float(max(set(rates), key=rates.count))
    parts = []
    for c in chunks:
        s = np.asarray(c.samples_si, dtype=np.float64)
        t = c.first_t_s + np.arange(len(s)) / c.sample_rate_hz
        parts.append(np.column_stack([t, s]))
    return np.vstack(parts), nominal


def _channels_rows(tracked: str, label: str, rate_hz: float) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = [
        (
            "latency",
            "n/a",
            "LATENCY",
            tracked,
            "s",
            "n/a",
            rate_hz,
            "n/a",
            "sample time on the session clock (zero = acq_time in scans.tsv)",
        ),
    ]
    for kind, unit, name in (("ACCEL", "m/s^2", "acc"), ("GYRO", "deg/s", "gyr")):
        rows += [
            (
                f"{label}_{name}_{ax}",
                ax,
                kind,
                tracked,
                unit,
                "dorsum of the foot",
                rate_hz,
                "foot",
                f"{'acceleration incl. gravity' if kind == 'ACCEL' else 'angular rate'}",
            )
            for ax in _AXES
        ]
    return rows


def _events_rows(data: SessionData) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for r in data.steps:
        t = float(r["t_s"])
        kind = event_name(r["kind"], unknown_prefix="event")
        side = side_name(r["side"])
        value = float(r["stride_time_s"]) if int(r["kind"]) == StepKind.INITIAL_CONTACT else None
        rows.append((t, 0.0, kind, side, phase_of(t, data.phases), value, "sensor", None))
    for c in data.cues:
        t = float(c["t_s"])
        side = side_name(c["side"])
        rows.append(
            (
                t,
                0.0,
                "cue",
                side,
                phase_of(t, data.phases),
                float(c["tempo_bpm"]),
                "cue engine",
                None,
            )
        )
    for ch in data.tempo_changes:
        rows.append(
            (
                ch.t_s,
                0.0,
                "tempo_change",
                None,
                phase_of(ch.t_s, data.phases),
                ch.new_bpm,
                ch.source,
                ch.reason,
            )
        )
    for m in data.markers:
        rows.append(
            (m.t_s, 0.0, "marker", None, phase_of(m.t_s, data.phases), None, "therapist", m.note)
        )
    for name, start, end in data.phases:
        dur = None if end is None else end - start
        rows.append(
            (
                start,
                dur,
                f"phase_{name}",
                None,
                name,
                None,
                "protocol",
                None if end is not None else "phase never ended (session incomplete)",
            )
        )
    rows.sort(key=lambda r: float(r[0]))  # type: ignore[arg-type]
    return rows


_EVENTS_JSON = {
    "onset": {
        "Description": "Seconds on the session clock (zero = acq_time in scans.tsv)",
        "Units": "s",
    },
    "duration": {
        "Description": "Seconds; 0 for instantaneous events, n/a if never ended",
        "Units": "s",
    },
    "trial_type": {
        "Description": "Kind of event",
        "Levels": {
            "initial_contact": "foot strike (IC) reported by the foot sensor",
            "toe_off": "toe off (TO) reported by the foot sensor",
            "mid_swing": "mid-swing reported by the foot sensor",
            "mid_stance": "mid-stance reported by the foot sensor",
            "cue": "a metronome beat at the speaker; value = tempo (1/min)",
            "tempo_change": "cue tempo changed; value = new tempo (1/min), source = who, "
            "note = why",
            "marker": "therapist's marker; note = its text",
            "phase_baseline": "uncued baseline walk",
            "phase_cued": "cued training",
            "phase_probe": "uncued probe (carry-over)",
        },
    },
    "side": {"Description": "Foot (left, right) or n/a"},
    "phase": {"Description": "Protocol phase the event falls in"},
    "value": {
        "Description": "initial_contact: stride time (s) as reported by the sensor; "
        "cue and tempo_change: tempo (1/min)"
    },
    "source": {
        "Description": "Who produced the event: sensor, cue engine, plan, adaptive, "
        "therapist, protocol"
    },
    "note": {"Description": "Reason of a tempo change or text of a marker"},
}


def _motion_json(
    data: SessionData, sensor_id: int, tracked: str, rate: float, matrix: np.ndarray, n: int
) -> dict[str, object]:
    """The ``*_motion.json`` sidecar of one foot sensor (REQUIRED and RECOMMENDED fields)."""
    duration = float(matrix[-1, 0] - matrix[0, 0]) if len(matrix) > 1 else 0.0
    effective = (len(matrix) - 1) / duration if duration > 0 else rate
    simulated = bool(data.info.settings.get("simulate"))
    return {
        "TaskName": TASK_NAME,
        "TaskDescription": TASK_DESCRIPTION,
        "SamplingFrequency": rate,
        "SamplingFrequencyEffective": round(effective, 6),
        "TrackingSystemName": f"ras foot IMU ({tracked})",
        "Manufacturer": "ras virtual sensor (simulation)" if simulated else "ras",
        "DeviceSerialNumber": str(sensor_id),
        "MotionChannelCount": n,
        "ACCELChannelCount": 3,
        "GYROChannelCount": 3,
        "LATENCYChannelCount": 1,
        "TrackedPointsCount": 1,
        "SpatialAxes": "ALS",
        "RecordingDuration": round(duration, 6),
        "MissingValues": "n/a",
        "SubjectArtefactDescription": "n/a",
        "RecordingStatus": data.info.status,
        "RecordingComplete": not data.incomplete,
    }


def _top_level(data: SessionData, out_dir: Path, sub: str, *, with_names: bool) -> list[Path]:
    """dataset_description.json, README, participants.tsv and the subject's sessions.tsv."""
    description = {
        "Name": f"ras session {data.info.id} of {sub}",
        "BIDSVersion": BIDS_VERSION,
        "DatasetType": "raw",
        "GeneratedBy": [{"Name": "ras", "Description": "ras export --format bids"}],
    }
    readme = [
        f"ras session {data.info.id} of participant {sub}: {TASK_NAME}.",
        f"Status: {data.status_note}.",
        "Times: seconds on the session clock; zero is acq_time in the scans file.",
    ]
    if not data.imu:
        readme.append("No raw IMU was recorded in this session: only gait events are exported.")
    p_cols = ["participant_id", "diagnosis", "diagnosis_note", "affected_side"]
    p_cols += ["name"] if with_names else []
    patient = data.patient
    p_row = [f"sub-{sub}", patient.diagnosis, patient.diagnosis_note, patient.affected_side]
    if with_names:
        p_row.append(data.patient.name)
    sessions = [(f"ses-{data.info.id}", _acq_time(data), data.info.status)]
    return [
        write_text(out_dir / "dataset_description.json", _json(description)),
        write_text(out_dir / "README", "\n".join(readme) + "\n"),
        write_text(out_dir / "participants.tsv", _tsv(p_cols, [p_row])),
        write_text(
            out_dir / f"sub-{sub}" / f"sub-{sub}_sessions.tsv",
            _tsv(("session_id", "acq_time", "status"), sessions),
        ),
    ]


def _acq_time(data: SessionData) -> str:
    return data.info.started_utc.rstrip("Z")


def write_bids(data: SessionData, out_dir: Path, *, with_names: bool = False) -> list[Path]:
    """Write the session as a Motion-BIDS dataset under ``out_dir``; return the files written."""
    out_dir = prepare_out_dir(out_dir)
    sub = bids_label(data.patient.pseudo_id)
    ses = str(data.info.id)
    stem = f"sub-{sub}_ses-{ses}"
    ses_dir = out_dir / f"sub-{sub}" / f"ses-{ses}"
    motion_dir = prepare_out_dir(ses_dir / "motion")
    written = _top_level(data, out_dir, sub, with_names=with_names)
    by_sensor: dict[int, list[ImuEvent]] = {}
    for c in data.imu:
        by_sensor.setdefault(int(c.sensor_id), []).append(c)
    scans: list[tuple[object, ...]] = []
    labels = []
    for sensor_id, chunks in sorted(by_sensor.items(), key=lambda kv: int(kv[1][0].side)):
        label, tracked = _tracksys(sensor_id, chunks[0].side)
        labels.append(label)
        matrix, rate = _imu_matrix(chunks)
        base = motion_dir / f"{stem}_task-{TASK_LABEL}_tracksys-{label}"
        body = "\n".join("\t".join(f"{v:.6f}" for v in row) for row in matrix) + "\n"
        chan = _channels_rows(tracked, label, rate)
        sidecar = _motion_json(data, sensor_id, tracked, rate, matrix, len(chan))
        written += [
            write_text(f"{base}_motion.tsv", body),
            write_text(f"{base}_channels.tsv", _tsv(CHANNEL_COLUMNS, chan)),
            write_text(f"{base}_motion.json", _json(sidecar)),
        ]
        scans.append((f"motion/{Path(base).name}_motion.tsv", _acq_time(data), data.info.status))
    events = motion_dir / (
        f"{stem}_task-{TASK_LABEL}" + (f"_tracksys-{labels[0]}" if labels else "")
    )
    written += [
        write_text(f"{events}_events.tsv", _tsv(EVENT_COLUMNS, _events_rows(data))),
        write_text(f"{events}_events.json", _json(_EVENTS_JSON)),
    ]
    if scans:
        scans_tsv = _tsv(("filename", "acq_time", "status"), scans)
        written.append(write_text(ses_dir / f"{stem}_scans.tsv", scans_tsv))
    return written

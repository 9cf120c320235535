"""Motion-BIDS export of one session: raw foot IMU per tracking system, and gait events.

Layout (BIDS 1.9 motion, https://bids-specification.readthedocs.io/ -> Motion)::

    DIR/dataset_description.json, README, participants.tsv/.json, scans.json
    DIR/sub-<pseudo>/sub-<pseudo>_sessions.tsv/.json
    DIR/sub-<pseudo>/ses-<id>/sub-<pseudo>_ses-<id>_scans.tsv
    DIR/sub-<pseudo>/ses-<id>/motion/sub-<pseudo>_ses-<id>_task-rasgait_tracksys-<foot>_motion.tsv
                              ..._channels.tsv/.json, ..._motion.json, ..._events.tsv/.json

The dataset-level files are merged with what ``DIR`` holds (:mod:`ras.export.bids_dataset`),
so sessions and patients exported one after another make one dataset.

One tracking system per foot sensor (each has its own clock and sample count). Every motion
file has a LATENCY channel first: the sample's time in seconds on the session clock, whose zero
is the ``acq_time`` in scans.tsv; event onsets use the same zero.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ras.events import ImuEvent
from ras.export.bids_dataset import BIDS_VERSION, acq_time, write_dataset_files
from ras.export.bids_events import EVENT_COLUMNS, events_rows, events_sidecar
from ras.export.tsv import json_text, tsv_text
from ras.protocol.messages import Side
from ras.results.files import prepare_out_dir, write_text
from ras.results.session_data import SessionData

__all__ = [
    "BIDS_VERSION",
    "CHANNEL_COLUMNS",
    "EVENT_COLUMNS",
    "TASK_LABEL",
    "bids_label",
    "write_bids",
]

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
_AXES = ("x", "y", "z")
_TRACKED = {Side.LEFT: "LeftFoot", Side.RIGHT: "RightFoot"}


def bids_label(text: str) -> str:
    """A BIDS label (letters and digits only) from a pseudonymous id or name."""
    label = re.sub(r"[^A-Za-z0-9]", "", str(text))
    return label or "unknown"


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
        "RecordingDuration": round(duration, 6),
        "MissingValues": "n/a",
        "SubjectArtefactDescription": "n/a",
    }


#: The foot frame the IMU axes are in, by the ``reference_frame`` value of channels.tsv.
_CHANNELS_JSON = {
    "reference_frame": {
        "Description": "Frame of the sensor axes",
        "Levels": {
            "foot": {
                "Description": "the foot's frame: x forward, y left, z up",
                "SpatialAxes": "ALS",
                "RotationRule": "right-hand",
                "RotationOrder": "ZXY",
            }
        },
    }
}


def _remove_stale(folder: Path, stem: str, written: Sequence[Path]) -> None:
    """Remove this session's files that an earlier export wrote and this one did not (e.g. a
    tracking system no longer there); other sessions' files are not touched."""
    keep = {Path(p).name for p in written}
    for old in folder.glob(f"{stem}_*"):
        if old.name not in keep and old.is_file() and not old.is_symlink():
            old.unlink()


def write_bids(
    data: SessionData,
    out_dir: Path,
    *,
    with_names: bool = False,
) -> list[Path]:
    """Write the session into the Motion-BIDS dataset at ``out_dir`` (merged with the
    sessions and participants already there); return the files written."""
    out_dir = prepare_out_dir(out_dir)
    sub = bids_label(data.patient.pseudo_id)
    ses = str(data.info.id)
    stem = f"sub-{sub}_ses-{ses}"
    ses_dir = out_dir / f"sub-{sub}" / f"ses-{ses}"
    motion_dir = prepare_out_dir(ses_dir / "motion")
    by_sensor: dict[int, list[ImuEvent]] = {}
    for c in data.imu:
        by_sensor.setdefault(int(c.sensor_id), []).append(c)
    written: list[Path] = []
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
            write_text(f"{base}_channels.tsv", tsv_text(CHANNEL_COLUMNS, chan)),
            write_text(f"{base}_channels.json", json_text(_CHANNELS_JSON)),
            write_text(f"{base}_motion.json", json_text(sidecar)),
        ]
        scans.append((f"motion/{Path(base).name}_motion.tsv", acq_time(data), data.info.status))
    events = motion_dir / (
        f"{stem}_task-{TASK_LABEL}" + (f"_tracksys-{labels[0]}" if labels else "")
    )
    rows = events_rows(data)
    written += [
        write_text(f"{events}_events.tsv", tsv_text(EVENT_COLUMNS, rows)),
        write_text(f"{events}_events.json", json_text(events_sidecar())),
    ]
    if scans:
        scans_tsv = tsv_text(("filename", "acq_time", "status"), scans)
        written.append(write_text(ses_dir / f"{stem}_scans.tsv", scans_tsv))
    _remove_stale(motion_dir, stem, written)
    _remove_stale(ses_dir, stem, written)
    return written + write_dataset_files(data, out_dir, sub, with_names=with_names)

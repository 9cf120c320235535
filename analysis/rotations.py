"""Sensor-mounting rotations: check one, build it from angles, say it in words, read it from a file.

A rotation ``R`` (3, 3) takes a vector from the sensor's axes to the foot's: ``foot = R @ sensor``
(foot frame x forward, y left, z up; docs/imu-format.md). Its rows are the foot's axes written in
sensor axes; its columns are the sensor's axes written in foot axes, which is what the angles
describe:

- **yaw, pitch, roll** (degrees, Z-Y-X): ``R = Rz(yaw) @ Ry(pitch) @ Rx(roll)``, the sensor's
  orientation on the foot: yaw turns the sensor about the foot's vertical (counter-clockwise seen
  from above), then pitch tips its x axis down (positive) or up, then roll turns it about its own
  x axis. A sensor strapped on backwards is yaw 180; one on an instep that slopes 35° up toward
  the ankle is pitch 35.
- **in words**: how far the sensor's z axis is tilted from the foot's vertical, and where its x
  axis points on the ground (heading, counter-clockwise from forward) and how far below or above
  the ground plane.

Rotation files (docs/alignment.md): JSON — a 3×3 list (every foot), ``{"left": 3×3, "right":
3×3}``, or the ``<stem>.analysis.json`` of an earlier ``ras analyse`` run (its
``feet.<side>.alignment.rotation``); or CSV — three rows of three numbers (every foot).
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from analysis.errors import AnalysisInputError

__all__ = [
    "ORTHONORMAL_TOL",
    "check_rotation",
    "describe_rotation",
    "parse_rotation_angles",
    "read_rotation_file",
    "rotation_angles",
    "rotation_from_angles",
]

#: Largest deviation of ``R @ R.T`` from the identity accepted (values rounded to 3-4 digits
#: pass); the matrix is then replaced by the nearest exact rotation.
ORTHONORMAL_TOL = 2e-3


def check_rotation(rotation: Any, what: str = "rotation") -> np.ndarray:
    """``rotation`` as an exact rotation matrix (3, 3), or a one-line AnalysisInputError.

    Parameters
    ----------
    rotation : array-like
        A 3×3 matrix, orthonormal within :data:`ORTHONORMAL_TOL`, determinant +1.
    what : str
        How to name it in the error message.

    Returns
    -------
    ndarray, shape (3, 3)
        The nearest exact rotation (polar decomposition), float64.
    """
    try:
        r = np.asarray(rotation, dtype=np.float64)
    except (TypeError, ValueError):
        raise AnalysisInputError(
            f"{what} is not a 3x3 matrix of numbers; give three rows of three numbers"
        ) from None
    if r.shape != (3, 3):
        raise AnalysisInputError(
            f"{what} has shape {r.shape}; a rotation is a 3x3 matrix (three rows of three numbers)"
        )
    if not np.all(np.isfinite(r)):
        raise AnalysisInputError(f"{what} has NaN or inf values; only finite numbers are allowed")
    err = float(np.max(np.abs(r @ r.T - np.eye(3))))
    if err > ORTHONORMAL_TOL:
        raise AnalysisInputError(
            f"{what} is not orthonormal (R @ R.T is off the identity by {err:.3g}); its rows must "
            f"be perpendicular unit vectors (within {ORTHONORMAL_TOL:g})"
        )
    if np.linalg.det(r) < 0:
        raise AnalysisInputError(
            f"{what} is a reflection (determinant -1), not a rotation; the foot frame is "
            "right-handed (x forward, y left, z up): flip the sign of one row"
        )
    u, _, vt = np.linalg.svd(r)
    return u @ vt


def _rz(deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _ry(deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def _rx(deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def rotation_from_angles(yaw_deg: float, pitch_deg: float, roll_deg: float) -> np.ndarray:
    """``R = Rz(yaw) @ Ry(pitch) @ Rx(roll)`` (degrees): the sensor's orientation on the foot.

    ``foot = R @ sensor``; see the module docstring for what each angle means.
    """
    for name, v in (("yaw", yaw_deg), ("pitch", pitch_deg), ("roll", roll_deg)):
        if not math.isfinite(v):
            raise AnalysisInputError(f"{name} {v} is not a finite number of degrees")
    return _rz(yaw_deg) @ _ry(pitch_deg) @ _rx(roll_deg)


def rotation_angles(rotation: np.ndarray) -> tuple[float, float, float]:
    """Yaw, pitch, roll (degrees, Z-Y-X) of ``rotation``: the inverse of rotation_from_angles.

    Yaw in (-180, 180], pitch in [-90, 90], roll in (-180, 180]; at pitch ±90 yaw and roll are
    not separable and roll is set to 0.
    """
    r = np.asarray(rotation, dtype=np.float64)
    pitch = math.degrees(math.asin(float(np.clip(-r[2, 0], -1.0, 1.0))))
    if abs(r[2, 0]) < 1.0 - 1e-9:
        yaw = math.degrees(math.atan2(r[1, 0], r[0, 0]))
        roll = math.degrees(math.atan2(r[2, 1], r[2, 2]))
    else:  # gimbal lock: put everything into yaw
        yaw = math.degrees(math.atan2(-r[0, 1], r[1, 1]))
        roll = 0.0
    return yaw, pitch, roll


def describe_rotation(rotation: np.ndarray) -> dict[str, Any]:
    """How the sensor sits on the foot, in numbers and in words.

    Returns
    -------
    dict
        ``sensor_tilt_deg`` (sensor z axis from the foot's vertical, 0–180),
        ``sensor_x_heading_deg`` (where the sensor x axis points on the ground, counter-clockwise
        from forward seen from above, -180–180; None when it points straight up or down),
        ``sensor_x_elevation_deg`` (sensor x above (+) or below (-) the ground plane),
        ``yaw_pitch_roll_deg`` and ``text`` (one sentence).
    """
    r = np.asarray(rotation, dtype=np.float64)
    tilt = math.degrees(math.acos(float(np.clip(r[2, 2], -1.0, 1.0))))
    x_axis = r[:, 0]  # the sensor's x axis in foot axes
    elevation = math.degrees(math.asin(float(np.clip(x_axis[2], -1.0, 1.0))))
    horizontal = math.hypot(x_axis[0], x_axis[1])
    heading = math.degrees(math.atan2(x_axis[1], x_axis[0])) if horizontal > 1e-6 else None
    if heading is None:
        where = "straight " + ("up" if elevation > 0 else "down")
    else:
        quadrant = _direction_word(heading)
        level = (
            "level"
            if abs(elevation) < 0.5
            else f"{abs(elevation):.0f}° "
            + ("above the ground plane" if elevation > 0 else "below the ground plane")
        )
        where = f"{quadrant} ({heading:+.0f}° from forward), {level}"
    text = f"sensor z axis tilted {tilt:.0f}° from vertical; sensor x axis points {where}"
    return {
        "sensor_tilt_deg": round(tilt, 2),
        "sensor_x_heading_deg": None if heading is None else round(heading, 2),
        "sensor_x_elevation_deg": round(elevation, 2),
        "yaw_pitch_roll_deg": [round(a, 2) for a in rotation_angles(r)],
        "text": text,
    }


def _direction_word(heading_deg: float) -> str:
    a = abs(heading_deg)
    if a <= 22.5:
        return "forward"
    if a >= 157.5:
        return "backward"
    side = "left" if heading_deg > 0 else "right"
    if a < 67.5:
        return f"forward-{side}"
    if a <= 112.5:
        return side
    return f"backward-{side}"


def parse_rotation_angles(text: str) -> np.ndarray:
    """``"YAW,PITCH,ROLL"`` (degrees) as a rotation matrix (see rotation_from_angles)."""
    parts = [p.strip() for p in text.replace(" ", ",").split(",") if p.strip()]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 3 or not all(math.isfinite(v) for v in values):
        raise AnalysisInputError(
            f"rotation angles {text!r} are not three numbers; give YAW,PITCH,ROLL in degrees "
            "(e.g. 180,35,0: sensor on backwards, tipped 35° toes-down)"
        )
    return rotation_from_angles(*values)


def _matrix_from(value: Any, what: str) -> np.ndarray:
    if isinstance(value, dict):
        if "alignment" in value:
            value = value["alignment"]
        if isinstance(value, dict) and "rotation" in value:
            value = value["rotation"]
    if isinstance(value, dict) or value is None:
        raise AnalysisInputError(f"{what} has no 3x3 'rotation' matrix")
    return check_rotation(value, what)


def read_rotation_file(path: str | os.PathLike[str], sides: Iterable[str]) -> dict[str, np.ndarray]:
    """Per foot the fixed rotation of a JSON or CSV rotation file (see the module docstring).

    Parameters
    ----------
    path : path-like
        The file: ``.json`` or ``.csv``.
    sides : iterable of str
        The feet that need a rotation (``"left"``, ``"right"``).

    Returns
    -------
    dict
        ``{side: R}`` for each of ``sides``.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AnalysisInputError(f"rotation file {str(p)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as err:
        raise AnalysisInputError(f"cannot read rotation file {str(p)!r}: {err}") from None
    sides = list(sides)
    if p.suffix.lower() == ".json" or text.lstrip().startswith(("{", "[")):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as err:
            raise AnalysisInputError(
                f"{p.name}: not valid JSON ({err.msg} at line {err.lineno})"
            ) from None
        if isinstance(doc, list):
            r = check_rotation(doc, f"{p.name}: rotation")
            return {s: r for s in sides}
        if not isinstance(doc, dict):
            raise AnalysisInputError(
                f"{p.name}: expected a 3x3 list or an object with 'left'/'right' rotations"
            )
        if "feet" in doc and isinstance(doc["feet"], dict):
            doc = doc["feet"]
        if "rotation" in doc and not any(s in doc for s in sides):
            r = _matrix_from(doc, f"{p.name}: rotation")
            return {s: r for s in sides}
        out = {}
        for s in sides:
            if s not in doc:
                have = ", ".join(k for k in doc if k in ("left", "right")) or "none"
                raise AnalysisInputError(
                    f"{p.name}: no rotation for the {s} foot (it has: {have}); give one per foot"
                )
            out[s] = _matrix_from(doc[s], f"{p.name}: {s} rotation")
        return out
    rows = [r for r in csv.reader(text.splitlines()) if r and not r[0].lstrip().startswith("#")]
    cells = [[c for c in " ".join(r).replace(",", " ").split()] for r in rows]
    try:
        matrix = [[float(c) for c in r] for r in cells]
    except ValueError:
        raise AnalysisInputError(
            f"{p.name}: a value is not a number; a CSV rotation is three rows of three numbers"
        ) from None
    if len(matrix) != 3 or any(len(r) != 3 for r in matrix):
        raise AnalysisInputError(
            f"{p.name}: has {len(matrix)} rows of {sorted({len(r) for r in matrix})} values; "
            "a CSV rotation is three rows of three numbers"
        )
    r = check_rotation(matrix, f"{p.name}: rotation")
    return {s: r for s in sides}

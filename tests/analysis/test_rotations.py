"""Sensor-mounting rotations (analysis.rotations): angles both ways, words, rotation files, and
one-line errors for malformed ones."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from analysis.errors import AnalysisInputError
from analysis.rotations import (
    check_rotation,
    describe_rotation,
    parse_rotation_angles,
    read_rotation_file,
    rotation_angles,
    rotation_from_angles,
)


def test_angles_round_trip_and_match_scipy() -> None:
    rng = np.random.default_rng(0)
    for yaw, pitch, roll in rng.uniform([-180, -89, -180], [180, 89, 180], (20, 3)):
        r = rotation_from_angles(yaw, pitch, roll)
        np.testing.assert_allclose(
            r, Rotation.from_euler("ZYX", [yaw, pitch, roll], degrees=True).as_matrix(), atol=1e-12
        )
        np.testing.assert_allclose(rotation_angles(r), (yaw, pitch, roll), atol=1e-9)
    np.testing.assert_allclose(parse_rotation_angles("180, 35,0"), rotation_from_angles(180, 35, 0))


def test_described_in_words() -> None:
    backwards = describe_rotation(rotation_from_angles(180, 0, 0))
    assert backwards["sensor_tilt_deg"] == 0 and abs(backwards["sensor_x_heading_deg"]) == 180
    assert "points backward" in backwards["text"] and "level" in backwards["text"]
    instep = describe_rotation(rotation_from_angles(0, 35, 0))
    assert instep["sensor_tilt_deg"] == pytest.approx(35)
    assert instep["sensor_x_elevation_deg"] == pytest.approx(-35)
    assert "forward (+0° from forward), 35° below the ground plane" in instep["text"]
    side = describe_rotation(rotation_from_angles(-90, 0, 0))
    assert "points right (-90° from forward)" in side["text"]
    up = describe_rotation(rotation_from_angles(0, -90, 0))
    assert up["sensor_x_heading_deg"] is None and "straight up" in up["text"]


def test_rotation_files(tmp_path: Path) -> None:
    left = rotation_from_angles(170, 30, 5)
    right = rotation_from_angles(-10, 40, 0)
    as_list = tmp_path / "r.json"
    as_list.write_text(json.dumps(left.tolist()))
    got = read_rotation_file(as_list, ["left", "right"])
    np.testing.assert_allclose(got["left"], left, atol=1e-12)
    np.testing.assert_allclose(got["right"], left, atol=1e-12)
    per_foot = tmp_path / "feet.json"
    per_foot.write_text(json.dumps({"left": left.tolist(), "right": {"rotation": right.tolist()}}))
    got = read_rotation_file(per_foot, ["left", "right"])
    np.testing.assert_allclose(got["right"], right, atol=1e-12)
    analysis = tmp_path / "walk.analysis.json"  # what an earlier `ras analyse --align` wrote
    doc = {"feet": {"right": {"alignment": {"rotation": np.round(right, 6).tolist()}}}}
    analysis.write_text(json.dumps(doc))
    got = read_rotation_file(analysis, ["right"])
    np.testing.assert_allclose(got["right"], right, atol=2e-6)
    np.testing.assert_allclose(got["right"] @ got["right"].T, np.eye(3), atol=1e-12)
    as_csv = tmp_path / "r.csv"
    as_csv.write_text("\n".join(",".join(f"{v:.4f}" for v in row) for row in left) + "\n")
    np.testing.assert_allclose(read_rotation_file(as_csv, ["left"])["left"], left, atol=1e-4)


@pytest.mark.parametrize(
    ("content", "name", "needle"),
    [
        ("[[1, 0, 0], [0, 1, 0]]", "a.json", "shape (2, 3)"),
        ("[[1, 0, 0], [0, 1, 0], [0, 0, 2]]", "b.json", "not orthonormal"),
        ("[[1, 0, 0], [0, 1, 0], [0, 0, -1]]", "c.json", "reflection"),
        ('{"left": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]}', "d.json", "no rotation for the right foot"),
        ("{not json", "e.json", "not valid JSON"),
        ('{"right": {"alignment": {}}}', "f.json", "no 3x3 'rotation'"),
        ("1,0,0\n0,1,0\n", "g.csv", "three rows of three numbers"),
        ("1,0,0\n0,x,0\n0,0,1\n", "h.csv", "not a number"),
    ],
)
def test_malformed_rotation_files(tmp_path: Path, content: str, name: str, needle: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(AnalysisInputError) as err:
        read_rotation_file(path, ["right"])
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_other_errors(tmp_path: Path) -> None:
    with pytest.raises(AnalysisInputError, match="does not exist"):
        read_rotation_file(tmp_path / "nope.json", ["left"])
    with pytest.raises(AnalysisInputError, match="three numbers"):
        parse_rotation_angles("180,35")
    with pytest.raises(AnalysisInputError, match="finite"):
        check_rotation([[np.nan, 0, 0], [0, 1, 0], [0, 0, 1]])
    # a slightly rounded rotation is accepted and made exact
    r = check_rotation(np.round(rotation_from_angles(33, 12, -7), 4))
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-12)

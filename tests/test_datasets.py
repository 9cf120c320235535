"""The one data-path setting (tests/datasets.py) and the shipped gaitmap example data."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from tests import datasets
from tests.datasets import (
    DATA_DIR_ENV,
    GAITMAP_FILES,
    MissingTestDataError,
    data_dir,
    gaitmap_file,
    in_region,
    read_borders,
    read_stride_events,
    read_stride_lengths,
    read_turn_deg,
    require_gaitmap,
)

TESTS_DIR = Path(__file__).resolve().parent


def test_default_is_tests_data_of_this_checkout_and_the_variable_overrides_it(
    tmp_path, monkeypatch
):
    assert data_dir({}) == TESTS_DIR / "data"
    assert data_dir({DATA_DIR_ENV: "  "}) == TESTS_DIR / "data"
    assert data_dir({DATA_DIR_ENV: str(tmp_path)}) == tmp_path.resolve()
    monkeypatch.chdir(tmp_path)
    assert data_dir({DATA_DIR_ENV: "elsewhere"}) == tmp_path.resolve() / "elsewhere"


def test_missing_data_is_one_line_naming_the_folder_and_the_setting(tmp_path):
    (tmp_path / "imu_sample.csv").write_text("x\n")
    with pytest.raises(MissingTestDataError) as info:
        require_gaitmap(tmp_path)
    msg = str(info.value)
    assert "\n" not in msg
    assert str(tmp_path) in msg
    assert DATA_DIR_ENV in msg
    assert "LICENSE-MIT.txt" in msg and "imu_sample.csv" not in msg  # names what is missing
    with pytest.raises(ValueError, match="unknown gaitmap example file"):
        gaitmap_file("imu_sample.txt")


def test_the_gaitmap_data_ship_complete_and_unedited():
    folder = require_gaitmap(
        TESTS_DIR / "data" / "gaitmap-example"
    )  # shipped, whatever the setting
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "05ad9716" in readme and "mad-lab-fau/gaitmap" in readme
    assert "MIT License" in (folder / "LICENSE-MIT.txt").read_text(encoding="utf-8")
    pattern = r"^([0-9a-f]{64})  (\S+)$"
    sums = {name: digest for digest, name in re.findall(pattern, readme, re.M)}
    assert sorted(sums) == sorted(GAITMAP_FILES)
    for name, digest in sums.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


def test_reference_readers_give_the_documented_strides():
    folder = require_gaitmap()
    assert folder == datasets.GAITMAP_DIR
    assert gaitmap_file("imu_sample.csv") == datasets.GAITMAP_IMU_CSV
    events = read_stride_events(folder / "stride_events_sample.csv")
    assert {side: len(ev["s_id"]) for side, ev in events.items()} == {"left": 28, "right": 29}
    for ev in events.values():
        assert np.all(ev["pre_ic"] < ev["ic"]) and np.all(ev["start"] < ev["end"])
    borders = read_borders(folder / "stride_borders_sample.csv")
    assert all(
        b.ndim == 2 and b.shape[1] == 2 and np.all(b[:, 0] < b[:, 1]) for b in borders.values()
    )
    lengths = read_stride_lengths(folder / "position_sample.csv")
    turns = read_turn_deg(folder / "orientation_sample.csv")
    for side in ("left", "right"):
        assert set(lengths[side]) == set(turns[side]) == set(events[side]["s_id"].astype(int))
        straight = [lengths[side][s] for s, turn in turns[side].items() if abs(turn) <= 10]
        assert 1.3 <= np.median(straight) <= 1.45  # README: straight strides 1.3–1.45 m
        assert max(abs(t) for t in turns[side].values()) > 45  # the turn is in the reference


def test_in_region_leaves_out_the_span_outside_and_the_gap_between_bouts():
    ref = np.array([10.0, 20.0, 60.0, 70.0])
    borders = np.array([[10.0, 20.0], [20.0, 30.0], [50.0, 60.0], [60.0, 70.0]])
    t = np.array([5.0, 9.5, 15.0, 30.5, 40.0, 49.5, 65.0, 70.5, 75.0])
    got = in_region(t, ref, borders, margin=1.0)
    assert got.tolist() == [False, True, True, False, False, False, True, True, False]

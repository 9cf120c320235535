"""The fault-figures benchmark measures loss from the run's own status lines (pure arithmetic)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "fault_figures.py"
spec = importlib.util.spec_from_file_location("fault_figures", PATH)
assert spec is not None and spec.loader is not None
figures = importlib.util.module_from_spec(spec)
sys.modules["fault_figures"] = figures
spec.loader.exec_module(figures)


def test_loss_is_counted_from_the_last_status_line_before_the_kill():
    status = [(100.0, 10.0), (101.0, 15.0), (102.0, 20.0)]
    # killed 0.5 wall s after the line read at 101 s: 15 + 0.5 * 5 = 17.5 session s
    assert figures.lost_s(status, 101.5, 5.0, 17.0) == pytest.approx(0.5)
    assert figures.lost_s(status, 102.2, 5.0, 20.0) == pytest.approx(1.0)


def test_data_newer_than_the_kill_is_no_loss_and_no_status_line_is_an_error():
    assert figures.lost_s([(100.0, 10.0)], 100.1, 5.0, 12.0) == 0.0
    with pytest.raises(ValueError, match="no status line"):
        figures.lost_s([(100.0, 10.0)], 99.0, 5.0, 0.0)

"""The virtual stroke patient walks with the stored patient's affected side (issue 13 point 7):
the long step is on the side registered, in the recorded steps and in the report's data."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from ras.protocol.messages import Side, StepKind
from ras.results.outcomes import session_outcomes
from ras.results.session_data import load_session
from ras.session.request import SensorPorts, SimulatedSensors, with_patient_side
from ras.store.store import Store
from tests.conftest import add_patient, run_simulated


def mean_step_time_s(steps: np.ndarray) -> dict[Side, float]:
    """Mean step time ending at each foot's initial contact (the other foot's previous IC to
    this one), from the stored steps."""
    ic = np.sort(steps[steps["kind"] == int(StepKind.INITIAL_CONTACT)], order="t_s")
    ends = {Side.LEFT: [], Side.RIGHT: []}
    for before, after in itertools.pairwise(ic):
        if before["side"] != after["side"]:
            ends[Side.from_stored(int(after["side"]))].append(after["t_s"] - before["t_s"])
    return {side: float(np.mean(times)) for side, times in ends.items()}


@pytest.mark.parametrize("side", ["left", "right"])
def test_the_long_step_is_on_the_stored_side(tmp_path: Path, side: str) -> None:
    db = tmp_path / "ras.sqlite3"
    add_patient(db, "P-ST", "--diagnosis", "stroke", "--affected-side", side)
    run_simulated(db, "stroke", "--patient", "P-ST", "--baseline", "30", "--cued", "0",
                  "--probe", "0")  # fmt: skip
    with Store(db) as store:
        (session,) = store.list_sessions("P-ST")
        step_s = mean_step_time_s(store.steps(session.id))
        outcomes = session_outcomes(load_session(store, session.id))
    paretic, other = (Side.LEFT, Side.RIGHT) if side == "left" else (Side.RIGHT, Side.LEFT)
    assert step_s[paretic] > 1.1 * step_s[other]  # the preset's 18 % asymmetry
    baseline = outcomes.phase("baseline")
    assert baseline is not None
    assert baseline.summary.symmetry.paretic_side == side
    assert outcomes.si_basis == f"non-paretic vs paretic ({side}) side"


def test_a_stored_side_replaces_the_presets_unless_the_request_sets_one() -> None:
    stroke = SimulatedSensors("stroke")
    assert with_patient_side(stroke, "left").overrides == (("affected_side", "left"),)
    assert with_patient_side(stroke, "both").overrides == (("affected_side", "none"),)
    assert with_patient_side(stroke, None) == stroke  # not recorded: the preset's side
    asked = SimulatedSensors("stroke", (("affected_side", "right"),))
    assert with_patient_side(asked, "left") == asked
    assert with_patient_side(SensorPorts(("loop://",)), "left") == SensorPorts(("loop://",))

"""Patient parameters, presets and make_params' one-line errors."""

from __future__ import annotations

import dataclasses

import pytest

from ras.errors import UserInputError
from ras.protocol import Side, StepKind
from ras.sim.presets import HEALTHY, PARKINSON, PRESETS, STROKE, PatientParams, make_params


def test_presets_have_the_documented_character():
    assert set(PRESETS) == {"healthy", "parkinson", "stroke"}
    assert 105 <= HEALTHY.cadence_spm <= 115 and HEALTHY.stride_length_m == pytest.approx(1.4)
    assert HEALTHY.freeze_rate_per_min == 0 and HEALTHY.step_time_asymmetry_pct == 0
    assert PARKINSON.cadence_spm < HEALTHY.cadence_spm
    assert PARKINSON.stride_length_m < 1.0
    assert 4 <= PARKINSON.stride_time_cv_pct <= 5
    assert PARKINSON.freeze_rate_per_min > 0 and 3 <= PARKINSON.tremble_hz <= 8
    assert 75 <= STROKE.cadence_spm <= 80
    assert 15 <= STROKE.step_time_asymmetry_pct <= 20 and STROKE.affected_side == Side.RIGHT


def test_presets_are_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        HEALTHY.cadence_spm = 100  # type: ignore[misc]
    with pytest.raises(TypeError):
        PRESETS["fast"] = HEALTHY  # type: ignore[index]


def test_speed_is_derived_and_overriding_it_sets_stride_length():
    assert HEALTHY.speed_mps == pytest.approx(1.4 * 110 / 120)
    p = make_params("parkinson", cadence_spm=100, speed_mps=1.0)
    assert p.cadence_spm == 100
    assert p.stride_length_m == pytest.approx(1.2)
    assert p.speed_mps == pytest.approx(1.0)


def test_overrides_change_only_what_is_named():
    p = make_params("stroke", affected_side="left", coupling=0)
    assert p.affected_side == Side.LEFT and p.coupling == 0
    assert p.cadence_spm == STROKE.cadence_spm
    assert make_params("healthy") == HEALTHY


def test_bad_preset_names_the_valid_ones():
    with pytest.raises(UserInputError) as err:
        make_params("zombie")
    msg = str(err.value)
    assert "zombie" in msg and "healthy, parkinson, stroke" in msg and "\n" not in msg


def test_bad_parameter_name_lists_valid_names():
    with pytest.raises(UserInputError) as err:
        make_params("healthy", cadance_spm=100)
    msg = str(err.value)
    assert "cadance_spm" in msg and "cadence_spm" in msg and "speed_mps" in msg
    assert "\n" not in msg


@pytest.mark.parametrize(
    ("name", "value"),
    [("cadence_spm", 500), ("coupling", 1.5), ("stance_fraction", 0.2), ("speed_mps", -1)],
)
def test_out_of_range_value_names_the_range(name, value):
    with pytest.raises(UserInputError) as err:
        make_params("healthy", **{name: value})
    msg = str(err.value)
    assert name in msg and "between" in msg and "\n" not in msg


def test_direct_construction_is_checked_too():
    with pytest.raises(UserInputError, match="stride_time_cv_pct"):
        PatientParams(stride_time_cv_pct=-1)
    with pytest.raises(UserInputError, match="affected_side"):
        PatientParams(affected_side="middle")  # type: ignore[arg-type]


def test_detection_latency_per_kind():
    p = make_params("healthy", latency_ic_s=0.05, latency_mid_stance_s=0.12)
    assert p.detection_latency_s(StepKind.INITIAL_CONTACT) == pytest.approx(0.05)
    assert p.detection_latency_s(StepKind.MID_STANCE) == pytest.approx(0.12)
    assert p.detection_latency_s(StepKind.TOE_OFF) == pytest.approx(HEALTHY.latency_to_s)

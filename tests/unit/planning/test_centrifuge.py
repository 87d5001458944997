"""RCF and rpm against hand-computed values (RCF = 1.118e-5 x r(cm) x rpm^2)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rejuv.planning.centrifuge import calculate_rcf_g, calculate_rpm
from rejuv.planning.errors import PlanningInputError


def test_a_10_cm_rotor_needs_about_1638_rpm_for_300_g() -> None:
    # sqrt(300 / (1.118e-5 * 10)) = sqrt(2,683,363) = 1638.1
    assert calculate_rpm(10, 300) == pytest.approx(1638.1, abs=0.1)


@pytest.mark.parametrize(
    ("radius_cm", "rcf_g", "rpm"),
    [(10, 700, 2502), (10, 1600, 3783), (10, 400, 1892)],
)
def test_rpm_for_the_hard_spins_matches_the_worked_examples(radius_cm: float, rcf_g: float, rpm: float) -> None:
    assert calculate_rpm(radius_cm, rcf_g) == pytest.approx(rpm, abs=1)


@pytest.mark.parametrize(
    ("radius_cm", "rpm", "rcf_g"),
    [(10, 1500, 251.55), (10, 3000, 1006.2), (10, 700, 54.78), (11, 700, 60.26)],
)
def test_rcf_matches_the_worked_examples(radius_cm: float, rpm: float, rcf_g: float) -> None:
    assert calculate_rcf_g(radius_cm, rpm) == pytest.approx(rcf_g, abs=0.01)


@given(
    radius_cm=st.floats(min_value=2, max_value=30),
    rcf_g=st.floats(min_value=10, max_value=5000),
)
def test_converting_g_to_rpm_and_back_returns_the_same_force(radius_cm: float, rcf_g: float) -> None:
    assert calculate_rcf_g(radius_cm, calculate_rpm(radius_cm, rcf_g)) == pytest.approx(rcf_g, rel=1e-9)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: calculate_rpm(0, 300), "radius_cm"),
        (lambda: calculate_rpm(10, -5), "rcf_g"),
        (lambda: calculate_rcf_g(-1, 1500), "radius_cm"),
        (lambda: calculate_rcf_g(10, math.nan), "rpm"),
    ],
)
def test_impossible_radius_speed_or_force_is_refused_naming_the_input(call: object, field: str) -> None:
    assert callable(call)
    with pytest.raises(PlanningInputError) as caught:
        call()
    assert caught.value.field == field


@pytest.mark.parametrize(("radius_cm", "rcf_g"), [(1e-320, 300.0), (0.5, 300.0), (150.0, 300.0), (10.0, 2_000_000.0)])
def test_values_no_centrifuge_can_have_are_refused_naming_the_field(radius_cm: float, rcf_g: float) -> None:
    with pytest.raises(PlanningInputError) as caught:
        calculate_rpm(radius_cm, rcf_g)
    assert "must be between" in str(caught.value)

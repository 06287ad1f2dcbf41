"""Rulebook M-1 to M-5 and M-7 as pure functions, with property-based invariants."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from vertebro.morphometry import (
    Endplates,
    Heights,
    LossSource,
    Shape,
    genant_grade,
    height_loss_pct,
    heights_from_landmarks_mm,
    regional_kyphosis_deg,
    round_tenth,
    shape_of,
    wedge_angle_deg,
)

NAMES = [
    "anterior_superior",
    "anterior_inferior",
    "middle_superior",
    "middle_inferior",
    "posterior_superior",
    "posterior_inferior",
]


def body(ha: float, hm: float, hp: float, depth: float = 30.0) -> dict[str, list[float]]:
    """Six landmarks of a body standing on y = 0, x posterior → anterior."""
    return {
        "anterior_superior": [depth, ha],
        "anterior_inferior": [depth, 0.0],
        "middle_superior": [depth / 2, hm],
        "middle_inferior": [depth / 2, 0.0],
        "posterior_superior": [0.0, hp],
        "posterior_inferior": [0.0, 0.0],
    }


def moved(
    points: dict[str, list[float]], angle: float, dx: float, dy: float, mirror: bool = False
) -> dict[str, list[float]]:
    c, s = math.cos(angle), math.sin(angle)
    out = {}
    for k, (x, y) in points.items():
        if mirror:
            x = -x
        out[k] = [c * x - s * y + dx, s * x + c * y + dy]
    return out


def test_rounding_is_half_up_on_the_shortest_decimal_form() -> None:
    assert round_tenth(19.999999999999996) == 20.0
    assert round_tenth(0.05) == 0.1
    assert round_tenth(0.15) == 0.2  # float 0.1499999… but shortest form "0.15"
    assert round_tenth(2.25) == 2.3


def test_rulebook_example_24_28_30_is_20_percent() -> None:
    assert height_loss_pct(None, Heights(24.0, 28.0, 30.0), None) == (
        20.0,
        LossSource.POSTERIOR_RATIO,
    )
    assert genant_grade(20.0) == 1


def test_loss_precedence_and_clamping() -> None:
    h = Heights(15.0, 20.0, 25.0)
    assert height_loss_pct(33.33, h, 30.0) == (33.3, LossSource.GIVEN)
    assert height_loss_pct(None, h, 30.0) == (50.0, LossSource.REFERENCE)
    assert height_loss_pct(None, h, None) == (40.0, LossSource.POSTERIOR_RATIO)
    assert height_loss_pct(None, None, 30.0) == (None, LossSource.NONE)
    assert height_loss_pct(None, Heights(30.0, 30.0, 30.0), 25.0) == (0.0, LossSource.REFERENCE)


@pytest.mark.parametrize(
    ("heights", "reference"),
    [((30.00001, 31.0, 32.0), 30.0), ((30.0, 30.0, 30.0), 30.0), ((25.00001, 26.0, 25.0), None)],
)
def test_a_loss_a_hair_below_zero_or_exactly_zero_is_written_0_0_not_minus_0_0(
    heights: tuple[float, float, float], reference: float | None
) -> None:
    """-0.0 would print as ``-0.0`` in the JSON; a clamped loss is plain 0.0."""
    loss, _ = height_loss_pct(None, heights, reference)
    assert loss == 0.0 and math.copysign(1.0, loss) == 1.0
    assert round_tenth(-0.01) == 0.0 and math.copysign(1.0, round_tenth(-0.01)) == -1.0


@pytest.mark.parametrize(
    ("loss", "grade"),
    [(0.0, 0), (19.9, 0), (20.0, 1), (24.9, 1), (25.0, 2), (40.0, 2), (40.1, 3), (100.0, 3)],
)
def test_genant_boundaries(loss: float, grade: int) -> None:
    assert genant_grade(loss) == grade


@given(st.floats(0, 100), st.floats(0, 100))
def test_genant_grade_never_falls_as_loss_rises(a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert genant_grade(round_tenth(low)) <= genant_grade(round_tenth(high))  # type: ignore[operator]


def test_shape_ties_and_crush() -> None:
    assert shape_of(0, None, None) is Shape.NORMAL
    assert shape_of(2, None, None) is None
    assert shape_of(None, Heights(1, 1, 1), None) is None
    assert shape_of(2, Heights(15.0, 20.0, 25.0), None) is Shape.WEDGE
    assert shape_of(2, Heights(22.0, 15.0, 25.0), None) is Shape.BICONCAVE
    assert shape_of(2, Heights(15.0, 15.0, 25.0), None) is Shape.WEDGE  # tie: wedge first
    assert shape_of(2, Heights(18.0, 18.0, 18.0), 30.0) is Shape.CRUSH
    assert shape_of(2, Heights(18.0, 18.0, 18.0), None) is Shape.WEDGE


coords = st.floats(-200, 200)


@given(
    st.floats(5, 40),
    st.floats(5, 40),
    st.floats(5, 40),
    st.floats(0, 2 * math.pi),
    coords,
    coords,
    st.booleans(),
)
def test_landmark_heights_do_not_change_under_rotation_and_translation(
    ha: float, hm: float, hp: float, angle: float, dx: float, dy: float, mirror: bool
) -> None:
    ref = heights_from_landmarks_mm(body(ha, hm, hp))
    got = heights_from_landmarks_mm(moved(body(ha, hm, hp), angle, dx, dy, mirror))
    for a, b in zip(ref, got, strict=True):
        assert b == pytest.approx(a, abs=1e-9)


def test_wedge_angle_value_and_sign() -> None:
    assert wedge_angle_deg(body(15.0, 20.0, 25.0, depth=20.0)) == 26.6
    assert wedge_angle_deg(body(25.0, 25.0, 25.0)) == 0.0
    assert wedge_angle_deg(body(30.0, 28.0, 25.0, depth=30.0)) == pytest.approx(-9.5, abs=0.05)


@given(st.floats(8, 40), st.floats(8, 40), st.floats(0, 2 * math.pi), coords, coords, st.booleans())
def test_wedge_angle_whatever_the_axes_orientation(
    ha: float, hp: float, angle: float, dx: float, dy: float, mirror: bool
) -> None:
    raw = math.degrees(math.atan2(hp - ha, 30.0))
    assume(abs(raw * 10 - math.floor(raw * 10) - 0.5) > 1e-3)  # away from a rounding tie
    got = wedge_angle_deg(moved(body(ha, (ha + hp) / 2, hp), angle, dx, dy, mirror))
    assert got == pytest.approx(round_tenth(raw), abs=1e-9)


def test_regional_kyphosis_over_a_run() -> None:
    cranial = (0.0, 1.0)
    flat = Endplates(superior=((0, 30), (30, 30)), inferior=((0, 0), (30, 0)))
    wedge_top = Endplates(superior=((0, -10), (30, -15)), inferior=((0, -35), (30, -35)))
    tilt = Endplates(superior=((0, -40), (30, -40)), inferior=((0, -65), (30, -62)))
    result = regional_kyphosis_deg([flat, wedge_top, tilt], cranial)
    assert result is not None
    # superior of vertebra 1 (down 5 mm over 30 mm) vs inferior of vertebra 2 (up 3 over 30)
    expected = math.degrees(math.atan2(5, 30) + math.atan2(3, 30))
    assert result.kyphosis_deg == round_tenth(expected)
    assert (result.cranial_index, result.caudal_index) == (1, 2)
    assert regional_kyphosis_deg([], cranial) is None


@given(st.floats(-1e7, 1e7, allow_nan=False))
def test_fast_rounding_equals_the_decimal_definition(x: float) -> None:
    from decimal import ROUND_HALF_UP, Decimal

    expected = float(Decimal(repr(x)).quantize(Decimal("0.1"), ROUND_HALF_UP))
    assert repr(round_tenth(x)) == repr(expected)


@pytest.mark.parametrize(
    "x",
    [
        0.05,
        0.15,
        0.25,
        1.45,
        2.675,
        1e5 + 0.05,
        -0.05,
        -1.25,
        0.0,
        -0.0,
        0.04999999999999999,
        1234.5499999999999,
    ],
)
def test_rounding_near_ties_equals_the_decimal_definition(x: float) -> None:
    from decimal import ROUND_HALF_UP, Decimal

    expected = float(Decimal(repr(x)).quantize(Decimal("0.1"), ROUND_HALF_UP))
    assert repr(round_tenth(x)) == repr(expected)

"""The grading method vertebro-sq/1 as pure functions: a normal spine grades 0, a vertebra
reduced by a known fraction against its neighbours grades as Genant defines, and the
result does not depend on the spine's size (property-based, hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vertebro.model.level import Level
from vertebro.morphometry import Heights, genant_grade
from vertebro.morphometry.agreement import agreement, linear_weighted_kappa
from vertebro.morphometry.grading import (
    GROWTH_PER_LEVEL,
    NORMAL_HA_HP,
    NORMAL_HM_HP,
    grade_spine,
)

LEVELS = list(Level)


def normal_spine(first: int, count: int, hp_first: float) -> list[tuple[str, Heights]]:
    """Population-normal heights: posterior height growing as GROWTH_PER_LEVEL says,
    anterior and middle heights at the normal ratios of each level."""
    out: list[tuple[str, Heights]] = []
    hp = hp_first
    for lv in LEVELS[first : first + count]:
        out.append((str(lv), Heights(hp * NORMAL_HA_HP[lv], hp * NORMAL_HM_HP, hp)))
        hp *= 1.0 + GROWTH_PER_LEVEL[lv]
    return out


spines = st.tuples(st.integers(0, 12), st.integers(3, 17), st.floats(12.0, 30.0))


@given(spines)
def test_a_normal_spine_grades_zero(spec: tuple[int, int, float]) -> None:
    first, count, hp = spec
    spine = normal_spine(first, min(count, 17 - first), hp)
    for g in grade_spine(spine):
        assert g.genant_grade == 0 and g.height_loss_pct == 0.0


@given(spines, st.data(), st.sampled_from([0, 1, 2]), st.floats(0.0, 0.7))
def test_a_reduced_height_grades_by_its_reduction(
    spec: tuple[int, int, float], data: st.DataObject, side: int, fraction: float
) -> None:
    """One height of one vertebra reduced by ``fraction`` of its normal value, its
    neighbours normal: the loss is that fraction (± rounding) and the grade M-3 of it."""
    first, count, hp = spec
    spine = normal_spine(first, max(3, min(count, 17 - first)), hp)
    i = data.draw(st.integers(0, len(spine) - 1))
    name, h = spine[i]
    reduced = list(h)
    reduced[side] *= 1.0 - fraction
    if side == 2:  # a crushed posterior wall lowers the whole body
        reduced = [x * (1.0 - fraction) for x in h]
    spine[i] = (name, Heights(*reduced))
    g = grade_spine(spine)[i]
    assert abs(g.height_loss_pct - 100.0 * fraction) <= 0.11
    assert g.genant_grade == genant_grade(g.height_loss_pct)
    assert g.references  # graded against its neighbours


@given(spines, st.floats(0.5, 2.0), st.floats(0.0, 0.6))
def test_grading_does_not_depend_on_size(
    spec: tuple[int, int, float], scale: float, fraction: float
) -> None:
    first, count, hp = spec
    spine = normal_spine(first, max(3, min(count, 17 - first)), hp)
    name, h = spine[len(spine) // 2]
    spine[len(spine) // 2] = (name, Heights(h[0] * (1 - fraction), h[1], h[2]))
    scaled = [(lv, Heights(*(x * scale for x in hh))) for lv, hh in spine]
    a = [(g.genant_grade, round(g.height_loss_pct)) for g in grade_spine(spine)]
    b = [(g.genant_grade, round(g.height_loss_pct)) for g in grade_spine(scaled)]
    assert [x[0] for x in a] == [x[0] for x in b]
    assert all(abs(x[1] - y[1]) <= 1 for x, y in zip(a, b, strict=True))


def test_a_lone_vertebra_is_graded_on_its_own_shape() -> None:
    """Without a reference level the posterior height cannot be judged (source
    posterior_ratio); a biconcave body still is: Hm/Hp 0.56 against a normal 0.93 is a
    39.8 % reduction of the middle height, grade 2."""
    (g,) = grade_spine([("L1", Heights(24.0, 14.0, 25.0))])
    assert g.source == "posterior_ratio" and g.references == ()
    assert g.deformity == "middle" and g.height_loss_pct == 39.8 and g.genant_grade == 2


def test_fractured_neighbours_do_not_serve_as_references() -> None:
    """Two collapsed levels beside a normal one do not make it look fractured."""
    spine = normal_spine(12, 5, 27.0)  # L1–L5
    spine[1] = ("L2", Heights(14.0, 12.0, 15.0))
    spine[3] = ("L4", Heights(15.0, 12.0, 16.0))
    grades = {g.level: g for g in grade_spine(spine)}
    assert grades["L3"].genant_grade == 0
    assert "L2" not in grades["L3"].references and "L4" not in grades["L3"].references
    assert grades["L2"].genant_grade == 3 and grades["L4"].genant_grade == 3


def test_agreement_figures() -> None:
    a = agreement([(0, 0), (0, 0), (1, 0), (1, 1), (2, 2), (3, 2), (2, None)])
    assert a.matrix[1] == (1, 1, 0, 0) and a.not_evaluable == (0, 0, 1, 0)
    assert a.found(1) == (3, 4) and a.found(2) == (2, 2) and a.cleared(1) == (2, 2)
    assert a.false_alarms(2) == 0
    assert linear_weighted_kappa([(0, 1), (1, 0)]) is not None
    assert linear_weighted_kappa([(0, 0), (0, 0)]) is None

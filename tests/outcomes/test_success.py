"""R-1 success and its alternatives, in integers, at the boundaries (hand-computed)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vertebro.outcomes import Criterion, meets, success_by_visit, success_counts
from vertebro.outcomes.records import TIMED_VISITS, Visit

from .factories import patient, visit


@pytest.mark.parametrize(
    ("b", "f", "expected"),
    [
        (6, 4, True),  # drop 2 = 33 % of 6: 10·2 = 20 ≥ 18
        (7, 5, False),  # drop 2 < 30 % of 7: 20 < 21
        (7, 4, True),  # drop 3: 30 ≥ 21
        (10, 7, True),  # drop 3 = exactly 30 %: 30 ≥ 30
        (10, 8, False),  # drop 2 = 20 %: 20 < 30
        (2, 0, True),  # drop 2 = 100 %
        (1, 0, False),  # drop 1 < 2 points
        (0, 0, False),  # baseline 0: never a success
        (5, 6, False),  # worse
    ],
)
def test_r1_success_at_the_integer_boundaries(b: int, f: int, expected: bool) -> None:
    """Oracle: rulebook R-1 / registry-v1 "Success", evaluated by hand:
    b ≥ 1 and b − f ≥ 2 and 10·(b − f) ≥ 3·b."""
    assert meets(Criterion.SUCCESS, b, f) is expected


@pytest.mark.parametrize(
    ("criterion", "b", "f", "expected"),
    [
        (Criterion.DROP_GE_3, 8, 5, True),
        (Criterion.DROP_GE_3, 8, 6, False),
        (Criterion.NRS_LT_4, 9, 3, True),
        (Criterion.NRS_LT_4, 9, 4, False),
        (Criterion.NRS_LT_4, 2, 3, True),  # VAPOUR's criterion looks at the follow-up only
        (Criterion.DROP_GE_1_5, 5, 3, True),
        (Criterion.DROP_GE_1_5, 5, 4, False),  # a drop of 1 < 1.5
    ],
)
def test_alternative_criteria(criterion: Criterion, b: int, f: int, expected: bool) -> None:
    """Oracle: rulebook R-1 alternatives by hand: ≥ 3 points (VERTOS II), NRS < 4
    (VAPOUR), ≥ 1.5 points (VERTOS IV)."""
    assert meets(criterion, b, f) is expected


def test_denominator_is_patients_with_both_values() -> None:
    """Hand count: four patients, one without baseline, one without a 1-month NRS, one
    without the visit; of the remaining three, two succeed (8→4, 6→4) and one does not
    (7→5)."""
    group = [
        patient(pid="a", baseline_nrs=8, follow_ups=(visit(Visit.MONTH_1, 30, 4),)),
        patient(pid="b", baseline_nrs=6, follow_ups=(visit(Visit.MONTH_1, 31, 4),)),
        patient(pid="c", baseline_nrs=7, follow_ups=(visit(Visit.MONTH_1, 29, 5),)),
        patient(pid="d", baseline_nrs=None, follow_ups=(visit(Visit.MONTH_1, 30, 1),)),
        patient(pid="e", baseline_nrs=9, follow_ups=(visit(Visit.MONTH_1, 30, None, odi=20),)),
        patient(pid="f", baseline_nrs=9, follow_ups=(visit(Visit.MONTHS_3, 90, 1),)),
    ]
    assert success_counts(group, Visit.MONTH_1, Criterion.SUCCESS) == (2, 3)
    by_visit = success_by_visit(group)
    assert list(by_visit) == list(TIMED_VISITS)
    assert (by_visit[Visit.MONTH_1].events, by_visit[Visit.MONTH_1].n) == (2, 3)
    assert (by_visit[Visit.MONTHS_3].events, by_visit[Visit.MONTHS_3].n) == (1, 1)
    assert by_visit[Visit.DAY_1].n == 0 and by_visit[Visit.DAY_1].value is None


def test_unscheduled_visits_do_not_count_as_timed_visits() -> None:
    p = patient(follow_ups=(visit(Visit.UNSCHEDULED, 30, 0),))
    assert success_counts([p], Visit.MONTH_1, Criterion.SUCCESS) == (0, 0)


@given(st.integers(0, 10), st.integers(0, 10))
def test_r1_equals_its_real_valued_definition(b: int, f: int) -> None:
    """R-1 in integers is the real-valued 'down ≥ 2 points and ≥ 30 %' (b ≥ 1)."""
    real = b >= 1 and (b - f) >= 2 and (b - f) / b >= 0.3 - 1e-12
    assert meets(Criterion.SUCCESS, b, f) is real
    assert meets(Criterion.DROP_GE_1_5, b, f) is ((b - f) >= 1.5)

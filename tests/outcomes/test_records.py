"""The input records: validation and the derived days."""

from __future__ import annotations

from datetime import timedelta

import pytest

from vertebro.model import Level, Technique
from vertebro.outcomes import FollowUpRecord, TechniqueGroup, TreatedLevel, technique_group
from vertebro.outcomes.records import TIMED_VISITS, Visit

from .factories import ANCHOR, level, patient, visit


def test_timed_visits_are_the_spec_visits_in_order() -> None:
    assert [v.value for v in TIMED_VISITS] == [
        "1 day", "1 week", "2 weeks", "1 month", "3 months", "6 months", "12 months",
    ]  # fmt: skip


def test_technique_group_of_a_session() -> None:
    assert technique_group({Technique.KYPHOPLASTY}) is TechniqueGroup.KYPHOPLASTY
    assert technique_group({Technique.VERTEBROPLASTY}) is TechniqueGroup.VERTEBROPLASTY
    both = {Technique.KYPHOPLASTY, Technique.VERTEBROPLASTY}
    assert technique_group(both) is TechniqueGroup.MIXED
    with pytest.raises(ValueError):
        technique_group(set())


def test_values_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="pain_nrs"):
        FollowUpRecord(Visit.MONTH_1, ANCHOR, pain_nrs=11)
    with pytest.raises(ValueError, match="odi"):
        FollowUpRecord(Visit.MONTH_1, ANCHOR, odi=float("nan"))
    with pytest.raises(ValueError, match="genant_grade"):
        TreatedLevel(Level.L1, Technique.KYPHOPLASTY, genant_grade=4)
    with pytest.raises(ValueError, match="detected_by"):
        TreatedLevel(Level.L1, Technique.KYPHOPLASTY, leakage=True)
    with pytest.raises(ValueError, match="two records"):
        patient(follow_ups=(visit(Visit.MONTH_1, 30), visit(Visit.MONTH_1, 31)))


def test_derived_days() -> None:
    p = patient(
        levels=(level(Level.L1, grade=1), level(Level.L2, grade=3), level(Level.L3, grade=None)),
        follow_ups=(
            visit(Visit.UNSCHEDULED, 5),
            visit(Visit.UNSCHEDULED, 9),
            visit(Visit.DAY_1, 1),
        ),
        death_date=ANCHOR + timedelta(days=9),
    )
    assert p.genant_grade == 3
    assert p.last_follow_up_day == 9 and p.death_day == 9
    assert p.first_new_fracture_day is None
    assert p.visit(Visit.DAY_1) is not None and p.visit(Visit.WEEK_1) is None
    assert patient(levels=(level(grade=None),)).genant_grade is None

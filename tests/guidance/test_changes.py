"""What a re-assessment changed (``vertebro reassess``): decisions and plan, not wording."""

from __future__ import annotations

from hypothesis import given

from tests.strategies import cases
from vertebro import assess, parse_case
from vertebro.guidance.changes import compare_assessments, plan_summary
from vertebro.model import Assessment

from .cases import candidate, fracture


def _assessed(document: dict) -> Assessment:
    return assess(parse_case(document))


@given(cases())
def test_an_assessment_compared_with_itself_has_no_change(document):
    assessment = _assessed(document)
    assert compare_assessments(assessment, assessment) is None


@given(cases())
def test_reworded_rules_and_another_rulebook_version_are_no_change(document):
    assessment = _assessed(document)
    data = assessment.model_dump(mode="json", by_alias=True)
    data["rulebook_version"] = "2026.1"
    for level in data["levels"]:
        for reason in level["reasons"]:
            reason["text"] = "older wording"
            reason["source"] = ["003"]
    older = Assessment.model_validate(data)
    assert compare_assessments(older, assessment) is None


def test_a_changed_level_decision_is_reported_with_its_rules():
    before = _assessed(candidate(fractures=[fracture("T12", mri_edema=False)]))
    after = _assessed(candidate(fractures=[fracture("T12", mri_edema=True)]))
    change = compare_assessments(before, after)
    assert change is not None and change.recommendation_changed and change.plan_changed
    [level] = change.levels
    assert (level.level, level.before, level.after) == ("T12", "conservative", "kyphoplasty")
    assert (level.before_rules, level.after_rules) == (("Q-3",), ("T-5",))
    assert change.plan_before == "none"


def test_a_plan_change_alone_is_a_change():
    """Same decision (kyphoplasty at L1) but a leakage risk changes the cement viscosity."""
    before = _assessed(candidate())
    after = _assessed(candidate(posterior_wall="distinct"))
    change = compare_assessments(before, after)
    assert change is not None and change.levels == () and not change.recommendation_changed
    assert "standard" in change.plan_before and "high" in change.plan_after


def test_a_level_added_or_removed_is_a_change():
    one = _assessed(candidate())
    two = _assessed(candidate(fractures=[fracture("L1"), fracture("L2")]))
    change = compare_assessments(one, two)
    assert change is not None
    assert [(c.level, c.before, c.after) for c in change.levels] == [("L2", None, "kyphoplasty")]


def test_plan_summary_names_levels_and_sessions():
    assert plan_summary(None) == "none"
    summary = plan_summary(_assessed(candidate()).plan)
    assert summary == (
        "L1 kyphoplasty bipedicular 4–5 ml standard · sessions: L1 general 40 min same_day"
    )

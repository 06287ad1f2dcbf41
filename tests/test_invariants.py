"""Property-based invariants of the whole assessment (hypothesis)."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given

from tests.conftest import SHARED
from tests.strategies import cases
from vertebro import Assessment, assess, parse_case
from vertebro.model import parse_case_json
from vertebro.services.assessing import assess_json_lines

RULE_IDS = set(re.findall(r"\*\*([A-Z]-\d+)\*\*", (SHARED / "knowledge/RULEBOOK.md").read_text()))
TREATED = {"kyphoplasty", "vertebroplasty", "either", "mixed"}


@given(cases(contraindicated=True))
def test_absolute_contraindication_never_yields_a_procedure(doc: dict[str, Any]) -> None:
    result = assess(parse_case(doc))
    assert result.recommendation == "contraindicated"
    assert result.plan is None
    for level in result.levels:
        assert level.recommendation == "contraindicated"
        assert level.reasons and all(r.rule.startswith("C-") for r in level.reasons)


@given(cases())
def test_assessment_is_deterministic_and_round_trips(doc: dict[str, Any]) -> None:
    case = parse_case(doc)
    first, second = assess(case), assess(parse_case_json(json.dumps(doc)))
    assert first == second
    text = first.model_dump_json()
    again = Assessment.model_validate_json(text)
    assert again == first
    assert again.model_dump(mode="json") == json.loads(text)


@given(cases())
def test_every_reported_rule_exists_in_the_rulebook(doc: dict[str, Any]) -> None:
    result = assess(parse_case(doc))
    reported = [r.rule for r in result.reasons + result.cautions]
    for level in result.levels:
        reported += [r.rule for r in level.reasons + level.cautions]
    if result.plan is not None:
        reported += [r.rule for r in result.plan.aftercare + result.plan.follow_up]
    assert set(reported) <= RULE_IDS


@given(cases())
def test_structure_of_every_assessment(doc: dict[str, Any]) -> None:
    result = assess(parse_case(doc))
    ordinals = [level.level.ordinal for level in result.levels]
    assert ordinals == sorted(ordinals)
    assert (result.plan is not None) == (result.recommendation in TREATED)
    if result.recommendation != "needs_workup":
        assert result.missing == []
    for level in result.levels:
        assert level.recommendation != "mixed"
        if level.recommendation == "needs_workup":
            assert level.missing
        assert (level.genant_grade is None) == (level.height_loss_pct is None)
    if result.plan is not None:
        planned = sorted(lv for s in result.plan.sessions for lv in s.levels)
        treated = sorted(lv.level for lv in result.levels if lv.recommendation in TREATED)
        assert planned == treated
        assert all(len(s.levels) <= 3 for s in result.plan.sessions)


@given(cases())
def test_the_stream_gives_the_same_assessment(doc: dict[str, Any]) -> None:
    out = list(assess_json_lines([json.dumps(doc)]))
    assert out == [assess(parse_case(doc)).model_dump_json().encode()]

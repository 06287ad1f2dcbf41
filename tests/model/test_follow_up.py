"""Strict reading of ``vertebro.follow_up/1`` and the visit windows (registry-v1)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from vertebro.errors import InvalidFollowUp
from vertebro.model import FollowUp, FollowUpStatus, Visit, parse_follow_up, parse_follow_up_json

BASE: dict[str, Any] = {"schema": "vertebro.follow_up/1", "visit": "1 month", "date": "2026-04-01"}


def errors_of(doc: Any) -> list[str]:
    with pytest.raises(InvalidFollowUp) as info:
        parse_follow_up_json(doc if isinstance(doc, str) else json.dumps(doc))
    return info.value.lines


def test_minimal_follow_up_and_defaults() -> None:
    follow_up = parse_follow_up(BASE)
    assert isinstance(follow_up, FollowUp)
    assert follow_up.status is FollowUpStatus.SEEN
    assert follow_up.pain_nrs is None and follow_up.new_fractures == []
    assert follow_up.visit is Visit.MONTH_1


def test_visit_windows_are_those_of_registry_v1() -> None:
    windows = {str(v): tuple(v.window) for v in Visit if v.window is not None}
    assert windows == {
        "1 day": (1, 0, 3),
        "1 week": (7, 4, 10),
        "2 weeks": (14, 11, 17),
        "1 month": (30, 18, 60),
        "3 months": (91, 61, 135),
        "6 months": (182, 136, 272),
        "12 months": (365, 273, 547),
    }
    assert Visit.BASELINE.window is None and Visit.UNSCHEDULED.repeatable


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"visit": "2 months"}, None),
        ({"pain_nrs": 11}, ["pain_nrs: must be at most 10, got 11"]),
        ({"pain_nrs": 3.0}, ["pain_nrs: must be an integer, got 3.0"]),
        ({"rdq": 25}, ["rdq: must be at most 24, got 25"]),
        ({"odi": 100.5}, ["odi: must be at most 100, got 100.5"]),
        ({"eq5d_index": 0.5}, ["eq5d_value_set: required when eq5d_index is given"]),
        ({"eq5d_value_set": "UK"}, ["eq5d_value_set: must be null when eq5d_index is not given"]),
        ({"analgesics": "morphine"}, None),
        (
            {"osteoporosis_treatment": "yes"},
            ['osteoporosis_treatment: must be true or false, got "yes"'],
        ),
        ({"status": None}, ["status: must not be null"]),
        ({"date": None}, ["date: required"]),
        (
            {
                "new_fractures": [
                    {"level": "L2", "detected_by": "mri", "symptomatic": True, "adjacent": True}
                ]
            },
            ["new_fractures[0].adjacent: unknown key"],
        ),
        (
            {
                "new_fractures": [
                    {"level": "L2", "detected_by": "mri", "symptomatic": True},
                    {"level": "L2", "detected_by": "ct", "symptomatic": False},
                ]
            },
            ["new_fractures[1].level: duplicate of new_fractures[0]"],
        ),
        ({"complications": [{"type": "infection"}]}, ["complications[0].symptomatic: required"]),
    ],
)
def test_each_problem_at_its_path(changes: dict[str, Any], expected: list[str] | None) -> None:
    lines = errors_of({**BASE, **changes})
    if expected is None:
        assert len(lines) == 1 and "is not one of" in lines[0]
    else:
        assert lines == expected


def test_full_follow_up_round_trips() -> None:
    doc = {
        **BASE,
        "pain_nrs": 2,
        "odi": 22.5,
        "rdq": 6,
        "eq5d_index": -0.1,
        "eq5d_value_set": "UK",
        "analgesics": "weak_opioid",
        "osteoporosis_treatment": True,
        "complications": [{"type": "residual_pain", "symptomatic": True, "note": "mild"}],
        "new_fractures": [{"level": "T12", "detected_by": "radiograph", "symptomatic": False}],
        "status": "seen",
    }
    follow_up = parse_follow_up(doc)
    assert follow_up.model_dump(mode="json") == doc

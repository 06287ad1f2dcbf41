"""Strict reading of case documents (case-v1 "Validation is strict")."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from vertebro import InvalidCase, parse_case
from vertebro.model import Level, parse_case_json
from vertebro.model.enums import Coagulopathy, Sex

BASE: dict[str, Any] = {
    "schema": "vertebro.case/1",
    "case_id": "t-1",
    "patient": {"age_years": 78, "active_infection": False},
    "clinical": {"pain_nrs": 8, "neurology": "intact"},
    "fractures": [{"level": "L1", "etiology": "osteoporotic"}],
}


def errors_of(doc: Any) -> list[str]:
    text = doc if isinstance(doc, str) else json.dumps(doc)
    with pytest.raises(InvalidCase) as info:
        parse_case_json(text)
    return info.value.lines


def with_(path: str, value: Any) -> dict[str, Any]:
    """BASE with ``value`` set at a dotted path (``fractures.0.level``)."""
    doc = copy.deepcopy(BASE)
    node: Any = doc
    *parents, last = path.split(".")
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[int(last) if last.isdigit() else last] = value
    return doc


def test_minimal_case_is_valid_and_defaults_apply() -> None:
    case = parse_case(BASE)
    assert case.patient.sex is Sex.UNKNOWN
    assert case.patient.pregnant is False
    assert case.patient.coagulopathy is Coagulopathy.NONE
    assert case.patient.can_lie_prone is None
    assert case.fractures[0].level is Level.L1
    assert case.fractures[0].morphology == "compression"


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("patient.age_years", 7.0, "patient.age_years: must be an integer, got 7.0"),
        ("patient.age_years", "7", 'patient.age_years: must be an integer, got "7"'),
        ("patient.age_years", True, "patient.age_years: must be an integer, got true"),
        ("patient.age_years", 121, "patient.age_years: must be at most 120, got 121"),
        ("clinical.pain_nrs", -1, "clinical.pain_nrs: must be at least 0, got -1"),
        ("patient.active_infection", 0, "patient.active_infection: must be true or false, got 0"),
        ("patient.t_score", True, "patient.t_score: must be a number, got true"),
        ("clinical.neurology", "Intact", None),
        ("fractures.0.level", "C5", "fractures[0].level: 'C5' is outside T1–L5"),
        ("fractures.0.level", "S1", "fractures[0].level: 'S1' is outside T1–L5"),
        ("patient.pregnant", None, "patient.pregnant: must not be null"),
        ("fractures.0.morphology", None, "fractures[0].morphology: must not be null"),
        ("patient.age_years", None, "patient.age_years: required"),
        ("clinical.neurology", None, "clinical.neurology: required"),
        ("case_id", "a b", None),
        ("case_id", "x" * 65, None),
        ("schema", "vertebro.case/2", None),
        ("fractures.0.endplates_involved", 3, None),
        ("fractures.0.heights_mm", {"anterior": 10, "middle": 10}, None),
        ("fractures.0.height_loss_pct", 100.5, None),
    ],
)
def test_each_bad_value_is_reported_at_its_path(
    path: str, value: Any, expected: str | None
) -> None:
    lines = errors_of(with_(path, value))
    assert len(lines) == 1, lines
    want_path = path.replace(".0.", "[0].")
    if path == "fractures.0.heights_mm":
        want_path = "fractures[0].heights_mm.posterior"
    assert lines[0].startswith(want_path + ": "), lines
    if expected is not None:
        assert lines[0] == expected


def test_integer_is_accepted_where_a_number_is_due() -> None:
    case = parse_case(with_("fractures.0.age_weeks", 3))
    assert case.fractures[0].age_weeks == 3.0


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_rejected(token: str) -> None:
    text = json.dumps(with_("fractures.0.age_weeks", 1.5)).replace("1.5", token)
    assert errors_of(text) == [f"fractures[0].age_weeks: must be a finite number, got {token}"]


def test_unknown_key_is_reported_at_its_own_path() -> None:
    assert errors_of(with_("patient.foo", 1)) == ["patient.foo: unknown key"]
    assert errors_of(with_("fractures.0.hieghts_mm", 1)) == ["fractures[0].hieghts_mm: unknown key"]


def test_repeated_key_is_an_error_even_with_equal_values() -> None:
    text = json.dumps(BASE).replace('"age_years": 78', '"age_years": 78, "age_years": 78')
    assert errors_of(text) == ["patient.age_years: duplicate key"]


def test_repeated_key_with_spaces_before_the_colon_is_found() -> None:
    text = json.dumps(BASE).replace('"age_years": 78', '"age_years" : 78, "age_years"  :78')
    assert errors_of(text) == ["patient.age_years: duplicate key"]


def test_duplicate_level_is_reported_at_the_later_index() -> None:
    doc = copy.deepcopy(BASE)
    doc["fractures"] = [
        {"level": "L1", "etiology": "osteoporotic"},
        {"level": "L2", "etiology": "osteoporotic"},
        {"level": "L1", "etiology": "traumatic"},
    ]
    assert errors_of(doc) == ["fractures[2].level: duplicate of fractures[0]"]


def test_problems_come_in_document_order() -> None:
    doc = {
        "schema": "vertebro.case/1",
        "case_id": "t",
        "patient": {"zzz": 1, "age_years": 1.5, "active_infection": False},
        "clinical": {"pain_nrs": 11, "neurology": "intact"},
        "fractures": [{"level": "L1", "etiology": "bad"}, {"level": "X9", "etiology": "other"}],
    }
    assert errors_of(doc) == [
        "patient.zzz: unknown key",
        "patient.age_years: must be an integer, got 1.5",
        "clinical.pain_nrs: must be at most 10, got 11",
        "fractures[0].etiology: 'bad' is not one of 'osteoporotic', 'traumatic', 'myeloma', "
        "'metastasis', 'hemangioma', 'other' or 'unknown'",
        "fractures[1].level: 'X9' is outside T1–L5",
    ]


def test_fracture_count_is_bounded() -> None:
    assert errors_of(with_("fractures", [])) == ["fractures: must hold at least 1 fracture"]
    levels = [f"T{i}" for i in range(1, 13)] + [f"L{i}" for i in range(1, 6)]
    doc = with_("fractures", [{"level": lv, "etiology": "osteoporotic"} for lv in levels])
    assert len(parse_case(doc).fractures) == 17


def test_landmark_heights_out_of_range_are_reported_at_landmarks() -> None:
    flat = {
        "anterior_superior": [10, 0],
        "anterior_inferior": [10, 0],
        "middle_superior": [0, 20],
        "middle_inferior": [0, 0],
        "posterior_superior": [-10, 90],
        "posterior_inferior": [-10, 0],
    }
    lines = errors_of(with_("fractures.0.landmarks_mm", flat))
    assert len(lines) == 1
    assert lines[0].startswith("fractures[0].landmarks_mm: ")
    assert "anterior height 0.0 mm" in lines[0] and "posterior height 90.0 mm" in lines[0]


def test_landmark_point_needs_two_numbers() -> None:
    points = {
        k: [0, i]
        for i, k in enumerate(
            [
                "anterior_superior",
                "anterior_inferior",
                "middle_superior",
                "middle_inferior",
                "posterior_superior",
                "posterior_inferior",
            ]
        )
    }
    points["anterior_superior"] = [0]
    assert errors_of(with_("fractures.0.landmarks_mm", points)) == [
        "fractures[0].landmarks_mm.anterior_superior: must be [x, y]: too few values"
    ]


@pytest.mark.parametrize(
    ("text", "start"),
    [("{", "$: not valid JSON"), ("[]", "$: must be a JSON object"), ("", "$: not valid JSON")],
)
def test_text_that_is_not_a_case_object(text: str, start: str) -> None:
    lines = errors_of(text)
    assert len(lines) == 1 and lines[0].startswith(start)


def test_fast_and_exact_paths_agree_on_a_valid_case_with_whitespace() -> None:
    text = json.dumps(BASE, indent=4, separators=(" , ", " : "))
    assert parse_case_json(text) == parse_case(BASE)


def test_case_round_trips_through_json() -> None:
    case = parse_case(
        with_("fractures.0.heights_mm", {"anterior": 15, "middle": 20, "posterior": 25})
    )
    again = parse_case_json(case.model_dump_json(exclude_unset=True))
    assert again == case
    assert json.loads(case.model_dump_json())["schema"] == "vertebro.case/1"


@pytest.mark.parametrize("gap", ["\t", "\n", "\r", " "])
def test_a_repeated_key_after_white_space_is_found_in_compact_text(gap: str) -> None:
    """Compact text with one repeated key whose colon follows white space: the fast key
    count must not miss it."""
    text = json.dumps(BASE, separators=(",", ":")).replace(
        '"age_years":78', f'"age_years":78,"age_years"{gap}:78'
    )
    assert errors_of(text) == ["patient.age_years: duplicate key"]

"""Strict reading of ``vertebro.procedure/1`` (registry-v1): errors with paths, in order."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from vertebro.errors import InvalidProcedure
from vertebro.model import Procedure, parse_procedure, parse_procedure_json

BASE: dict[str, Any] = {
    "schema": "vertebro.procedure/1",
    "status": "performed",
    "date": "2026-03-01",
    "operator": "Dr A",
    "anaesthesia": "general",
    "levels": [
        {
            "level": "L1",
            "technique": "kyphoplasty",
            "approach": "bipedicular",
            "cement_viscosity": "standard",
            "cement_ml": 4.5,
            "balloon_ml": 3,
        }
    ],
}


def errors_of(doc: Any) -> list[str]:
    text = doc if isinstance(doc, str) else json.dumps(doc)
    with pytest.raises(InvalidProcedure) as info:
        parse_procedure_json(text)
    return info.value.lines


def changed(**paths: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    for path, value in paths.items():
        node: Any = doc
        *parents, last = path.split("__")
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value
    return doc


def test_minimal_procedure_and_defaults() -> None:
    procedure = parse_procedure(BASE)
    assert isinstance(procedure, Procedure)
    assert procedure.biopsy.taken is False and procedure.complications == []
    assert procedure.levels[0].leakage is None
    assert procedure.model_dump(mode="json")["date"] == "2026-03-01"
    assert parse_procedure(procedure.model_dump(mode="json")) == procedure


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (changed(date="2026-02-30"), ['date: must be an ISO date YYYY-MM-DD, got "2026-02-30"']),
        (changed(date="01/03/2026"), ['date: must be an ISO date YYYY-MM-DD, got "01/03/2026"']),
        (changed(date=20260301), ["date: must be an ISO date YYYY-MM-DD, got 20260301"]),
        (
            changed(status="done"),
            ["status: 'done' is not one of 'scheduled', 'performed' or 'cancelled'"],
        ),
        (changed(operator=None), ["operator: required"]),
        (changed(operator=""), ["operator: must not be empty"]),
        (changed(operator="a\x00b"), ["operator: must not contain control characters"]),
        (changed(biopsy=None), ["biopsy: must not be null"]),
        (changed(biopsy={"taken": 1}), ["biopsy.taken: must be true or false, got 1"]),
        (changed(duration_min=30.0), ["duration_min: must be an integer, got 30.0"]),
        (changed(duration_min=-1), ["duration_min: must be at least 0, got -1"]),
        (changed(fluoroscopy_s=True), ["fluoroscopy_s: must be a number, got true"]),
        (changed(levels=[]), ["levels: must hold at least 1 item"]),
        (changed(levels__0__level="C5"), ["levels[0].level: 'C5' is outside T1–L5"]),
        (changed(levels__0__cement_ml=0), ["levels[0].cement_ml: must be greater than 0, got 0"]),
        (changed(levels__0__foo=1), ["levels[0].foo: unknown key"]),
        (
            changed(levels__0__technique="vertebroplasty"),
            ["levels[0].balloon_ml: must be null for vertebroplasty (no balloon)"],
        ),
        (
            changed(
                levels__0__leakage={"present": False, "types": ["venous"], "detected_by": "ct"}
            ),
            ["levels[0].leakage.types: must be empty when present is false"],
        ),
        (
            changed(levels__0__leakage={"present": True, "types": ["lung"], "detected_by": "ct"}),
            [
                "levels[0].leakage.types[0]: 'lung' is not one of 'venous', 'disc', "
                "'epidural', 'foraminal' or 'paravertebral'"
            ],
        ),
        (
            changed(levels__0__post_heights_mm={"anterior": 20, "middle": 20}),
            ["levels[0].post_heights_mm.posterior: required"],
        ),
        (changed(discharge_date="2026-02-01"), ["discharge_date: must not be before date"]),
        (
            changed(complications=[{"type": "fire", "symptomatic": False}]),
            [
                "complications[0].type: 'fire' is not one of 'cement_leakage', "
                "'pulmonary_cement_embolism', 'nerve_damage', 'infection', 'bleeding', "
                "'thromboembolism', 'anaesthesia_reaction', 'residual_pain', 'readmission', "
                "'repeat_augmentation', 'death' or 'other'"
            ],
        ),
        (changed(schema="vertebro.procedure/2"), None),
    ],
)
def test_each_problem_at_its_path(doc: dict[str, Any], expected: list[str] | None) -> None:
    lines = errors_of(doc)
    if expected is None:
        assert len(lines) == 1 and lines[0].startswith("schema: must be 'vertebro.procedure/1'")
    else:
        assert lines == expected


def test_problems_in_document_order_with_duplicates_and_nan() -> None:
    text = (
        '{"schema": "vertebro.procedure/1", "status": "performed", "status": "performed", '
        '"date": "2026-03-01", "operator": "A", "anaesthesia": "general", '
        '"fluoroscopy_s": NaN, "levels": ['
        '{"level": "L1", "technique": "kyphoplasty", "approach": "bipedicular", '
        '"cement_viscosity": "standard", "cement_ml": 4},'
        '{"level": "L1", "technique": "kyphoplasty", "approach": "bipedicular", '
        '"cement_viscosity": "standard", "cement_ml": 4, "cement_ml": 5}], "extra": 1}'
    )
    assert errors_of(text) == [
        "status: duplicate key",
        "fluoroscopy_s: must be a finite number, got NaN",
        "levels[1].level: duplicate of levels[0]",
        "levels[1].cement_ml: duplicate key",
        "extra: unknown key",
    ]


def test_not_json_and_not_an_object() -> None:
    assert errors_of("{")[0].startswith("$: not valid JSON: ")
    assert errors_of("[]") == ["$: must be a JSON object, got []"]
    assert errors_of({k: v for k, v in BASE.items() if k != "levels"}) == ["levels: required"]

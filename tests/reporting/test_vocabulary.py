"""One vocabulary for people: every case field has its label; nothing a clinician reads in
the text report shows a JSON path."""

from __future__ import annotations

import re

import pytest

from tests.conftest import EXAMPLES
from vertebro import assess, parse_case
from vertebro.model.case import Case, Clinical, Fracture, Patient
from vertebro.reporting import assessment_text
from vertebro.reporting.vocabulary import (
    FIELD_LABELS,
    assessment_levels,
    field_words,
    missing_words,
    problem_words,
)

PATH = re.compile(r"(fractures\[|patient\.|clinical\.|_[a-z]+ [<>=])")


def test_every_case_field_has_a_label() -> None:
    paths = [info.alias or name for name, info in Case.model_fields.items()]
    for prefix, model in (
        ("patient.", Patient),
        ("clinical.", Clinical),
        ("fractures[].", Fracture),
    ):
        paths += [prefix + (info.alias or name) for name, info in model.model_fields.items()]
    unlabelled = [p for p in paths if p not in FIELD_LABELS]
    assert unlabelled == []
    assert len(paths) > 50


@pytest.mark.parametrize("example", sorted(p.stem for p in EXAMPLES.glob("*.json")))
def test_the_text_report_shows_no_json_path(example: str) -> None:
    text = assessment_text(assess(parse_case((EXAMPLES / f"{example}.json").read_text())))
    assert PATH.search(text) is None, PATH.search(text)


def test_fracture_paths_name_the_level_of_that_fracture() -> None:
    case = parse_case((EXAMPLES / "workup-missing-mri-and-plc.json").read_text())
    assessment = assess(case)
    levels = assessment_levels(assessment)
    assert [str(f.level) for f in case.fractures] == ["L1", "T11"]
    assert levels == ["L1", "T11"]
    assert missing_words("fractures[1].mri_edema", levels).startswith("T11 — Bone oedema on MRI")
    assert field_words("fractures[0].plc", levels) == "L1 — Posterior ligamentous complex"


def test_problems_in_words() -> None:
    assert problem_words("patient.age_years: required") == "Age: required"
    assert problem_words("fractures[2].level: duplicate of fractures[0]", ["L1", "T4", "L1"]) == (
        "L1 — Level: duplicate of L1"
    )
    assert problem_words("fractures[5].plc: 'x' is not one of …", []) == (
        "Fractured level 6 — Posterior ligamentous complex: 'x' is not one of …"
    )

"""The batch writer (``verdict_json``) against the ``Assessment`` model: the same bytes."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pydantic_core
import pytest
from hypothesis import given

from benchmarks.case_generator import generate_cases
from tests.conftest import EXAMPLES
from tests.guidance.cases import candidate, fracture
from tests.strategies import cases
from vertebro import assess, parse_case
from vertebro.guidance.engine import evaluate, to_assessment
from vertebro.guidance.verdict_json import verdict_json
from vertebro.model.assessment import Score
from vertebro.model.fast import build

NAMES = sorted(p.stem for p in EXAMPLES.glob("*.json"))


def model_json(doc: dict[str, Any]) -> bytes:
    return assess(parse_case(doc)).model_dump_json().encode()


@pytest.mark.parametrize("name", NAMES)
def test_every_example_is_written_as_the_model_writes_it(name: str) -> None:
    doc = json.loads((EXAMPLES / f"{name}.json").read_text())
    assert verdict_json(evaluate(parse_case(doc))) == model_json(doc)


@given(cases())
def test_generated_cases_are_written_as_the_model_writes_them(doc: dict[str, Any]) -> None:
    assert verdict_json(evaluate(parse_case(doc))) == model_json(doc)


def test_the_realistic_mix_is_written_as_the_model_writes_it() -> None:
    """2,000 cases of the benchmarks' mix, in which every decision and every rule occurs."""
    for doc in generate_cases(2_000, seed=0):
        assert verdict_json(evaluate(parse_case(doc))) == model_json(doc), doc["case_id"]


def test_sessions_with_different_discharges_get_their_own_aftercare_item() -> None:
    """Four treated levels: a session of 3 (overnight) and one of 1 (same day), so the A-1
    item is built for this plan and is not one of the shared items."""
    doc = candidate(
        fractures=[
            fracture("T6", height_loss_pct=30.0),
            fracture("T7", height_loss_pct=30.0),
            fracture("T8", height_loss_pct=30.0),
            fracture("L2", height_loss_pct=60.0),
        ]
    )
    verdict = evaluate(parse_case(doc))
    assert verdict.plan is not None
    assert [s.discharge for s in verdict.plan.sessions] == ["same_day", "overnight"]
    assert verdict_json(verdict) == to_assessment(verdict).model_dump_json().encode()
    assert b"session 1 same day; session 2 overnight" in verdict_json(verdict)


def test_a_score_built_outside_the_engine_is_written_exactly() -> None:
    doc = json.loads((EXAMPLES / "l1-wedge.json").read_text())
    verdict = evaluate(parse_case(doc))
    level = verdict.levels[0]
    level.facts.tlics = build(Score, value=None, interpretation=None, missing=["x.y"])
    written = json.loads(verdict_json(verdict))
    assert written["levels"][0]["scores"]["tlics"] == {
        "value": None,
        "interpretation": None,
        "missing": ["x.y"],
    }
    assert verdict_json(verdict) == to_assessment(verdict).model_dump_json().encode()


def test_every_tenth_the_engine_reports_is_formatted_as_pydantic_formats_it() -> None:
    """Losses (0–100 %), wedge angles (±180°) and cement volumes are rounded to 0.1."""
    values = [sign * tenths / 10.0 for tenths in range(1_801) for sign in (1.0, -1.0)]
    assert orjson.dumps(values) == pydantic_core.to_json(values)

"""The benchmarks' case generator (``benchmarks/case_generator.py``): valid, reproducible,
realistic in size, and exercising the whole rulebook — the tests that compare writers and
builds over generated cases rely on it."""

from __future__ import annotations

import json

import pytest

from benchmarks.case_generator import Mix, generate_cases, mix_of
from vertebro import assess, parse_case
from vertebro.guidance.catalogue import rule_ids
from vertebro.model.enums import Recommendation

CASES = 2_000


@pytest.fixture(scope="module")
def documents() -> list[dict]:
    return list(generate_cases(CASES, seed=0))


@pytest.fixture(scope="module")
def mix(documents: list[dict]) -> Mix:
    return mix_of(assess(parse_case(doc)).model_dump(mode="json") for doc in documents)


def test_the_same_seed_gives_the_same_cases_and_another_seed_others(documents: list[dict]):
    assert list(generate_cases(50, seed=0)) == documents[:50]
    assert list(generate_cases(50, seed=1)) != documents[:50]


def test_cases_are_about_two_levels_and_950_bytes(documents: list[dict]):
    levels = sum(len(doc["fractures"]) for doc in documents) / CASES
    size = sum(len(json.dumps(doc)) for doc in documents) / CASES
    assert 1.8 <= levels <= 2.4
    assert 850 <= size <= 1_100
    assert {doc["case_id"] for doc in documents} == {f"mix-{i:06d}" for i in range(CASES)}


def test_every_overall_recommendation_occurs(mix: Mix):
    assert set(mix.decisions) == set(Recommendation)
    assert mix.decisions.most_common(1)[0][0] == "kyphoplasty"  # a unit's usual worklist
    assert 0.3 <= mix.plans / mix.cases <= 0.6


def test_every_rule_of_the_rulebook_fires(mix: Mix):
    never = [rule for rule in rule_ids() if mix.rules[rule] == 0]
    assert never == []


def test_the_mix_holds_what_the_rules_test(documents: list[dict]):
    """Landmarks, a given loss or OF class, burst morphology, retropulsion, instability,
    coagulopathy, pregnancy, cement allergy and collapses beyond 70 % all occur."""
    fractures = [f for doc in documents for f in doc["fractures"]]
    patients = [doc["patient"] for doc in documents]
    assert any("landmarks_mm" in f and "heights_mm" not in f for f in fractures)
    assert any("height_loss_pct" in f for f in fractures)
    assert any("of_class" in f for f in fractures)
    assert any(f.get("morphology") == "burst" and f.get("retropulsion") for f in fractures)
    assert any(f.get("unstable") for f in fractures)
    assert any(p.get("coagulopathy") == "uncorrectable" for p in patients)
    assert any(p.get("pregnant") for p in patients)
    assert any(p.get("cement_allergy") for p in patients)
    losses = [f["height_loss_pct"] for f in fractures if "height_loss_pct" in f]
    assert any(70 <= x <= 80 for x in losses) and any(x > 80 for x in losses)

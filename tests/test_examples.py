"""Every bundled example against its hand-derived expectation (``examples/expected/``).

The expectations were worked out from the rulebook by hand, independently of the engine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.conftest import EXAMPLES
from vertebro import assess, parse_case

NAMES = sorted(p.stem for p in EXAMPLES.glob("*.json"))


def expectation(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / "expected" / f"{name}.json").read_text())
    return data


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["rule"] for item in items]


def test_there_are_enough_examples_covering_every_recommendation() -> None:
    assert len(NAMES) >= 10
    seen = {expectation(name)["recommendation"] for name in NAMES}
    assert seen == {
        "kyphoplasty",
        "vertebroplasty",
        "either",
        "mixed",
        "open_surgery",
        "conservative",
        "contraindicated",
        "needs_workup",
    }


@pytest.mark.parametrize("name", NAMES)
def test_example_assessment_matches_its_expectation(name: str) -> None:
    want = expectation(name)
    doc = json.loads((EXAMPLES / f"{name}.json").read_text())
    assert doc["case_id"] == name
    got = assess(parse_case(doc)).model_dump(mode="json")

    assert got["recommendation"] == want["recommendation"]
    assert ids(got["reasons"]) == want["reasons"]
    assert ids(got["cautions"]) == want["cautions"]
    assert got["missing"] == want["missing"]
    assert [lv["level"] for lv in got["levels"]] == [lv["level"] for lv in want["levels"]]
    for level, exp in zip(got["levels"], want["levels"], strict=True):
        where = f"{name} {level['level']}"
        for key in (
            "recommendation",
            "height_loss_pct",
            "height_loss_source",
            "genant_grade",
            "shape",
            "wedge_angle_deg",
            "of_class",
            "timing",
            "missing",
        ):
            assert level[key] == exp[key], f"{where} {key}"
        assert ids(level["reasons"]) == exp["reasons"], where
        assert ids(level["cautions"]) == exp["cautions"], where
        for score in ("of_score", "tlics", "sins"):
            assert level["scores"][score]["value"] == exp[score], f"{where} {score}"
            assert level["scores"][score]["missing"] == exp[f"{score}_missing"], f"{where} {score}"

    if want["plan"] is None:
        assert got["plan"] is None
        return
    plan, exp_plan = got["plan"], want["plan"]
    assert plan["sessions"] == exp_plan["sessions"]
    assert plan["levels"] == exp_plan["levels"]
    assert ids(plan["aftercare"]) == exp_plan["aftercare"]
    assert len(plan["follow_up"]) == exp_plan["follow_up_count"]


@pytest.mark.parametrize("name", NAMES)
def test_cli_prints_the_expected_decision(name: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vertebro.cli", "assess", str(EXAMPLES / f"{name}.json")],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["recommendation"] == expectation(name)["recommendation"]

"""The whole outcomes document: shape, JSON safety, demo rows, documentation of keys."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from tests.conftest import ROOT
from vertebro.model import Level, Technique
from vertebro.outcomes import PatientOutcome, TechniqueGroup, json_safe, outcomes_report
from vertebro.outcomes.records import TIMED_VISITS, FollowUpStatus, LeakageDetection, Visit

from .factories import ANCHOR, level, patient, visit

AS_OF = ANCHOR + timedelta(days=400)
VISIT_NAMES = {v.value for v in TIMED_VISITS}
GRADE_KEYS = {"0", "1", "2", "3", "unknown"}


def _cohort() -> list[PatientOutcome]:
    kp, vp = TechniqueGroup.KYPHOPLASTY, TechniqueGroup.VERTEBROPLASTY
    return [
        patient(kp, pid="k1", baseline_nrs=8, baseline_odi=60.0, follow_ups=(
            visit(Visit.MONTH_1, 30, 3, odi=30.0),
            visit(Visit.MONTHS_12, 365, 2, fractures=(Level.L2,)),
        ), levels=(level(Level.L1, Technique.KYPHOPLASTY, leakage=False,
                         detected_by=LeakageDetection.RADIOGRAPH),)),
        patient(kp, pid="k2", baseline_nrs=7, follow_ups=(visit(Visit.MONTH_1, 31, 5),)),
        patient(vp, pid="v1", baseline_nrs=9, grade=3, follow_ups=(
            visit(Visit.MONTH_1, 29, 4), visit(Visit.MONTHS_3, 90, status=FollowUpStatus.DECEASED),
        ), levels=(level(Level.T12, Technique.VERTEBROPLASTY, grade=3, leakage=True,
                         detected_by=LeakageDetection.CT),)),
        patient(vp, pid="v2", baseline_nrs=6, grade=3, follow_ups=(visit(Visit.MONTH_1, 30, 6),)),
        patient(vp, pid="demo", is_demo=True, follow_ups=(visit(Visit.MONTH_1, 30, 0),)),
    ]  # fmt: skip


def _keys(document: Any, found: set[str]) -> set[str]:
    if isinstance(document, dict):
        for key, value in document.items():
            if key not in VISIT_NAMES and key not in GRADE_KEYS:
                found.add(key)
            _keys(value, found)
    elif isinstance(document, list):
        for value in document:
            _keys(value, found)
    return found


def test_empty_registry_gives_zero_counts_and_valid_json() -> None:
    r = outcomes_report([], as_of=AS_OF)
    json.dumps(r, allow_nan=False)
    assert r["n"] == 0
    assert set(r["by_technique"]) == {"kyphoplasty", "vertebroplasty", "mixed"}
    assert all(g["n"] == 0 for g in r["by_technique"].values())
    assert r["by_technique"]["mixed"]["success"]["1 month"] == {
        "value": None, "ci_low": None, "ci_high": None, "events": 0, "n": 0, "small_n": True,
    }  # fmt: skip
    assert list(r["completeness"]) == [v.value for v in TIMED_VISITS]
    assert r["completeness"]["12 months"]["due"] == 0


def test_demo_rows_are_left_out_unless_asked_for() -> None:
    r = outcomes_report(_cohort(), as_of=AS_OF)
    assert (r["n"], r["demo_left_out"]) == (4, 1)
    assert r["by_technique"]["vertebroplasty"]["n"] == 2
    with_demo = outcomes_report(_cohort(), as_of=AS_OF, include_demo=True)
    assert (with_demo["n"], with_demo["demo_left_out"]) == (5, 0)
    assert "demo_included" in {c["code"] for c in with_demo["caveats"]}


def test_figures_of_a_small_cohort_by_hand() -> None:
    """Hand figures (demo left out): KP 1-month NRS changes −5, −2 → mean −3.5, R-1 1/2
    (8→3 yes; 7→5 no: 20 < 21); VP −5, 0 → R-1 1/2 (9→4 yes; 6→6 no). KP: k2 censored on
    day 31, k1's new fracture at L2 (untreated) on day 365 with one at risk, so
    S(365) = 0. VP: the death on day 90 is censored."""
    r = outcomes_report(_cohort(), as_of=AS_OF)
    kp = r["by_technique"]["kyphoplasty"]
    assert kp["nrs_change"]["1 month"]["mean"] == -3.5
    assert (kp["success"]["1 month"]["events"], kp["success"]["1 month"]["n"]) == (1, 2)
    assert kp["odi_change"]["1 month"]["mean"] == -30.0
    km = kp["new_fracture_km"]
    assert km["times"] == [0, 31, 365] and km["events"] == [0, 0, 1]
    assert km["at_12_months"]["value"] == 0.0
    vp = r["by_technique"]["vertebroplasty"]
    assert vp["new_fracture_km"]["deaths_censored"] == 1
    assert vp["leakage_rate"]["ct"]["events"] == 1 and vp["leakage_rate"]["ct"]["n_levels"] == 1
    assert vp["leakage_rate"]["not_assessed"] == 1
    c = r["comparison"]
    assert c["randomised"] is False and c["label"] == "non-randomised"
    assert c["nrs_change"]["1 month"]["difference"] == -3.5 - (-2.5)
    assert c["by_genant_grade"]["3"]["n_vertebroplasty"] == 2
    assert c["by_genant_grade"]["2"]["n_kyphoplasty"] == 2
    assert r["caveats"][0]["code"] == "non_randomised"
    assert {"small_n", "deaths_censored"} <= {x["code"] for x in r["caveats"]}


def test_filters() -> None:
    only_kp = outcomes_report(_cohort(), as_of=AS_OF, technique=TechniqueGroup.KYPHOPLASTY)
    assert only_kp["n"] == 2 and only_kp["by_technique"]["vertebroplasty"]["n"] == 0
    later = outcomes_report(_cohort(), as_of=AS_OF, since=ANCHOR + timedelta(days=1))
    assert later["n"] == 0 and later["filters"]["since"] == "2025-01-07"


def test_never_nan_or_infinity() -> None:
    assert json_safe({"x": [float("nan"), float("-inf"), 1.5], "y": (1, None)}) == {
        "x": [None, None, 1.5],
        "y": [1, None],
    }
    json.dumps(outcomes_report(_cohort(), as_of=AS_OF, include_demo=True), allow_nan=False)


def test_every_key_is_documented() -> None:
    """Every key the report produces appears, in backticks, in docs/outcomes-json.md."""
    doc = (ROOT / "docs" / "outcomes-json.md").read_text()
    documented = set(re.findall(r"`([a-z0-9_]+)`", doc))
    produced = _keys(outcomes_report(_cohort(), as_of=AS_OF, include_demo=True), set())
    assert produced - documented == set()

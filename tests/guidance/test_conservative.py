"""Q — not a candidate now: the first Q rule that holds makes the level ``conservative``.
A painless or improving fracture stays conservative whatever its shape."""

from __future__ import annotations

import pytest

from .cases import assess_case, candidate, fracture, rule_ids


def _decision(**fields):
    result = assess_case(candidate(**fields))
    level = result["levels"][0]
    return level["recommendation"], rule_ids(level["reasons"]), result


@pytest.mark.parametrize(
    ("pain_nrs", "expected", "rules"),
    [
        pytest.param(0, "conservative", ["Q-1"], id="nrs0"),
        pytest.param(4, "conservative", ["Q-1"], id="nrs4-below-threshold"),
        pytest.param(5, "kyphoplasty", ["T-5"], id="nrs5-at-threshold"),
        pytest.param(10, "kyphoplasty", ["T-5"], id="nrs10"),
    ],
)
def test_Q1_pain_threshold(pain_nrs, expected, rules):
    recommendation, reasons, result = _decision(pain_nrs=pain_nrs)
    assert (recommendation, reasons) == (expected, rules)
    assert result["recommendation"] == expected


@pytest.mark.parametrize(
    ("pain_trend", "expected", "rules"),
    [
        pytest.param("improving", "conservative", ["Q-2"], id="improving"),
        pytest.param("stable", "kyphoplasty", ["T-5"], id="stable"),
        pytest.param("worsening", "kyphoplasty", ["T-5"], id="worsening"),
        pytest.param(None, "kyphoplasty", ["T-5"], id="unknown-trend"),
    ],
)
def test_Q2_improving_pain(pain_trend, expected, rules):
    assert _decision(pain_trend=pain_trend)[:2] == (expected, rules)


@pytest.mark.parametrize(
    ("mri_edema", "cleft", "expected", "rules"),
    [
        pytest.param(False, None, "conservative", ["Q-3"], id="no-oedema-cleft-unknown"),
        pytest.param(False, False, "conservative", ["Q-3"], id="no-oedema-no-cleft"),
        # 2026.2: a cleft is a non-united fracture, not a healed one; T-4 decides
        pytest.param(False, True, "kyphoplasty", ["T-4"], id="no-oedema-with-cleft"),
        pytest.param(True, None, "kyphoplasty", ["T-5"], id="oedema-cleft-unknown"),
        pytest.param(True, False, "kyphoplasty", ["T-5"], id="oedema-no-cleft"),
        pytest.param(True, True, "kyphoplasty", ["T-4"], id="oedema-with-cleft"),
        pytest.param(None, None, "needs_workup", ["N-2"], id="unknown-oedema-is-N-2-not-Q-3"),
        pytest.param(None, False, "needs_workup", ["N-2"], id="unknown-oedema-no-cleft"),
        pytest.param(None, True, "needs_workup", ["N-2"], id="unknown-oedema-with-cleft"),
    ],
)
def test_Q3_no_oedema_and_no_cleft(mri_edema, cleft, expected, rules):
    decided = _decision(mri_edema=mri_edema, intravertebral_cleft=cleft)[:2]
    assert decided == (expected, rules)


def test_Q3_kummell_cleft_without_oedema_is_kyphoplasty_with_the_leakage_caution():
    """The rulebook 2026.2 example: 76 years, T12 30 % loss, NRS 7, pain at the level,
    medication not enough, no oedema but a fluid-filled cleft (2026.1: conservative)."""
    result = assess_case(
        candidate(
            age_years=76,
            pain_nrs=7,
            fractures=[
                fracture("T12", height_loss_pct=30.0, mri_edema=False, intravertebral_cleft=True)
            ],
        )
    )
    level = result["levels"][0]
    assert result["recommendation"] == "kyphoplasty"
    assert rule_ids(level["reasons"]) == ["T-4"]
    assert rule_ids(level["cautions"]) == ["K-5"]
    assert result["plan"]["levels"][0]["cement_viscosity"] == "high"


@pytest.mark.parametrize(
    ("pain_at_level", "expected", "rules"),
    [
        pytest.param(False, "conservative", ["Q-4"], id="pain-elsewhere"),
        pytest.param(True, "kyphoplasty", ["T-5"], id="pain-at-level"),
        pytest.param(None, "needs_workup", ["N-3"], id="unknown-is-N-3-not-Q-4"),
    ],
)
def test_Q4_pain_not_from_this_fracture(pain_at_level, expected, rules):
    assert _decision(pain_at_level=pain_at_level)[:2] == (expected, rules)


@pytest.mark.parametrize(
    ("setting", "pain_nrs", "expected", "rules"),
    [
        pytest.param("outpatient", 8, "conservative", ["Q-5"], id="outpatient-nrs8"),
        pytest.param("outpatient", 10, "conservative", ["Q-5"], id="outpatient-nrs10"),
        pytest.param("inpatient", 7, "conservative", ["Q-5"], id="inpatient-nrs7"),
        pytest.param("inpatient", 8, "kyphoplasty", ["T-5"], id="inpatient-nrs8-exempt"),
        pytest.param("inpatient", 9, "kyphoplasty", ["T-5"], id="inpatient-nrs9-exempt"),
    ],
)
def test_Q5_pain_controlled_by_medication(setting, pain_nrs, expected, rules):
    recommendation, reasons, _ = _decision(
        setting=setting, pain_nrs=pain_nrs, medication_insufficient=False
    )
    assert (recommendation, reasons) == (expected, rules)


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        pytest.param(
            {
                "pain_nrs": 4,
                "pain_trend": "improving",
                "mri_edema": False,
                "pain_at_level": False,
                "medication_insufficient": False,
            },
            "Q-1",
            id="all-hold-Q-1-first",
        ),
        pytest.param(
            {
                "pain_trend": "improving",
                "mri_edema": False,
                "pain_at_level": False,
                "medication_insufficient": False,
            },
            "Q-2",
            id="Q-2-before-Q-3",
        ),
        pytest.param(
            {"mri_edema": False, "pain_at_level": False, "medication_insufficient": False},
            "Q-3",
            id="Q-3-before-Q-4",
        ),
        pytest.param(
            {"pain_at_level": False, "medication_insufficient": False},
            "Q-4",
            id="Q-4-before-Q-5",
        ),
    ],
)
def test_only_the_first_Q_rule_that_holds_is_reported(fields, rule):
    assert _decision(**fields)[:2] == ("conservative", [rule])


SHAPES = [
    pytest.param({"height_loss_pct": 10.0}, id="loss-10"),
    pytest.param({"height_loss_pct": 45.0, "morphology": "burst"}, id="burst-loss-45"),
    pytest.param({"height_loss_pct": 75.0, "intravertebral_cleft": True}, id="loss-75-cleft"),
    pytest.param({"height_loss_pct": 90.0}, id="loss-90-complete-collapse"),
    pytest.param({"height_loss_pct": 30.0, "progressive_collapse": True}, id="progressive"),
]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    ("clinical", "rule"),
    [
        pytest.param({"pain_nrs": 3}, "Q-1", id="painless"),
        pytest.param({"pain_trend": "improving"}, "Q-2", id="improving"),
    ],
)
def test_a_painless_or_improving_fracture_stays_conservative_whatever_its_shape(
    shape, clinical, rule
):
    recommendation, reasons, result = _decision(**shape, **clinical)
    assert (recommendation, reasons) == ("conservative", [rule])
    assert result["recommendation"] == "conservative"
    assert result["plan"] is None


def test_a_conservative_level_is_not_treated_beside_a_treated_one():
    case = candidate(
        fractures=[fracture("T10", pain_at_level=False), fracture("L2", height_loss_pct=30.0)]
    )
    result = assess_case(case)
    assert [lv["recommendation"] for lv in result["levels"]] == ["conservative", "kyphoplasty"]
    assert result["recommendation"] == "kyphoplasty"
    assert [p["level"] for p in result["plan"]["levels"]] == ["L2"]

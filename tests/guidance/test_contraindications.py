"""C — absolute contraindications (patient level): every C rule that holds is reported on
every level, every level is ``contraindicated``, and nothing is planned."""

from __future__ import annotations

import pytest

from .cases import assess_case, candidate, fracture, level_of, rule_ids

C_TRIGGERS = [
    pytest.param("C-1", {"active_infection": True}, id="C-1-active-infection"),
    pytest.param("C-2", {"pregnant": True}, id="C-2-pregnant"),
    pytest.param("C-3", {"coagulopathy": "uncorrectable"}, id="C-3-uncorrectable-coagulopathy"),
    pytest.param("C-4", {"cement_allergy": True}, id="C-4-cement-allergy"),
]


@pytest.mark.parametrize(("rule", "patient"), C_TRIGGERS)
def test_each_contraindication_makes_the_case_contraindicated(rule, patient):
    result = assess_case(candidate(**patient))
    assert result["recommendation"] == "contraindicated"
    (level,) = result["levels"]
    assert level["recommendation"] == "contraindicated"
    assert rule_ids(level["reasons"]) == [rule]
    assert rule_ids(result["reasons"]) == [rule]
    assert level["missing"] == []
    assert result["plan"] is None


@pytest.mark.parametrize(
    "patient",
    [
        pytest.param({"active_infection": False}, id="no-infection"),
        pytest.param({"pregnant": False}, id="not-pregnant"),
        pytest.param({"coagulopathy": "none"}, id="no-coagulopathy"),
        pytest.param({"coagulopathy": "correctable"}, id="correctable-coagulopathy-is-not-C-3"),
        pytest.param({"cement_allergy": False}, id="no-allergy"),
    ],
)
def test_no_contraindication_leaves_the_candidate_treated(patient):
    result = assess_case(candidate(**patient))
    assert result["recommendation"] == "kyphoplasty"
    assert not {"C-1", "C-2", "C-3", "C-4"} & set(rule_ids(result["reasons"]))


def test_every_contraindication_that_holds_is_reported_in_rule_order():
    case = candidate(
        cement_allergy=True, coagulopathy="uncorrectable", pregnant=True, active_infection=True
    )
    result = assess_case(case)
    assert rule_ids(result["levels"][0]["reasons"]) == ["C-1", "C-2", "C-3", "C-4"]
    assert rule_ids(result["reasons"]) == ["C-1", "C-2", "C-3", "C-4"]


def test_contraindication_is_reported_on_every_level_and_beats_every_other_group():
    # T6 would be open surgery (unstable), L1 conservative (painless level), L3 needs
    # work-up (no MRI): the patient-level contraindication still decides each of them.
    case = candidate(
        pregnant=True,
        fractures=[
            fracture("L3", mri_edema=None),
            fracture("T6", unstable=True),
            fracture("L1", pain_at_level=False),
            fracture("T12", height_loss_pct=30.0),
        ],
    )
    result = assess_case(case)
    assert result["recommendation"] == "contraindicated"
    assert [lv["level"] for lv in result["levels"]] == ["T6", "T12", "L1", "L3"]
    for level in result["levels"]:
        assert level["recommendation"] == "contraindicated"
        assert rule_ids(level["reasons"]) == ["C-2"]
        assert level["missing"] == []
    assert rule_ids(result["reasons"]) == ["C-2"]
    assert result["missing"] == []
    assert result["plan"] is None


def test_contraindication_beats_a_neurological_deficit_and_unknown_neurology():
    for neurology in ("cauda_equina", "unknown"):
        result = assess_case(candidate(active_infection=True, neurology=neurology))
        assert result["recommendation"] == "contraindicated"
        assert rule_ids(result["levels"][0]["reasons"]) == ["C-1"]
        assert result["missing"] == []


def test_contraindicated_levels_still_get_measurements_timing_and_cautions():
    case = candidate(
        cement_allergy=True,
        anticoagulated=True,
        fractures=[fracture("T3", age_weeks=1, intravertebral_cleft=True)],
    )
    result = assess_case(case)
    level = level_of(result, "T3")
    assert level["height_loss_pct"] == 40.0
    assert level["genant_grade"] == 2
    assert level["timing"] == "favourable"
    # K-5 cleft, K-7 < 2 weeks, K-8 upper thoracic: computed whatever the decision
    assert rule_ids(level["cautions"]) == ["K-5", "K-7", "K-8"]
    assert rule_ids(result["cautions"]) == ["K-1"]

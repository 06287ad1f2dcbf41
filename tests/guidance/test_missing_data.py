"""N — missing data. N-1 (unknown neurology) runs before Q and is reported alone; N-2 … N-7
run after Q and every one that holds is reported, in order, with its fields."""

from __future__ import annotations

import pytest

from .cases import OMIT, assess_case, candidate, fracture, level_of, rule_ids


def test_N1_unknown_neurology_alone_is_reported():
    # N-2, N-3, N-4 and N-5 would hold as well: N-1 is "the only rule reported"
    case = candidate(
        neurology="unknown",
        mri_edema=None,
        pain_at_level=None,
        medication_insufficient=None,
        heights_mm=OMIT,
    )
    result = assess_case(case)
    level = result["levels"][0]
    assert level["recommendation"] == "needs_workup"
    assert rule_ids(level["reasons"]) == ["N-1"]
    assert level["missing"] == ["clinical.neurology"]
    assert result["recommendation"] == "needs_workup"
    assert result["missing"] == ["clinical.neurology"]
    assert result["plan"] is None


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"pain_nrs": 3}, id="N-1-before-Q-1"),
        pytest.param({"pain_trend": "improving"}, id="N-1-before-Q-2"),
        pytest.param({"mri_edema": False}, id="N-1-before-Q-3"),
    ],
)
def test_N1_comes_before_the_Q_group(fields):
    result = assess_case(candidate(neurology="unknown", **fields))
    assert result["levels"][0]["recommendation"] == "needs_workup"
    assert rule_ids(result["levels"][0]["reasons"]) == ["N-1"]


@pytest.mark.parametrize(
    ("fields", "rule", "missing"),
    [
        pytest.param({"mri_edema": None}, "N-2", ["fractures[0].mri_edema"], id="N-2-mri-edema"),
        pytest.param(
            {"pain_at_level": None}, "N-3", ["fractures[0].pain_at_level"], id="N-3-pain-at-level"
        ),
        pytest.param(
            {"medication_insufficient": None},
            "N-4",
            ["clinical.medication_insufficient"],
            id="N-4-medication",
        ),
        pytest.param(
            {"heights_mm": OMIT}, "N-5", ["fractures[0].height_loss_pct"], id="N-5-no-geometry"
        ),
    ],
)
def test_each_N_rule_alone(fields, rule, missing):
    result = assess_case(candidate(**fields))
    level = result["levels"][0]
    assert level["recommendation"] == "needs_workup"
    assert rule_ids(level["reasons"]) == [rule]
    assert level["missing"] == missing
    assert result["recommendation"] == "needs_workup"
    assert result["missing"] == missing
    assert result["plan"] is None


def test_N2_to_N5_every_rule_that_holds_is_reported_in_order():
    case = candidate(
        mri_edema=None, pain_at_level=None, medication_insufficient=None, heights_mm=OMIT
    )
    level = assess_case(case)["levels"][0]
    assert rule_ids(level["reasons"]) == ["N-2", "N-3", "N-4", "N-5"]
    assert level["missing"] == [
        "fractures[0].mri_edema",
        "fractures[0].pain_at_level",
        "clinical.medication_insufficient",
        "fractures[0].height_loss_pct",
    ]
    assert level["height_loss_source"] == "none"
    assert level["height_loss_pct"] is None


@pytest.mark.parametrize(
    ("setting", "pain_nrs", "expected", "rules"),
    [
        pytest.param("outpatient", 8, "needs_workup", ["N-4"], id="outpatient-nrs8"),
        pytest.param("outpatient", 10, "needs_workup", ["N-4"], id="outpatient-nrs10"),
        pytest.param("inpatient", 7, "needs_workup", ["N-4"], id="inpatient-nrs7"),
        pytest.param("inpatient", 8, "kyphoplasty", ["T-5"], id="inpatient-nrs8-exempt"),
        pytest.param("inpatient", 10, "kyphoplasty", ["T-5"], id="inpatient-nrs10-exempt"),
    ],
)
def test_N4_inpatient_exemption(setting, pain_nrs, expected, rules):
    case = candidate(setting=setting, pain_nrs=pain_nrs, medication_insufficient=None)
    level = assess_case(case)["levels"][0]
    assert level["recommendation"] == expected
    assert rule_ids(level["reasons"]) == rules


def test_N4_absent_key_means_unknown():
    level = assess_case(candidate(medication_insufficient=OMIT))["levels"][0]
    assert rule_ids(level["reasons"]) == ["N-4"]


@pytest.mark.parametrize(
    ("etiology", "fields", "rules", "missing"),
    [
        pytest.param(
            "metastasis",
            {},
            ["N-6"],
            [
                "clinical.pain_type",
                "fractures[0].lesion",
                "fractures[0].alignment",
                "fractures[0].posterolateral",
            ],
            id="metastasis-nothing-scored",
        ),
        pytest.param(
            "myeloma",
            {"lesion": "lytic", "alignment": "normal"},
            ["N-6"],
            ["clinical.pain_type", "fractures[0].posterolateral"],
            id="myeloma-partly-scored",
        ),
        pytest.param(
            "metastasis",
            {
                "lesion": "lytic",
                "alignment": "normal",
                "posterolateral": "none",
                "height_loss_pct": 5.0,
            },
            ["N-6"],
            ["clinical.pain_type", "fractures[0].body_involvement_over_50"],
            id="metastasis-low-loss-needs-body-involvement",
        ),
    ],
)
def test_N6_neoplastic_fracture_without_SINS(etiology, fields, rules, missing):
    level = assess_case(candidate(etiology=etiology, **fields))["levels"][0]
    assert level["recommendation"] == "needs_workup"
    assert rule_ids(level["reasons"]) == rules
    assert level["missing"] == missing


@pytest.mark.parametrize("etiology", ["metastasis", "myeloma"])
def test_N6_does_not_hold_when_SINS_is_known(etiology):
    case = candidate(
        etiology=etiology,
        pain_type="mechanical",
        lesion="lytic",
        alignment="normal",
        posterolateral="none",
    )
    level = assess_case(case)["levels"][0]
    assert level["scores"]["sins"]["value"] is not None
    assert level["recommendation"] == "kyphoplasty"


@pytest.mark.parametrize("etiology", ["osteoporotic", "hemangioma", "other", "unknown"])
def test_N6_only_for_myeloma_and_metastasis(etiology):
    level = assess_case(candidate(etiology=etiology))["levels"][0]
    assert "N-6" not in rule_ids(level["reasons"])
    assert level["recommendation"] == "kyphoplasty"


def test_N7_traumatic_fracture_without_TLICS():
    level = assess_case(candidate(etiology="traumatic"))["levels"][0]
    assert level["recommendation"] == "needs_workup"
    assert rule_ids(level["reasons"]) == ["N-7"]
    assert level["missing"] == ["fractures[0].plc"]


def test_N7_does_not_hold_when_TLICS_is_known():
    level = assess_case(candidate(etiology="traumatic", plc="intact"))["levels"][0]
    assert level["recommendation"] == "kyphoplasty"


@pytest.mark.parametrize("etiology", ["osteoporotic", "metastasis", "hemangioma"])
def test_N7_only_for_traumatic_fractures(etiology):
    case = candidate(
        etiology=etiology,
        pain_type="mechanical",
        lesion="lytic",
        alignment="normal",
        posterolateral="none",
    )
    level = assess_case(case)["levels"][0]
    assert level["scores"]["tlics"]["value"] is None  # plc unknown
    assert "N-7" not in rule_ids(level["reasons"])


def test_N_rules_report_fields_with_the_input_index_and_in_rule_order():
    case = candidate(
        fractures=[
            fracture("L4", height_loss_pct=30.0),
            fracture("L2", etiology="traumatic", pain_at_level=None, heights_mm=OMIT),
        ]
    )
    result = assess_case(case)
    level = level_of(result, "L2")
    assert rule_ids(level["reasons"]) == ["N-3", "N-5", "N-7"]
    assert level["missing"] == [
        "fractures[1].pain_at_level",
        "fractures[1].height_loss_pct",
        "fractures[1].plc",
    ]
    assert level_of(result, "L4")["missing"] == []


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        pytest.param({"pain_nrs": 4}, "Q-1", id="Q-1-before-N"),
        pytest.param({"pain_trend": "improving"}, "Q-2", id="Q-2-before-N"),
        pytest.param({"pain_at_level": False}, "Q-4", id="Q-4-before-N"),
    ],
)
def test_Q_group_is_decided_before_missing_data_is_asked_for(fields, rule):
    case = candidate(mri_edema=None, heights_mm=OMIT, medication_insufficient=None, **fields)
    result = assess_case(case)
    level = result["levels"][0]
    assert level["recommendation"] == "conservative"
    assert rule_ids(level["reasons"]) == [rule]
    assert level["missing"] == []
    assert result["recommendation"] == "conservative"
    assert result["missing"] == []


def test_every_known_loss_ends_in_a_technique_once_nothing_is_missing():
    # the same fracture, with the missing data supplied, is decided by a T rule
    level = assess_case(candidate(height_loss_pct=10.0))["levels"][0]
    assert rule_ids(level["reasons"]) == ["T-6"]


def test_N5_and_N6_name_the_loss_once_in_rule_order():
    # N-5 names the loss; N-6 names SINS' missing fields, the loss among them. Read as
    # "the fields named by this level's N rules, in rule order": each field once.
    case = candidate(etiology="metastasis", heights_mm=OMIT)
    level = assess_case(case)["levels"][0]
    assert rule_ids(level["reasons"]) == ["N-5", "N-6"]
    assert level["missing"] == [
        "fractures[0].height_loss_pct",
        "clinical.pain_type",
        "fractures[0].lesion",
        "fractures[0].alignment",
        "fractures[0].posterolateral",
    ]


def test_N1_on_every_level_names_neurology_once_overall():
    case = candidate(neurology="unknown", fractures=[fracture("L4"), fracture("T7")])
    result = assess_case(case)
    for level in result["levels"]:
        assert rule_ids(level["reasons"]) == ["N-1"]
        assert level["missing"] == ["clinical.neurology"]
    assert result["missing"] == ["clinical.neurology"]
    assert rule_ids(result["reasons"]) == ["N-1"]

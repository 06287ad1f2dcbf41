"""K — cautions: evaluated for every level whatever its decision, never changing it.
Patient-wide ones (K-1, K-2, K-3, K-6, K-9) go once to the top-level ``cautions`` in rule
order; level ones (K-4, K-5, K-7, K-8, K-10, K-11, K-12) to that level, in rule order."""

from __future__ import annotations

import pytest

from .cases import assess_case, candidate, fracture, level_of, rule_ids

PATIENT_CAUTION_IDS = {"K-1", "K-2", "K-3", "K-6", "K-9"}
LEVEL_CAUTION_IDS = {"K-4", "K-5", "K-7", "K-8", "K-10", "K-11", "K-12"}


def _cautions(**fields):
    result = assess_case(candidate(**fields))
    return rule_ids(result["cautions"]), rule_ids(result["levels"][0]["cautions"]), result


# --- patient-wide ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({"coagulopathy": "correctable"}, ["K-1"], id="K-1-correctable"),
        pytest.param({"anticoagulated": True}, ["K-1"], id="K-1-anticoagulated"),
        pytest.param(
            {"coagulopathy": "correctable", "anticoagulated": True}, ["K-1"], id="K-1-once"
        ),
        pytest.param({"coagulopathy": "none", "anticoagulated": False}, [], id="no-K-1"),
        pytest.param({"severe_pulmonary_disease": True}, ["K-2"], id="K-2"),
        pytest.param({"severe_pulmonary_disease": False}, [], id="no-K-2"),
        pytest.param({"can_lie_prone": False}, ["K-3"], id="K-3-cannot-lie-prone"),
        pytest.param({"can_lie_prone": True}, [], id="no-K-3-can-lie-prone"),
        pytest.param({"can_lie_prone": None}, [], id="no-K-3-unknown"),
        pytest.param({"radicular_pain": True}, ["K-9"], id="K-9"),
        pytest.param({"radicular_pain": False}, [], id="no-K-9"),
    ],
)
def test_patient_wide_cautions(fields, expected):
    top, level, result = _cautions(**fields)
    assert top == expected
    assert not PATIENT_CAUTION_IDS & set(level)
    assert result["recommendation"] == "kyphoplasty"  # cautions never change the decision


def test_patient_wide_cautions_in_rule_order():
    top, _, _ = _cautions(
        radicular_pain=True,
        can_lie_prone=False,
        severe_pulmonary_disease=True,
        anticoagulated=True,
    )
    assert top == ["K-1", "K-2", "K-3", "K-9"]


def _levels(names, **overrides):
    losses = [30.0, 40.0, 50.0, 60.0, 35.0, 45.0]
    return [
        fracture(name, height_loss_pct=losses[i % len(losses)], **overrides)
        for i, name in enumerate(names)
    ]


@pytest.mark.parametrize(
    ("fractures", "expected"),
    [
        pytest.param(_levels(["T10", "T12", "L2"]), [], id="3-treated-no-K-6"),
        pytest.param(_levels(["T8", "T10", "T12", "L2"]), ["K-6"], id="4-treated-K-6"),
        pytest.param(
            [*_levels(["T8", "T10", "T12"]), fracture("L2", pain_at_level=False)],
            [],
            id="4-levels-3-treated-no-K-6",
        ),
        pytest.param(
            [*_levels(["T8", "T10", "T12", "L2"]), fracture("L4", mri_edema=None)],
            ["K-6"],
            id="4-treated-beside-a-workup-level-K-6",
        ),
    ],
)
def test_K6_more_than_three_treated_levels(fractures, expected):
    result = assess_case(candidate(fractures=fractures))
    assert rule_ids(result["cautions"]) == expected


def test_K6_counts_no_treated_level_when_contraindicated():
    result = assess_case(
        candidate(cement_allergy=True, fractures=_levels(["T8", "T10", "T12", "L2"]))
    )
    assert result["recommendation"] == "contraindicated"
    assert rule_ids(result["cautions"]) == []


def test_all_patient_wide_cautions_in_rule_order():
    case = candidate(
        radicular_pain=True,
        can_lie_prone=False,
        severe_pulmonary_disease=True,
        coagulopathy="correctable",
        fractures=_levels(["T8", "T10", "T12", "L2"]),
    )
    assert rule_ids(assess_case(case)["cautions"]) == ["K-1", "K-2", "K-3", "K-6", "K-9"]


@pytest.mark.parametrize(
    "decision_fields",
    [
        pytest.param({"active_infection": True}, id="contraindicated"),
        pytest.param({"neurology": "root"}, id="open-surgery"),
        pytest.param({"neurology": "unknown"}, id="needs-workup"),
        pytest.param({"pain_nrs": 2}, id="conservative"),
    ],
)
def test_patient_wide_cautions_are_reported_whatever_the_decision(decision_fields):
    top, _, _ = _cautions(anticoagulated=True, severe_pulmonary_disease=True, **decision_fields)
    assert top == ["K-1", "K-2"]


# --- per level ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({"posterior_wall": "distinct"}, ["K-4"], id="K-4-distinct-wall"),
        pytest.param({"retropulsion": True}, ["K-4"], id="K-4-retropulsion"),
        pytest.param({"posterior_wall": "distinct", "retropulsion": True}, ["K-4"], id="K-4-once"),
        pytest.param({"posterior_wall": "minor", "retropulsion": False}, [], id="no-K-4-minor"),
        pytest.param({"posterior_wall": "intact"}, [], id="no-K-4-intact"),
        pytest.param({"intravertebral_cleft": True}, ["K-5"], id="K-5-cleft"),
        pytest.param({"intravertebral_cleft": False}, [], id="no-K-5"),
        pytest.param({"age_weeks": 0}, ["K-7"], id="K-7-0-weeks"),
        pytest.param({"age_weeks": 1.9}, ["K-7"], id="K-7-1.9-weeks"),
        pytest.param({"age_weeks": 2}, [], id="no-K-7-2-weeks"),
        pytest.param({"age_weeks": None}, [], id="no-K-7-unknown-age"),
        pytest.param({"level": "T1"}, ["K-8"], id="K-8-T1"),
        pytest.param({"level": "T4"}, ["K-8"], id="K-8-T4"),
        pytest.param({"level": "T5"}, [], id="no-K-8-T5"),
        pytest.param({"level": "L1"}, [], id="no-K-8-L1"),
        pytest.param({"etiology": "other"}, ["K-11"], id="K-11-other"),
        pytest.param({"etiology": "unknown"}, ["K-11"], id="K-11-unknown"),
        pytest.param({"etiology": "osteoporotic"}, [], id="no-K-11-osteoporotic"),
        pytest.param({"etiology": "hemangioma"}, [], id="no-K-11-hemangioma"),
        pytest.param({"etiology": "traumatic", "plc": "intact"}, [], id="no-K-11-traumatic"),
    ],
)
def test_level_cautions(fields, expected):
    top, level, _ = _cautions(**fields)
    assert level == expected
    assert not LEVEL_CAUTION_IDS & set(top)


@pytest.mark.parametrize("etiology", ["myeloma", "metastasis"])
def test_K11_malignant_etiology_asks_to_confirm_the_cause(etiology):
    # SINS 3 L1 + 0 pain none + 0 blastic + 0 normal + 2 collapse + 0 = 5: stable, no K-10
    _, level, _ = _cautions(
        etiology=etiology,
        pain_type="none",
        lesion="blastic",
        alignment="normal",
        posterolateral="none",
    )
    assert level == ["K-11"]


@pytest.mark.parametrize(
    ("lesion", "alignment", "posterolateral", "sins", "expected"),
    [
        # metastasis at L1 (3), pain none (0), loss 30 % (collapse 2)
        pytest.param("blastic", "normal", "unilateral", 6, ["K-11"], id="sins-6-no-K-10"),
        pytest.param("mixed", "normal", "unilateral", 7, ["K-10", "K-11"], id="sins-7-K-10"),
        pytest.param("lytic", "deformity", "bilateral", 12, ["K-10", "K-11"], id="sins-12-K-10"),
        pytest.param(
            "lytic",
            "subluxation",
            "unilateral",
            12,
            ["K-10", "K-11"],
            id="sins-12-subluxation-K-10",
        ),
        pytest.param("lytic", "subluxation", "bilateral", 14, ["K-11"], id="sins-14-no-K-10"),
    ],
)
def test_K10_potentially_unstable_sins(lesion, alignment, posterolateral, sins, expected):
    _, level, result = _cautions(
        etiology="metastasis",
        height_loss_pct=30.0,
        pain_type="none",
        lesion=lesion,
        alignment=alignment,
        posterolateral=posterolateral,
    )
    assert result["levels"][0]["scores"]["sins"]["value"] == sins
    assert level == expected


def test_K10_sins_13_is_open_surgery_not_a_caution():
    # 3 L1 + 3 mechanical + 2 lytic + 2 deformity + 2 collapse + 1 unilateral = 13
    _, level, result = _cautions(
        etiology="metastasis",
        height_loss_pct=30.0,
        pain_type="mechanical",
        lesion="lytic",
        alignment="deformity",
        posterolateral="unilateral",
    )
    assert result["levels"][0]["scores"]["sins"]["value"] == 13
    assert rule_ids(result["levels"][0]["reasons"]) == ["O-5"]
    assert level == ["K-11"]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        # 100·(1 − 25/30) = 16.666… → 16.7, posterior ratio
        pytest.param(
            {"heights_mm": {"anterior": 25.0, "middle": 28.0, "posterior": 30.0}},
            ["K-12"],
            id="K-12-posterior-ratio-16.7",
        ),
        # 100·(1 − 16.01/20) → 19.9, posterior ratio
        pytest.param(
            {"heights_mm": {"anterior": 16.01, "middle": 18.0, "posterior": 20.0}},
            ["K-12"],
            id="K-12-posterior-ratio-19.9",
        ),
        # 100·(1 − 24/30) = 19.999999999999996 → 20.0: not < 20 after rounding
        pytest.param(
            {"heights_mm": {"anterior": 24.0, "middle": 28.0, "posterior": 30.0}},
            [],
            id="no-K-12-posterior-ratio-rounds-to-20.0",
        ),
        # the same loss with a reference height: the crush can be seen
        pytest.param(
            {
                "heights_mm": {"anterior": 25.0, "middle": 28.0, "posterior": 30.0},
                "reference_height_mm": 30.0,
            },
            [],
            id="no-K-12-reference-source",
        ),
        pytest.param({"height_loss_pct": 10.0}, [], id="no-K-12-given-source"),
    ],
)
def test_K12_a_crush_cannot_be_seen_without_a_reference(fields, expected):
    _, level, _ = _cautions(**fields)
    assert level == expected


def test_all_level_cautions_in_rule_order():
    # metastasis at T2: SINS 3 T2 + 0 pain none + 1 mixed + 0 normal + 2 collapse (16.7 %)
    # + 1 unilateral = 7 (K-10)
    case = candidate(
        pain_type="none",
        fractures=[
            fracture(
                "T2",
                etiology="metastasis",
                heights_mm={"anterior": 25.0, "middle": 28.0, "posterior": 30.0},
                posterior_wall="distinct",
                intravertebral_cleft=True,
                age_weeks=1,
                lesion="mixed",
                alignment="normal",
                posterolateral="unilateral",
            )
        ],
    )
    level = assess_case(case)["levels"][0]
    assert level["scores"]["sins"]["value"] == 7
    assert rule_ids(level["cautions"]) == ["K-4", "K-5", "K-7", "K-8", "K-10", "K-11", "K-12"]


@pytest.mark.parametrize(
    ("decision_fields", "decision"),
    [
        pytest.param({"cement_allergy": True}, "contraindicated", id="contraindicated"),
        pytest.param({"unstable": True}, "open_surgery", id="open-surgery"),
        pytest.param({"pain_at_level": None}, "needs_workup", id="needs-workup"),
        pytest.param({"pain_trend": "improving"}, "conservative", id="conservative"),
    ],
)
def test_level_cautions_are_reported_whatever_the_decision(decision_fields, decision):
    _, level, result = _cautions(
        level="T3", intravertebral_cleft=True, retropulsion=True, **decision_fields
    )
    assert result["levels"][0]["recommendation"] == decision
    assert level == ["K-4", "K-5", "K-8"]


def test_cautions_never_change_the_decision():
    plain = assess_case(candidate(height_loss_pct=75.0))
    risky = assess_case(
        candidate(
            height_loss_pct=75.0,
            posterior_wall="distinct",
            age_weeks=1,
            level="T4",
            etiology="other",
            severe_pulmonary_disease=True,
            can_lie_prone=False,
        )
    )
    assert plain["recommendation"] == risky["recommendation"] == "either"
    assert rule_ids(risky["levels"][0]["reasons"]) == ["T-3"]


def test_level_cautions_belong_to_their_own_level():
    case = candidate(
        fractures=[
            fracture("L3", height_loss_pct=30.0, intravertebral_cleft=True),
            fracture("T3", height_loss_pct=30.0),
        ]
    )
    result = assess_case(case)
    assert rule_ids(level_of(result, "T3")["cautions"]) == ["K-8"]
    assert rule_ids(level_of(result, "L3")["cautions"]) == ["K-5"]
    assert rule_ids(result["cautions"]) == []

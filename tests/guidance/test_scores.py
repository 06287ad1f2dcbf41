"""S — scores: OF score (S-1), TLICS (S-2), SINS (S-3), each ``{value, interpretation,
missing}``; a score that does not apply to the etiology is ``{null, null, []}``."""

from __future__ import annotations

import pytest

from .cases import assess_case, candidate, fracture

NOT_APPLICABLE = {"value": None, "interpretation": None, "missing": []}


def _scores(**fields):
    return assess_case(candidate(**fields))["levels"][0]["scores"]


# --- S-1 OF score ---------------------------------------------------------------------
# The candidate: pain_nrs 8 (+1), neurology intact (0); every other item unknown (0).


@pytest.mark.rule("S-1")
@pytest.mark.parametrize(
    ("fields", "value", "interpretation"),
    [
        pytest.param({"of_class": "OF1"}, 3, "conservative", id="OF1-2+1"),
        pytest.param({"of_class": "OF2"}, 5, "conservative", id="OF2-4+1-is-5"),
        pytest.param({"of_class": "OF2", "t_score": -3.1}, 6, "either", id="OF2-tscore-6"),
        pytest.param(
            {"of_class": "OF2", "t_score": -3.0},
            5,
            "conservative",
            id="OF2-tscore-minus3-not-below",
        ),
        pytest.param({"of_class": "OF2", "qct_hu": 90}, 6, "either", id="OF2-qct-90"),
        pytest.param({"of_class": "OF2", "qct_hu": 90.1}, 5, "conservative", id="OF2-qct-90.1"),
        pytest.param(
            {"of_class": "OF2", "t_score": -3.5, "qct_hu": 50},
            6,
            "either",
            id="OF2-bone-item-counts-once",
        ),
        pytest.param({"of_class": "OF3"}, 7, "operative", id="OF3-6+1-is-7"),
        pytest.param(
            {"of_class": "OF3", "mobilisation_possible": True}, 6, "either", id="OF3-mobilisable-6"
        ),
        pytest.param(
            {"of_class": "OF3", "mobilisation_possible": False},
            8,
            "operative",
            id="OF3-not-mobilisable-8",
        ),
        pytest.param(
            {"of_class": "OF3", "pain_nrs": 4}, 5, "conservative", id="OF3-nrs4-minus1-is-5"
        ),
        pytest.param({"of_class": "OF3", "pain_nrs": 5}, 7, "operative", id="OF3-nrs5-plus1"),
        pytest.param(
            {"of_class": "OF3", "progressive_collapse": True},
            8,
            "operative",
            id="OF3-progressive-plus1",
        ),
        pytest.param(
            {"of_class": "OF3", "progressive_collapse": False},
            6,
            "either",
            id="OF3-not-progressive-minus1",
        ),
        pytest.param({"of_class": "OF4"}, 9, "operative", id="OF4-8+1"),
        pytest.param(
            {"of_class": "OF2", "neurology": "root"}, 7, "operative", id="OF2-root-deficit-plus2"
        ),
        pytest.param(
            {"of_class": "OF2", "neurology": "cauda_equina"},
            7,
            "operative",
            id="OF2-cauda-equina-plus2",
        ),
        pytest.param(
            {"of_class": "OF2", "neurology": "unknown"},
            5,
            "conservative",
            id="OF2-unknown-neurology-0",
        ),
        pytest.param({"of_class": "OF3", "asa_class": 4}, 6, "either", id="OF3-asa4-minus1"),
        pytest.param({"of_class": "OF3", "asa_class": 3}, 7, "operative", id="OF3-asa3-0"),
        pytest.param({"of_class": "OF3", "frailty_index": 3}, 6, "either", id="OF3-mfi3-minus1"),
        pytest.param({"of_class": "OF3", "frailty_index": 2}, 7, "operative", id="OF3-mfi2-0"),
        pytest.param(
            {"of_class": "OF3", "anticoagulated": True}, 6, "either", id="OF3-anticoagulated-minus1"
        ),
        pytest.param(
            {"of_class": "OF3", "asa_class": 5, "frailty_index": 4},
            5,
            "conservative",
            id="OF3-two-comorbidities-minus2",
        ),
        pytest.param(
            {"of_class": "OF3", "asa_class": 5, "frailty_index": 4, "anticoagulated": True},
            5,
            "conservative",
            id="OF3-three-comorbidities-capped-at-minus2",
        ),
    ],
)
def test_S1_of_score(fields, value, interpretation):
    score = _scores(**fields)["of_score"]
    assert score == {"value": value, "interpretation": interpretation, "missing": []}


@pytest.mark.rule("S-1")
def test_S1_uses_the_derived_OF_class():
    # endplates 1 + posterior wall minor → OF2 → 4 + 1 (NRS 8) = 5
    score = _scores(endplates_involved=1, posterior_wall="minor")["of_score"]
    assert score == {"value": 5, "interpretation": "conservative", "missing": []}


@pytest.mark.rule("S-1")
@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        pytest.param({}, ["fractures[0].endplates_involved"], id="endplates-unknown"),
        pytest.param(
            {"endplates_involved": 1},
            ["fractures[0].posterior_wall"],
            id="one-endplate-wall-unknown",
        ),
        pytest.param(
            {"endplates_involved": 0, "mri_edema": None},
            ["fractures[0].mri_edema"],
            id="no-endplate-oedema-unknown",
        ),
        pytest.param(
            {"endplates_involved": 0, "mri_edema": False}, [], id="no-endplate-no-oedema-no-class"
        ),
    ],
)
def test_S1_unknown_OF_class_gives_no_value_and_M6s_missing(fields, missing):
    score = _scores(**fields)["of_score"]
    assert score == {"value": None, "interpretation": None, "missing": missing}


@pytest.mark.rule("S-1")
def test_S1_missing_uses_the_input_index():
    case = candidate(fractures=[fracture("L3", of_class="OF2"), fracture("T9")])
    t9 = assess_case(case)["levels"][0]
    assert t9["level"] == "T9"
    assert t9["scores"]["of_score"]["missing"] == ["fractures[1].endplates_involved"]


@pytest.mark.rule("S-1")
@pytest.mark.parametrize(
    "etiology", ["traumatic", "metastasis", "myeloma", "hemangioma", "other", "unknown"]
)
def test_S1_applies_only_to_osteoporotic_fractures(etiology):
    assert _scores(etiology=etiology, of_class="OF3", plc="intact")["of_score"] == NOT_APPLICABLE


# --- S-2 TLICS ------------------------------------------------------------------------


@pytest.mark.rule("S-2")
@pytest.mark.parametrize(
    ("morphology", "plc", "neurology", "value", "interpretation"),
    [
        pytest.param("compression", "intact", "intact", 1, "non_operative", id="1-0-0"),
        pytest.param("burst", "intact", "intact", 2, "non_operative", id="2-0-0"),
        pytest.param("compression", "indeterminate", "intact", 3, "non_operative", id="1-2-0"),
        pytest.param("compression", "injured", "intact", 4, "either", id="1-3-0-is-4"),
        pytest.param("burst", "indeterminate", "intact", 4, "either", id="2-2-0-is-4"),
        pytest.param("burst", "injured", "intact", 5, "operative", id="2-3-0-is-5"),
        pytest.param("translation_rotation", "intact", "intact", 3, "non_operative", id="3-0-0"),
        pytest.param("distraction", "intact", "intact", 4, "either", id="4-0-0"),
        pytest.param("compression", "intact", "root", 3, "non_operative", id="root-2"),
        pytest.param(
            "compression", "intact", "complete_cord", 3, "non_operative", id="complete-cord-2"
        ),
        pytest.param(
            "compression", "intact", "incomplete_cord", 4, "either", id="incomplete-cord-3"
        ),
        pytest.param("compression", "intact", "cauda_equina", 4, "either", id="cauda-equina-3"),
        pytest.param(
            "distraction", "injured", "incomplete_cord", 10, "operative", id="4-3-3-is-10"
        ),
    ],
)
def test_S2_tlics(morphology, plc, neurology, value, interpretation):
    score = _scores(etiology="traumatic", morphology=morphology, plc=plc, neurology=neurology)[
        "tlics"
    ]
    assert score == {"value": value, "interpretation": interpretation, "missing": []}


@pytest.mark.rule("S-2")
@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        pytest.param({"plc": None}, ["fractures[0].plc"], id="plc-unknown"),
        pytest.param(
            {"plc": "intact", "neurology": "unknown"},
            ["clinical.neurology"],
            id="neurology-unknown",
        ),
        pytest.param(
            {"plc": None, "neurology": "unknown"},
            ["fractures[0].plc", "clinical.neurology"],
            id="both-unknown",
        ),
    ],
)
def test_S2_tlics_needs_plc_and_known_neurology(fields, missing):
    score = _scores(etiology="traumatic", **fields)["tlics"]
    assert score == {"value": None, "interpretation": None, "missing": missing}


@pytest.mark.rule("S-2")
@pytest.mark.parametrize("etiology", ["osteoporotic", "metastasis", "myeloma", "hemangioma"])
def test_S2_tlics_applies_to_every_etiology(etiology):
    score = _scores(etiology=etiology, morphology="burst", plc="indeterminate")["tlics"]
    assert score == {"value": 4, "interpretation": "either", "missing": []}


# --- S-3 SINS -------------------------------------------------------------------------


def _sins(level="L1", **fields):
    base = {
        "etiology": "metastasis",
        "height_loss_pct": 30.0,
        "lesion": "blastic",
        "alignment": "normal",
        "posterolateral": "none",
    }
    base.update(fields)
    pain_type = base.pop("pain_type", "none")
    case = candidate(pain_type=pain_type, fractures=[fracture(level, **base)])
    return assess_case(case)["levels"][0]["scores"]["sins"]


@pytest.mark.rule("S-3")
@pytest.mark.parametrize(
    ("level", "location"),
    [
        pytest.param("T1", 3, id="T1-junctional"),
        pytest.param("T2", 3, id="T2-junctional"),
        pytest.param("T3", 1, id="T3-rigid"),
        pytest.param("T7", 1, id="T7-rigid"),
        pytest.param("T10", 1, id="T10-rigid"),
        pytest.param("T11", 3, id="T11-junctional"),
        pytest.param("T12", 3, id="T12-junctional"),
        pytest.param("L1", 3, id="L1-junctional"),
        pytest.param("L2", 2, id="L2-mobile"),
        pytest.param("L4", 2, id="L4-mobile"),
        pytest.param("L5", 3, id="L5-junctional"),
    ],
)
def test_S3_location(level, location):
    # everything else 0 except collapse 2 (loss 30 %)
    assert _sins(level)["value"] == location + 2


@pytest.mark.rule("S-3")
@pytest.mark.parametrize(
    ("fields", "points"),
    [
        pytest.param({"pain_type": "mechanical"}, 3, id="pain-mechanical-3"),
        pytest.param({"pain_type": "non_mechanical"}, 1, id="pain-non-mechanical-1"),
        pytest.param({"pain_type": "none"}, 0, id="pain-none-0"),
        pytest.param({"lesion": "lytic"}, 2, id="lytic-2"),
        pytest.param({"lesion": "mixed"}, 1, id="mixed-1"),
        pytest.param({"alignment": "subluxation"}, 4, id="subluxation-4"),
        pytest.param({"alignment": "deformity"}, 2, id="deformity-2"),
        pytest.param({"posterolateral": "bilateral"}, 3, id="bilateral-3"),
        pytest.param({"posterolateral": "unilateral"}, 1, id="unilateral-1"),
    ],
)
def test_S3_items(fields, points):
    assert _sins(**fields)["value"] == 3 + 2 + points  # L1 + collapse 2 + the item


@pytest.mark.rule("S-3")
@pytest.mark.parametrize(
    ("fields", "collapse"),
    [
        pytest.param({"height_loss_pct": 50.1}, 3, id="loss-50.1-is-3"),
        pytest.param({"height_loss_pct": 50.0}, 2, id="loss-50.0-is-2"),
        pytest.param({"height_loss_pct": 10.0}, 2, id="loss-10.0-is-2"),
        pytest.param(
            {"height_loss_pct": 9.9, "body_involvement_over_50": True},
            1,
            id="loss-9.9-body-over-50-is-1",
        ),
        pytest.param(
            {"height_loss_pct": 9.9, "body_involvement_over_50": False},
            0,
            id="loss-9.9-body-under-50-is-0",
        ),
        pytest.param(
            {"height_loss_pct": 30.0, "body_involvement_over_50": True},
            2,
            id="loss-30-body-involvement-ignored",
        ),
    ],
)
def test_S3_collapse(fields, collapse):
    assert _sins(**fields)["value"] == 3 + collapse


@pytest.mark.rule("S-3")
@pytest.mark.parametrize(
    ("fields", "value", "interpretation"),
    [
        # L1 3 + collapse 2 = 5, plus:
        pytest.param({"posterolateral": "unilateral"}, 6, "stable", id="6-stable"),
        pytest.param({"lesion": "lytic"}, 7, "potentially_unstable", id="7-potentially"),
        pytest.param(
            {"lesion": "lytic", "alignment": "deformity", "pain_type": "mechanical"},
            12,
            "potentially_unstable",
            id="12-potentially",
        ),
        pytest.param(
            {
                "lesion": "lytic",
                "alignment": "deformity",
                "pain_type": "mechanical",
                "posterolateral": "unilateral",
            },
            13,
            "unstable",
            id="13-unstable",
        ),
        pytest.param(
            {
                "lesion": "lytic",
                "alignment": "subluxation",
                "pain_type": "mechanical",
                "posterolateral": "bilateral",
                "height_loss_pct": 60.0,
            },
            18,
            "unstable",
            id="18-maximum",
        ),
        pytest.param(
            {"level": "T5", "height_loss_pct": 9.9, "body_involvement_over_50": False},
            1,
            "stable",
            id="1-minimum-here",
        ),
    ],
)
def test_S3_interpretation(fields, value, interpretation):
    assert _sins(**fields) == {"value": value, "interpretation": interpretation, "missing": []}


@pytest.mark.rule("S-3")
def test_S3_uses_the_rounded_loss():
    # a given 9.95 % is 10.0 after M-2 rounding: collapse 2, no body involvement needed
    assert _sins(height_loss_pct=9.95) == {"value": 5, "interpretation": "stable", "missing": []}


@pytest.mark.rule("S-3")
def test_S3_missing_fields_in_order():
    case = candidate(
        fractures=[
            fracture("L1", height_loss_pct=30.0),
            fracture("L3", etiology="myeloma", heights_mm=None),
        ],
    )
    level = assess_case(case)["levels"][1]
    assert level["level"] == "L3"
    assert level["scores"]["sins"] == {
        "value": None,
        "interpretation": None,
        "missing": [
            "clinical.pain_type",
            "fractures[1].lesion",
            "fractures[1].alignment",
            "fractures[1].posterolateral",
            "fractures[1].height_loss_pct",
        ],
    }


@pytest.mark.rule("S-3")
def test_S3_body_involvement_missing_only_when_loss_below_10():
    missing = _sins(height_loss_pct=9.9)["missing"]
    assert missing == ["fractures[0].body_involvement_over_50"]
    assert _sins(height_loss_pct=10.0)["missing"] == []


@pytest.mark.rule("S-3")
@pytest.mark.parametrize(
    "etiology", ["osteoporotic", "traumatic", "hemangioma", "other", "unknown"]
)
def test_S3_applies_only_to_myeloma_and_metastasis(etiology):
    score = _scores(
        etiology=etiology,
        plc="intact",
        pain_type="mechanical",
        lesion="lytic",
        alignment="normal",
        posterolateral="none",
    )["sins"]
    assert score == NOT_APPLICABLE

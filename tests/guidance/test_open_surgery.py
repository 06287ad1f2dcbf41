"""O — open surgery instead of augmentation: the first O rule that holds decides the
level; O runs after C and before N-1, Q, N and T."""

from __future__ import annotations

import pytest

from .cases import assess_case, candidate, fracture, level_of, rule_ids

DEFICITS = ["root", "incomplete_cord", "complete_cord", "cauda_equina"]


@pytest.mark.parametrize("neurology", DEFICITS)
def test_O1_a_neurological_deficit_sends_every_level_to_open_surgery(neurology):
    case = candidate(
        neurology=neurology,
        fractures=[
            fracture("L2", height_loss_pct=30.0),
            # this level alone would be conservative (the pain is not from it): O-1 is
            # "every level" and comes before Q
            fracture("T8", pain_at_level=False, mri_edema=False),
        ],
    )
    result = assess_case(case)
    assert result["recommendation"] == "open_surgery"
    for level in result["levels"]:
        assert level["recommendation"] == "open_surgery"
        assert rule_ids(level["reasons"]) == ["O-1"]
    assert rule_ids(result["reasons"]) == ["O-1"]
    assert result["plan"] is None
    assert result["missing"] == []


@pytest.mark.parametrize("neurology", ["intact"])
def test_O1_intact_neurology_is_no_deficit(neurology):
    result = assess_case(candidate(neurology=neurology))
    assert result["recommendation"] == "kyphoplasty"
    assert "O-1" not in rule_ids(result["reasons"])


def test_O1_unknown_neurology_is_not_a_deficit_but_N1():
    result = assess_case(candidate(neurology="unknown"))
    assert result["recommendation"] == "needs_workup"
    assert rule_ids(result["reasons"]) == ["N-1"]


@pytest.mark.parametrize(
    ("unstable", "expected", "rules"),
    [
        pytest.param(True, "open_surgery", ["O-2"], id="unstable-true"),
        pytest.param(False, "kyphoplasty", ["T-5"], id="unstable-false"),
        pytest.param(None, "kyphoplasty", ["T-5"], id="unstable-unknown-is-false"),
    ],
)
def test_O2_unstable_level(unstable, expected, rules):
    result = assess_case(candidate(unstable=unstable))
    assert result["levels"][0]["recommendation"] == expected
    assert rule_ids(result["levels"][0]["reasons"]) == rules


def test_O2_decides_only_its_own_level():
    case = candidate(
        fractures=[fracture("L3", height_loss_pct=30.0), fracture("T11", unstable=True)]
    )
    result = assess_case(case)
    assert level_of(result, "T11")["recommendation"] == "open_surgery"
    assert rule_ids(level_of(result, "T11")["reasons"]) == ["O-2"]
    assert level_of(result, "L3")["recommendation"] == "kyphoplasty"
    assert result["recommendation"] == "open_surgery"
    assert result["plan"] is None


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"tension_band_failure": True}, id="tension-band-failure"),
        pytest.param({"morphology": "translation_rotation"}, id="translation-rotation"),
        pytest.param({"morphology": "distraction"}, id="distraction"),
        pytest.param({"of_class": "OF5"}, id="given-OF5"),
        pytest.param({"etiology": "metastasis", "of_class": "OF5"}, id="given-OF5-any-etiology"),
    ],
)
def test_O3_posterior_tension_band_failure(fields):
    result = assess_case(candidate(**fields))
    level = result["levels"][0]
    assert level["recommendation"] == "open_surgery"
    assert rule_ids(level["reasons"]) == ["O-3"]


def test_O3_derived_OF5_is_reported_as_the_levels_class():
    result = assess_case(candidate(tension_band_failure=True, endplates_involved=0))
    level = result["levels"][0]
    assert level["of_class"] == "OF5"
    assert rule_ids(level["reasons"]) == ["O-3"]


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"tension_band_failure": False}, id="tension-band-intact"),
        pytest.param({"morphology": "compression"}, id="compression"),
        pytest.param({"of_class": "OF4"}, id="given-OF4"),
    ],
)
def test_O3_does_not_hold(fields):
    result = assess_case(candidate(**fields))
    assert result["levels"][0]["recommendation"] == "kyphoplasty"


# TLICS = morphology + PLC + neurology (neurology intact = 0 so that O-1 stays out)
@pytest.mark.parametrize(
    ("etiology", "morphology", "plc", "tlics", "expected", "rules"),
    [
        pytest.param(
            "traumatic",
            "compression",
            "injured",
            4,
            "kyphoplasty",
            ["T-5"],
            id="traumatic-tlics-4-not-O-4",
        ),
        pytest.param(
            "traumatic",
            "burst",
            "indeterminate",
            4,
            "kyphoplasty",
            ["T-5"],
            id="traumatic-burst-indeterminate-tlics-4",
        ),
        pytest.param(
            "traumatic", "burst", "injured", 5, "open_surgery", ["O-4"], id="traumatic-tlics-5-O-4"
        ),
        pytest.param(
            "osteoporotic",
            "burst",
            "injured",
            5,
            "open_surgery",
            ["O-4"],
            id="osteoporotic-tlics-5-O-4-any-etiology",
        ),
        pytest.param(
            "traumatic", "compression", "intact", 1, "kyphoplasty", ["T-5"], id="traumatic-tlics-1"
        ),
    ],
)
def test_O4_tlics_threshold(etiology, morphology, plc, tlics, expected, rules):
    result = assess_case(
        candidate(etiology=etiology, morphology=morphology, plc=plc, height_loss_pct=30.0)
    )
    level = result["levels"][0]
    assert level["scores"]["tlics"]["value"] == tlics
    assert level["recommendation"] == expected
    assert rule_ids(level["reasons"]) == rules


def _sins_fracture(**overrides):
    """Metastasis at L1 (location 3), loss 30 % (collapse 2); the rest from ``overrides``."""
    fields = {
        "etiology": "metastasis",
        "height_loss_pct": 30.0,
        "lesion": "lytic",
        "alignment": "deformity",
        "posterolateral": "none",
    }
    fields.update(overrides)
    return fracture("L1", **fields)


@pytest.mark.parametrize(
    ("posterolateral", "sins", "expected", "rules"),
    [
        # 3 location + 3 mechanical + 2 lytic + 2 deformity + 2 collapse + posterolateral
        pytest.param("none", 12, "kyphoplasty", ["T-5"], id="sins-12-not-O-5"),
        pytest.param("unilateral", 13, "open_surgery", ["O-5"], id="sins-13-O-5"),
        pytest.param("bilateral", 15, "open_surgery", ["O-5"], id="sins-15-O-5"),
    ],
)
def test_O5_sins_threshold(posterolateral, sins, expected, rules):
    case = candidate(
        pain_type="mechanical", fractures=[_sins_fracture(posterolateral=posterolateral)]
    )
    result = assess_case(case)
    level = result["levels"][0]
    assert level["scores"]["sins"]["value"] == sins
    assert level["recommendation"] == expected
    assert rule_ids(level["reasons"]) == rules


def test_only_the_first_O_rule_that_holds_is_reported():
    case = candidate(
        neurology="root",
        unstable=True,
        tension_band_failure=True,
        morphology="burst",
        plc="injured",
    )
    assert rule_ids(assess_case(case)["levels"][0]["reasons"]) == ["O-1"]
    case = candidate(unstable=True, tension_band_failure=True, morphology="burst", plc="injured")
    assert rule_ids(assess_case(case)["levels"][0]["reasons"]) == ["O-2"]
    case = candidate(tension_band_failure=True, morphology="burst", plc="injured")
    assert rule_ids(assess_case(case)["levels"][0]["reasons"]) == ["O-3"]


@pytest.mark.parametrize(
    "clinical",
    [
        pytest.param({"neurology": "unknown"}, id="before-N-1"),
        pytest.param({"pain_nrs": 2}, id="before-Q-1"),
        pytest.param({"pain_trend": "improving"}, id="before-Q-2"),
        pytest.param({"medication_insufficient": None}, id="before-N-4"),
    ],
)
def test_instability_goes_to_surgery_before_missing_data_or_conservative_care(clinical):
    result = assess_case(candidate(unstable=True, mri_edema=None, **clinical))
    level = result["levels"][0]
    assert level["recommendation"] == "open_surgery"
    assert rule_ids(level["reasons"]) == ["O-2"]
    assert level["missing"] == []
    assert result["missing"] == []

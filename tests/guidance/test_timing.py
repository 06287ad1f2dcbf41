"""W — timing, for every level whatever its decision; reported in ``timing``, never as a
reason or a caution."""

from __future__ import annotations

import pytest

from .cases import OMIT, assess_case, candidate, fracture, level_of, rule_ids


@pytest.mark.parametrize(
    ("age_weeks", "timing"),
    [
        pytest.param(0, "favourable", id="W-1-0-weeks"),
        pytest.param(2, "favourable", id="W-1-2-weeks"),
        pytest.param(6, "favourable", id="W-1-6-weeks-inclusive"),
        pytest.param(6.0, "favourable", id="W-1-6.0-weeks-inclusive"),
        pytest.param(6.01, "late", id="W-2-6.01-weeks"),
        pytest.param(7, "late", id="W-2-7-weeks"),
        pytest.param(52, "late", id="W-2-52-weeks"),
        pytest.param(None, "unknown", id="unknown-age"),
        pytest.param(OMIT, "unknown", id="absent-age"),
    ],
)
def test_timing_by_fracture_age(age_weeks, timing):
    level = assess_case(candidate(age_weeks=age_weeks))["levels"][0]
    assert level["timing"] == timing


@pytest.mark.parametrize("age_weeks", [1, 26])
def test_timing_never_decides_and_is_never_a_reason_or_caution(age_weeks):
    result = assess_case(candidate(age_weeks=age_weeks))
    assert result["recommendation"] == "kyphoplasty"  # a late fracture is still treated
    everything = (
        result["reasons"]
        + result["cautions"]
        + result["levels"][0]["reasons"]
        + result["levels"][0]["cautions"]
    )
    assert not {"W-1", "W-2"} & set(rule_ids(everything))


def test_timing_is_computed_for_every_level_whatever_its_decision():
    case = candidate(
        fractures=[
            fracture("T5", age_weeks=3, pain_at_level=False),  # conservative
            fracture("T9", age_weeks=10, unstable=True),  # open surgery
            fracture("L2", age_weeks=None, mri_edema=None),  # needs work-up
        ]
    )
    result = assess_case(case)
    assert level_of(result, "T5")["timing"] == "favourable"
    assert level_of(result, "T9")["timing"] == "late"
    assert level_of(result, "L2")["timing"] == "unknown"


def test_timing_of_a_contraindicated_level():
    result = assess_case(candidate(pregnant=True, age_weeks=8))
    assert result["levels"][0]["timing"] == "late"

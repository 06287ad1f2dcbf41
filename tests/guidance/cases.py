"""Case builders for the guidance tests.

``candidate()`` is a minimal, valid, fully known case in which every level is a
candidate for augmentation: an osteoporotic L1 fracture, 3 weeks old, oedema on MRI,
pain at the level, NRS 8 not controlled by medication, neurology intact, heights
15/20/25 mm (posterior ratio 40.0 % → rulebook T-5, kyphoplasty).

Keyword overrides are routed by name to ``patient``, ``clinical`` or the (single)
fracture; ``OMIT`` removes a key. ``fractures=[fracture(...), ...]`` replaces the
fracture list. An unknown keyword raises, so a typo cannot silently test nothing.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from vertebro import assess, parse_case

__all__ = [
    "OMIT",
    "assess_case",
    "assess_text",
    "candidate",
    "fracture",
    "level_of",
    "rule_ids",
]


class _Omit:
    def __repr__(self) -> str:
        return "OMIT"


#: Pass as a value to remove the key from the built case (absent = its default).
OMIT: Any = _Omit()

PATIENT_KEYS = frozenset(
    {
        "age_years",
        "sex",
        "asa_class",
        "frailty_index",
        "t_score",
        "qct_hu",
        "active_infection",
        "pregnant",
        "coagulopathy",
        "anticoagulated",
        "cement_allergy",
        "can_lie_prone",
        "severe_pulmonary_disease",
    }
)
CLINICAL_KEYS = frozenset(
    {
        "pain_nrs",
        "setting",
        "pain_trend",
        "pain_type",
        "medication_insufficient",
        "conservative_care_weeks",
        "mobilisation_possible",
        "rdq",
        "odi",
        "radicular_pain",
        "neurology",
    }
)
FRACTURE_KEYS = frozenset(
    {
        "level",
        "etiology",
        "age_weeks",
        "mri_edema",
        "pain_at_level",
        "heights_mm",
        "landmarks_mm",
        "reference_height_mm",
        "height_loss_pct",
        "kyphotic_angle_deg",
        "morphology",
        "endplates_involved",
        "posterior_wall",
        "retropulsion",
        "canal_compromise_pct",
        "tension_band_failure",
        "plc",
        "unstable",
        "intravertebral_cleft",
        "progressive_collapse",
        "of_class",
        "lesion",
        "alignment",
        "posterolateral",
        "body_involvement_over_50",
    }
)

BASE_PATIENT: dict[str, Any] = {"age_years": 78, "sex": "female", "active_infection": False}
BASE_CLINICAL: dict[str, Any] = {
    "pain_nrs": 8,
    "setting": "outpatient",
    "medication_insufficient": True,
    "neurology": "intact",
}
BASE_FRACTURE: dict[str, Any] = {
    "level": "L1",
    "etiology": "osteoporotic",
    "age_weeks": 3,
    "mri_edema": True,
    "pain_at_level": True,
    "heights_mm": {"anterior": 15.0, "middle": 20.0, "posterior": 25.0},
}


def _apply(target: dict[str, Any], key: str, value: Any) -> None:
    if value is OMIT:
        target.pop(key, None)
    else:
        target[key] = copy.deepcopy(value)


def fracture(level: str = "L1", **overrides: Any) -> dict[str, Any]:
    """A fully known candidate fracture at ``level`` with ``overrides`` applied.

    ``height_loss_pct=X`` alone replaces the default heights by the given loss (so the
    loss is exactly X and its source ``given``); pass ``heights_mm`` as well to keep both.
    """
    unknown = set(overrides) - FRACTURE_KEYS
    if unknown:
        raise TypeError(f"not fracture fields: {sorted(unknown)}")
    out = copy.deepcopy(BASE_FRACTURE)
    out["level"] = level
    if "height_loss_pct" in overrides and "heights_mm" not in overrides:
        out.pop("heights_mm")
    for key, value in overrides.items():
        _apply(out, key, value)
    return out


def candidate(
    *,
    fractures: list[dict[str, Any]] | None = None,
    case_id: str = "test-case",
    **overrides: Any,
) -> dict[str, Any]:
    """The candidate case with patient / clinical / fracture fields overridden by name."""
    patient = copy.deepcopy(BASE_PATIENT)
    clinical = copy.deepcopy(BASE_CLINICAL)
    fracture_overrides: dict[str, Any] = {}
    for key, value in overrides.items():
        if key in PATIENT_KEYS:
            _apply(patient, key, value)
        elif key in CLINICAL_KEYS:
            _apply(clinical, key, value)
        elif key in FRACTURE_KEYS:
            fracture_overrides[key] = value
        else:
            raise TypeError(f"unknown case field: {key}")
    if fractures is None:
        fractures = [fracture(**fracture_overrides)]
    elif fracture_overrides:
        raise TypeError("give fracture fields inside fracture(...) when passing fractures=")
    return {
        "schema": "vertebro.case/1",
        "case_id": case_id,
        "patient": patient,
        "clinical": clinical,
        "fractures": copy.deepcopy(fractures),
    }


def assess_case(case: dict[str, Any]) -> dict[str, Any]:
    """The assessment of ``case`` as the spec's JSON document."""
    return assess(parse_case(case)).model_dump(mode="json")


def assess_text(case: dict[str, Any]) -> dict[str, Any]:
    """The same, going through the JSON-text parser."""
    return assess(parse_case(json.dumps(case))).model_dump(mode="json")


def level_of(assessment: dict[str, Any], level: str) -> dict[str, Any]:
    """The ``levels[]`` item of ``level`` (exactly one must exist)."""
    found = [item for item in assessment["levels"] if item["level"] == level]
    assert len(found) == 1, f"{level} appears {len(found)} times in levels[]"
    return found[0]


def rule_ids(citations: list[dict[str, Any]]) -> list[str]:
    """The ``rule`` of each ``{rule, text, source}`` item, in order."""
    return [c["rule"] for c in citations]

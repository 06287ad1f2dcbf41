"""N — data without which the level cannot be decided: ``needs_workup``, naming the fields.

N-1 runs before the Q group and alone; N-2 … N-7 run after it and all that hold are reported.
"""

from __future__ import annotations

from vertebro.guidance.facts import LevelFacts
from vertebro.guidance.rules.base import LevelRule
from vertebro.guidance.rules.conservative import severe_inpatient_pain
from vertebro.model.case import Case
from vertebro.model.enums import NEOPLASTIC_ETIOLOGIES, Etiology, Neurology, Recommendation

__all__ = ["N1_RULE", "N_RULES"]

_WORKUP = Recommendation.NEEDS_WORKUP
_UNKNOWN_NEUROLOGY = Neurology.UNKNOWN
_TRAUMATIC = Etiology.TRAUMATIC


def _at(facts: LevelFacts, name: str) -> list[str]:
    return [f"fractures[{facts.index}].{name}"]


N1_RULE = LevelRule(
    "N-1",
    lambda case, facts: case.clinical.neurology is _UNKNOWN_NEUROLOGY,
    _WORKUP,
    lambda case, facts: ["clinical.neurology"],
)


def _n6_holds(case: Case, facts: LevelFacts) -> bool:
    return facts.fracture.etiology in NEOPLASTIC_ETIOLOGIES and facts.sins.value is None


def _n7_holds(case: Case, facts: LevelFacts) -> bool:
    return facts.fracture.etiology is _TRAUMATIC and facts.tlics.value is None


N_RULES: tuple[LevelRule, ...] = (
    LevelRule(
        "N-2",
        lambda case, facts: facts.fracture.mri_edema is None,
        _WORKUP,
        lambda case, facts: _at(facts, "mri_edema"),
    ),
    LevelRule(
        "N-3",
        lambda case, facts: facts.fracture.pain_at_level is None,
        _WORKUP,
        lambda case, facts: _at(facts, "pain_at_level"),
    ),
    LevelRule(
        "N-4",
        lambda case, facts: (
            case.clinical.medication_insufficient is None and not severe_inpatient_pain(case)
        ),
        _WORKUP,
        lambda case, facts: ["clinical.medication_insufficient"],
    ),
    LevelRule(
        "N-5",
        lambda case, facts: facts.loss_pct is None,
        _WORKUP,
        lambda case, facts: _at(facts, "height_loss_pct"),
    ),
    LevelRule("N-6", _n6_holds, _WORKUP, lambda case, facts: list(facts.sins.missing)),
    LevelRule("N-7", _n7_holds, _WORKUP, lambda case, facts: list(facts.tlics.missing)),
)

"""Q — not a candidate now: the level stays ``conservative`` (the first that holds)."""

from __future__ import annotations

from vertebro.guidance.facts import LevelFacts
from vertebro.guidance.rules.base import LevelRule
from vertebro.model.case import Case
from vertebro.model.enums import PainTrend, Recommendation, Setting

__all__ = ["Q_RULES", "severe_inpatient_pain"]

_CONSERVATIVE = Recommendation.CONSERVATIVE
_IMPROVING = PainTrend.IMPROVING
_INPATIENT = Setting.INPATIENT

#: Q-1: a procedure needs pain of at least this NRS.
MIN_PAIN_NRS = 5
#: Q-5 / N-4: an inpatient with at least this NRS needs no proof of failed medication.
SEVERE_PAIN_NRS = 8


def severe_inpatient_pain(case: Case) -> bool:
    """Hospitalised for the fracture pain with NRS ≥ 8 (the Q-5 and N-4 exemption)."""
    return case.clinical.setting is _INPATIENT and case.clinical.pain_nrs >= SEVERE_PAIN_NRS


def _healed_or_chronic(case: Case, facts: LevelFacts) -> bool:
    """Q-3 (2026.2): no oedema on MRI and no intravertebral cleft. A cleft marks a
    non-united fracture (pseudarthrosis, Kümmell disease) that does not heal on its own
    [IVC], so an unknown or absent cleft lets Q-3 hold and a present one does not."""
    fracture = facts.fracture
    return fracture.mri_edema is False and fracture.intravertebral_cleft is not True


Q_RULES: tuple[LevelRule, ...] = (
    LevelRule("Q-1", lambda case, facts: case.clinical.pain_nrs < MIN_PAIN_NRS, _CONSERVATIVE),
    LevelRule("Q-2", lambda case, facts: case.clinical.pain_trend is _IMPROVING, _CONSERVATIVE),
    LevelRule("Q-3", _healed_or_chronic, _CONSERVATIVE),
    LevelRule("Q-4", lambda case, facts: facts.fracture.pain_at_level is False, _CONSERVATIVE),
    LevelRule(
        "Q-5",
        lambda case, facts: (
            case.clinical.medication_insufficient is False and not severe_inpatient_pain(case)
        ),
        _CONSERVATIVE,
    ),
)

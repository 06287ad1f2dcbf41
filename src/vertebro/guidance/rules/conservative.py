"""Q — not a candidate now: the level stays ``conservative`` (the first that holds).

Q-1, Q-2 and Q-5 are about the patient, Q-3 and Q-4 about the level; the engine judges the
patient's once per case and keeps the rulebook's order (Q-1, Q-2, Q-3, Q-4, Q-5).
"""

from __future__ import annotations

from vertebro.guidance.facts import LevelFacts
from vertebro.model.case import Clinical
from vertebro.model.enums import PainTrend, Setting

__all__ = ["Q_IDS", "conservative_at", "conservative_for_patient", "pain_controlled"]

Q_IDS = ("Q-1", "Q-2", "Q-3", "Q-4", "Q-5")
_IMPROVING = PainTrend.IMPROVING
_INPATIENT = Setting.INPATIENT

#: Q-1: a procedure needs pain of at least this NRS.
MIN_PAIN_NRS = 5
#: Q-5 / N-4: an inpatient with at least this NRS needs no proof of failed medication.
SEVERE_PAIN_NRS = 8


def severe_inpatient_pain(clinical: Clinical) -> bool:
    """Hospitalised for the fracture pain with NRS ≥ 8 (the Q-5 and N-4 exemption)."""
    return clinical.setting is _INPATIENT and clinical.pain_nrs >= SEVERE_PAIN_NRS


def conservative_for_patient(clinical: Clinical) -> str | None:
    """Q-1 pain below NRS 5, else Q-2 pain improving (most fractures heal in 2–12 weeks)."""
    if clinical.pain_nrs < MIN_PAIN_NRS:
        return "Q-1"
    if clinical.pain_trend is _IMPROVING:
        return "Q-2"
    return None


def conservative_at(facts: LevelFacts) -> str | None:
    """Q-3 (2026.2) no oedema on MRI and no intravertebral cleft: healed or chronic — a cleft
    marks a non-united fracture (pseudarthrosis, Kümmell disease) that does not heal on its
    own [IVC], so an unknown or absent cleft lets Q-3 hold and a present one does not;
    else Q-4 the pain is not from this level."""
    fracture = facts.fracture
    if fracture.mri_edema is False and fracture.intravertebral_cleft is not True:
        return "Q-3"
    if fracture.pain_at_level is False:
        return "Q-4"
    return None


def pain_controlled(clinical: Clinical) -> bool:
    """Q-5: medication controls the pain, unless an inpatient has NRS ≥ 8."""
    return clinical.medication_insufficient is False and not severe_inpatient_pain(clinical)

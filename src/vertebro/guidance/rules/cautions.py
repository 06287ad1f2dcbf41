"""K — cautions: reported whatever the decision, never changing it."""

from __future__ import annotations

from vertebro.guidance.facts import LevelFacts
from vertebro.model.case import Case
from vertebro.model.enums import Coagulopathy, Etiology, PosteriorWall
from vertebro.model.level import Level
from vertebro.morphometry import LossSource

__all__ = ["LEVEL_K_IDS", "PATIENT_K_IDS", "cement_leak_risk", "level_cautions", "patient_cautions"]

PATIENT_K_IDS = ("K-1", "K-2", "K-3", "K-6", "K-9")
LEVEL_K_IDS = ("K-4", "K-5", "K-7", "K-8", "K-10", "K-11", "K-12")

#: K-6: more treated levels than this are split into sessions.
MAX_LEVELS_PER_SESSION = 3
#: K-7: a fracture younger than this (weeks) carries a higher cement-embolism risk.
EARLY_FRACTURE_WEEKS = 2.0
#: K-12: below this loss (%) a uniform collapse goes unseen without a reference height.
CRUSH_UNSEEN_BELOW_PCT = 20.0
_UPPER_THORACIC = frozenset({Level.T1, Level.T2, Level.T3, Level.T4})
_CORRECTABLE = Coagulopathy.CORRECTABLE
_DISTINCT = PosteriorWall.DISTINCT
_POSTERIOR_RATIO = LossSource.POSTERIOR_RATIO
_UNCONFIRMED_CAUSE = frozenset(
    {Etiology.MYELOMA, Etiology.METASTASIS, Etiology.OTHER, Etiology.UNKNOWN}
)


def patient_cautions(case: Case, treated_levels: int) -> list[str]:
    """The patient-wide cautions that hold, in order: K-1 correctable coagulopathy or
    anticoagulation, K-2 severe pulmonary disease, K-3 cannot lie prone, K-6 more than
    3 treated levels, K-9 radicular pain."""
    patient = case.patient
    held = []
    if patient.coagulopathy is _CORRECTABLE or patient.anticoagulated:
        held.append("K-1")
    if patient.severe_pulmonary_disease:
        held.append("K-2")
    if patient.can_lie_prone is False:
        held.append("K-3")
    if treated_levels > MAX_LEVELS_PER_SESSION:
        held.append("K-6")
    if case.clinical.radicular_pain:
        held.append("K-9")
    return held


def cement_leak_risk(facts: LevelFacts) -> bool:
    """K-4 (a distinct posterior wall defect or retropulsion) or K-5 (an intravertebral
    cleft) holds: the level gets high-viscosity cement (P-3)."""
    fracture = facts.fracture
    return (
        fracture.posterior_wall is _DISTINCT
        or fracture.retropulsion is True
        or fracture.intravertebral_cleft is True
    )


def level_cautions(facts: LevelFacts) -> list[str]:
    """The level's cautions that hold, in order: K-4 distinct posterior wall defect or
    retropulsion, K-5 intravertebral cleft, K-7 younger than 2 weeks, K-8 T1–T4,
    K-10 SINS 7–12, K-11 cause unconfirmed (myeloma, metastasis, other, unknown),
    K-12 a loss below 20 % from the posterior ratio (a crush cannot be seen)."""
    fracture = facts.fracture
    held = []
    if fracture.posterior_wall is _DISTINCT or fracture.retropulsion is True:
        held.append("K-4")
    if fracture.intravertebral_cleft is True:
        held.append("K-5")
    age = fracture.age_weeks
    if age is not None and age < EARLY_FRACTURE_WEEKS:
        held.append("K-7")
    if fracture.level in _UPPER_THORACIC:
        held.append("K-8")
    sins = facts.sins.value
    if sins is not None and 7 <= sins <= 12:
        held.append("K-10")
    if fracture.etiology in _UNCONFIRMED_CAUSE:
        held.append("K-11")
    loss = facts.loss_pct
    if facts.loss_source is _POSTERIOR_RATIO and loss is not None and loss < CRUSH_UNSEEN_BELOW_PCT:
        held.append("K-12")
    return held

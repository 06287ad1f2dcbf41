"""K — cautions: reported whatever the decision, never changing it."""

from __future__ import annotations

from vertebro.guidance.facts import LevelFacts
from vertebro.guidance.rules.base import LevelRule, PatientRule
from vertebro.model.case import Case
from vertebro.model.enums import Coagulopathy, Etiology, PosteriorWall
from vertebro.model.level import Level
from vertebro.morphometry import LossSource

__all__ = ["LEVEL_CAUTIONS", "PATIENT_CAUTIONS", "cement_leak_risk"]

#: K-6: more treated levels than this are split into sessions.
MAX_LEVELS_PER_SESSION = 3
#: K-7: a fracture younger than this (weeks) carries a higher cement-embolism risk.
EARLY_FRACTURE_WEEKS = 2.0
_UPPER_THORACIC = frozenset({Level.T1, Level.T2, Level.T3, Level.T4})
_CORRECTABLE = Coagulopathy.CORRECTABLE
_DISTINCT = PosteriorWall.DISTINCT
_POSTERIOR_RATIO = LossSource.POSTERIOR_RATIO
_UNCONFIRMED_CAUSE = frozenset(
    {Etiology.MYELOMA, Etiology.METASTASIS, Etiology.OTHER, Etiology.UNKNOWN}
)

PATIENT_CAUTIONS: tuple[PatientRule, ...] = (
    PatientRule(
        "K-1",
        lambda case, _: case.patient.coagulopathy is _CORRECTABLE or case.patient.anticoagulated,
    ),
    PatientRule("K-2", lambda case, _: case.patient.severe_pulmonary_disease),
    PatientRule("K-3", lambda case, _: case.patient.can_lie_prone is False),
    PatientRule("K-6", lambda case, treated: treated > MAX_LEVELS_PER_SESSION),
    PatientRule("K-9", lambda case, _: case.clinical.radicular_pain),
)


def _posterior_wall_risk(case: Case, facts: LevelFacts) -> bool:
    """K-4: a distinct posterior wall defect or retropulsion."""
    fracture = facts.fracture
    return fracture.posterior_wall is _DISTINCT or fracture.retropulsion is True


def _cleft(case: Case, facts: LevelFacts) -> bool:
    """K-5: an intravertebral cleft."""
    return facts.fracture.intravertebral_cleft is True


def cement_leak_risk(case: Case, facts: LevelFacts) -> bool:
    """K-4 or K-5 holds: the level gets high-viscosity cement (P-3)."""
    return _posterior_wall_risk(case, facts) or _cleft(case, facts)


def _early(case: Case, facts: LevelFacts) -> bool:
    age = facts.fracture.age_weeks
    return age is not None and age < EARLY_FRACTURE_WEEKS


def _potentially_unstable(case: Case, facts: LevelFacts) -> bool:
    value = facts.sins.value
    return value is not None and 7 <= value <= 12


def _crush_unseen(case: Case, facts: LevelFacts) -> bool:
    return (
        facts.loss_source is _POSTERIOR_RATIO
        and facts.loss_pct is not None
        and facts.loss_pct < 20.0
    )


LEVEL_CAUTIONS: tuple[LevelRule, ...] = (
    LevelRule("K-4", _posterior_wall_risk),
    LevelRule("K-5", _cleft),
    LevelRule("K-7", _early),
    LevelRule("K-8", lambda case, facts: facts.fracture.level in _UPPER_THORACIC),
    LevelRule("K-10", _potentially_unstable),
    LevelRule("K-11", lambda case, facts: facts.fracture.etiology in _UNCONFIRMED_CAUSE),
    LevelRule("K-12", _crush_unseen),
)

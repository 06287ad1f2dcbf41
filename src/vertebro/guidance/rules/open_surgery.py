"""O — open surgery instead of augmentation (the first that holds decides the level)."""

from __future__ import annotations

from vertebro.guidance.facts import LevelFacts
from vertebro.guidance.rules.base import LevelRule
from vertebro.model.case import Case
from vertebro.model.enums import NEUROLOGICAL_DEFICITS, Morphology, Recommendation
from vertebro.morphometry import OFClass

__all__ = ["O_RULES"]

_OPEN = Recommendation.OPEN_SURGERY
_TENSION_BAND_MORPHOLOGY = frozenset({Morphology.TRANSLATION_ROTATION, Morphology.DISTRACTION})
_OF5 = OFClass.OF5


def _posterior_tension_band(case: Case, facts: LevelFacts) -> bool:
    fracture = facts.fracture
    return (
        fracture.tension_band_failure is True
        or fracture.morphology in _TENSION_BAND_MORPHOLOGY
        or facts.of_class is _OF5
    )


def _score_at_least(value: int | None, threshold: int) -> bool:
    return value is not None and value >= threshold


O_RULES: tuple[LevelRule, ...] = (
    LevelRule("O-1", lambda case, facts: case.clinical.neurology in NEUROLOGICAL_DEFICITS, _OPEN),
    LevelRule("O-2", lambda case, facts: facts.fracture.unstable is True, _OPEN),
    LevelRule("O-3", _posterior_tension_band, _OPEN),
    LevelRule("O-4", lambda case, facts: _score_at_least(facts.tlics.value, 5), _OPEN),
    LevelRule("O-5", lambda case, facts: _score_at_least(facts.sins.value, 13), _OPEN),
)

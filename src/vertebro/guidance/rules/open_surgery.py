"""O — open surgery instead of augmentation (the first that holds decides the level)."""

from __future__ import annotations

from vertebro.guidance.facts import LevelFacts
from vertebro.model.case import Clinical
from vertebro.model.enums import NEUROLOGICAL_DEFICITS, Morphology
from vertebro.morphometry import OFClass

__all__ = ["O_IDS", "deficit", "open_surgery"]

O_IDS = ("O-1", "O-2", "O-3", "O-4", "O-5")
_TENSION_BAND_MORPHOLOGY = frozenset({Morphology.TRANSLATION_ROTATION, Morphology.DISTRACTION})
_OF5 = OFClass.OF5
#: O-4 / O-5: the TLICS and SINS from which the level goes to surgery.
TLICS_OPERATIVE = 5
SINS_UNSTABLE = 13


def deficit(clinical: Clinical) -> bool:
    """O-1: a neurological deficit (root, cord or cauda equina) — every level, so the case
    judges it once."""
    return clinical.neurology in NEUROLOGICAL_DEFICITS


def open_surgery(facts: LevelFacts) -> str | None:
    """The first of O-2 … O-5 that holds at this level: O-2 unstable; O-3 posterior tension
    band failure (stated, a translation/rotation or distraction morphology, or OF5);
    O-4 TLICS ≥ 5; O-5 SINS ≥ 13."""
    fracture = facts.fracture
    if fracture.unstable is True:
        return "O-2"
    if (
        fracture.tension_band_failure is True
        or fracture.morphology in _TENSION_BAND_MORPHOLOGY
        or facts.of_class is _OF5
    ):
        return "O-3"
    tlics = facts.tlics.value
    if tlics is not None and tlics >= TLICS_OPERATIVE:
        return "O-4"
    sins = facts.sins.value
    if sins is not None and sins >= SINS_UNSTABLE:
        return "O-5"
    return None

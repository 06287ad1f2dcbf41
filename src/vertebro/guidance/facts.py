"""What vertebro knows about one fracture before any rule runs: M and S results."""

from __future__ import annotations

from dataclasses import dataclass

from vertebro.guidance import scores
from vertebro.model.assessment import Score
from vertebro.model.case import Case, Fracture
from vertebro.model.enums import NEOPLASTIC_ETIOLOGIES, Etiology, Timing
from vertebro.morphometry import (
    LossSource,
    OFClass,
    Shape,
    derive_of_class,
    genant_grade,
    height_loss_pct,
    heights_from_landmarks_mm,
    shape_of,
    wedge_angle_deg,
)

__all__ = ["LevelFacts", "level_facts"]

#: W-1 / W-2: a fracture at most this old (weeks) is in the favourable window, an older one
#: late; an unknown age gives an unknown timing.
_FAVOURABLE_WEEKS = 6.0
_UNKNOWN, _FAVOURABLE, _LATE = Timing.UNKNOWN, Timing.FAVOURABLE, Timing.LATE
_OSTEOPOROTIC = Etiology.OSTEOPOROTIC
_NO_FIELDS: tuple[str, ...] = ()


@dataclass(slots=True)
class LevelFacts:
    """Derived values of the fracture at input index ``index`` (rulebook M, S, W)."""

    index: int
    fracture: Fracture
    loss_pct: float | None
    loss_source: LossSource
    grade: int | None
    shape: Shape | None
    wedge_angle_deg: float | None
    of_class: OFClass | None
    of_score: Score
    tlics: Score
    sins: Score
    timing: Timing


def level_facts(case: Case, index: int) -> LevelFacts:
    """Compute M-1 to M-6, S-1 to S-3 and W for ``case.fractures[index]``."""
    fracture = case.fractures[index]
    given, landmarks = fracture.heights_mm, fracture.landmarks_mm
    reference = fracture.reference_height_mm
    heights: tuple[float, float, float] | None = None
    if given is not None:
        heights = (given.anterior, given.middle, given.posterior)
    elif landmarks is not None:
        heights = heights_from_landmarks_mm(landmarks.__dict__)
    loss, source = height_loss_pct(fracture.height_loss_pct, heights, reference)
    grade = genant_grade(loss)
    etiology = fracture.etiology
    of_class = fracture.of_class
    of_score = sins = scores.NOT_APPLICABLE  # S-1 and S-3 apply to some etiologies only
    if etiology is _OSTEOPOROTIC:
        of_missing = _NO_FIELDS
        if of_class is None:
            of_class, of_missing = derive_of_class(
                tension_band_failure=fracture.tension_band_failure,
                endplates_involved=fracture.endplates_involved,
                loss_pct=loss,
                posterior_wall=fracture.posterior_wall,
                mri_edema=fracture.mri_edema,
            )
        of_score = scores.of_score(case, fracture, of_class, index, of_missing)
    elif etiology in NEOPLASTIC_ETIOLOGIES:
        sins = scores.sins(case, fracture, index, loss)
    age = fracture.age_weeks
    return LevelFacts(  # positional, in field order: this runs for every level of every case
        index,
        fracture,
        loss,
        source,
        grade,
        shape_of(grade, heights, reference),
        wedge_angle_deg(landmarks.__dict__) if landmarks is not None else None,
        of_class,
        of_score,
        scores.tlics(case, fracture, index),
        sins,
        _UNKNOWN if age is None else _FAVOURABLE if age <= _FAVOURABLE_WEEKS else _LATE,
    )

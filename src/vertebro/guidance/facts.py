"""What vertebro knows about one fracture before any rule runs: M and S results."""

from __future__ import annotations

from dataclasses import dataclass

from vertebro.guidance import scores
from vertebro.model.assessment import Score, Scores
from vertebro.model.case import Case, Fracture
from vertebro.model.enums import Etiology, Timing
from vertebro.model.fast import build
from vertebro.morphometry import (
    Heights,
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

#: W-1: a fracture at most this old (weeks) is treated in the favourable window.
_FAVOURABLE_WEEKS = 6.0
_UNKNOWN, _FAVOURABLE, _LATE = Timing.UNKNOWN, Timing.FAVOURABLE, Timing.LATE
_OSTEOPOROTIC = Etiology.OSTEOPOROTIC


@dataclass(slots=True)
class LevelFacts:
    """Derived values of the fracture at input index ``index`` (rulebook M, S, W)."""

    index: int
    fracture: Fracture
    heights: Heights | None
    loss_pct: float | None
    loss_source: LossSource
    grade: int | None
    shape: Shape | None
    wedge_angle_deg: float | None
    of_class: OFClass | None
    scores: Scores
    timing: Timing

    @property
    def of_score(self) -> Score:
        return self.scores.of_score

    @property
    def tlics(self) -> Score:
        return self.scores.tlics

    @property
    def sins(self) -> Score:
        return self.scores.sins


def _timing(age_weeks: float | None) -> Timing:
    """W-1 / W-2: ≤ 6 weeks favourable, > 6 late, unknown otherwise."""
    if age_weeks is None:
        return _UNKNOWN
    return _FAVOURABLE if age_weeks <= _FAVOURABLE_WEEKS else _LATE


def level_facts(case: Case, index: int) -> LevelFacts:
    """Compute M-1 to M-6, S-1 to S-3 and W for ``case.fractures[index]``."""
    fracture = case.fractures[index]
    heights: Heights | None = None
    if fracture.heights_mm is not None:
        h = fracture.heights_mm
        heights = Heights(h.anterior, h.middle, h.posterior)
    elif fracture.landmarks_mm is not None:
        heights = heights_from_landmarks_mm(fracture.landmarks_mm.__dict__)
    loss, source = height_loss_pct(fracture.height_loss_pct, heights, fracture.reference_height_mm)
    grade = genant_grade(loss)
    shape = shape_of(grade, heights, fracture.reference_height_mm)
    wedge = (
        wedge_angle_deg(fracture.landmarks_mm.__dict__)
        if fracture.landmarks_mm is not None
        else None
    )
    of_class, of_missing = fracture.of_class, []
    if of_class is None and fracture.etiology is _OSTEOPOROTIC:
        of_class, names = derive_of_class(
            tension_band_failure=fracture.tension_band_failure,
            endplates_involved=fracture.endplates_involved,
            loss_pct=loss,
            posterior_wall=fracture.posterior_wall,
            mri_edema=fracture.mri_edema,
        )
        of_missing = [f"fractures[{index}].{name}" for name in names]
    level_scores = build(
        Scores,
        of_score=scores.of_score(case, fracture, of_class, of_missing),
        tlics=scores.tlics(case, fracture, index),
        sins=scores.sins(case, fracture, index, loss),
    )
    return LevelFacts(
        index=index,
        fracture=fracture,
        heights=heights,
        loss_pct=loss,
        loss_source=source,
        grade=grade,
        shape=shape,
        wedge_angle_deg=wedge,
        of_class=of_class,
        scores=level_scores,
        timing=_timing(fracture.age_weeks),
    )

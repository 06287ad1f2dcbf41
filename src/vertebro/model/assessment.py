"""The assessment (``vertebro.assessment/1``, ``spec/case-v1.md`` "Assessment")."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from vertebro.model.enums import (
    Anaesthesia,
    Approach,
    Discharge,
    Recommendation,
    Technique,
    Timing,
    Viscosity,
)
from vertebro.model.fields import StrictModel
from vertebro.model.level import Level
from vertebro.morphometry import LossSource, OFClass, Shape

__all__ = [
    "ASSESSMENT_SCHEMA",
    "Assessment",
    "LevelAssessment",
    "Plan",
    "PlannedLevel",
    "RuleCitation",
    "Score",
    "Scores",
    "Session",
]

ASSESSMENT_SCHEMA = "vertebro.assessment/1"


class RuleCitation(StrictModel):
    """A rule that applied: its id (``"C-1"``), its statement and its source tags."""

    rule: str
    text: str
    source: list[str]


class Score(StrictModel):
    """A clinical score (rulebook S): value, its reading, and the fields it lacked."""

    value: int | None
    interpretation: str | None
    missing: list[str]


class Scores(StrictModel):
    of_score: Score
    tlics: Score
    sins: Score


class LevelAssessment(StrictModel):
    """Everything vertebro concludes about one fractured level."""

    level: Level
    recommendation: Recommendation
    height_loss_pct: float | None
    height_loss_source: LossSource
    genant_grade: int | None
    shape: Shape | None
    wedge_angle_deg: float | None
    of_class: OFClass | None
    scores: Scores
    timing: Timing
    reasons: list[RuleCitation]
    cautions: list[RuleCitation]
    missing: list[str]


class Session(StrictModel):
    """One procedure session (P-1, P-4, P-5, A-1)."""

    levels: list[Level]
    anaesthesia: Anaesthesia
    minutes: int
    discharge: Discharge


class PlannedLevel(StrictModel):
    """How one level is treated (P-0, P-2, P-3)."""

    level: Level
    technique: Technique
    approach: Approach
    cement_ml: tuple[float, float]
    cement_viscosity: Viscosity


class Plan(StrictModel):
    """The procedure plan and aftercare (rulebook P and A)."""

    sessions: list[Session]
    levels: list[PlannedLevel]
    aftercare: list[RuleCitation]
    follow_up: list[RuleCitation]


class Assessment(StrictModel):
    """The assessment of one case, rule by rule, under one rulebook version."""

    schema_: Literal["vertebro.assessment/1"] = Field(alias="schema")
    case_id: str
    rulebook_version: str
    recommendation: Recommendation
    levels: list[LevelAssessment]
    reasons: list[RuleCitation]
    cautions: list[RuleCitation]
    missing: list[str]
    plan: Plan | None

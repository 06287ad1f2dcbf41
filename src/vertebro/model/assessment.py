"""The assessment (``vertebro.assessment/1``, ``spec/case-v1.md`` "Assessment")."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from vertebro.model.enums import (
    Anaesthesia,
    Approach,
    Discharge,
    Recommendation,
    Technique,
    Timing,
    Viscosity,
)
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


class _Out(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


class RuleCitation(_Out):
    """A rule that applied: its id (``"C-1"``), its statement and its source tags."""

    rule: str
    text: str
    source: list[str]


class Score(_Out):
    """A clinical score (rulebook S): value, its reading, and the fields it lacked."""

    value: int | None
    interpretation: str | None
    missing: list[str]


class Scores(_Out):
    of_score: Score
    tlics: Score
    sins: Score


class LevelAssessment(_Out):
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


class Session(_Out):
    """One procedure session (P-1, P-4, P-5, A-1)."""

    levels: list[Level]
    anaesthesia: Anaesthesia
    minutes: int
    discharge: Discharge


class PlannedLevel(_Out):
    """How one level is treated (P-0, P-2, P-3)."""

    level: Level
    technique: Technique
    approach: Approach
    cement_ml: tuple[float, float]
    cement_viscosity: Viscosity


class Plan(_Out):
    """The procedure plan and aftercare (rulebook P and A)."""

    sessions: list[Session]
    levels: list[PlannedLevel]
    aftercare: list[RuleCitation]
    follow_up: list[RuleCitation]


class Assessment(_Out):
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

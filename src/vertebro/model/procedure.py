"""A procedure session (``vertebro.procedure/1``, ``spec/registry-v1.md``) as strict models.

Read documents with :func:`vertebro.model.parsing.parse_procedure_json`, which reports every
problem as ``<path>: <reason>``. Height restored is computed from the case's heights and
``post_heights_mm`` elsewhere, never typed in.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictInt, field_validator, model_validator

from vertebro.model.case import HeightsMm, Number
from vertebro.model.enums import Anaesthesia, Approach, Discharge, Technique, Viscosity
from vertebro.model.fields import IsoDate, StrictModel, Text
from vertebro.model.level import Level

__all__ = [
    "PROCEDURE_SCHEMA",
    "Biopsy",
    "Complication",
    "ComplicationType",
    "Leakage",
    "LeakageDetection",
    "LeakageType",
    "Procedure",
    "ProcedureStatus",
    "TreatedLevel",
]

PROCEDURE_SCHEMA = "vertebro.procedure/1"


class ProcedureStatus(StrEnum):
    SCHEDULED = "scheduled"
    PERFORMED = "performed"
    CANCELLED = "cancelled"


class LeakageType(StrEnum):
    """Where cement went outside the body (rulebook R-3)."""

    VENOUS = "venous"
    DISC = "disc"
    EPIDURAL = "epidural"
    FORAMINAL = "foraminal"
    PARAVERTEBRAL = "paravertebral"


class LeakageDetection(StrEnum):
    """How leakage was looked for; leakage rates are never pooled across methods."""

    FLUOROSCOPY = "fluoroscopy"
    RADIOGRAPH = "radiograph"
    CT = "ct"


class ComplicationType(StrEnum):
    """Complications (rulebook R-3); new fractures are recorded apart, in follow-ups."""

    CEMENT_LEAKAGE = "cement_leakage"
    PULMONARY_CEMENT_EMBOLISM = "pulmonary_cement_embolism"
    NERVE_DAMAGE = "nerve_damage"
    INFECTION = "infection"
    BLEEDING = "bleeding"
    THROMBOEMBOLISM = "thromboembolism"
    ANAESTHESIA_REACTION = "anaesthesia_reaction"
    RESIDUAL_PAIN = "residual_pain"
    READMISSION = "readmission"
    REPEAT_AUGMENTATION = "repeat_augmentation"
    DEATH = "death"
    OTHER = "other"


class Complication(StrictModel):
    """One complication ``{type, symptomatic, note}``."""

    type: ComplicationType
    symptomatic: StrictBool
    note: Text | None = None


class Biopsy(StrictModel):
    """Biopsy during the session (rulebook K-11)."""

    taken: StrictBool
    histology: Text | None = None


class Leakage(StrictModel):
    """Cement leakage at one level, as seen by one detection method."""

    present: StrictBool
    types: Annotated[list[LeakageType], Field(max_length=len(LeakageType))] = []
    symptomatic: StrictBool = False
    detected_by: LeakageDetection

    @model_validator(mode="after")
    def _consistent(self) -> Leakage:
        if len(set(self.types)) != len(self.types):
            raise ValueError("types: each type at most once")
        if not self.present and self.types:
            raise ValueError("types: must be empty when present is false")
        if not self.present and self.symptomatic:
            raise ValueError("symptomatic: must be false when present is false")
        return self


class TreatedLevel(StrictModel):
    """One treated level of the session (``levels[]``)."""

    level: Level
    technique: Technique
    approach: Approach
    cement_product: Text | None = None
    cement_viscosity: Viscosity
    cement_ml: Annotated[Number, Field(gt=0)]
    balloon_ml: Annotated[Number, Field(gt=0)] | None = None
    post_heights_mm: HeightsMm | None = None
    leakage: Leakage | None = None

    @model_validator(mode="after")
    def _balloon_only_for_kyphoplasty(self) -> TreatedLevel:
        if self.balloon_ml is not None and self.technique is Technique.VERTEBROPLASTY:
            raise ValueError("balloon_ml: must be null for vertebroplasty (no balloon)")
        return self


class Procedure(StrictModel):
    """One procedure session ``vertebro.procedure/1``: planned, performed or cancelled."""

    schema_: Literal["vertebro.procedure/1"] = Field(alias="schema")
    status: ProcedureStatus
    date: IsoDate
    operator: Text
    anaesthesia: Anaesthesia
    duration_min: Annotated[StrictInt, Field(ge=0, le=1440)] | None = None
    fluoroscopy_s: Annotated[Number, Field(ge=0)] | None = None
    dose_area_product: Annotated[Number, Field(ge=0)] | None = None
    biopsy: Biopsy = Biopsy(taken=False)
    discharge: Discharge | None = None
    discharge_date: IsoDate | None = None
    override_reason: Text | None = None
    complications: Annotated[list[Complication], Field(max_length=50)] = []
    levels: Annotated[list[TreatedLevel], Field(min_length=1, max_length=17)]

    @field_validator("levels")
    @classmethod
    def _levels_unique(cls, value: list[TreatedLevel]) -> list[TreatedLevel]:
        seen: dict[Level, int] = {}
        for i, item in enumerate(value):
            if item.level in seen:
                raise ValueError(f"levels[{i}].level: duplicate of levels[{seen[item.level]}]")
            seen[item.level] = i
        return value

    @model_validator(mode="after")
    def _discharge_after_session(self) -> Procedure:
        if self.discharge_date is not None and self.discharge_date < self.date:
            raise ValueError("discharge_date: must not be before date")
        return self

    @property
    def techniques(self) -> dict[Level, Technique]:
        """Technique per treated level."""
        return {item.level: item.technique for item in self.levels}

"""The case (``vertebro.case/1``, ``spec/case-v1.md``) as strict pydantic v2 models.

Build a case from JSON with :func:`vertebro.model.parsing.parse_case`, which reports every
problem with its field path; constructing these models directly validates the same way.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, Strict, StrictBool, StrictInt, field_validator

from vertebro.model.enums import (
    Alignment,
    Coagulopathy,
    Etiology,
    Lesion,
    Morphology,
    Neurology,
    PainTrend,
    PainType,
    Plc,
    PosteriorWall,
    Posterolateral,
    Setting,
    Sex,
)
from vertebro.model.fields import StrictModel
from vertebro.model.level import Level
from vertebro.morphometry import MAX_HEIGHT_MM, OFClass, heights_from_landmarks_mm

__all__ = ["CASE_SCHEMA", "Case", "Clinical", "Fracture", "HeightsMm", "LandmarksMm", "Patient"]

CASE_SCHEMA = "vertebro.case/1"

#: A finite JSON number (an integer is accepted and becomes a float; ``true`` is not).
Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]
Point = tuple[Number, Number]


class Patient(StrictModel):
    """``patient``: who is treated and what would forbid or complicate it."""

    age_years: Annotated[StrictInt, Field(ge=0, le=120)]
    sex: Sex = Sex.UNKNOWN
    asa_class: Annotated[StrictInt, Field(ge=1, le=5)] | None = None
    frailty_index: Annotated[StrictInt, Field(ge=0, le=5)] | None = None
    t_score: Number | None = None
    qct_hu: Number | None = None
    active_infection: StrictBool
    pregnant: StrictBool = False
    coagulopathy: Coagulopathy = Coagulopathy.NONE
    anticoagulated: StrictBool = False
    cement_allergy: StrictBool = False
    can_lie_prone: StrictBool | None = None
    severe_pulmonary_disease: StrictBool = False


class Clinical(StrictModel):
    """``clinical``: pain, function and neurology."""

    pain_nrs: Annotated[StrictInt, Field(ge=0, le=10)]
    setting: Setting = Setting.OUTPATIENT
    pain_trend: PainTrend | None = None
    pain_type: PainType | None = None
    medication_insufficient: StrictBool | None = None
    conservative_care_weeks: Annotated[Number, Field(ge=0)] | None = None
    mobilisation_possible: StrictBool | None = None
    rdq: Annotated[StrictInt, Field(ge=0, le=24)] | None = None
    odi: Annotated[Number, Field(ge=0, le=100)] | None = None
    radicular_pain: StrictBool = False
    neurology: Neurology


class HeightsMm(StrictModel):
    """Vertebral body heights, mm, each in (0, 80]."""

    anterior: Annotated[Number, Field(gt=0, le=MAX_HEIGHT_MM)]
    middle: Annotated[Number, Field(gt=0, le=MAX_HEIGHT_MM)]
    posterior: Annotated[Number, Field(gt=0, le=MAX_HEIGHT_MM)]


class LandmarksMm(StrictModel):
    """Six-point morphometry, each ``[x, y]`` mm in one sagittal plane
    (x posterior → anterior, y caudal → cranial)."""

    anterior_superior: Point
    anterior_inferior: Point
    middle_superior: Point
    middle_inferior: Point
    posterior_superior: Point
    posterior_inferior: Point


_SIDES = ("anterior", "middle", "posterior")


class Fracture(StrictModel):
    """One fractured level (``fractures[]``)."""

    level: Level
    etiology: Etiology
    age_weeks: Annotated[Number, Field(ge=0)] | None = None
    mri_edema: StrictBool | None = None
    pain_at_level: StrictBool | None = None
    heights_mm: HeightsMm | None = None
    landmarks_mm: LandmarksMm | None = None
    reference_height_mm: Annotated[Number, Field(gt=0)] | None = None
    height_loss_pct: Annotated[Number, Field(ge=0, le=100)] | None = None
    kyphotic_angle_deg: Number | None = None
    morphology: Morphology = Morphology.COMPRESSION
    endplates_involved: Annotated[StrictInt, Field(ge=0, le=2)] | None = None
    posterior_wall: PosteriorWall | None = None
    retropulsion: StrictBool | None = None
    canal_compromise_pct: Annotated[Number, Field(ge=0, le=100)] | None = None
    tension_band_failure: StrictBool | None = None
    plc: Plc | None = None
    unstable: StrictBool | None = None
    intravertebral_cleft: StrictBool | None = None
    progressive_collapse: StrictBool | None = None
    of_class: OFClass | None = None
    lesion: Lesion | None = None
    alignment: Alignment | None = None
    posterolateral: Posterolateral | None = None
    body_involvement_over_50: StrictBool | None = None

    @field_validator("landmarks_mm")
    @classmethod
    def _landmark_heights_plausible(cls, value: LandmarksMm | None) -> LandmarksMm | None:
        """Rulebook M-1: each landmark height must be > 0 and ≤ 80 mm."""
        if value is None:
            return value
        heights = heights_from_landmarks_mm(value.__dict__)
        bad = [
            f"{side} height {h:.1f} mm"
            for side, h in zip(_SIDES, heights, strict=True)
            if not 0.0 < h <= MAX_HEIGHT_MM
        ]
        if bad:
            raise ValueError(f"{', '.join(bad)} must be > 0 and ≤ 80 mm")
        return value


class Case(StrictModel):
    """A case ``vertebro.case/1``: one patient, their clinical picture and 1–17 fractures."""

    schema_: Literal["vertebro.case/1"] = Field(alias="schema")
    case_id: Annotated[str, Strict(), Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
    patient: Patient
    clinical: Clinical
    fractures: Annotated[list[Fracture], Field(min_length=1, max_length=17)]

    @field_validator("fractures")
    @classmethod
    def _levels_unique(cls, value: list[Fracture]) -> list[Fracture]:
        if len({fracture.level for fracture in value}) == len(value):
            return value
        seen: dict[Level, int] = {}
        for i, fracture in enumerate(value):
            if fracture.level in seen:
                raise ValueError(
                    f"fractures[{i}].level: duplicate of fractures[{seen[fracture.level]}]"
                )
            seen[fracture.level] = i
        return value

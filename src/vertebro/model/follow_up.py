"""A follow-up record (``vertebro.follow_up/1``, ``spec/registry-v1.md``) and the visits.

Visits (rulebook A-4 plus ``2 weeks``) have a nominal day offset from the anchor (the date
of the case's first performed session) and a window of days; a record dated outside its
window is accepted and flagged ``out_of_window``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, NamedTuple

from pydantic import Field, StrictBool, StrictInt, field_validator, model_validator

from vertebro.model.case import Number
from vertebro.model.fields import IsoDate, StrictModel, Text
from vertebro.model.level import Level
from vertebro.model.procedure import Complication

__all__ = [
    "FOLLOW_UP_SCHEMA",
    "SCHEDULED_VISITS",
    "Analgesics",
    "FollowUp",
    "FollowUpStatus",
    "FractureDetection",
    "NewFracture",
    "Visit",
    "VisitWindow",
]

FOLLOW_UP_SCHEMA = "vertebro.follow_up/1"


class VisitWindow(NamedTuple):
    """A timed visit: nominal offset and window ``[first_day, last_day]``, days after the
    anchor."""

    offset_days: int
    first_day: int
    last_day: int

    def contains(self, days: int) -> bool:
        """Whether ``days`` after the anchor falls inside the window."""
        return self.first_day <= days <= self.last_day


class Visit(StrEnum):
    """A follow-up visit; the timed ones carry their offset and window (registry-v1)."""

    BASELINE = "baseline"
    DAY_1 = "1 day"
    WEEK_1 = "1 week"
    WEEKS_2 = "2 weeks"
    MONTH_1 = "1 month"
    MONTHS_3 = "3 months"
    MONTHS_6 = "6 months"
    MONTHS_12 = "12 months"
    UNSCHEDULED = "unscheduled"

    @property
    def window(self) -> VisitWindow | None:
        """Offset and window in days after the anchor; ``None`` for baseline and unscheduled.

        >>> Visit.MONTH_1.window
        VisitWindow(offset_days=30, first_day=18, last_day=60)
        """
        return _WINDOWS.get(self)

    @property
    def is_timed(self) -> bool:
        return self in _WINDOWS

    @property
    def repeatable(self) -> bool:
        """Only unscheduled visits may be recorded more than once per case."""
        return self is Visit.UNSCHEDULED


_WINDOWS: dict[Visit, VisitWindow] = {
    Visit.DAY_1: VisitWindow(1, 0, 3),
    Visit.WEEK_1: VisitWindow(7, 4, 10),
    Visit.WEEKS_2: VisitWindow(14, 11, 17),
    Visit.MONTH_1: VisitWindow(30, 18, 60),
    Visit.MONTHS_3: VisitWindow(91, 61, 135),
    Visit.MONTHS_6: VisitWindow(182, 136, 272),
    Visit.MONTHS_12: VisitWindow(365, 273, 547),
}


#: The one visit schedule (rulebook A-4): the visits that fall due and can be overdue, as the
#: plan, the leaflet and the reports list them. ``2 weeks`` stays recordable (VAPOUR's 14-day
#: end point, with its window) but is never due (registry-v1 1.1, "One visit schedule").
SCHEDULED_VISITS: tuple[Visit, ...] = (
    Visit.DAY_1,
    Visit.WEEK_1,
    Visit.MONTH_1,
    Visit.MONTHS_3,
    Visit.MONTHS_6,
    Visit.MONTHS_12,
)


class Analgesics(StrEnum):
    NONE = "none"
    NON_OPIOID = "non_opioid"
    WEAK_OPIOID = "weak_opioid"
    STRONG_OPIOID = "strong_opioid"


class FollowUpStatus(StrEnum):
    SEEN = "seen"
    LOST = "lost"
    WITHDRAWN = "withdrawn"
    DECEASED = "deceased"

    @property
    def closes_case(self) -> bool:
        """Lost, withdrawn or deceased: the case is ``closed`` (registry-v1)."""
        return self is not FollowUpStatus.SEEN


class FractureDetection(StrEnum):
    RADIOGRAPH = "radiograph"
    MRI = "mri"
    CT = "ct"
    CLINICAL = "clinical"


class NewFracture(StrictModel):
    """A new vertebral fracture; adjacent or remote is computed, never entered."""

    level: Level
    detected_by: FractureDetection
    symptomatic: StrictBool


class FollowUp(StrictModel):
    """One follow-up visit ``vertebro.follow_up/1``."""

    schema_: Literal["vertebro.follow_up/1"] = Field(alias="schema")
    visit: Visit
    date: IsoDate
    pain_nrs: Annotated[StrictInt, Field(ge=0, le=10)] | None = None
    odi: Annotated[Number, Field(ge=0, le=100)] | None = None
    rdq: Annotated[StrictInt, Field(ge=0, le=24)] | None = None
    eq5d_index: Annotated[Number, Field(le=1)] | None = None
    eq5d_value_set: Annotated[Text, Field(max_length=100)] | None = None
    analgesics: Analgesics | None = None
    osteoporosis_treatment: StrictBool | None = None
    complications: Annotated[list[Complication], Field(max_length=50)] = []
    new_fractures: Annotated[list[NewFracture], Field(max_length=17)] = []
    status: FollowUpStatus = FollowUpStatus.SEEN

    @field_validator("new_fractures")
    @classmethod
    def _levels_unique(cls, value: list[NewFracture]) -> list[NewFracture]:
        seen: dict[Level, int] = {}
        for i, item in enumerate(value):
            if item.level in seen:
                raise ValueError(
                    f"new_fractures[{i}].level: duplicate of new_fractures[{seen[item.level]}]"
                )
            seen[item.level] = i
        return value

    @model_validator(mode="after")
    def _value_set_with_index(self) -> FollowUp:
        if self.eq5d_index is not None and self.eq5d_value_set is None:
            raise ValueError("eq5d_value_set: required when eq5d_index is given")
        if self.eq5d_index is None and self.eq5d_value_set is not None:
            raise ValueError("eq5d_value_set: must be null when eq5d_index is not given")
        return self

"""The shape of a rule: an id (its statement and source are in the catalogue) and a test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from vertebro.guidance.facts import LevelFacts
from vertebro.model.case import Case
from vertebro.model.enums import Recommendation

__all__ = ["LevelRule", "PatientRule", "no_missing"]


def no_missing(case: Case, facts: LevelFacts) -> list[str]:
    return []


@dataclass(frozen=True, slots=True)
class LevelRule:
    """A rule judged per level; when it ``holds`` it gives ``decides`` (or only cautions
    when ``decides`` is ``None``) and names the ``missing`` fields (N rules)."""

    id: str
    holds: Callable[[Case, LevelFacts], bool]
    decides: Recommendation | None = None
    missing: Callable[[Case, LevelFacts], list[str]] = field(default=no_missing)


@dataclass(frozen=True, slots=True)
class PatientRule:
    """A rule judged once per patient (C rules; patient-wide K cautions, which also see
    the number of treated levels)."""

    id: str
    holds: Callable[[Case, int], bool]

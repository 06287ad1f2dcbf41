"""The pre-procedure checklist (``vertebro.checklist/1``, registry-v1 1.1) as a strict model.

Six questions answered ``yes``, ``no`` or ``not_known``, the date of the latest MRI and a
note. Its status is computed, never entered: ``stop`` when anticoagulation, INR, platelets
or consent is ``no`` (the safety items of rulebook K-1/K-2 and informed consent); else
``ready`` when all six are ``yes``; else ``incomplete``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field

from vertebro.errors import InvalidDocument
from vertebro.model.fields import IsoDate, StrictModel, Text

__all__ = [
    "CHECKLIST_ITEMS",
    "CHECKLIST_SCHEMA",
    "STOP_ITEMS",
    "Answer",
    "Checklist",
    "ChecklistStatus",
    "blank_checklist",
    "parse_checklist",
]

CHECKLIST_SCHEMA = "vertebro.checklist/1"


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    NOT_KNOWN = "not_known"


class ChecklistStatus(StrEnum):
    """``stop``: a safety item or consent is ``no``; ``ready``: all six ``yes``; else
    ``incomplete``."""

    STOP = "stop"
    READY = "ready"
    INCOMPLETE = "incomplete"


#: The six questions, in the order the page asks them.
CHECKLIST_ITEMS: tuple[str, ...] = (
    "anticoagulation_paused",
    "inr_acceptable",
    "platelets_acceptable",
    "consent_signed",
    "allergies_checked",
    "fasting",
)
#: A ``no`` to any of these stops the procedure.
STOP_ITEMS: frozenset[str] = frozenset(CHECKLIST_ITEMS[:4])


class Checklist(StrictModel):
    """One case's pre-procedure checklist ``vertebro.checklist/1``."""

    schema_: Literal["vertebro.checklist/1"] = Field(alias="schema")
    anticoagulation_paused: Answer
    inr_acceptable: Answer
    platelets_acceptable: Answer
    consent_signed: Answer
    allergies_checked: Answer
    fasting: Answer
    mri_date: IsoDate | None = None
    note: Text | None = None

    def answer(self, item: str) -> Answer:
        value: Answer = getattr(self, item)
        return value

    @property
    def status(self) -> ChecklistStatus:
        """The computed status (see the module)."""
        if any(self.answer(item) is Answer.NO for item in STOP_ITEMS):
            return ChecklistStatus.STOP
        if all(self.answer(item) is Answer.YES for item in CHECKLIST_ITEMS):
            return ChecklistStatus.READY
        return ChecklistStatus.INCOMPLETE

    @property
    def open_items(self) -> tuple[str, ...]:
        """The questions not (yet) answered ``yes``."""
        return tuple(item for item in CHECKLIST_ITEMS if self.answer(item) is not Answer.YES)


def blank_checklist() -> Checklist:
    """A checklist with every answer ``not_known`` (what a case has before one is stored)."""
    return Checklist.model_validate(
        {"schema": CHECKLIST_SCHEMA, **dict.fromkeys(CHECKLIST_ITEMS, "not_known")}
    )


def parse_checklist(source: str | bytes | Mapping[str, Any] | Checklist) -> Checklist:
    """A checklist from JSON text, a decoded document or a model, strictly (every problem
    as ``<path>: <reason>``; raises :class:`~vertebro.errors.InvalidDocument`)."""
    from vertebro.model.parsing import DocumentKind, parse_document

    return parse_document(DocumentKind(Checklist, InvalidDocument), source)

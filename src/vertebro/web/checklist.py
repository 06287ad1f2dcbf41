"""The pre-procedure checklist: its items, what the case already says about them, and
whether the patient is ready. Recorded in the audit log (``checklist.record``) through the
registry's transaction; the registry has no checklist table (yet)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vertebro.model import Case
from vertebro.services.registry import Tx, get_case

__all__ = ["CHECKLIST", "ChecklistItem", "open_items", "prefill", "record_checklist"]


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """A yes / no / not-known question; ``ready_when`` is the answer that clears it."""

    name: str
    question: str
    ready_when: str = "true"
    hint: str = ""


CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        "anticoagulation_paused",
        "Anticoagulants and antiplatelets paused as agreed (or not taken)",
        hint="check the agreed pause for each drug",
    ),
    ChecklistItem("inr_ok", "INR checked and within the unit's limit"),
    ChecklistItem("platelets_ok", "Platelet count checked and within the unit's limit"),
    ChecklistItem("consent", "Informed consent signed (leaflet given)"),
    ChecklistItem(
        "allergies_checked", "Allergies checked (contrast, PMMA cement, antibiotics, latex)"
    ),
    ChecklistItem("fasting", "Fasting as instructed for the anaesthesia"),
    ChecklistItem(
        "imaging_current",
        "MRI (or CT / bone scan) recent enough to confirm the level is still acute",
    ),
    ChecklistItem("can_lie_prone", "Can lie face down for the length of the procedure"),
)


def prefill(case: Case) -> dict[str, str]:
    """What the case already answers: lying prone; no anticoagulation means nothing to pause."""
    values: dict[str, str] = {}
    if case.patient.can_lie_prone is not None:
        values["can_lie_prone"] = "true" if case.patient.can_lie_prone else "false"
    if not case.patient.anticoagulated:
        values["anticoagulation_paused"] = "true"
    return values


def open_items(answers: dict[str, str]) -> list[ChecklistItem]:
    """The items not (yet) answered the way that clears them."""
    return [item for item in CHECKLIST if answers.get(item.name, "") != item.ready_when]


def record_checklist(tx: Tx, case_id: str, answers: dict[str, Any]) -> None:
    """Audit the checklist as completed by the current user (the case must exist)."""
    get_case(tx, case_id)
    tx.audit("checklist.record", "case", case_id, after=answers)

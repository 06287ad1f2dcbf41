"""The pre-procedure checklist page's questions and the form ↔ ``vertebro.checklist/1``
(registry-v1 1.1) mapping. The record itself (versioned, status computed) is
:mod:`vertebro.services.registry.checklists`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vertebro.model import CHECKLIST_SCHEMA, Case, Checklist
from vertebro.model.checklist import CHECKLIST_ITEMS

__all__ = ["CHECKLIST", "ChecklistItem", "checklist_from_form", "form_values_of", "prefill"]


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """A yes / no / not-known question of the record."""

    name: str
    question: str
    hint: str = ""


_QUESTIONS = {
    "anticoagulation_paused": (
        "Anticoagulants and antiplatelets paused as agreed (or not taken)",
        "check the agreed pause for each drug",
    ),
    "inr_acceptable": ("INR checked and within the unit's limit", ""),
    "platelets_acceptable": ("Platelet count checked and within the unit's limit", ""),
    "consent_signed": ("Informed consent signed (leaflet given)", ""),
    "allergies_checked": ("Allergies checked (contrast, PMMA cement, antibiotics, latex)", ""),
    "fasting": ("Fasting as instructed for the anaesthesia", ""),
}
CHECKLIST: tuple[ChecklistItem, ...] = tuple(
    ChecklistItem(name, *_QUESTIONS[name]) for name in CHECKLIST_ITEMS
)


def prefill(case: Case) -> dict[str, str]:
    """What the case already answers before a checklist is saved: not anticoagulated means
    nothing to pause."""
    return {} if case.patient.anticoagulated else {"anticoagulation_paused": "yes"}


def form_values_of(checklist: Checklist) -> dict[str, str]:
    """A stored checklist as the form's values."""
    document = checklist.model_dump(mode="json")
    return {k: "" if v is None else str(v) for k, v in document.items() if k != "schema"}


def checklist_from_form(form: dict[str, str]) -> dict[str, Any]:
    """The submitted form as a ``vertebro.checklist/1`` document (for the strict parser:
    an unanswered question is ``not_known``, an empty date or note ``null``)."""
    document: dict[str, Any] = {"schema": CHECKLIST_SCHEMA}
    for name in CHECKLIST_ITEMS:
        document[name] = form.get(name) or "not_known"
    document["mri_date"] = form.get("mri_date", "").strip() or None
    document["note"] = form.get("note", "").strip() or None
    return document

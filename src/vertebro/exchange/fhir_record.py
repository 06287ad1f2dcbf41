"""What one case's FHIR Bundle is built from (:class:`ExchangeRecord`) and the builder that
collects its resources under deterministic ``urn:uuid`` full URLs — shared by the Bundle
(``fhir_export``) and its Procedures (``fhir_procedures``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from vertebro.exchange.codes import Code
from vertebro.exchange.fhir_narrative import with_narrative
from vertebro.model.assessment import Assessment
from vertebro.model.case import Case
from vertebro.model.follow_up import FollowUp
from vertebro.model.procedure import Procedure

__all__ = ["DOCUMENT_CONTENT_TYPE", "PATIENT_CODE_SYSTEM", "Builder", "ExchangeRecord", "concept"]

#: The content type of the Binary resources that carry vertebro documents verbatim.
DOCUMENT_CONTENT_TYPE = "application/json"
#: Patient.identifier system of the pseudonymous patient code.
PATIENT_CODE_SYSTEM = "urn:vertebro:patient-code"
_NAMESPACE = uuid.UUID("5d1c7f3e-6a8b-4f0e-9c51-2b9a6f0d4e17")


@dataclass(frozen=True)
class ExchangeRecord:
    """Everything exchanged about one case.

    ``recorded`` is the date of the case's values (in the registry: when its current
    version was stored), ``assessed`` the date of the assessment; the Bundle dates the
    baseline Observations, the fracture Conditions and the ClinicalImpression with them.
    ``deidentified`` leaves out what identifies (performer, birth date).
    """

    case: Case
    patient_code: str
    assessment: Assessment | None = None
    procedures: Sequence[Procedure] = field(default_factory=tuple)
    follow_ups: Sequence[FollowUp] = field(default_factory=tuple)
    birth_year: int | None = None
    recorded: date | None = None
    assessed: date | None = None
    deidentified: bool = False
    #: Positions in ``procedures`` / ``follow_ups`` of void records (registry-v1 1.1): their
    #: resources are marked ``entered-in-error`` and their documents not carried, so that an
    #: import never takes them for live records.
    void_procedures: frozenset[int] = frozenset()
    void_follow_ups: frozenset[int] = frozenset()


def _coding(code: Code) -> dict[str, str]:
    return {"system": code.system, "code": code.code, "display": code.display}


def concept(code: Code, text: str | None = None, *more: Code) -> dict[str, Any]:
    """A CodeableConcept of ``code`` (and ``more`` codings), its text ``text`` or the
    display."""
    return {"coding": [_coding(c) for c in (code, *more)], "text": text or code.display}


class Builder:
    """Collects resources, each with a generated narrative, under deterministic
    ``urn:uuid`` full URLs."""

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        self.entries: list[dict[str, Any]] = []

    def url(self, kind: str, key: str) -> str:
        return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{self.case_id}/{kind}/{key}')}"

    def add(self, kind: str, key: str, resource: dict[str, Any]) -> str:
        url = self.url(kind, key)
        body = {"resourceType": kind, **resource}
        if kind != "Binary":  # Binary is not a DomainResource: no narrative (dom-6)
            body = with_narrative(body)
        self.entries.append({"fullUrl": url, "resource": body})
        return url

"""A case, its assessment, procedures and follow-ups as an HL7 FHIR R4 Bundle (collection).

Built with ``fhir.resources.R4B`` using only elements unchanged from R4 4.0.1: Patient;
Condition per fracture (body site); Observations for pain NRS, ODI, RDQ, heights, height
loss and Genant grade; Procedure per treated level; CarePlan for the aftercare; the
recommendation as a ClinicalImpression; and every vertebro document verbatim as a Binary,
so that :func:`vertebro.exchange.fhir_import.read_bundle` is lossless.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vertebro.exchange.codes import PAIN_NRS, Code, body_site, project_code
from vertebro.model.assessment import Assessment
from vertebro.model.case import Case
from vertebro.model.follow_up import FollowUp
from vertebro.model.procedure import Procedure

__all__ = ["DOCUMENT_CONTENT_TYPE", "ExchangeRecord", "build_bundle", "bundle_json"]

#: The content type of the Binary resources that carry vertebro documents verbatim.
DOCUMENT_CONTENT_TYPE = "application/json"
_NAMESPACE = uuid.UUID("5d1c7f3e-6a8b-4f0e-9c51-2b9a6f0d4e17")
_GENDER = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}
_PROCEDURE_STATUS = {"scheduled": "preparation", "performed": "completed", "cancelled": "not-done"}


@dataclass(frozen=True)
class ExchangeRecord:
    """Everything exchanged about one case."""

    case: Case
    patient_code: str
    assessment: Assessment | None = None
    procedures: Sequence[Procedure] = field(default_factory=tuple)
    follow_ups: Sequence[FollowUp] = field(default_factory=tuple)
    birth_year: int | None = None
    #: Positions in ``procedures`` / ``follow_ups`` of void records (registry-v1 1.1): their
    #: resources are marked ``entered-in-error`` and their documents not carried, so that an
    #: import never takes them for live records.
    void_procedures: frozenset[int] = frozenset()
    void_follow_ups: frozenset[int] = frozenset()


def _coding(code: Code) -> dict[str, str]:
    return {"system": code.system, "code": code.code, "display": code.display}


def _concept(code: Code, text: str | None = None) -> dict[str, Any]:
    return {"coding": [_coding(code)], "text": text or code.display}


class _Builder:
    """Collects resources with deterministic ``urn:uuid`` full URLs."""

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        self.entries: list[dict[str, Any]] = []

    def add(self, kind: str, key: str, resource: dict[str, Any]) -> str:
        url = f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{self.case_id}/{kind}/{key}')}"
        self.entries.append({"fullUrl": url, "resource": {"resourceType": kind, **resource}})
        return url


def _observation(
    subject: str,
    code: Code,
    value: dict[str, Any],
    *,
    when: str | None = None,
    site: Code | None = None,
    focus: str | None = None,
    status: str = "final",
) -> dict[str, Any]:
    obs: dict[str, Any] = {
        "status": status,
        "code": _concept(code),
        "subject": {"reference": subject},
        **value,
    }
    if when is not None:
        obs["effectiveDateTime"] = when
    if site is not None:
        obs["bodySite"] = _concept(site)
    if focus is not None:
        obs["focus"] = [{"reference": focus}]
    return obs


def _quantity(value: float, unit: str, ucum: str) -> dict[str, Any]:
    return {
        "valueQuantity": {
            "value": value,
            "unit": unit,
            "system": "http://unitsofmeasure.org",
            "code": ucum,
        }
    }


def _scores(
    builder: _Builder,
    subject: str,
    when: str | None,
    key: str,
    pain: int | None,
    odi: float | None,
    rdq: int | None,
    status: str = "final",
) -> None:
    if pain is not None:
        builder.add(
            "Observation",
            f"{key}/pain",
            _observation(subject, PAIN_NRS, {"valueInteger": pain}, when=when, status=status),
        )
    if odi is not None:
        builder.add(
            "Observation",
            f"{key}/odi",
            _observation(
                subject, project_code("odi"), _quantity(odi, "%", "%"), when=when, status=status
            ),
        )
    if rdq is not None:
        builder.add(
            "Observation",
            f"{key}/rdq",
            _observation(
                subject, project_code("rdq"), {"valueInteger": rdq}, when=when, status=status
            ),
        )


def build_bundle(record: ExchangeRecord) -> dict[str, Any]:
    """The FHIR R4 Bundle (type ``collection``) of one case, as JSON-ready dicts, validated
    by ``fhir.resources.R4B``."""
    from fhir.resources.R4B.bundle import Bundle

    case = record.case
    b = _Builder(case.case_id)
    patient: dict[str, Any] = {
        "identifier": [{"system": "urn:vertebro:patient-code", "value": record.patient_code}],
        "gender": _GENDER[case.patient.sex],
    }
    if record.birth_year is not None:
        patient["birthDate"] = f"{record.birth_year:04d}"
    subject = b.add("Patient", record.patient_code, patient)

    conditions: dict[str, str] = {}
    levels = {lv.level: lv for lv in record.assessment.levels} if record.assessment else {}
    for fracture in case.fractures:
        site = body_site(fracture.level)
        conditions[fracture.level] = b.add(
            "Condition",
            fracture.level,
            {
                "clinicalStatus": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                            "code": "active",
                        }
                    ]
                },
                "code": _concept(
                    project_code("vertebral-compression-fracture"),
                    f"{fracture.etiology} vertebral compression fracture {fracture.level}",
                ),
                "bodySite": [_concept(site)],
                "subject": {"reference": subject},
            },
        )
        focus = conditions[fracture.level]
        if fracture.heights_mm is not None:
            for side in ("anterior", "middle", "posterior"):
                b.add(
                    "Observation",
                    f"{fracture.level}/height-{side}",
                    _observation(
                        subject,
                        project_code(f"height-{side}"),
                        _quantity(getattr(fracture.heights_mm, side), "mm", "mm"),
                        site=site,
                        focus=focus,
                    ),
                )
        level = levels.get(fracture.level)
        if level is not None and level.height_loss_pct is not None:
            b.add(
                "Observation",
                f"{fracture.level}/height-loss",
                _observation(
                    subject,
                    project_code("height-loss"),
                    _quantity(level.height_loss_pct, "%", "%"),
                    site=site,
                    focus=focus,
                ),
            )
        if level is not None and level.genant_grade is not None:
            b.add(
                "Observation",
                f"{fracture.level}/genant",
                _observation(
                    subject,
                    project_code("genant-grade"),
                    {"valueInteger": level.genant_grade},
                    site=site,
                    focus=focus,
                ),
            )

    _scores(
        b, subject, None, "baseline", case.clinical.pain_nrs, case.clinical.odi, case.clinical.rdq
    )
    for i, follow_up in enumerate(record.follow_ups):
        when = follow_up.date.isoformat()
        void = i in record.void_follow_ups
        _scores(
            b,
            subject,
            when,
            f"follow-up/{follow_up.visit}" + (f"/void-{i}" if void else ""),
            follow_up.pain_nrs,
            follow_up.odi,
            follow_up.rdq,
            "entered-in-error" if void else "final",
        )

    for i, procedure in enumerate(record.procedures):
        for item in procedure.levels:
            b.add(
                "Procedure",
                f"{i}/{item.level}",
                {
                    "status": "entered-in-error"
                    if i in record.void_procedures
                    else _PROCEDURE_STATUS[procedure.status],
                    "code": _concept(project_code(str(item.technique))),
                    "subject": {"reference": subject},
                    "performedDateTime": procedure.date.isoformat(),
                    "bodySite": [_concept(body_site(item.level))],
                    "reasonReference": [{"reference": conditions[item.level]}]
                    if item.level in conditions
                    else [],
                    "note": [
                        {
                            "text": f"{item.approach}, PMMA {item.cement_ml} ml "
                            f"({item.cement_viscosity} viscosity)"
                        }
                    ],
                },
            )

    assessment = record.assessment
    if assessment is not None:
        b.add(
            "ClinicalImpression",
            "assessment",
            {
                "status": "completed",
                "code": _concept(project_code("augmentation-assessment")),
                "subject": {"reference": subject},
                "protocol": [f"urn:vertebro:rulebook:{assessment.rulebook_version}"],
                "summary": f"{assessment.recommendation}: "
                + "; ".join(f"{r.rule} {r.text}" for r in assessment.reasons),
                "problem": [{"reference": url} for url in conditions.values()],
                "finding": [
                    {
                        "itemCodeableConcept": _concept(
                            project_code(f"recommendation-{lv.recommendation}"),
                            f"{lv.level}: {lv.recommendation}",
                        ),
                        "basis": ", ".join(r.rule for r in lv.reasons),
                    }
                    for lv in assessment.levels
                ],
            },
        )
        if assessment.plan is not None:
            items = assessment.plan.aftercare + assessment.plan.follow_up
            b.add(
                "CarePlan",
                "aftercare",
                {
                    "status": "active",
                    "intent": "plan",
                    "category": [_concept(project_code("aftercare"))],
                    "subject": {"reference": subject},
                    "addresses": [{"reference": url} for url in conditions.values()],
                    "activity": [
                        {
                            "detail": {
                                "status": "not-started",
                                "description": f"{item.rule}: {item.text}",
                                **({"scheduledString": item.text} if item.rule == "A-4" else {}),
                            }
                        }
                        for item in items
                    ],
                },
            )

    documents: list[tuple[str, str]] = [("case", case.model_dump_json(exclude_unset=True))]
    documents += [
        (f"procedure/{i}", p.model_dump_json(exclude_unset=True))
        for i, p in enumerate(record.procedures)
        if i not in record.void_procedures
    ]
    documents += [
        (f"follow-up/{i}", f.model_dump_json(exclude_unset=True))
        for i, f in enumerate(record.follow_ups)
        if i not in record.void_follow_ups
    ]
    for key, text in documents:
        b.add(
            "Binary",
            key,
            {
                "contentType": DOCUMENT_CONTENT_TYPE,
                "data": base64.b64encode(text.encode("utf-8")).decode("ascii"),
            },
        )

    bundle = {"resourceType": "Bundle", "type": "collection", "entry": b.entries}
    validated = Bundle.model_validate(bundle)
    out: dict[str, Any] = validated.model_dump(mode="json", exclude_none=True)
    return out


def bundle_json(record: ExchangeRecord) -> str:
    """The Bundle as JSON text."""
    import json

    return json.dumps(build_bundle(record), ensure_ascii=False, indent=2)

"""A case, its assessment, procedures and follow-ups as an HL7 FHIR R4 Bundle (collection).

Built with ``fhir.resources.R4B`` using only elements unchanged from R4 4.0.1: Patient;
Condition per fracture (body site) and per new fracture found at a follow-up; Observations
(category and date on each) for pain NRS, ODI, RDQ, heights, height loss and Genant grade;
per session a Procedure with its levels and anaesthesia as parts (``fhir_procedures``);
CarePlan for the aftercare; the recommendation as a ClinicalImpression; the vertebro
CodeSystem; and every vertebro document verbatim as a Binary, so that
:func:`vertebro.exchange.fhir_import.read_bundle` is lossless. Every DomainResource carries
a generated narrative (``fhir_narrative``).
"""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

from vertebro.exchange.codes import (
    CONDITION_CATEGORY,
    CONDITION_CLINICAL,
    OBSERVATION_CATEGORY,
    PAIN_NRS,
    UCUM,
    Code,
    body_site,
    project_code,
    project_code_system,
)
from vertebro.exchange.fhir_procedures import add_sessions
from vertebro.exchange.fhir_record import (
    DOCUMENT_CONTENT_TYPE,
    PATIENT_CODE_SYSTEM,
    Builder,
    ExchangeRecord,
    concept,
)

__all__ = [
    "DOCUMENT_CONTENT_TYPE",
    "PATIENT_CODE_SYSTEM",
    "Builder",
    "ExchangeRecord",
    "build_bundle",
    "bundle_json",
    "concept",
]

_GENDER = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}


def _when(day: date | None) -> str:
    if day is None:
        raise ValueError("the record needs its dates (recorded, assessed) for a Bundle")
    return day.isoformat()


def observation(
    subject: str,
    code: Code,
    value: dict[str, Any],
    *,
    category: str,
    when: str,
    site: Code | None = None,
    focus: str | None = None,
    status: str = "final",
) -> dict[str, Any]:
    """An Observation (``status`` final, or entered-in-error for a void record) of
    ``category`` (``survey`` or ``imaging``) at ``when``."""
    obs: dict[str, Any] = {
        "status": status,
        "category": [concept(OBSERVATION_CATEGORY[category])],
        "code": concept(code),
        "subject": {"reference": subject},
        "effectiveDateTime": when,
        **value,
    }
    if site is not None:
        obs["bodySite"] = concept(site)
    if focus is not None:
        obs["focus"] = [{"reference": focus}]
    return obs


def quantity(value: float, unit: str, ucum: str) -> dict[str, Any]:
    return {"valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": ucum}}


def _scores(
    b: Builder,
    subject: str,
    when: str,
    key: str,
    pain: int | None,
    odi: float | None,
    rdq: int | None,
    status: str = "final",
) -> None:
    values: list[tuple[str, Code, dict[str, Any] | None]] = [
        ("pain", PAIN_NRS, None if pain is None else {"valueInteger": pain}),
        ("odi", project_code("odi"), None if odi is None else quantity(odi, "%", "%")),
        ("rdq", project_code("rdq"), None if rdq is None else {"valueInteger": rdq}),
    ]
    for name, code, value in values:
        if value is not None:
            obs = observation(subject, code, value, category="survey", when=when, status=status)
            b.add("Observation", f"{key}/{name}", obs)


def fracture_condition(
    subject: str, code: Code, text: str, site: Code, recorded: str, note: str | None = None
) -> dict[str, Any]:
    """A Condition (active, encounter diagnosis) of a vertebral fracture at ``site``."""
    condition: dict[str, Any] = {
        "clinicalStatus": concept(CONDITION_CLINICAL),
        "category": [concept(CONDITION_CATEGORY)],
        "code": concept(code, text),
        "bodySite": [concept(site)],
        "subject": {"reference": subject},
        "recordedDate": recorded,
    }
    if note:
        condition["note"] = [{"text": note}]
    return condition


def _fractures(b: Builder, record: ExchangeRecord, subject: str) -> dict[str, str]:
    """Conditions and measurement Observations of the case's fractures; their URLs by level."""
    case = record.case
    when = _when(record.recorded)
    conditions: dict[str, str] = {}
    levels = {lv.level: lv for lv in record.assessment.levels} if record.assessment else {}
    for fracture in case.fractures:
        site = body_site(fracture.level)
        text = f"{fracture.etiology} vertebral compression fracture {fracture.level}"
        condition = fracture_condition(
            subject, project_code("vertebral-compression-fracture"), text, site, when
        )
        focus = conditions[fracture.level] = b.add("Condition", fracture.level, condition)
        measured: list[tuple[str, Code, dict[str, Any]]] = []
        if fracture.heights_mm is not None:
            for side in ("anterior", "middle", "posterior"):
                value = quantity(getattr(fracture.heights_mm, side), "mm", "mm")
                measured.append((f"height-{side}", project_code(f"height-{side}"), value))
        level = levels.get(fracture.level)
        if level is not None and level.height_loss_pct is not None:
            value = quantity(level.height_loss_pct, "%", "%")
            measured.append(("height-loss", project_code("height-loss"), value))
        if level is not None and level.genant_grade is not None:
            value = {"valueInteger": level.genant_grade}
            measured.append(("genant", project_code("genant-grade"), value))
        for key, code, value in measured:
            obs = observation(
                subject, code, value, category="imaging", when=when, site=site, focus=focus
            )
            b.add("Observation", f"{fracture.level}/{key}", obs)
    return conditions


def _new_fractures(b: Builder, record: ExchangeRecord, subject: str) -> None:
    """A Condition for every new fracture a follow-up found."""
    for i, follow_up in enumerate(record.follow_ups):
        if i in record.void_follow_ups:
            continue
        for new in follow_up.new_fractures:
            symptomatic = "symptomatic" if new.symptomatic else "asymptomatic"
            note = f"found at the {follow_up.visit} visit by {new.detected_by}, {symptomatic}"
            condition = fracture_condition(
                subject,
                project_code("new-vertebral-fracture"),
                f"new vertebral fracture {new.level}",
                body_site(new.level),
                follow_up.date.isoformat(),
                note,
            )
            b.add("Condition", f"follow-up/{i}/new/{new.level}", condition)


def _assessment(
    b: Builder, record: ExchangeRecord, subject: str, conditions: dict[str, str]
) -> None:
    assessment = record.assessment
    if assessment is None:
        return
    assessed = _when(record.assessed)
    b.add(
        "ClinicalImpression",
        "assessment",
        {
            "status": "completed",
            "code": concept(project_code("augmentation-assessment")),
            "subject": {"reference": subject},
            "effectiveDateTime": _when(record.recorded),
            "date": assessed,
            "protocol": [f"urn:vertebro:rulebook:{assessment.rulebook_version}"],
            "summary": f"{assessment.recommendation}: "
            + "; ".join(f"{r.rule} {r.text}" for r in assessment.reasons),
            "problem": [{"reference": url} for url in conditions.values()],
            "finding": [
                {
                    "itemCodeableConcept": concept(
                        project_code(f"recommendation-{lv.recommendation}"),
                        f"{lv.level}: {lv.recommendation}",
                    ),
                    "basis": ", ".join(r.rule for r in lv.reasons),
                }
                for lv in assessment.levels
            ],
        },
    )
    if assessment.plan is None:
        return
    items = assessment.plan.aftercare + assessment.plan.follow_up
    b.add(
        "CarePlan",
        "aftercare",
        {
            "status": "active",
            "intent": "plan",
            "category": [concept(project_code("aftercare"))],
            "subject": {"reference": subject},
            "created": assessed,
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


def _documents(b: Builder, record: ExchangeRecord) -> None:
    documents: list[tuple[str, str]] = [("case", record.case.model_dump_json(exclude_unset=True))]
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


def build_bundle(record: ExchangeRecord) -> dict[str, Any]:
    """The FHIR R4 Bundle (type ``collection``) of one case, as JSON-ready dicts, validated
    by ``fhir.resources.R4B``. ``ValueError`` when the record lacks its dates."""
    from fhir.resources.R4B.bundle import Bundle

    case = record.case
    b = Builder(case.case_id)
    patient: dict[str, Any] = {
        "identifier": [{"system": PATIENT_CODE_SYSTEM, "value": record.patient_code}],
        "gender": _GENDER[case.patient.sex],
    }
    if record.birth_year is not None and not record.deidentified:
        patient["birthDate"] = f"{record.birth_year:04d}"
    subject = b.add("Patient", record.patient_code, patient)
    conditions = _fractures(b, record, subject)

    _scores(
        b,
        subject,
        _when(record.recorded),
        "baseline",
        case.clinical.pain_nrs,
        case.clinical.odi,
        case.clinical.rdq,
    )
    for i, follow_up in enumerate(record.follow_ups):
        when = follow_up.date.isoformat()
        status = "entered-in-error" if i in record.void_follow_ups else "final"
        _scores(
            b,
            subject,
            when,
            f"follow-up/{i}",
            follow_up.pain_nrs,
            follow_up.odi,
            follow_up.rdq,
            status,
        )

    add_sessions(b, record, subject, conditions)
    _new_fractures(b, record, subject)
    _assessment(b, record, subject, conditions)
    b.add("CodeSystem", "vertebro", dict(project_code_system(), resourceType="CodeSystem"))
    _documents(b, record)

    bundle = {"resourceType": "Bundle", "type": "collection", "entry": b.entries}
    validated = Bundle.model_validate(bundle)
    out: dict[str, Any] = validated.model_dump(mode="json", exclude_none=True)
    return out


def bundle_json(record: ExchangeRecord) -> str:
    """The Bundle as JSON text."""
    import json

    return json.dumps(build_bundle(record), ensure_ascii=False, indent=2)

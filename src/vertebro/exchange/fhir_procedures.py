"""Procedure sessions as FHIR R4 Procedures.

Per session one Procedure (code ``augmentation-session``) with the operator as performer and
the complications (rulebook R-3) in ``complication``; as its parts (``partOf``) one
Procedure per treated level (technique, body site, cement leakage as a complication) and one
for the anaesthesia. Complications reported at a follow-up go to the latest performed
session on or before the visit.

Status (R4 event-status, Procedure.status): ``performed`` → ``completed`` with
``performedDateTime``; ``cancelled`` → ``not-done`` and ``scheduled`` → ``preparation`` (the
event has not started), each with a ``statusReason`` naming the planned date and without
``performed[x]``, since nothing was performed.
"""

from __future__ import annotations

from typing import Any

from vertebro.exchange.codes import GENERAL_ANAESTHESIA, Code, body_site, project_code
from vertebro.exchange.fhir_record import Builder, ExchangeRecord, concept
from vertebro.model.enums import Anaesthesia
from vertebro.model.procedure import Complication, ProcedureStatus, TreatedLevel

__all__ = ["PROCEDURE_STATUS", "add_sessions"]

#: vertebro's session status → R4 Procedure.status.
PROCEDURE_STATUS = {
    ProcedureStatus.SCHEDULED: "preparation",
    ProcedureStatus.PERFORMED: "completed",
    ProcedureStatus.CANCELLED: "not-done",
}
_REASON = {
    ProcedureStatus.SCHEDULED: "session-scheduled",
    ProcedureStatus.CANCELLED: "session-cancelled",
}


def _complication(item: Complication, when: str | None = None) -> dict[str, Any]:
    code = project_code(f"complication-{item.type}")
    words = [code.display, "symptomatic" if item.symptomatic else "asymptomatic"]
    if when is not None:
        words.append(when)
    text = ", ".join(words) + (f": {item.note}" if item.note else "")
    return concept(code, text)


def _leakage(item: TreatedLevel) -> dict[str, Any] | None:
    leakage = item.leakage
    if leakage is None or not leakage.present:
        return None
    where = f" ({', '.join(leakage.types)})" if leakage.types else ""
    symptomatic = "symptomatic" if leakage.symptomatic else "asymptomatic"
    text = f"Cement leakage at {item.level}{where}, {symptomatic}, seen by {leakage.detected_by}"
    return concept(project_code("complication-cement_leakage"), text)


def _reported_later(record: ExchangeRecord) -> dict[int, list[dict[str, Any]]]:
    """Follow-up complications by the index of the session they are attached to."""
    performed = [
        (p.date, i)
        for i, p in enumerate(record.procedures)
        if p.status is ProcedureStatus.PERFORMED and i not in record.void_procedures
    ]
    later: dict[int, list[dict[str, Any]]] = {}
    for j, follow_up in enumerate(record.follow_ups):
        if j in record.void_follow_ups:
            continue
        before = [(day, i) for day, i in performed if day <= follow_up.date]
        if not before or not follow_up.complications:
            continue
        session = max(before)[1]
        when = f"reported at the {follow_up.visit} visit ({follow_up.date.isoformat()})"
        later.setdefault(session, []).extend(
            _complication(item, when) for item in follow_up.complications
        )
    return later


def _anaesthesia(kind: Anaesthesia) -> dict[str, Any]:
    if kind is Anaesthesia.GENERAL:
        return concept(project_code("anaesthesia-general"), None, GENERAL_ANAESTHESIA)
    return concept(project_code("anaesthesia-local-sedation"))


def add_sessions(
    b: Builder, record: ExchangeRecord, subject: str, conditions: dict[str, str]
) -> None:
    """The Procedures of every session of ``record``."""
    later = _reported_later(record)
    for i, session in enumerate(record.procedures):
        planned = session.date.isoformat()
        void = i in record.void_procedures
        common: dict[str, Any] = {
            "status": "entered-in-error" if void else PROCEDURE_STATUS[session.status],
            "subject": {"reference": subject},
        }
        if session.status is ProcedureStatus.PERFORMED:
            common["performedDateTime"] = planned
        else:
            reason: Code = project_code(_REASON[session.status])
            common["statusReason"] = concept(reason, f"{reason.display} (date {planned})")
        levels = [item.level for item in session.levels]
        reasons = [{"reference": conditions[lv]} for lv in levels if lv in conditions]
        what = ", ".join(f"{item.level} {item.technique}" for item in session.levels)
        body: dict[str, Any] = {
            **common,
            "code": concept(
                project_code("augmentation-session"), f"Vertebral augmentation: {what}"
            ),
            "bodySite": [concept(body_site(level)) for level in levels],
        }
        if reasons:
            body["reasonReference"] = reasons
        if not record.deidentified:
            body["performer"] = [{"actor": {"display": session.operator}}]
        complications = [_complication(item) for item in session.complications]
        complications += later.get(i, [])
        if complications:
            body["complication"] = complications
        part_of = [{"reference": b.add("Procedure", f"{i}/session", body)}]

        for item in session.levels:
            level: dict[str, Any] = {
                **common,
                "partOf": part_of,
                "code": concept(project_code(str(item.technique))),
                "bodySite": [concept(body_site(item.level))],
                "note": [
                    {
                        "text": f"{item.approach}, PMMA {item.cement_ml} ml "
                        f"({item.cement_viscosity} viscosity)"
                    }
                ],
            }
            if item.level in conditions:
                level["reasonReference"] = [{"reference": conditions[item.level]}]
            leakage = _leakage(item)
            if leakage is not None:
                level["complication"] = [leakage]
            b.add("Procedure", f"{i}/{item.level}", level)
        anaesthesia = {**common, "partOf": part_of, "code": _anaesthesia(session.anaesthesia)}
        b.add("Procedure", f"{i}/anaesthesia", anaesthesia)

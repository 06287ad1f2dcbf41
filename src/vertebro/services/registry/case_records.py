"""Storing a whole case that arrives from outside — its patient, the case, its assessment,
procedures and follow-ups — through the registry's own services, so every rule applies.
Shared by the FHIR import (``exchange``) and the completion of draft cases (``drafts``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from vertebro.errors import Conflict, InvalidDocument, NotFound, Problem
from vertebro.model import Case, FollowUp, Procedure
from vertebro.registry.schema import CaseRow
from vertebro.registry.views import PatientView
from vertebro.services.registry.assessments import assess_case
from vertebro.services.registry.cases import create_case
from vertebro.services.registry.context import Tx
from vertebro.services.registry.follow_ups import record_follow_up
from vertebro.services.registry.patients import create_patient, get_patient
from vertebro.services.registry.procedures import record_procedure

__all__ = ["at", "ensure_patient", "store_case_records"]


def at(where: str, exc: InvalidDocument) -> InvalidDocument:
    """``exc`` with ``where`` put in front of each problem's path (same error class)."""
    problems = [
        Problem(where if p.path == "$" else f"{where}.{p.path}", p.reason) for p in exc.problems
    ]
    return type(exc)(problems)


def _repeated_visits(follow_ups: Sequence[FollowUp]) -> tuple[str, str] | None:
    """The path and visit of the first follow-up repeating a (non-repeatable) visit: the
    registry would take it as an edit of the first, silently dropping one of them."""
    seen: set[str] = set()
    for i, follow_up in enumerate(follow_ups):
        visit = follow_up.visit
        if visit.repeatable:
            continue
        if str(visit) in seen:
            return f"follow_ups[{i}].visit", str(visit)
        seen.add(str(visit))
    return None


def ensure_patient(tx: Tx, code: str, birth_year: int | None, sex: str) -> bool:
    """Register the patient when the code is new (``True``); a known patient whose birth
    year differs from ``birth_year`` is a :class:`Conflict`."""
    try:
        patient: PatientView | None = get_patient(tx, code)
    except NotFound:
        patient = None
    if patient is None:
        try:
            create_patient(tx, {"code": code, "birth_year": birth_year, "sex": sex})
        except InvalidDocument as exc:
            raise at("Patient", exc) from None
        return True
    if birth_year is not None and patient.birth_year not in (None, birth_year):
        raise Conflict(
            f"patient {code!r} is registered with birth year {patient.birth_year}, "
            f"the Bundle says {birth_year}"
        )
    return False


def store_case_records(
    tx: Tx,
    patient_code: str,
    case: Case,
    procedures: Sequence[Procedure],
    follow_ups: Sequence[FollowUp],
) -> int:
    """Store a case as version 1 for a registered patient, assess it under this registry's
    rulebook, then record its procedures and follow-ups through their services (so every
    rule applies: a session departing from that plan needs its ``override_reason``). The
    stored assessment's id. Paths of refusals: ``case.…``, ``procedures[i].…``,
    ``follow_ups[i].…``."""
    if tx.session.scalar(select(CaseRow.id).where(CaseRow.case_id == case.case_id)) is not None:
        raise Conflict(f"case {case.case_id!r} already exists in this registry")
    repeated = _repeated_visits(follow_ups)
    if repeated is not None:
        raise InvalidDocument.single(repeated[0], f"a second {repeated[1]} visit in one Bundle")
    try:
        create_case(tx, patient_code, case)
    except InvalidDocument as exc:
        raise at("case", exc) from None
    assessment = assess_case(tx, case.case_id)
    for i, procedure in enumerate(procedures):
        try:
            record_procedure(tx, case.case_id, procedure)
        except InvalidDocument as exc:
            raise at(f"procedures[{i}]", exc) from None
    for i, follow_up in enumerate(follow_ups):
        try:
            record_follow_up(tx, case.case_id, follow_up)
        except InvalidDocument as exc:
            raise at(f"follow_ups[{i}]", exc) from None
    return assessment.id

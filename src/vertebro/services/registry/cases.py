"""Use cases: create, read and edit cases. Every edit is a new stored version; an edit
names the version it was based on and fails (:class:`PreconditionFailed`, HTTP 412) when
another edit came first, so concurrent editors never lose an update."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update

from vertebro.errors import Conflict, InvalidCase, PreconditionFailed, PreconditionRequired
from vertebro.model import Case, parse_case
from vertebro.registry.schema import CaseRow, CaseVersionRow, Role
from vertebro.registry.views import CaseView
from vertebro.services.registry.context import Tx
from vertebro.services.registry.lookup import case_row, case_version_row, case_view, patient_row

__all__ = ["case_document", "create_case", "get_case", "list_case_versions", "replace_case"]

CaseInput = Case | str | bytes | Mapping[str, Any]


def case_document(case: Case) -> dict[str, Any]:
    """The stored JSON document of a case (every key, defaults written out)."""
    return case.model_dump(mode="json")


def _version_row(case_pk: int, version: int, case: Case, tx: Tx) -> CaseVersionRow:
    levels = sorted((f.level for f in case.fractures), key=lambda level: level.ordinal)
    return CaseVersionRow(
        case_pk=case_pk,
        version=version,
        document=case_document(case),
        age_years=case.patient.age_years,
        sex=case.patient.sex,
        pain_nrs=case.clinical.pain_nrs,
        odi=case.clinical.odi,
        rdq=case.clinical.rdq,
        neurology=case.clinical.neurology,
        levels=",".join(levels),
        created_at=tx.now,
        created_by=tx.actor.name,
    )


def create_case(tx: Tx, patient_code: str, document: CaseInput) -> CaseView:
    """Store a new case for a registered patient as version 1; :class:`Conflict` when its
    ``case_id`` is taken, :class:`InvalidCase` when the document is not valid."""
    tx.require(Role.CLINICIAN)
    case = parse_case(document)
    patient = patient_row(tx.session, patient_code)
    if tx.session.scalar(select(CaseRow.id).where(CaseRow.case_id == case.case_id)) is not None:
        raise Conflict(f"case {case.case_id!r} already exists")
    row = CaseRow(
        case_id=case.case_id,
        patient_id=patient.id,
        current_version=1,
        created_at=tx.now,
        updated_at=tx.now,
    )
    tx.session.add(row)
    tx.flush(f"case {case.case_id!r} already exists")
    version = _version_row(row.id, 1, case, tx)
    tx.session.add(version)
    tx.flush(f"case {case.case_id!r} already exists")
    tx.audit(
        "case.create",
        "case",
        case.case_id,
        after={"version": 1, "patient": patient_code, "document": version.document},
    )
    return case_view(row, version)


def replace_case(
    tx: Tx, case_id: str, document: CaseInput, expected_version: int | None
) -> CaseView:
    """Store ``document`` as the next version of the case, provided ``expected_version``
    is still the current one (:class:`PreconditionFailed` otherwise;
    :class:`PreconditionRequired` when it is ``None``)."""
    tx.require(Role.CLINICIAN)
    if expected_version is None:
        raise PreconditionRequired(f"editing case {case_id!r} needs the version it is based on")
    case = parse_case(document)
    if case.case_id != case_id:
        raise InvalidCase.single("case_id", f"must be {case_id!r}, the case being edited")
    row = case_row(tx.session, case_id)
    # The version check and the increment are one statement: of two concurrent editors of
    # the same version exactly one matches a row.
    claimed = tx.session.execute(
        update(CaseRow)
        .where(CaseRow.id == row.id, CaseRow.current_version == expected_version)
        .values(current_version=expected_version + 1, updated_at=tx.now)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        tx.session.refresh(row)
        raise PreconditionFailed(
            f"case {case_id!r} is at version {row.current_version}, not {expected_version}",
            current_version=row.current_version,
        )
    tx.session.refresh(row)
    before = case_version_row(tx.session, row, expected_version)
    version = _version_row(row.id, expected_version + 1, case, tx)
    tx.session.add(version)
    tx.flush(f"case {case_id!r} was edited concurrently")
    tx.audit(
        "case.edit",
        "case",
        case_id,
        before={"version": expected_version, "document": before.document},
        after={"version": version.version, "document": version.document},
    )
    return case_view(row, version)


def get_case(tx: Tx, case_id: str, version: int | None = None) -> CaseView:
    """The current version of a case, or the version asked for."""
    tx.require(Role.VIEWER)
    row = case_row(tx.session, case_id)
    return case_view(row, case_version_row(tx.session, row, version or row.current_version))


def list_case_versions(tx: Tx, case_id: str) -> list[CaseView]:
    """Every stored version of a case, oldest first."""
    tx.require(Role.VIEWER)
    row = case_row(tx.session, case_id)
    versions = tx.session.scalars(
        select(CaseVersionRow)
        .where(CaseVersionRow.case_pk == row.id)
        .order_by(CaseVersionRow.version)
    )
    return [case_view(row, v) for v in versions]

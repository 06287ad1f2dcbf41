"""Loading rows by their public keys (``NotFound`` when absent) and turning rows into views."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vertebro.errors import NotFound
from vertebro.model import parse_case
from vertebro.registry.schema import CaseRow, CaseVersionRow, PatientRow
from vertebro.registry.views import CaseView, PatientView

__all__ = ["case_row", "case_version_row", "case_view", "patient_row", "patient_view"]


def patient_row(session: Session, code: str, *, for_update: bool = False) -> PatientRow:
    query = select(PatientRow).where(PatientRow.code == code)
    row = session.scalars(query.with_for_update() if for_update else query).one_or_none()
    if row is None:
        raise NotFound(f"no patient {code!r}")
    return row


def case_row(session: Session, case_id: str, *, for_update: bool = False) -> CaseRow:
    query = select(CaseRow).where(CaseRow.case_id == case_id)
    row = session.scalars(query.with_for_update() if for_update else query).one_or_none()
    if row is None:
        raise NotFound(f"no case {case_id!r}")
    return row


def case_version_row(session: Session, case: CaseRow, version: int) -> CaseVersionRow:
    row = session.scalars(
        select(CaseVersionRow).where(
            CaseVersionRow.case_pk == case.id, CaseVersionRow.version == version
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"case {case.case_id!r} has no version {version}")
    return row


def patient_view(row: PatientRow) -> PatientView:
    return PatientView(row.code, row.birth_year, row.sex, row.is_demo, row.created_at)


def case_view(case: CaseRow, version: CaseVersionRow) -> CaseView:
    return CaseView(
        case_id=case.case_id,
        patient_code=case.patient.code,
        version=version.version,
        current_version=case.current_version,
        case=parse_case(version.document),
        created_at=version.created_at,
        created_by=version.created_by,
    )

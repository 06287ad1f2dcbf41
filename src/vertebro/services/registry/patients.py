"""Use cases: pseudonymous patients (a code, an optional birth year, sex)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, Strict, StrictInt
from sqlalchemy import select

from vertebro.errors import Conflict, InvalidDocument
from vertebro.model import Sex
from vertebro.model.fields import StrictModel
from vertebro.model.parsing import DocumentKind, parse_document
from vertebro.registry.schema import PatientRow, Role
from vertebro.registry.views import PatientView
from vertebro.services.registry.context import Tx
from vertebro.services.registry.lookup import patient_row, patient_view

__all__ = ["NEW_PATIENT", "NewPatient", "create_patient", "get_patient", "list_patients"]


class NewPatient(StrictModel):
    """A patient to register: a pseudonymous code (never a name or a record number)."""

    code: Annotated[str, Strict(), Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
    birth_year: Annotated[StrictInt, Field(ge=1880, le=2200)] | None = None
    sex: Sex = Sex.UNKNOWN


#: Strict parsing of a patient body, with ``<path>: <reason>`` problems.
NEW_PATIENT = DocumentKind(NewPatient, InvalidDocument)


def create_patient(
    tx: Tx, patient: NewPatient | Mapping[str, Any], *, is_demo: bool = False
) -> PatientView:
    """Register a patient; :class:`Conflict` when the code is taken."""
    tx.require(Role.CLINICIAN)
    new = parse_document(NEW_PATIENT, patient)
    taken = tx.session.scalar(select(PatientRow.id).where(PatientRow.code == new.code))
    if taken is not None:
        raise Conflict(f"patient {new.code!r} already exists")
    row = PatientRow(
        code=new.code, birth_year=new.birth_year, sex=new.sex, is_demo=is_demo, created_at=tx.now
    )
    tx.session.add(row)
    tx.flush(f"patient {new.code!r} already exists")
    view = patient_view(row)
    tx.audit("patient.create", "patient", new.code, after=_public(view))
    return view


def get_patient(tx: Tx, code: str) -> PatientView:
    tx.require(Role.VIEWER)
    return patient_view(patient_row(tx.session, code))


def list_patients(tx: Tx, *, include_demo: bool = True) -> list[PatientView]:
    """Every patient, by code."""
    tx.require(Role.VIEWER)
    query = select(PatientRow).order_by(PatientRow.code)
    if not include_demo:
        query = query.where(PatientRow.is_demo.is_(False))
    return [patient_view(row) for row in tx.session.scalars(query)]


def _public(view: PatientView) -> dict[str, Any]:
    return {
        "code": view.code,
        "birth_year": view.birth_year,
        "sex": str(view.sex),
        "is_demo": view.is_demo,
    }

"""Pseudonymous patients: a code, an optional birth year and sex."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vertebro.api.openapi import body_doc, json_doc
from vertebro.api.params import Credentials, JsonBody, problems
from vertebro.api.serialize import json_response, patient_item
from vertebro.http.context import authenticated_body, bearer_tx
from vertebro.model.parsing import parse_document
from vertebro.registry import Role
from vertebro.services.registry import NEW_PATIENT, create_patient, list_patients

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["patients"])


@router.get(
    "/patients",
    responses={200: json_doc({"type": "array"}, "the patients"), **problems(401, 422)},
)
def patients(request: Request, credentials: Credentials, include_demo: bool = True) -> Response:
    """Every patient, by code."""
    with bearer_tx(request, credentials, Role.VIEWER) as tx:
        views = list_patients(tx, include_demo=include_demo)
    return json_response([patient_item(v) for v in views])


@router.post(
    "/patients",
    status_code=201,
    openapi_extra=body_doc("NewPatient"),
    responses={
        201: json_doc({"type": "object"}, "the patient"),
        **problems(401, 403, 409, 413, 422),
    },
)
def add_patient(request: Request, credentials: Credentials, body: JsonBody) -> Response:
    """Register a patient under a pseudonymous code (never a name or record number).
    Clinician."""
    patient = authenticated_body(
        request, credentials, Role.CLINICIAN, partial(parse_document, NEW_PATIENT), body
    )
    with bearer_tx(request, credentials, Role.CLINICIAN) as tx:
        view = create_patient(tx, patient)
    return json_response(patient_item(view), 201, {"Location": f"/api/patients/{view.code}"})

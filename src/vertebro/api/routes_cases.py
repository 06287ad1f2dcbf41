"""Cases: the worklist, create, read (with ``ETag``), replace (``If-Match``), versions and
stored assessments. One transaction per request."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response

from vertebro.api.etags import version_named
from vertebro.api.openapi import body_doc, json_doc, ref
from vertebro.api.params import CaseId, Credentials, JsonBody, PatientCode, problems
from vertebro.api.serialize import (
    assessment_item,
    case_version_item,
    json_response,
    overview_item,
)
from vertebro.http.context import authenticated_body, bearer_tx
from vertebro.model import parse_case
from vertebro.model.pathway import CaseStatus
from vertebro.registry import Role
from vertebro.services.registry import (
    CaseView,
    assess_case,
    case_etag,
    create_case,
    get_case,
    list_assessments,
    list_case_versions,
    prepare_assessment,
    replace_case,
    worklist,
)

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["cases"])

_CASE: dict[int | str, dict[str, Any]] = {
    200: json_doc(ref("Case"), "the case document (`ETag` header: its version)")
}


def _case_response(view: CaseView, status: int = 200) -> Response:
    headers = {
        "ETag": view.etag,
        "X-Vertebro-Version": str(view.version),
        "X-Vertebro-Patient": view.patient_code,
        "Location": f"/api/cases/{view.case_id}",
    }
    return json_response(view.case.model_dump(mode="json"), status, headers)


def expected_version(case_id: str, if_match: str | None) -> int | None:
    """The case version an ``If-Match`` header names (see :func:`version_named`)."""
    return version_named(lambda v: case_etag(case_id, v), repr(case_id), if_match)


@router.get(
    "/cases",
    responses={200: json_doc({"type": "object"}, "the worklist"), **problems(401, 422)},
)
def list_cases(
    request: Request,
    credentials: Credentials,
    status: Annotated[CaseStatus | None, Query(description="only cases in this status")] = None,
    include_demo: bool = True,
) -> Response:
    """The worklist: every case with its computed status, latest recommendation and visit
    schedule (due and overdue visits)."""
    with bearer_tx(request, credentials, Role.VIEWER) as tx:
        items = worklist(tx, status, include_demo=include_demo)
        today = tx.today
    return json_response(
        {"today": today.isoformat(), "cases": [overview_item(item) for item in items]}
    )


@router.post(
    "/patients/{patient_code}/cases",
    status_code=201,
    openapi_extra=body_doc("Case"),
    responses={201: _CASE[200], **problems(401, 403, 404, 409, 413, 422)},
)
def create_patient_case(
    request: Request, credentials: Credentials, patient_code: PatientCode, body: JsonBody
) -> Response:
    """Store a new case (version 1) for a registered patient. Clinician."""
    case = authenticated_body(request, credentials, Role.CLINICIAN, parse_case, body)
    with bearer_tx(request, credentials, Role.CLINICIAN) as tx:
        view = create_case(tx, patient_code, case)
    return _case_response(view, 201)


@router.get("/cases/{case_id}", responses={**_CASE, **problems(401, 404, 422)})
def read_case(request: Request, credentials: Credentials, case_id: CaseId) -> Response:
    """The current version of the case; ``ETag`` names it (send it back as ``If-Match``)."""
    with bearer_tx(request, credentials, Role.VIEWER) as tx:
        view = get_case(tx, case_id)
    return _case_response(view)


@router.put(
    "/cases/{case_id}",
    openapi_extra=body_doc("Case"),
    responses={**_CASE, **problems(401, 403, 404, 412, 413, 422, 428)},
)
def replace_case_document(
    request: Request,
    credentials: Credentials,
    case_id: CaseId,
    body: JsonBody,
    if_match: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Store the body as the case's next version. ``If-Match`` (the ``ETag`` you read) is
    required: 428 without it, 412 when someone else saved a version first. Clinician."""
    case = authenticated_body(request, credentials, Role.CLINICIAN, parse_case, body)
    with bearer_tx(request, credentials, Role.CLINICIAN) as tx:
        view = replace_case(tx, case_id, case, expected_version(case_id, if_match))
    return _case_response(view)


@router.get(
    "/cases/{case_id}/versions",
    responses={200: json_doc({"type": "array"}, "every version"), **problems(401, 404, 422)},
)
def case_versions(request: Request, credentials: Credentials, case_id: CaseId) -> Response:
    """Every stored version of the case, oldest first."""
    with bearer_tx(request, credentials, Role.VIEWER) as tx:
        views = list_case_versions(tx, case_id)
    return json_response([case_version_item(v) for v in views])


@router.get(
    "/cases/{case_id}/assessments",
    responses={200: json_doc({"type": "array"}, "stored assessments"), **problems(401, 404, 422)},
)
def stored_assessments(request: Request, credentials: Credentials, case_id: CaseId) -> Response:
    """Every stored assessment of the case (each with its rulebook version), oldest first."""
    with bearer_tx(request, credentials, Role.VIEWER) as tx:
        views = list_assessments(tx, case_id)
    return json_response([assessment_item(v) for v in views])


@router.post(
    "/cases/{case_id}/assessments",
    status_code=201,
    responses={
        201: json_doc({"type": "object"}, "the stored assessment"),
        **problems(401, 403, 404, 422),
    },
)
def assess_stored_case(request: Request, credentials: Credentials, case_id: CaseId) -> Response:
    """Assess the case's current version and store the result. Clinician."""
    with bearer_tx(request, credentials, Role.CLINICIAN, write=False) as tx:
        current = get_case(tx, case_id)
    prepared = prepare_assessment(current.version, current.case)  # outside any transaction
    with bearer_tx(request, credentials, Role.CLINICIAN) as tx:
        view = assess_case(tx, case_id, prepared)
    return json_response(assessment_item(view), 201)

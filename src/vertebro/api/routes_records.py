"""Procedure sessions (``vertebro.procedure/1``) and follow-up visits
(``vertebro.follow_up/1``) of a case."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vertebro.api.context import bearer_tx
from vertebro.api.openapi import body_doc, json_doc
from vertebro.api.params import CaseId, Credentials, JsonBody, problems
from vertebro.api.serialize import follow_up_item, json_response, procedure_item
from vertebro.registry import Role
from vertebro.services.registry import (
    list_follow_ups,
    list_procedures,
    record_follow_up,
    record_procedure,
)

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["records"])


@router.get(
    "/cases/{case_id}/procedures",
    responses={200: json_doc({"type": "array"}, "the sessions"), **problems(401, 404, 422)},
)
def procedures(request: Request, credentials: Credentials, case_id: CaseId) -> Response:
    """The case's procedure sessions by date."""
    with bearer_tx(request, credentials, Role.VIEWER) as tx:
        views = list_procedures(tx, case_id)
    return json_response([procedure_item(v) for v in views])


@router.post(
    "/cases/{case_id}/procedures",
    status_code=201,
    openapi_extra=body_doc("Procedure"),
    responses={
        201: json_doc({"type": "object"}, "the stored session"),
        **problems(401, 403, 404, 409, 413, 422),
    },
)
def add_procedure(
    request: Request, credentials: Credentials, case_id: CaseId, body: JsonBody
) -> Response:
    """Record a session. 409 when the latest assessment is contraindicated; a session that
    departs from the plan needs ``override_reason`` (422 at that path). Clinician."""
    with bearer_tx(request, credentials, Role.CLINICIAN) as tx:
        view = record_procedure(tx, case_id, body)
    return json_response(procedure_item(view), 201)


@router.get(
    "/cases/{case_id}/follow-ups",
    responses={200: json_doc({"type": "array"}, "the visits"), **problems(401, 404, 422)},
)
def follow_ups(request: Request, credentials: Credentials, case_id: CaseId) -> Response:
    """The case's follow-up records by date, each with days after the anchor and
    ``out_of_window``."""
    with bearer_tx(request, credentials, Role.VIEWER) as tx:
        views = list_follow_ups(tx, case_id)
    return json_response([follow_up_item(v) for v in views])


@router.post(
    "/cases/{case_id}/follow-ups",
    status_code=201,
    openapi_extra=body_doc("FollowUp"),
    responses={
        200: json_doc({"type": "object"}, "the visit's record, edited"),
        201: json_doc({"type": "object"}, "the visit, recorded"),
        **problems(401, 403, 404, 409, 413, 422),
    },
)
def add_follow_up(
    request: Request, credentials: Credentials, case_id: CaseId, body: JsonBody
) -> Response:
    """Record a visit (201); recording the same visit again edits its record (200).
    Coordinator."""
    with bearer_tx(request, credentials, Role.COORDINATOR) as tx:
        view = record_follow_up(tx, case_id, body)
    return json_response(follow_up_item(view), 201 if view.version == 1 else 200)

"""Procedure sessions (``vertebro.procedure/1``), follow-up visits (``vertebro.follow_up/1``)
and the pre-procedure checklist (``vertebro.checklist/1``) of a case: record, read, correct
(``If-Match``) and void with a reason (api-v1 1.1)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import Response

from vertebro.api.documents import VOID_REQUEST
from vertebro.api.etags import version_named
from vertebro.api.openapi import body_doc, json_doc, ref
from vertebro.api.params import CaseId, Credentials, JsonBody, problems
from vertebro.api.serialize import follow_up_item, json_response, procedure_item
from vertebro.http.context import authenticated_body, bearer_tx
from vertebro.model import parse_checklist, parse_follow_up, parse_procedure
from vertebro.model.parsing import parse_document
from vertebro.registry import Role
from vertebro.services.registry import (
    FollowUpView,
    ProcedureView,
    get_checklist,
    get_follow_up,
    get_procedure,
    list_follow_ups,
    list_procedures,
    record_etag,
    record_follow_up,
    record_procedure,
    save_checklist,
    update_follow_up,
    update_procedure,
    void_follow_up,
    void_procedure,
)

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["records"])

RecordId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the record's id")]
IfMatch = Annotated[str | None, Header(max_length=200)]
_EDIT = problems(401, 403, 404, 409, 412, 413, 422, 428)


def _record(item: dict[str, Any], etag: str, status: int = 200) -> Response:
    return json_response(item, status, {"ETag": etag})


def _procedure(view: ProcedureView, status: int = 200) -> Response:
    return _record(procedure_item(view), view.etag, status)


def _follow_up(view: FollowUpView, status: int = 200) -> Response:
    return _record(follow_up_item(view), view.etag, status)


def _version(kind: str, record_id: int | str, if_match: str | None) -> int | None:
    etag: Callable[[int], str] = partial(record_etag, kind, record_id)
    return version_named(etag, f"{kind} {record_id}", if_match)


# -- procedures ------------------------------------------------------------------------


@router.get(
    "/cases/{case_id}/procedures",
    responses={200: json_doc({"type": "array"}, "the sessions"), **problems(401, 404, 422)},
)
def procedures(request: Request, credentials: Credentials, case_id: CaseId) -> Response:
    """The case's procedure sessions by date (void ones too, with ``void`` set)."""
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
    procedure = authenticated_body(request, credentials, Role.CLINICIAN, parse_procedure, body)
    with bearer_tx(request, credentials, Role.CLINICIAN) as tx:
        view = record_procedure(tx, case_id, procedure)
    return _procedure(view, 201)


@router.get(
    "/cases/{case_id}/procedures/{procedure_id}",
    responses={200: json_doc({"type": "object"}, "the session"), **problems(401, 404, 422)},
)
def procedure(
    request: Request, credentials: Credentials, case_id: CaseId, procedure_id: RecordId
) -> Response:
    """One session; ``ETag`` names its version (send it back as ``If-Match``)."""
    with bearer_tx(request, credentials, Role.VIEWER) as tx:
        view = get_procedure(tx, procedure_id, case_id=case_id)
    return _procedure(view)


@router.put(
    "/cases/{case_id}/procedures/{procedure_id}",
    openapi_extra=body_doc("Procedure"),
    responses={200: json_doc({"type": "object"}, "the corrected session"), **_EDIT},
)
def correct_procedure(
    request: Request,
    credentials: Credentials,
    case_id: CaseId,
    procedure_id: RecordId,
    body: JsonBody,
    if_match: IfMatch = None,
) -> Response:
    """Correct a session: a new version (the old one kept), the same rules as recording.
    ``If-Match`` required (428 without, 412 stale); 409 for a void session. Clinician."""
    procedure = authenticated_body(request, credentials, Role.CLINICIAN, parse_procedure, body)
    version = _version("procedure", procedure_id, if_match)
    with bearer_tx(request, credentials, Role.CLINICIAN) as tx:
        view = update_procedure(tx, procedure_id, procedure, version, case_id=case_id)
    return _procedure(view)


@router.post(
    "/cases/{case_id}/procedures/{procedure_id}/void",
    openapi_extra=body_doc("VoidRequest"),
    responses={200: json_doc({"type": "object"}, "the void session"), **_EDIT},
)
def void_a_procedure(
    request: Request,
    credentials: Credentials,
    case_id: CaseId,
    procedure_id: RecordId,
    body: JsonBody,
) -> Response:
    """Void a session with ``{"reason": "…"}`` (1–500 characters): it stays, marked, and
    leaves the schedule, the status and the analytics. 409 when already void. Clinician."""
    wanted = authenticated_body(
        request, credentials, Role.CLINICIAN, partial(parse_document, VOID_REQUEST), body
    )
    with bearer_tx(request, credentials, Role.CLINICIAN) as tx:
        view = void_procedure(tx, procedure_id, wanted.reason, case_id=case_id)
    return _procedure(view)


# -- follow-ups ------------------------------------------------------------------------


@router.get(
    "/cases/{case_id}/follow-ups",
    responses={200: json_doc({"type": "array"}, "the visits"), **problems(401, 404, 422)},
)
def follow_ups(request: Request, credentials: Credentials, case_id: CaseId) -> Response:
    """The case's follow-up records by date, each with days after the anchor and
    ``out_of_window`` (void ones too, with ``void`` set)."""
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
    follow_up = authenticated_body(request, credentials, Role.COORDINATOR, parse_follow_up, body)
    with bearer_tx(request, credentials, Role.COORDINATOR) as tx:
        view = record_follow_up(tx, case_id, follow_up)
    return _follow_up(view, 201 if view.version == 1 else 200)


@router.get(
    "/cases/{case_id}/follow-ups/{follow_up_id}",
    responses={200: json_doc({"type": "object"}, "the visit"), **problems(401, 404, 422)},
)
def follow_up(
    request: Request, credentials: Credentials, case_id: CaseId, follow_up_id: RecordId
) -> Response:
    """One follow-up record; ``ETag`` names its version (send it back as ``If-Match``)."""
    with bearer_tx(request, credentials, Role.VIEWER) as tx:
        view = get_follow_up(tx, follow_up_id, case_id=case_id)
    return _follow_up(view)


@router.put(
    "/cases/{case_id}/follow-ups/{follow_up_id}",
    openapi_extra=body_doc("FollowUp"),
    responses={200: json_doc({"type": "object"}, "the corrected visit"), **_EDIT},
)
def correct_follow_up(
    request: Request,
    credentials: Credentials,
    case_id: CaseId,
    follow_up_id: RecordId,
    body: JsonBody,
    if_match: IfMatch = None,
) -> Response:
    """Correct a follow-up record: a new version (the old one kept). ``If-Match``
    required (428 without, 412 stale); 409 for a void record or a visit already recorded.
    Coordinator."""
    follow_up = authenticated_body(request, credentials, Role.COORDINATOR, parse_follow_up, body)
    version = _version("follow-up", follow_up_id, if_match)
    with bearer_tx(request, credentials, Role.COORDINATOR) as tx:
        view = update_follow_up(tx, follow_up_id, follow_up, version, case_id=case_id)
    return _follow_up(view)


@router.post(
    "/cases/{case_id}/follow-ups/{follow_up_id}/void",
    openapi_extra=body_doc("VoidRequest"),
    responses={200: json_doc({"type": "object"}, "the void visit"), **_EDIT},
)
def void_a_follow_up(
    request: Request,
    credentials: Credentials,
    case_id: CaseId,
    follow_up_id: RecordId,
    body: JsonBody,
) -> Response:
    """Void a follow-up record with ``{"reason": "…"}`` (1–500 characters): it stays,
    marked, and leaves the schedule, the status and the analytics; its visit may be
    recorded again. 409 when already void. Coordinator."""
    wanted = authenticated_body(
        request, credentials, Role.COORDINATOR, partial(parse_document, VOID_REQUEST), body
    )
    with bearer_tx(request, credentials, Role.COORDINATOR) as tx:
        view = void_follow_up(tx, follow_up_id, wanted.reason, case_id=case_id)
    return _follow_up(view)


# -- checklist -------------------------------------------------------------------------


def _checklist(view: Any) -> Response:
    headers = {
        "ETag": view.etag,
        "X-Vertebro-Version": str(view.version),
        "X-Vertebro-Checklist-Status": str(view.status),
    }
    return json_response(view.checklist.model_dump(mode="json"), 200, headers)


_CHECKLIST = json_doc(
    ref("Checklist"),
    "the checklist (`ETag`: its version, 0 before one is saved; "
    "`X-Vertebro-Checklist-Status`: stop, ready or incomplete)",
)


@router.get(
    "/cases/{case_id}/checklist",
    responses={200: _CHECKLIST, **problems(401, 404, 422)},
)
def checklist(request: Request, credentials: Credentials, case_id: CaseId) -> Response:
    """The case's pre-procedure checklist (every answer ``not_known`` before one is
    saved); its computed status is in ``X-Vertebro-Checklist-Status``."""
    with bearer_tx(request, credentials, Role.VIEWER) as tx:
        view = get_checklist(tx, case_id)
    return _checklist(view)


@router.put(
    "/cases/{case_id}/checklist",
    openapi_extra=body_doc("Checklist"),
    responses={200: _CHECKLIST, **_EDIT},
)
def save_case_checklist(
    request: Request,
    credentials: Credentials,
    case_id: CaseId,
    body: JsonBody,
    if_match: IfMatch = None,
) -> Response:
    """Save the checklist as its next version. ``If-Match`` (the ``ETag`` you read, also
    before the first save) is required: 428 without it, 412 when someone saved first.
    Clinician."""
    document = authenticated_body(request, credentials, Role.CLINICIAN, parse_checklist, body)
    version = _version("checklist", case_id, if_match)
    with bearer_tx(request, credentials, Role.CLINICIAN) as tx:
        view = save_checklist(tx, case_id, document, version)
    return _checklist(view)

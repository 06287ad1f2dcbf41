"""FHIR exchange: import an R4 Bundle (vertebro's as a case, another system's as a draft
case), and the drafts to complete (``docs/fhir.md``). One transaction per request."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from vertebro.api.openapi import json_doc
from vertebro.api.params import ID_PATTERN, Credentials, JsonBody, problems
from vertebro.api.serialize import json_response
from vertebro.errors import InvalidDocument
from vertebro.http.context import app_context, authenticated_body, bearer_tx
from vertebro.model.parsing import read_json
from vertebro.registry import Role

__all__ = ["router"]

router = APIRouter(prefix="/api/fhir", tags=["fhir"])

DraftId = Annotated[
    str, Path(pattern=ID_PATTERN, min_length=1, max_length=64, description="the draft's id")
]
_BUNDLE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/fhir+json": {"schema": {"type": "object"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}
_COMPLETION_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["case"],
                    "properties": {
                        "case": {"$ref": "#/components/schemas/Case"},
                        "procedures": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Procedure"},
                        },
                        "follow_ups": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/FollowUp"},
                        },
                    },
                    "additionalProperties": False,
                }
            }
        },
    }
}


def _json(body: bytes) -> Any:
    return read_json(body)


@router.post(
    "/import",
    status_code=201,
    openapi_extra=_BUNDLE_BODY,
    responses={
        201: json_doc({"type": "object"}, "what was stored: kind, id, patient, import report"),
        **problems(401, 403, 409, 413, 422),
    },
)
def import_bundle(
    request: Request,
    credentials: Credentials,
    body: JsonBody,
    patient_code: Annotated[
        str | None,
        Query(
            pattern=ID_PATTERN,
            max_length=64,
            description="use this patient code instead of one derived from the Bundle",
        ),
    ] = None,
) -> Response:
    """Import an HL7 FHIR R4 Bundle: one written by vertebro becomes a case (assessed,
    with its procedures and follow-ups); another system's plain resources become a draft
    case through the concept map, with the import report listing every unmapped item
    and what the draft lacks. A record number is stored only as a keyed pseudonym
    (``VERTEBRO_PSEUDONYM_KEY``). All or nothing. Clinician."""
    from vertebro.exchange.concept_map import concept_map_from
    from vertebro.services.registry.exchange import import_bundle as import_into
    from vertebro.services.registry.exchange import read_bundle

    settings = app_context(request).settings
    try:
        concepts = concept_map_from(settings.concept_map)
    except ValueError as exc:
        raise InvalidDocument.single("VERTEBRO_CONCEPT_MAP", str(exc)) from None
    today = settings.now().astimezone(UTC).date()
    imported = authenticated_body(
        request,
        credentials,
        Role.CLINICIAN,
        lambda data: read_bundle(
            data,
            key=settings.pseudonym_key,
            patient_code=patient_code,
            concepts=concepts,
            today=today,
        ),
        body,
    )
    with bearer_tx(request, credentials, Role.CLINICIAN) as tx:
        outcome = import_into(tx, imported, patient_code=patient_code)
    where = "/api/cases/" if outcome.kind == "case" else "/api/fhir/drafts/"
    return json_response(outcome.as_dict(), 201, {"Location": where + outcome.id})


@router.get(
    "/drafts",
    responses={200: json_doc({"type": "array"}, "the drafts"), **problems(401, 422)},
)
def drafts(request: Request, credentials: Credentials, include_completed: bool = False) -> Response:
    """The drafts imported from other systems, newest first (open ones unless
    ``include_completed``): id, patient, when, the case it became, what it still lacks."""
    from vertebro.services.registry.drafts import list_drafts

    with bearer_tx(request, credentials, Role.VIEWER) as tx:
        views = list_drafts(tx, include_completed=include_completed)
    return json_response(
        [
            {
                "draft_id": v.draft_id,
                "patient_code": v.patient_code,
                "created_at": v.created_at.isoformat(),
                "case_id": v.case_id,
                "missing": v.report.get("missing", []),
            }
            for v in views
        ]
    )


@router.get(
    "/drafts/{draft_id}",
    responses={200: json_doc({"type": "object"}, "the draft"), **problems(401, 404, 422)},
)
def draft(request: Request, credentials: Credentials, draft_id: DraftId) -> Response:
    """One draft: its case, procedures and follow-ups as far as the Bundle filled them,
    and its import report."""
    from vertebro.services.registry.drafts import get_draft

    with bearer_tx(request, credentials, Role.VIEWER) as tx:
        view = get_draft(tx, draft_id)
    return json_response(view.as_dict())


@router.post(
    "/drafts/{draft_id}/case",
    status_code=201,
    openapi_extra=_COMPLETION_BODY,
    responses={
        201: json_doc({"type": "object"}, "the case the draft became"),
        **problems(401, 403, 404, 409, 413, 422),
    },
)
def complete(
    request: Request, credentials: Credentials, draft_id: DraftId, body: JsonBody
) -> Response:
    """Complete a draft: ``{case, procedures, follow_ups}`` with full documents (the case's
    ``case_id`` the draft's) are stored as a case for the draft's patient, assessed, with
    its records, through every registry rule. Clinician."""
    from vertebro.services.registry.drafts import complete_draft, draft_body

    case, procedures, follow_ups = authenticated_body(
        request, credentials, Role.CLINICIAN, lambda raw: draft_body(_json(raw)), body
    )
    with bearer_tx(request, credentials, Role.CLINICIAN) as tx:
        case_id = complete_draft(tx, draft_id, case, procedures, follow_ups)
    return json_response({"case_id": case_id}, 201, {"Location": f"/api/cases/{case_id}"})

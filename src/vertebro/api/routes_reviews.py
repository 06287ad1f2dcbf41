"""Reviewed measurements (``vertebro.measurement/1`` in and out): recompute a document from
its landmarks, store an automatic measurement for review, save a reader's review as a new
version, read any version."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from vertebro.api.openapi import json_doc
from vertebro.api.params import Credentials, JsonBody, problems
from vertebro.api.serialize import json_response
from vertebro.errors import InvalidDocument, Problem
from vertebro.http.context import authenticated_body, bearer_tx
from vertebro.model.parsing import read_json
from vertebro.registry import Role
from vertebro.services.registry.reviews import (
    create_review,
    get_review,
    list_review_versions,
    list_reviews,
    recompute_measurement,
    save_review,
)

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["measurement reviews"])

ReviewKey = Path(pattern=r"^[0-9a-f]{16}$", description="the review's key")
_MEASUREMENT = json_doc({"type": "object"}, "vertebro.measurement/1")
_RECORD = json_doc({"type": "object"}, "a review version: measurement, changes, who, when")
_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


def _object(body: bytes) -> dict[str, Any]:
    value = read_json(body)
    if not isinstance(value, dict):
        raise InvalidDocument([Problem("$", "must be a JSON object")])
    return value


@router.post(
    "/measurements/recompute",
    openapi_extra=_BODY,
    responses={200: _MEASUREMENT, **problems(401, 413, 422)},
)
def recompute(request: Request, credentials: Credentials, body: JsonBody) -> Response:
    """A ``vertebro.measurement/1`` document recomputed from its landmarks (heights, loss,
    Genant grade, shape, wedge angle, the grading method's detail). Stores nothing."""
    value = authenticated_body(request, credentials, Role.VIEWER, _object, body)
    return json_response(recompute_measurement(value))


@router.get("/measurement-reviews", responses={200: json_doc({"type": "array"}, "reviews")})
def reviews(request: Request, credentials: Credentials) -> Response:
    """The latest version of every stored review, newest first."""
    with bearer_tx(request, credentials, Role.VIEWER) as tx:
        records = list_reviews(tx)
    return json_response([r.as_json() for r in records])


@router.post(
    "/measurement-reviews",
    status_code=201,
    openapi_extra=_BODY,
    responses={201: _RECORD, **problems(401, 403, 413, 422)},
)
def create(request: Request, credentials: Credentials, body: JsonBody) -> Response:
    """Store a measurement for review: body ``{"measurement": vertebro.measurement/1,
    "source": "name"}`` → version 1. Clinician."""
    value = authenticated_body(request, credentials, Role.CLINICIAN, _object, body)
    source = value.get("source", "api")
    if not isinstance(source, str) or not source:
        raise InvalidDocument([Problem("source", "must be a non-empty string")])
    with bearer_tx(request, credentials, Role.CLINICIAN) as tx:
        record = create_review(tx, value.get("measurement"), source=source)
    return json_response(record.as_json(), 201)


@router.get("/measurement-reviews/{key}", responses={200: _RECORD, **problems(401, 404)})
def review(request: Request, credentials: Credentials, key: str = ReviewKey) -> Response:
    """The latest version of a review."""
    with bearer_tx(request, credentials, Role.VIEWER) as tx:
        record = get_review(tx, key)
    return json_response(record.as_json())


@router.get(
    "/measurement-reviews/{key}/measurement",
    responses={200: _MEASUREMENT, **problems(401, 404)},
)
def reviewed_measurement(
    request: Request, credentials: Credentials, key: str = ReviewKey
) -> Response:
    """The latest reviewed ``vertebro.measurement/1`` document alone."""
    with bearer_tx(request, credentials, Role.VIEWER) as tx:
        record = get_review(tx, key)
    return json_response(record.measurement)


@router.get(
    "/measurement-reviews/{key}/versions",
    responses={200: json_doc({"type": "array"}, "every version"), **problems(401, 404)},
)
def versions(request: Request, credentials: Credentials, key: str = ReviewKey) -> Response:
    """Every version of a review, oldest first."""
    with bearer_tx(request, credentials, Role.VIEWER) as tx:
        records = list_review_versions(tx, key)
    return json_response([r.as_json() for r in records])


@router.put(
    "/measurement-reviews/{key}",
    openapi_extra=_BODY,
    responses={200: _RECORD, **problems(401, 403, 404, 412, 413, 422)},
)
def save(
    request: Request, credentials: Credentials, body: JsonBody, key: str = ReviewKey
) -> Response:
    """Save a review as a new version: body ``{"measurement": …, "decisions": [{level,
    action: confirm|override, genant_grade, reason}], "base_version": n}``; the document
    is recomputed from its landmarks; 412 when ``base_version`` is not the latest.
    Clinician."""
    value = authenticated_body(request, credentials, Role.CLINICIAN, _object, body)
    base = value.get("base_version")
    if not isinstance(base, int) or isinstance(base, bool):
        raise InvalidDocument([Problem("base_version", "required: the version you reviewed")])
    with bearer_tx(request, credentials, Role.CLINICIAN) as tx:
        record = save_review(
            tx, key, value.get("measurement"), value.get("decisions"), base_version=base
        )
    return json_response(record.as_json())

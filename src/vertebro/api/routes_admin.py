"""The audit log (admin) and the outcomes report."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from vertebro.api.openapi import json_doc
from vertebro.api.outcomes_adapter import outcomes_service
from vertebro.api.params import Credentials, problems
from vertebro.api.serialize import audit_item, json_response
from vertebro.http.context import bearer_tx
from vertebro.http.problems import ApiProblem
from vertebro.registry import Role
from vertebro.reporting.reassessment import reassessment_csv
from vertebro.services.registry import (
    commit_reassessment,
    list_audit,
    prepare_reassessment,
    record_export,
)

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["admin"])

_WORD = r"^[A-Za-z0-9._/-]{1,100}$"


@router.get(
    "/audit",
    responses={200: json_doc({"type": "array"}, "audit entries"), **problems(401, 403, 422)},
)
def audit(
    request: Request,
    credentials: Credentials,
    entity: Annotated[str | None, Query(pattern=_WORD, max_length=50)] = None,
    entity_key: Annotated[str | None, Query(pattern=_WORD, max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> Response:
    """Who did what and when, with the state before and after; newest first. Admin."""
    with bearer_tx(request, credentials, Role.ADMIN) as tx:
        entries = list_audit(tx, entity=entity, entity_key=entity_key, limit=limit, offset=offset)
    return json_response([audit_item(e) for e in entries])


@router.get(
    "/outcomes",
    responses={
        200: json_doc({"type": "object"}, "as `vertebro outcomes`"),
        **problems(401, 404, 422),
    },
)
def outcomes(
    request: Request,
    credentials: Credentials,
    as_of: Annotated[date | None, Query(description="completeness as of (default today)")] = None,
    include_demo: bool = False,
) -> Response:
    """The same JSON as ``vertebro outcomes`` (the export is audited). Computed in a read
    transaction; the audit row is written in a short one after it, before the answer."""
    service = outcomes_service()
    with bearer_tx(request, credentials, Role.VIEWER) as tx:
        if service is None:
            raise ApiProblem(404, "the outcomes report is not available in this build yet")
        document = service(tx, as_of or tx.today, include_demo)
    with bearer_tx(request, credentials, Role.VIEWER, write=True) as tx:
        record_export(tx, "outcomes", {"include_demo": include_demo})
    return json_response(document)


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


@router.post(
    "/reassess",
    responses={
        200: json_doc({"type": "object"}, "the re-assessment report (as `vertebro reassess`)"),
        **problems(401, 403, 422),
    },
)
def reassess(
    request: Request,
    credentials: Credentials,
    dry_run: Annotated[bool, Query(description="report only; store nothing")] = False,
    report_format: Annotated[ReportFormat, Query(alias="format")] = ReportFormat.JSON,
) -> Response:
    """Re-assess every case's current version under the current rulebook in one pass; store
    the new assessments (old ones kept with their version) unless ``dry_run``; report the
    cases whose recommendation, level decisions or plan changed. Audited. Admin."""
    with bearer_tx(request, credentials, Role.ADMIN, write=False) as tx:
        prepared = prepare_reassessment(tx, dry_run=dry_run)
    with bearer_tx(request, credentials, Role.ADMIN, write=True) as tx:
        report = commit_reassessment(tx, prepared)
    if report_format is ReportFormat.CSV:
        return Response(
            reassessment_csv(report).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="reassessment.csv"'},
        )
    return json_response(report.as_dict())

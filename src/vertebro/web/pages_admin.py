"""The audit trail (admin) and the outcomes page."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from vertebro.api.outcomes_adapter import outcomes_service
from vertebro.registry import Role
from vertebro.services.registry import list_audit, record_export
from vertebro.web.render import page
from vertebro.web.tx import web_tx

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_WORD = r"^[A-Za-z0-9._/-]{0,100}$"


@router.get("/audit")
def audit_page(
    request: Request,
    entity_key: Annotated[str, Query(pattern=_WORD, max_length=100)] = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> Response:
    with web_tx(request, Role.ADMIN) as tx:
        entries = list_audit(tx, entity_key=entity_key or None, limit=100, offset=offset)
    return page(
        request,
        "audit.html",
        entries=entries,
        entity_key=entity_key,
        offset=offset,
        dumps=lambda v: json.dumps(v, ensure_ascii=False, indent=1, sort_keys=True),
    )


@router.get("/outcomes")
def outcomes_page(request: Request) -> Response:
    service = outcomes_service()
    document = None
    with web_tx(request) as tx:
        if service is not None:
            document = service(tx, tx.today, False)
            record_export(tx, "outcomes", {"include_demo": False, "via": "web"})
    return page(
        request,
        "outcomes.html",
        document=document,
        text=None if document is None else json.dumps(document, indent=2, ensure_ascii=False),
    )

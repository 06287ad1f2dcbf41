"""The printable patient leaflet (large-print option)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from vertebro.services.registry import get_case, latest_assessment
from vertebro.web.leaflet import leaflet_for
from vertebro.web.render import page
from vertebro.web.tx import web_tx

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/cases/{case_id}/leaflet")
def leaflet_page(
    request: Request, case_id: str, large: Annotated[bool, Query()] = False
) -> Response:
    with web_tx(request) as tx:
        view = get_case(tx, case_id)
        stored = latest_assessment(tx, case_id)
    content = leaflet_for(None if stored is None else stored.assessment)
    return page(request, "leaflet.html", view=view, leaflet=content, large=large)

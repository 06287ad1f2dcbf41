"""The printable patient leaflet (large-print option), as a page and as PDF."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from vertebro.http.context import app_context
from vertebro.services.registry import get_case, latest_assessment
from vertebro.web.leaflet import leaflet_for
from vertebro.web.pages_case import pdf_download
from vertebro.web.render import page
from vertebro.web.tx import web_tx
from vertebro.web.unit_phone import unit_phone

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


@router.get("/cases/{case_id}/leaflet.pdf")
def leaflet_pdf(
    request: Request, case_id: str, large: Annotated[bool, Query()] = False
) -> Response:
    """The leaflet as PDF (``vertebro leaflet``'s document), with the unit's name and phone."""
    from vertebro.guidance import RULEBOOK_VERSION
    from vertebro.reporting.patient_leaflet import DEFAULT_UNIT_PHONE, Unit, leaflet_html

    with web_tx(request) as tx:
        view = get_case(tx, case_id)
        stored = latest_assessment(tx, case_id)
    settings = app_context(request).settings
    html = leaflet_html(
        case_id=view.case_id,
        patient_code=view.patient_code,
        assessment=None if stored is None else stored.assessment,
        rulebook=RULEBOOK_VERSION if stored is None else stored.rulebook_version,
        generated=settings.now(),
        unit=Unit(settings.unit_name, unit_phone(request) or DEFAULT_UNIT_PHONE),
        large_print=large,
    )
    return pdf_download(request, html, what="leaflet.pdf", case_id=case_id, stem="leaflet")

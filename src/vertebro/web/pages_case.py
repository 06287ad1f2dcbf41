"""The case page: the latest assessment (decision banner, levels, spine diagram, reasons
with full citations, cautions, scores, plan, aftercare), the pathway so far, and the way
to depart from the plan with a reason; the same as a printable PDF report."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from vertebro.http.context import app_context
from vertebro.registry import Role
from vertebro.reporting.citations import assessment_citations
from vertebro.services.registry import (
    assess_case,
    case_overview,
    get_case,
    latest_assessment,
    list_case_versions,
    list_follow_ups,
    list_procedures,
    older_rulebook_check,
    record_export,
)
from vertebro.web.render import page, redirect
from vertebro.web.session import check_csrf
from vertebro.web.spine import spine_svg
from vertebro.web.tx import web_tx
from vertebro.web.versions import version_changes

__all__ = ["pdf_download", "router"]

router = APIRouter(include_in_schema=False)


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: str) -> Response:
    with web_tx(request) as tx:
        view = get_case(tx, case_id)
        overview = case_overview(tx, case_id)
        stored = latest_assessment(tx, case_id)
        procedures = list_procedures(tx, case_id)
        follow_ups = list_follow_ups(tx, case_id)
        older = older_rulebook_check(tx, case_id)
    assessment = None if stored is None else stored.assessment
    return page(
        request,
        "case.html",
        view=view,
        overview=overview,
        stored=stored,
        a=assessment,
        spine=None if assessment is None else spine_svg(assessment),
        procedures=procedures,
        follow_ups=follow_ups,
        refs=assessment_citations(assessment),
        older=older,
    )


@router.post("/cases/{case_id}/assess")
def reassess(
    request: Request, case_id: str, csrf_token: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    check_csrf(request, csrf_token)
    with web_tx(request, Role.CLINICIAN) as tx:
        assess_case(tx, case_id)
    return redirect(request, f"/cases/{case_id}")


@router.get("/cases/{case_id}/versions")
def versions_page(request: Request, case_id: str) -> Response:
    with web_tx(request) as tx:
        versions = list_case_versions(tx, case_id)
    changes = [
        version_changes(versions[i - 1].case if i else None, v.case) for i, v in enumerate(versions)
    ]
    shown = list(reversed(list(zip(versions, changes, strict=True))))
    return page(request, "versions.html", case_id=case_id, versions=shown)


@router.get("/cases/{case_id}/fhir.json")
def fhir_bundle(request: Request, case_id: str) -> Response:
    """The case as an HL7 FHIR R4 Bundle (``vertebro fhir export-case``), audited."""
    from vertebro.exchange.fhir_export import bundle_json
    from vertebro.services.registry.exchange import exchange_record

    try:
        with web_tx(request, write=True) as tx:  # the export is audited
            text = bundle_json(exchange_record(tx, case_id, via="web"))
    except ImportError as exc:
        return page(request, "error.html", status=503, title="FHIR not available", detail=str(exc))
    name = re.sub(r"[^A-Za-z0-9._-]", "_", f"fhir-{case_id}.json")
    return Response(
        text,
        media_type="application/fhir+json",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/cases/{case_id}/report.pdf")
def report_pdf(request: Request, case_id: str) -> Response:
    """The case report as PDF (``vertebro report``'s document)."""
    from vertebro.reporting.case_report import case_report_html
    from vertebro.services.registry.case_report import load_case_report

    with web_tx(request) as tx:
        loaded = load_case_report(tx, case_id)
    html = case_report_html(loaded, generated=app_context(request).settings.now())
    return pdf_download(request, html, what="report.pdf", case_id=case_id, stem="report")


def pdf_download(request: Request, html: str, *, what: str, case_id: str, stem: str) -> Response:
    """Render ``html`` to PDF, audit the export as ``what``, and answer it for viewing in the
    browser (``<stem>-<case_id>.pdf``); 503 with the reason when PDF is not available."""
    from vertebro.reporting.pdf import WeasyPrintRenderer

    try:
        data = WeasyPrintRenderer().render(html)
    except ImportError as exc:
        return page(request, "error.html", status=503, title="PDF not available", detail=str(exc))
    with web_tx(request, write=True) as tx:
        record_export(
            tx, what, {"case_id": case_id, "bytes": len(data), "via": "web"}, case_id=case_id
        )
    name = re.sub(r"[^A-Za-z0-9._-]", "_", f"{stem}-{case_id}.pdf")
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store"},
    )

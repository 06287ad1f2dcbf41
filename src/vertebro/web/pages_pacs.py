""" "From PACS": the studies of the PACS that hold a DICOM SEG, newest first; measuring one
pulls its SEG and image series over DICOMweb, shows the measurement, and opens it as a
draft case (the new-case form filled from the measurement). The PACS is the one of
``VERTEBRO_PACS_URL`` / ``_USER`` / ``_PASSWORD`` (docs/pacs.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vertebro.errors import VertebroError
from vertebro.registry import Role
from vertebro.web.forms import form_values
from vertebro.web.render import page
from vertebro.web.session import check_csrf, current_user

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_RECENT = 25


def _listing(request: Request, **extra: Any) -> Response:
    from vertebro.services.pacs import PacsSettings, find_studies

    studies: list[object] = []
    problem = ""
    server = ""
    try:
        settings = PacsSettings.from_env()
        server = settings.url
        studies = list(find_studies(settings, modality="SEG", limit=_RECENT))
    except VertebroError as exc:
        problem = str(exc)
    shown: dict[str, Any] = {
        "failed": "",
        "chosen": "",
        "report": "",
        "measurement": "",
        "fractured": False,
        **extra,
    }
    return page(request, "pacs.html", studies=studies, problem=problem, server=server, **shown)


@router.get("/pacs")
def pacs_page(request: Request) -> Response:
    current_user(request, Role.CLINICIAN)
    return _listing(request)


@router.post("/pacs/measure")
async def measure_study_from_pacs(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    from vertebro.imaging.report import text_report
    from vertebro.services.pacs import PacsSettings, measure_from_pacs

    form = await form_values(request)
    check_csrf(request, form.get("csrf_token"))
    current_user(request, Role.CLINICIAN)
    study_uid = form.get("study_uid", "").strip()
    try:
        settings = PacsSettings.from_env()
        result = await run_in_threadpool(measure_from_pacs, settings, study_uid)
    except VertebroError as exc:
        return _listing(request, failed=str(exc), chosen=study_uid)
    return _listing(
        request,
        chosen=study_uid,
        report=text_report(result.document, f"PACS study {study_uid}"),
        measurement=result.to_json(),
        fractured=result.draft_case() is not None,
    )

"""Pre-procedure checklist, procedure form and follow-up form (with the visit schedule)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from vertebro.errors import InvalidDocument
from vertebro.registry import Role
from vertebro.services.registry import (
    case_overview,
    get_case,
    latest_assessment,
    list_follow_ups,
    record_follow_up,
    record_procedure,
)
from vertebro.web.checklist import CHECKLIST, open_items, prefill, record_checklist
from vertebro.web.form_fields import flatten
from vertebro.web.forms import form_values, problem_lines
from vertebro.web.record_forms import (
    COMPLICATION_FIELDS,
    COMPLICATION_ROWS,
    FOLLOW_UP_FIELDS,
    LEAKAGE_TYPES,
    LEVEL_FIELDS,
    NEW_FRACTURE_FIELDS,
    NEW_FRACTURE_ROWS,
    PROCEDURE_FIELDS,
    follow_up_from_form,
    level_count,
    procedure_from_form,
    procedure_prefill,
)
from vertebro.web.render import page, redirect
from vertebro.web.session import check_csrf
from vertebro.web.tx import web_tx

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


# -- checklist -------------------------------------------------------------------------


@router.get("/cases/{case_id}/checklist")
def checklist_page(request: Request, case_id: str) -> Response:
    with web_tx(request) as tx:
        view = get_case(tx, case_id)
    return page(
        request,
        "checklist.html",
        view=view,
        items=CHECKLIST,
        values=prefill(view.case),
        mri_date="",
        result=None,
    )


@router.post("/cases/{case_id}/checklist")
async def save_checklist(request: Request, case_id: str) -> Response:
    form = await form_values(request)
    check_csrf(request, form.get("csrf_token"))
    answers: dict[str, Any] = {i.name: form.get(i.name, "") for i in CHECKLIST}
    answers["mri_date"] = form.get("mri_date", "")[:10]
    answers["note"] = form.get("note", "")[:2000]
    with web_tx(request, Role.COORDINATOR) as tx:
        view = get_case(tx, case_id)
        record_checklist(tx, case_id, answers)
    values = {k: str(v) for k, v in answers.items()}
    return page(
        request,
        "checklist.html",
        view=view,
        items=CHECKLIST,
        values=values,
        mri_date=answers["mri_date"],
        result=open_items(values),
    )


# -- procedure -------------------------------------------------------------------------


def _procedure_page(
    request: Request, view: Any, assessment: Any, values: dict[str, str], **extra: Any
) -> Response:
    rows = max(level_count(values), 1)
    return page(
        request,
        "procedure.html",
        status=extra.pop("status", 200),
        view=view,
        a=assessment,
        values=values,
        fields=PROCEDURE_FIELDS,
        level_fields=LEVEL_FIELDS,
        level_rows=min(rows + 1, 17),
        leakage_types=LEAKAGE_TYPES,
        complication_fields=COMPLICATION_FIELDS,
        complication_rows=COMPLICATION_ROWS,
        errors=dict(extra.get("error_lines", [])),
        error_lines=extra.get("error_lines", []),
        conflict=extra.get("conflict", ""),
    )


@router.get("/cases/{case_id}/procedure")
def procedure_form(
    request: Request,
    case_id: str,
    reason: Annotated[str, Query(max_length=2000)] = "",
) -> Response:
    with web_tx(request, Role.CLINICIAN) as tx:
        view = get_case(tx, case_id)
        stored = latest_assessment(tx, case_id)
        today = tx.today.isoformat()
    assessment = None if stored is None else stored.assessment
    values = procedure_prefill(assessment, today)
    if reason:
        values["override_reason"] = reason
    return _procedure_page(request, view, assessment, values)


@router.post("/cases/{case_id}/procedure")
async def save_procedure(request: Request, case_id: str) -> Response:
    from vertebro.errors import ProcedureRefused

    form = await form_values(request)
    check_csrf(request, form.get("csrf_token"))
    document = procedure_from_form(form)
    try:
        with web_tx(request, Role.CLINICIAN) as tx:
            record_procedure(tx, case_id, document)
    except (InvalidDocument, ProcedureRefused) as exc:
        with web_tx(request, Role.CLINICIAN) as tx:
            view = get_case(tx, case_id)
            stored = latest_assessment(tx, case_id)
        lines = problem_lines(exc) if isinstance(exc, InvalidDocument) else []
        conflict = str(exc) if isinstance(exc, ProcedureRefused) else ""
        return _procedure_page(
            request,
            view,
            None if stored is None else stored.assessment,
            form,
            error_lines=lines,
            conflict=conflict,
            status=409 if conflict else 422,
        )
    return redirect(request, f"/cases/{case_id}/follow-up")


# -- follow-up -------------------------------------------------------------------------


def _follow_up_page(
    request: Request, case_id: str, values: dict[str, str], **extra: Any
) -> Response:
    with web_tx(request) as tx:
        view = get_case(tx, case_id)
        overview = case_overview(tx, case_id)
        records = list_follow_ups(tx, case_id)
    return page(
        request,
        "follow_up.html",
        status=extra.get("status", 200),
        view=view,
        overview=overview,
        records=records,
        values=values,
        fields=FOLLOW_UP_FIELDS,
        complication_fields=COMPLICATION_FIELDS,
        complication_rows=COMPLICATION_ROWS,
        fracture_fields=NEW_FRACTURE_FIELDS,
        fracture_rows=NEW_FRACTURE_ROWS,
        errors=dict(extra.get("error_lines", [])),
        error_lines=extra.get("error_lines", []),
        saved=extra.get("saved", ""),
    )


@router.get("/cases/{case_id}/follow-up")
def follow_up_form(
    request: Request, case_id: str, saved: Annotated[str, Query(max_length=40)] = ""
) -> Response:
    with web_tx(request) as tx:
        overview = case_overview(tx, case_id)
        today = tx.today
    next_visit = next((v for v in overview.schedule if v.state in ("due", "overdue")), None)
    values = {"date": today.isoformat()}
    if next_visit is not None:
        values["visit"] = str(next_visit.visit)
    return _follow_up_page(request, case_id, values, saved=saved)


@router.post("/cases/{case_id}/follow-up")
async def save_follow_up(request: Request, case_id: str) -> Response:
    form = await form_values(request)
    check_csrf(request, form.get("csrf_token"))
    document = follow_up_from_form(form)
    try:
        with web_tx(request, Role.COORDINATOR) as tx:
            view = record_follow_up(tx, case_id, document)
    except InvalidDocument as exc:
        shown = {k: v for k, v in form.items() if k != "csrf_token"}
        return _follow_up_page(request, case_id, shown, error_lines=problem_lines(exc), status=422)
    visit = str(view.follow_up.visit).replace(" ", "+")
    return redirect(request, f"/cases/{case_id}/follow-up?saved={visit}")


def values_of(document: dict[str, Any]) -> dict[str, str]:
    return flatten({k: v for k, v in document.items() if k != "schema"})

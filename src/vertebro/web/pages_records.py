"""Pre-procedure checklist, procedure form and follow-up form (with the visit schedule)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from vertebro.errors import Conflict, InvalidDocument, PreconditionFailed
from vertebro.model import FollowUp, Procedure, parse_checklist, parse_follow_up, parse_procedure
from vertebro.model.checklist import STOP_ITEMS
from vertebro.registry import Role
from vertebro.services.registry import (
    FollowUpView,
    Tx,
    case_overview,
    get_case,
    get_checklist,
    get_follow_up,
    get_procedure,
    latest_assessment,
    list_follow_ups,
    record_follow_up,
    record_procedure,
    save_checklist,
    update_follow_up,
    update_procedure,
    void_follow_up,
    void_procedure,
)
from vertebro.web.checklist import CHECKLIST, checklist_from_form, form_values_of, prefill
from vertebro.web.form_fields import Field, flatten
from vertebro.web.forms import form_values
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
    record_words,
)
from vertebro.web.render import page, redirect
from vertebro.web.session import check_csrf, current_user
from vertebro.web.tx import web_tx

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]


# -- checklist -------------------------------------------------------------------------


def _checklist_page(
    request: Request, case_id: str, values: dict[str, str] | None = None, **extra: Any
) -> Response:
    with web_tx(request, write=False) as tx:
        view = get_case(tx, case_id)
        stored = get_checklist(tx, case_id)
        contraindicated = _contraindicated(tx, case_id)
    if values is None:
        values = form_values_of(stored.checklist) if stored.version else prefill(view.case)
    lines = extra.get("error_lines", [])
    return page(
        request,
        "checklist.html",
        status=extra.get("status", 200),
        view=view,
        stored=stored,
        items=CHECKLIST,
        stop_items=STOP_ITEMS,
        contraindicated=contraindicated,
        values=values,
        version=extra.get("version", stored.version),
        errors={line[0]: line[-1] for line in lines},
        error_lines=lines,
        conflict=extra.get("conflict", ""),
    )


def _contraindicated(tx: Tx, case_id: str) -> bool:
    """Whether the case's latest assessment is contraindicated (no checklist, no procedure)."""
    stored = latest_assessment(tx, case_id)
    return stored is not None and stored.assessment.recommendation == "contraindicated"


@router.get("/cases/{case_id}/checklist")
def checklist_page(request: Request, case_id: str) -> Response:
    return _checklist_page(request, case_id)


@router.post("/cases/{case_id}/checklist")
async def save_checklist_form(request: Request, case_id: str) -> Response:
    """Save the checklist as its next version (clinician); a stale form is refused."""
    form = await form_values(request)
    check_csrf(request, form.get("csrf_token"))
    current_user(request, Role.CLINICIAN)
    version = _version(form)
    shown = {k: v for k, v in form.items() if k not in ("csrf_token", "version")}
    with web_tx(request, write=False) as tx:
        refused = _contraindicated(tx, case_id)
    if refused:
        message = "Not saved: the latest assessment of this case is contraindicated."
        return _checklist_page(request, case_id, shown, conflict=message, status=409)
    try:
        document = parse_checklist(checklist_from_form(form))
        with web_tx(request, Role.CLINICIAN) as tx:
            save_checklist(tx, case_id, document, version)
    except InvalidDocument as exc:
        lines = _lines(exc, _CHECKLIST_FIELDS)
        return _checklist_page(
            request, case_id, shown, error_lines=lines, version=version, status=422
        )
    except PreconditionFailed as exc:
        message = (
            f"Someone else saved version {exc.current_version} of this checklist while you "
            "were filling it in; yours was not saved. Their answers are shown now."
        )
        return _checklist_page(request, case_id, conflict=message, status=412)
    return redirect(request, f"/cases/{case_id}/checklist?done=checklist")


def _version(form: dict[str, str]) -> int | None:
    raw = form.get("version", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


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
        errors={line[0]: line[-1] for line in extra.get("error_lines", [])},
        error_lines=extra.get("error_lines", []),
        conflict=extra.get("conflict", ""),
        action=extra.get("action", f"/cases/{view.case_id}/procedure"),
        editing=extra.get("editing"),
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


async def _save_procedure(
    request: Request, case_id: str, store: Callable[[Tx, Procedure], object], **extra: Any
) -> Response | None:
    """Parse the submitted procedure form (before the write transaction), store it; the
    form again with the problems when refused (``None`` when stored)."""
    form = await form_values(request)
    check_csrf(request, form.get("csrf_token"))
    current_user(request, Role.CLINICIAN)
    try:
        procedure = parse_procedure(procedure_from_form(form))
        with web_tx(request, Role.CLINICIAN) as tx:
            store(tx, procedure)
    except (InvalidDocument, Conflict, PreconditionFailed) as exc:
        with web_tx(request, Role.CLINICIAN, write=False) as tx:
            view = get_case(tx, case_id)
            stored = latest_assessment(tx, case_id)
        assessment = None if stored is None else stored.assessment
        refusal = _refusal(exc, PROCEDURE_FIELDS)
        return _procedure_page(request, view, assessment, form, **refusal, **extra)
    return None


def _lines(exc: InvalidDocument, fields: tuple[Field, ...]) -> list[tuple[str, str, str]]:
    """A refused form's problems as the summary shows them: path, words, reason."""
    return [(p.path, record_words(p.path, fields), p.reason) for p in exc.problems]


_CHECKLIST_FIELDS = (
    Field("mri_date", "Date of the MRI", "date"),
    Field("note", "Note", "textarea"),
    *(Field(item.name, item.question, "enum") for item in CHECKLIST),
)


def _refusal(
    exc: InvalidDocument | Conflict | PreconditionFailed, fields: tuple[Field, ...]
) -> dict[str, Any]:
    """A refused record form's problems: 422 with the field lines, 412 for a stale version,
    409 for a conflict (its message shown above the form)."""
    lines = _lines(exc, fields) if isinstance(exc, InvalidDocument) else []
    status = 422 if lines else (412 if isinstance(exc, PreconditionFailed) else 409)
    return {"error_lines": lines, "conflict": "" if lines else str(exc), "status": status}


@router.post("/cases/{case_id}/procedure")
async def save_procedure(request: Request, case_id: str) -> Response:
    def store(tx: Tx, procedure: Procedure) -> object:
        return record_procedure(tx, case_id, procedure)

    refused = await _save_procedure(request, case_id, store)
    return refused or redirect(request, f"/cases/{case_id}/follow-up?done=procedure")


@router.get("/cases/{case_id}/procedures/{procedure_id}/edit")
def procedure_edit_form(request: Request, case_id: str, procedure_id: RecordId) -> Response:
    """The procedure form filled with a stored session, to correct it (a new version)."""
    with web_tx(request, Role.CLINICIAN) as tx:
        view = get_case(tx, case_id)
        stored = latest_assessment(tx, case_id)
        record = get_procedure(tx, procedure_id, case_id=case_id)
    values = values_of(record.procedure.model_dump(mode="json"))
    values["version"] = str(record.version)
    return _procedure_page(
        request,
        view,
        None if stored is None else stored.assessment,
        values,
        action=f"/cases/{case_id}/procedures/{procedure_id}/edit",
        editing=record,
    )


@router.post("/cases/{case_id}/procedures/{procedure_id}/edit")
async def save_procedure_edit(request: Request, case_id: str, procedure_id: RecordId) -> Response:
    form = await form_values(request)
    version = _version(form)

    def store(tx: Tx, procedure: Procedure) -> object:
        return update_procedure(tx, procedure_id, procedure, version, case_id=case_id)

    refused = await _save_procedure(
        request, case_id, store, action=f"/cases/{case_id}/procedures/{procedure_id}/edit"
    )
    return refused or redirect(request, f"/cases/{case_id}?done=procedure-corrected#pathway-h")


@router.post("/cases/{case_id}/procedures/{procedure_id}/void")
async def void_procedure_form(request: Request, case_id: str, procedure_id: RecordId) -> Response:
    """Void a session with the reason typed in (clinician); back to the case page."""
    void = partial(void_procedure, procedure_id=procedure_id)
    return await _void(request, case_id, void, Role.CLINICIAN)


async def _void(
    request: Request, case_id: str, void: Callable[..., object], role: Role
) -> Response:
    """Void a record with the form's reason (``role`` needed); the case page after."""
    form = await form_values(request)
    check_csrf(request, form.get("csrf_token"))
    try:
        with web_tx(request, role) as tx:
            void(tx, reason=form.get("reason", ""), case_id=case_id)
    except (InvalidDocument, Conflict) as exc:
        detail = "; ".join(exc.lines) if isinstance(exc, InvalidDocument) else str(exc)
        return page(
            request,
            "error.html",
            status=422 if isinstance(exc, InvalidDocument) else 409,
            title="Not voided",
            detail=f"{detail}. Go back to the case and try again.",
        )
    return redirect(request, f"/cases/{case_id}?done=voided#pathway-h")


# -- follow-up -------------------------------------------------------------------------


def _follow_up_page(
    request: Request, case_id: str, values: dict[str, str], **extra: Any
) -> Response:
    with web_tx(request, write=False) as tx:
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
        errors={line[0]: line[-1] for line in extra.get("error_lines", [])},
        error_lines=extra.get("error_lines", []),
        saved=extra.get("saved", ""),
        conflict=extra.get("conflict", ""),
        action=extra.get("action", f"/cases/{case_id}/follow-up"),
        editing=extra.get("editing"),
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


async def _save_follow_up(
    request: Request, case_id: str, store: Callable[[Tx, FollowUp], FollowUpView], **extra: Any
) -> Response | FollowUpView:
    form = await form_values(request)
    check_csrf(request, form.get("csrf_token"))
    current_user(request, Role.COORDINATOR)
    try:
        follow_up = parse_follow_up(follow_up_from_form(form))
        with web_tx(request, Role.COORDINATOR) as tx:
            return store(tx, follow_up)
    except (InvalidDocument, Conflict, PreconditionFailed) as exc:
        shown = {k: v for k, v in form.items() if k != "csrf_token"}
        return _follow_up_page(request, case_id, shown, **_refusal(exc, FOLLOW_UP_FIELDS), **extra)


@router.post("/cases/{case_id}/follow-up")
async def save_follow_up(request: Request, case_id: str) -> Response:
    def store(tx: Tx, follow_up: FollowUp) -> FollowUpView:
        return record_follow_up(tx, case_id, follow_up)

    saved = await _save_follow_up(request, case_id, store)
    if isinstance(saved, Response):
        return saved
    visit = str(saved.follow_up.visit).replace(" ", "+")
    return redirect(request, f"/cases/{case_id}/follow-up?saved={visit}")


@router.get("/cases/{case_id}/follow-ups/{follow_up_id}/edit")
def follow_up_edit_form(request: Request, case_id: str, follow_up_id: RecordId) -> Response:
    """The follow-up form filled with a stored record, to correct it (a new version)."""
    with web_tx(request, Role.COORDINATOR) as tx:
        record = get_follow_up(tx, follow_up_id, case_id=case_id)
    values = values_of(record.follow_up.model_dump(mode="json"))
    values["version"] = str(record.version)
    return _follow_up_page(
        request,
        case_id,
        values,
        action=f"/cases/{case_id}/follow-ups/{follow_up_id}/edit",
        editing=record,
    )


@router.post("/cases/{case_id}/follow-ups/{follow_up_id}/edit")
async def save_follow_up_edit(request: Request, case_id: str, follow_up_id: RecordId) -> Response:
    form = await form_values(request)
    version = _version(form)

    def store(tx: Tx, follow_up: FollowUp) -> FollowUpView:
        return update_follow_up(tx, follow_up_id, follow_up, version, case_id=case_id)

    saved = await _save_follow_up(
        request, case_id, store, action=f"/cases/{case_id}/follow-ups/{follow_up_id}/edit"
    )
    if isinstance(saved, Response):
        return saved
    return redirect(request, f"/cases/{case_id}?done=follow-up-corrected#pathway-h")


@router.post("/cases/{case_id}/follow-ups/{follow_up_id}/void")
async def void_follow_up_form(request: Request, case_id: str, follow_up_id: RecordId) -> Response:
    """Void a follow-up record with the reason typed in (coordinator); back to the case."""
    void = partial(void_follow_up, follow_up_id=follow_up_id)
    return await _void(request, case_id, void, Role.COORDINATOR)


def values_of(document: dict[str, Any]) -> dict[str, str]:
    return flatten({k: v for k, v in document.items() if k != "schema"})

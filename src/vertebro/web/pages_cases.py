"""The case form (new and edit, with the paste box for ``vertebro measure`` output) and the
fracture block fragment htmx adds. Saving stores the case and assesses it at once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from vertebro.errors import Conflict, InvalidDocument, NotFound, PreconditionFailed
from vertebro.model import parse_case
from vertebro.registry import Role
from vertebro.services.registry import (
    assess_case,
    create_case,
    create_patient,
    get_case,
    get_patient,
    prepare_assessment,
    replace_case,
)
from vertebro.web.case_form import CASE_GROUPS, FRACTURE_GROUPS, document_from_form
from vertebro.web.form_fields import Field, flatten
from vertebro.web.forms import form_values, problem_lines
from vertebro.web.measure_paste import fill_from_measurement
from vertebro.web.render import page, redirect, templates
from vertebro.web.session import check_csrf, current_user
from vertebro.web.tx import web_tx

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

PATIENT_FIELD = Field(
    "patient_code",
    "Patient code",
    "text",
    required=True,
    nullable=False,
    hint="pseudonymous, e.g. P-0042; a new code registers the patient",
)
CASE_ID_FIELD = Field(
    "case_id",
    "Case id",
    "text",
    required=True,
    nullable=False,
    hint="letters, digits, . _ - (up to 64)",
)


def _blocks(values: dict[str, str]) -> int:
    from vertebro.web.case_form import fracture_count

    return fracture_count(values)


def _render(
    request: Request,
    values: dict[str, str],
    *,
    editing: str | None = None,
    patient_code: str = "",
    version: int | None = None,
    errors: list[tuple[str, str]] | None = None,
    message: str = "",
    conflict: str = "",
    measurement: str = "",
    blocks: int | None = None,
    status: int = 200,
) -> Response:
    lines = errors or []
    return page(
        request,
        "case_form.html",
        status=status,
        heading=f"Edit case {editing}" if editing else "New case",
        action=f"/cases/{editing}/edit" if editing else "/cases/new",
        cancel=f"/cases/{editing}" if editing else "/worklist",
        submit_label="Save as a new version and assess" if editing else "Save and assess",
        editing=editing is not None,
        version=version,
        values=values,
        patient_code=patient_code,
        errors=dict(lines),
        error_lines=lines,
        message=message,
        conflict=conflict,
        measurement=measurement,
        blocks=blocks or _blocks(values),
        case_groups=CASE_GROUPS,
        fracture_groups=FRACTURE_GROUPS,
        patient_field=PATIENT_FIELD,
        case_id_field=CASE_ID_FIELD,
        open_landmarks=bool(measurement),
    )


@router.get("/cases/new")
def new_case(request: Request) -> Response:
    current_user(request, Role.CLINICIAN)
    return _render(request, {})


@router.get("/cases/form/fracture")
def fracture_fragment(
    request: Request, index: Annotated[int, Query(ge=0, le=16)] = 0
) -> HTMLResponse:
    """One empty fracture block (htmx adds it to the form)."""
    current_user(request, Role.CLINICIAN)
    html = (
        templates()
        .get_template("_fracture.html")
        .render(
            i=index, values={}, errors={}, fracture_groups=FRACTURE_GROUPS, open_landmarks=False
        )
    )
    return HTMLResponse(html)


def _values_of(document: dict[str, Any]) -> dict[str, str]:
    shown = {k: v for k, v in document.items() if k != "schema"}
    return flatten(shown)


def _after_action(
    request: Request, form: dict[str, str], editing: str | None, code: str, version: int | None
) -> Response | None:
    """The form's non-saving buttons (fill from measurement, add a level)."""
    action = form.get("action", "save")
    values = {k: v for k, v in form.items() if k not in ("csrf_token", "action", "measurement")}
    pasted = form.get("measurement", "")
    blocks = _blocks(values)
    common: dict[str, Any] = {"editing": editing, "patient_code": code, "version": version}
    if action == "fill":
        filled, blocks, notes = fill_from_measurement(values, pasted, blocks)
        failed = notes and notes[0].startswith("measurement:")
        errors = [("measurement", notes[0].split(": ", 1)[1])] if failed else []
        return _render(
            request,
            filled,
            blocks=blocks,
            errors=errors,
            measurement=pasted,
            message="" if failed else notes[0],
            **common,
        )
    if action == "add_fracture":
        return _render(request, values, blocks=min(blocks + 1, 17), **common)
    return None


@router.post("/cases/new")
async def create_case_from_form(request: Request) -> Response:
    form = await form_values(request)
    check_csrf(request, form.get("csrf_token"))
    current_user(request, Role.CLINICIAN)
    code = form.get("patient_code", "").strip()
    shown = _after_action(request, form, None, code, None)
    if shown is not None:
        return shown
    document = document_from_form(form)
    try:
        case = parse_case(document)  # parsed and assessed before the write transaction
        prepared = prepare_assessment(1, case)
        with web_tx(request, Role.CLINICIAN) as tx:
            try:
                get_patient(tx, code)
            except NotFound:
                create_patient(tx, {"code": code})
            view = create_case(tx, code, case)
            assess_case(tx, view.case_id, prepared)
    except InvalidDocument as exc:
        lines = [(("patient_code" if p.path == "code" else p.path), p.reason) for p in exc.problems]
        return _render(request, _values_of(document), patient_code=code, errors=lines, status=422)
    except Conflict as exc:
        return _render(
            request, _values_of(document), patient_code=code, conflict=str(exc), status=409
        )
    return redirect(request, f"/cases/{view.case_id}")


@router.get("/cases/{case_id}/edit")
def edit_case(request: Request, case_id: str) -> Response:
    with web_tx(request, Role.CLINICIAN) as tx:
        view = get_case(tx, case_id)
    values = _values_of(view.case.model_dump(mode="json"))
    return _render(
        request, values, editing=case_id, patient_code=view.patient_code, version=view.version
    )


@router.post("/cases/{case_id}/edit")
async def save_case_edit(request: Request, case_id: str) -> Response:
    form = await form_values(request)
    check_csrf(request, form.get("csrf_token"))
    current_user(request, Role.CLINICIAN)
    raw_version = form.get("version", "")
    version = int(raw_version) if raw_version.isdigit() and len(raw_version) < 10 else None
    with web_tx(request, write=False) as tx:
        code = get_case(tx, case_id).patient_code
    shown = _after_action(request, form, case_id, code, version)
    if shown is not None:
        return shown
    document = document_from_form(form)
    document["case_id"] = case_id
    common: dict[str, Any] = {"editing": case_id, "patient_code": code, "version": version}
    try:
        case = parse_case(document)  # parsed and assessed before the write transaction
        prepared = None if version is None else prepare_assessment(version + 1, case)
        with web_tx(request, Role.CLINICIAN) as tx:
            replace_case(tx, case_id, case, version)
            assess_case(tx, case_id, prepared)
    except InvalidDocument as exc:
        return _render(
            request, _values_of(document), errors=problem_lines(exc), status=422, **common
        )
    except PreconditionFailed as exc:
        message = (
            f"Someone else saved version {exc.current_version} of this case while you were "
            "editing. Your changes are still below and were not saved; open the case again "
            "to see theirs, then edit that version."
        )
        return _render(request, _values_of(document), conflict=message, status=412, **common)
    return redirect(request, f"/cases/{case_id}")

"""The case form (new and edit, with the paste box for ``vertebro measure`` output) and the
fracture block fragment htmx adds. Saving stores the case and assesses it at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from vertebro.errors import Conflict, InvalidDocument, NotFound, PreconditionFailed
from vertebro.model import Assessment, parse_case
from vertebro.model.parsing import parse_document
from vertebro.registry import Role
from vertebro.reporting.labels import label
from vertebro.reporting.vocabulary import (
    field_words,
    fracture_levels,
    in_level_order,
    reason_words,
)
from vertebro.services.registry import (
    NEW_PATIENT,
    assess_case,
    create_case,
    create_patient,
    get_case,
    get_patient,
    latest_assessment,
    prepare_assessment,
    replace_case,
)
from vertebro.web.case_form import CASE_GROUPS, FRACTURE_GROUPS, document_from_form
from vertebro.web.form_fields import Field, flatten
from vertebro.web.forms import form_values
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


#: The mark of a "Not known" answer the decision waits on (a missing-data rule fired).
BLOCKING = "Not known — the decision waits on this answer"


def blocking_marks(assessment: Assessment | None) -> dict[str, str]:
    """The form fields whose "Not known" holds the decision back: the paths the engine's
    missing-data rules named (``assessment.missing``), each with its mark."""
    if assessment is None:
        return {}
    return {path: BLOCKING for path in assessment.missing}


def _problems(document: dict[str, Any], problems: list[tuple[str, str]]) -> list[tuple[str, ...]]:
    """Parser problems as the summary shows them: ``(path, words, reason in words)``."""
    levels = fracture_levels(document)
    return [(path, field_words(path, levels), reason_words(r, levels)) for path, r in problems]


def _render(
    request: Request,
    values: dict[str, str],
    *,
    editing: str | None = None,
    patient_code: str = "",
    version: int | None = None,
    errors: Sequence[tuple[str, ...]] | None = None,
    message: str = "",
    conflict: str = "",
    measurement: str = "",
    blocks: int | None = None,
    marks: dict[str, str] | None = None,
    focus: str = "",
    status: int = 200,
) -> Response:
    lines = errors or []
    shown = blocks or _blocks(values)
    levels = [values.get(f"fractures[{i}].level") or None for i in range(shown)]
    mark_lines = [
        (path, field_words(path, levels)) for path in in_level_order(list(marks or {}), levels)
    ]
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
        errors={line[0]: line[-1] for line in lines},
        error_lines=lines,
        message=message,
        conflict=conflict,
        measurement=measurement,
        blocks=shown,
        case_groups=CASE_GROUPS,
        fracture_groups=FRACTURE_GROUPS,
        patient_field=PATIENT_FIELD,
        case_id_field=CASE_ID_FIELD,
        open_landmarks=bool(measurement),
        marks=marks or {},
        mark_lines=mark_lines,
        focus=focus,
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
            i=index,
            values={},
            errors={},
            fracture_groups=FRACTURE_GROUPS,
            open_landmarks=False,
            marks={},
            focus="",
        )
    )
    return HTMLResponse(html)


def _values_of(document: dict[str, Any]) -> dict[str, str]:
    shown = {k: v for k, v in document.items() if k != "schema"}
    return flatten(shown)


def _check(document: dict[str, Any], code: str) -> list[tuple[str, str]]:
    """Every problem of a submitted case form at once: the case's and the patient code's."""
    problems: list[tuple[str, str]] = []
    try:
        parse_document(NEW_PATIENT, {"code": code})
    except InvalidDocument as exc:
        problems += [("patient_code", p.reason) for p in exc.problems]
    try:
        parse_case(document)
    except InvalidDocument as exc:
        problems += [(p.path, p.reason) for p in exc.problems]
    return problems


def _after_action(
    request: Request, form: dict[str, str], editing: str | None, code: str, version: int | None
) -> Response | None:
    """The form's non-saving buttons (fill from measurement, add a level, check what the
    decision needs without saving)."""
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
    if action == "check":
        return _checked(request, values, editing, common)
    return None


def _checked(
    request: Request, values: dict[str, str], editing: str | None, common: dict[str, Any]
) -> Response:
    """The draft assessed without saving: its decision, the blocking answers marked."""
    document = document_from_form(values)
    if editing is not None:
        document["case_id"] = editing
    elif not document.get("case_id"):
        document["case_id"] = "draft"
    try:
        assessment = prepare_assessment(1, parse_case(document)).assessment
    except InvalidDocument as exc:
        problems = _problems(document, [(p.path, p.reason) for p in exc.problems])
        return _render(request, values, errors=problems, status=422, **common)
    marks = blocking_marks(assessment)
    decision = label(assessment.recommendation)
    message = f"Not saved. With these answers the decision would be: {decision}."
    if marks:
        plural = "s" if len(marks) > 1 else ""
        message += f" The {len(marks)} marked “Not known” answer{plural} would change it."
    return _render(request, values, message=message, marks=marks, **common)


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
    problems = _check(document, code)
    if problems:
        lines = _problems(document, problems)
        return _render(request, _values_of(document), patient_code=code, errors=lines, status=422)
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
        lines = _problems(
            document,
            [(("patient_code" if p.path == "code" else p.path), p.reason) for p in exc.problems],
        )
        return _render(request, _values_of(document), patient_code=code, errors=lines, status=422)
    except Conflict as exc:
        return _render(
            request, _values_of(document), patient_code=code, conflict=str(exc), status=409
        )
    return redirect(request, f"/cases/{view.case_id}")


@router.get("/cases/{case_id}/edit")
def edit_case(
    request: Request, case_id: str, focus: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    """The stored case in the form; the "Not known" answers its latest assessment waits on
    are marked, and ``?focus=<path>`` (the case page's missing-data links) focuses that
    field."""
    with web_tx(request, Role.CLINICIAN) as tx:
        view = get_case(tx, case_id)
        stored = latest_assessment(tx, case_id)
    values = _values_of(view.case.model_dump(mode="json"))
    return _render(
        request,
        values,
        editing=case_id,
        patient_code=view.patient_code,
        version=view.version,
        marks=blocking_marks(None if stored is None else stored.assessment),
        focus=focus,
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
        lines = _problems(document, [(p.path, p.reason) for p in exc.problems])
        return _render(request, _values_of(document), errors=lines, status=422, **common)
    except PreconditionFailed as exc:
        message = (
            f"Someone else saved version {exc.current_version} of this case while you were "
            "editing. Your changes are still below and were not saved; open the case again "
            "to see theirs, then edit that version."
        )
        return _render(request, _values_of(document), conflict=message, status=412, **common)
    return redirect(request, f"/cases/{case_id}")

"""Rendering pages: one Jinja2 environment over the packaged templates, the session cookie
re-signed on every page, and the HTML answers to errors (303 to /login, else an error page
for every status, 500 with its incident id)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, PackageLoader

from vertebro.errors import (
    ImageError,
    ImageTooLarge,
    InvalidDocument,
    NotFound,
    PermissionDenied,
    RegistryError,
)
from vertebro.http.context import app_context
from vertebro.registry import Role
from vertebro.reporting.templating import TEMPLATES, make_environment
from vertebro.web.form_fields import field_id
from vertebro.web.session import CsrfFailed, LoginRequired, load_session, save_session
from vertebro.web.unit_phone import unit_phone

__all__ = ["html_error", "page", "redirect", "templates"]

HTMX_VERSION = "2.0.11"


@lru_cache(maxsize=1)
def templates() -> Environment:
    # the web's own templates first, then the partials shared with the printed documents
    env = make_environment(ChoiceLoader([PackageLoader("vertebro.web", "templates"), TEMPLATES]))
    env.globals["htmx_version"] = HTMX_VERSION
    env.globals["field_id"] = field_id
    return env


#: The confirmations a redirect after a saved form asks for (``?done=<key>``); the words
#: come from here, never from the address.
DONE: dict[str, str] = {
    "procedure": "✓ The procedure was saved. Record the follow-up visits here when they happen.",
    "procedure-corrected": "✓ The correction of the procedure was saved as a new version.",
    "follow-up-corrected": "✓ The correction of the visit was saved as a new version.",
    "checklist": "✓ The checklist was saved.",
    "voided": "✓ The record was voided; it stays visible, struck through, with your reason.",
    "unit-phone": "✓ The unit's phone number was saved.",
}


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with the session, the user, the unit's settings and the
    confirmation a redirect asked for (``?done=``)."""
    session = load_session(request)
    settings = app_context(request).settings
    principal = session.principal
    phone = unit_phone(request) if principal is not None else settings.unit_phone or None

    def may(role: str) -> bool:
        return principal is not None and principal.role.allows(Role(role))

    html = (
        templates()
        .get_template(template)
        .render(
            request=request,
            session=session,
            user=principal,
            may=may,
            csrf=session.csrf,
            unit_name=settings.unit_name,
            unit_phone=phone,
            unit_phone_set=phone is not None,
            done=DONE.get(request.query_params.get("done", ""), ""),
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    save_session(request, response, session)
    return response


def download(content: str, media_type: str, filename: str, *, inline: bool = False) -> Response:
    """A file for the browser (patient data: never cached)."""
    disposition = "inline" if inline else "attachment"
    return Response(
        content,
        media_type=media_type,
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'{disposition}; filename="{filename}"',
        },
    )


def redirect(request: Request, url: str) -> Response:
    """303 See Other to ``url`` (after a form), keeping the session alive."""
    response = RedirectResponse(url, status_code=303)
    save_session(request, response, load_session(request))
    return response


#: Each error status in plain words: (title, what happened).
_PLAIN: dict[int, tuple[str, str]] = {
    400: ("Bad request", "The request could not be understood."),
    401: ("Not logged in", "Log in to see this page."),
    403: ("Not allowed", "Your role does not allow this page."),
    404: ("Not found", "There is no such page or record."),
    405: ("Not possible here", "This address does not take that kind of request."),
    409: ("Cannot do that", "It clashes with what is stored."),
    413: ("Too large", "What you sent is larger than vertebro accepts."),
    415: ("Not accepted", "What you sent is not in a form vertebro reads."),
    422: ("Invalid input", "Some of what you sent cannot be used."),
    429: ("Too many attempts", "Wait a little, then try again."),
    500: ("Something went wrong", "vertebro could not answer this request."),
}


def _error_page(
    request: Request,
    status: int,
    detail: str = "",
    *,
    title: str = "",
    lines: list[str] | None = None,
    incident: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    plain_title, what = _PLAIN.get(status, ("Error", "The request could not be answered."))
    response = page(
        request,
        "error.html",
        status=status,
        title=title or plain_title,
        code=status,
        what=what,
        detail=detail,
        lines=lines or [],
        incident=incident,
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _param_lines(exc: RequestValidationError) -> list[str]:
    return [
        f"{'.'.join(str(p) for p in e.get('loc', ())) or '$'}: {e.get('msg', 'invalid')}"
        for e in exc.errors()
    ]


def html_error(request: Request, exc: Exception, incident: str | None = None) -> Response:
    """The web's answer to an error on a page: a redirect to the login, or an HTML page with
    the status, what happened in plain words and (for an unexpected error) the incident id
    under which the server logged it. Never a raw JSON problem."""
    if isinstance(exc, LoginRequired):
        target = "/login" if exc.next_path in ("/", "") else f"/login?next={quote(exc.next_path)}"
        return RedirectResponse(target, status_code=303)
    if isinstance(exc, CsrfFailed):
        return _error_page(request, 400, str(exc), title="The form has expired")
    if isinstance(exc, PermissionDenied):
        return _error_page(request, 403)
    if isinstance(exc, NotFound):
        return _error_page(request, 404, str(exc))
    if isinstance(exc, RegistryError):
        return _error_page(request, exc.status, str(exc), title="Cannot do that")
    if isinstance(exc, InvalidDocument):
        return _error_page(request, 422, lines=exc.lines)
    if isinstance(exc, ImageTooLarge):
        return _error_page(request, 413, str(exc))
    if isinstance(exc, ImageError):
        return _error_page(request, 422, str(exc))
    if isinstance(exc, RequestValidationError):
        return _error_page(request, 422, lines=_param_lines(exc))
    status = getattr(exc, "status", None) or getattr(exc, "status_code", None)
    if isinstance(status, int) and 400 <= status < 500:
        detail = getattr(exc, "detail", "")
        default = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
        shown = detail if isinstance(detail, str) and detail != default else ""
        return _error_page(request, status, shown, headers=getattr(exc, "headers", None))
    return _error_page(request, 500, incident=incident)

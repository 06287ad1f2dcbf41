"""Rendering pages: one Jinja2 environment over the packaged templates, the session cookie
re-signed on every page, and the HTML answers to errors (303 to /login, 403, 404, 400)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, PackageLoader

from vertebro.api.context import app_context
from vertebro.errors import NotFound, PermissionDenied, RegistryError
from vertebro.registry import Role
from vertebro.reporting.templating import TEMPLATES, make_environment
from vertebro.web.session import CsrfFailed, LoginRequired, load_session, save_session

__all__ = ["html_error", "page", "redirect", "templates"]

HTMX_VERSION = "2.0.11"


@lru_cache(maxsize=1)
def templates() -> Environment:
    # the web's own templates first, then the partials shared with the printed documents
    env = make_environment(ChoiceLoader([PackageLoader("vertebro.web", "templates"), TEMPLATES]))
    env.globals["htmx_version"] = HTMX_VERSION
    return env


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with the session, the user and the unit's settings."""
    session = load_session(request)
    settings = app_context(request).settings
    principal = session.principal

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
            unit_phone=settings.unit_phone,
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


def _error_page(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    return page(request, "error.html", status=status, title=title, detail=detail)


def html_error(request: Request, exc: Exception) -> Response | None:
    """The web's answer to an error on a page (``None``: let the API's problem answer)."""
    if isinstance(exc, LoginRequired):
        target = "/login" if exc.next_path in ("/", "") else f"/login?next={quote(exc.next_path)}"
        return RedirectResponse(target, status_code=303)
    if isinstance(exc, CsrfFailed):
        return _error_page(request, 400, "The form has expired", str(exc))
    if isinstance(exc, PermissionDenied):
        return _error_page(request, 403, "Not allowed", "Your role does not allow this page.")
    if isinstance(exc, NotFound):
        return _error_page(request, 404, "Not found", str(exc))
    if isinstance(exc, RegistryError):
        return _error_page(request, exc.status, "Cannot do that", str(exc))
    status = getattr(exc, "status_code", None)
    if isinstance(status, int) and status < 500:
        return _error_page(request, status, "Not found" if status == 404 else "Error", "")
    return None

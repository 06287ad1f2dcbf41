"""RFC 7807 problem responses, mapped from vertebro's error tree (``vertebro.errors``).

``InvalidDocument`` and ``ImageError`` → 422 with ``errors: ["<path>: <reason>", …]`` (the
same lines as the command line; ``ImageTooLarge`` → 413); ``RegistryError`` → its
``status`` (401 carries ``WWW-Authenticate: Bearer``); malformed path or query parameters →
422 in the same shape. Anything unexpected → 500 with an incident id, logged with its
traceback under that id. Web pages answer in HTML instead (``app.state.html_error``).
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from vertebro.errors import (
    AuthenticationFailed,
    ImageError,
    ImageTooLarge,
    InvalidDocument,
    PreconditionFailed,
    RegistryError,
)
from vertebro.http.headers import secure_headers

__all__ = [
    "PROBLEM_JSON",
    "ApiProblem",
    "install_problem_handlers",
    "is_api_path",
    "log_incident",
    "problem_response",
]

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Body too large",
    415: "Unsupported media type",
    422: "Invalid input",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


class ApiProblem(Exception):
    """A problem the API raises itself (not from the error tree): status, detail, headers."""

    def __init__(
        self, status: int, detail: str, *, headers: Mapping[str, str] | None = None
    ) -> None:
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})
        super().__init__(detail)


def problem_response(
    status: int,
    detail: str,
    *,
    errors: Sequence[str] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """A ``application/problem+json`` response."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = list(errors)
    if extra:
        body.update(extra)
    content = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return Response(content, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _param_lines(exc: RequestValidationError) -> list[str]:
    lines = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        path = ".".join(loc) or "$"
        lines.append(f"{path}: {error.get('msg', 'invalid')}")
    return lines


_EXPECTED = (
    InvalidDocument,
    ImageError,
    RegistryError,
    ApiProblem,
    RequestValidationError,
    StarletteHTTPException,
)


def is_api_path(path: str) -> bool:
    """Routes that answer in JSON (everything else is a web page)."""
    return path.startswith("/api/") or path in ("/health", "/openapi.json")


def log_incident(request: Request, exc: BaseException) -> str:
    """Log an unexpected error with its traceback under a new incident id; returns the id
    (shown to the user, so that the log entry can be found)."""
    incident = secrets.token_hex(6)
    logger.error(
        "incident %s: %s %s failed", incident, request.method, request.url.path, exc_info=exc
    )
    return incident


def _for(exc: Exception, incident: str | None) -> Response:
    if isinstance(exc, InvalidDocument):
        return problem_response(422, "the document is not valid", errors=exc.lines)
    if isinstance(exc, ImageTooLarge):
        return problem_response(413, "the image is too large to measure", errors=[str(exc)])
    if isinstance(exc, ImageError):
        return problem_response(422, "the image cannot be used", errors=[str(exc)])
    if isinstance(exc, AuthenticationFailed):
        return problem_response(401, str(exc), headers={"WWW-Authenticate": "Bearer"})
    if isinstance(exc, PreconditionFailed):
        extra = {"current_version": exc.current_version}
        return problem_response(412, str(exc), extra=extra)
    if isinstance(exc, RegistryError):
        return problem_response(exc.status, str(exc))
    if isinstance(exc, ApiProblem):
        return problem_response(exc.status, exc.detail, headers=exc.headers)
    if isinstance(exc, RequestValidationError):
        return problem_response(422, "invalid parameters", errors=_param_lines(exc))
    if isinstance(exc, OperationalError) and "locked" in str(exc.orig):
        # another process held SQLite's write lock past the busy timeout: nothing written
        logger.warning("registry busy: %s", exc.orig)
        return problem_response(
            503, "the registry is busy; try again in a moment", headers={"Retry-After": "2"}
        )
    if isinstance(exc, StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "")
        return problem_response(exc.status_code, detail, headers=exc.headers)
    return problem_response(
        500,
        f"an unexpected error (incident {incident}); it has been logged",
        extra={"incident": incident},
    )


def _plain_page(status: int, incident: str | None) -> HTMLResponse:
    """The last resort when even the error page cannot be rendered: static HTML."""
    title = _TITLES.get(status, "Error")
    said = f"<p>Incident {incident}: it has been logged.</p>" if incident else ""
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<link rel="stylesheet" href="/static/app.css"></head><body><main><h1>{title}</h1>'
        f'{said}<p><a href="/worklist">Back to the worklist</a></p></main></body></html>'
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def install_problem_handlers(app: FastAPI) -> None:
    """Every error becomes a problem response, or an HTML page for a web page
    (``app.state.html_error(request, exc, incident)``)."""

    async def handle(request: Request, exc: Exception) -> Response:
        incident = None if isinstance(exc, _EXPECTED) else log_incident(request, exc)
        path = request.url.path
        answer: Response | None = None
        html = getattr(request.app.state, "html_error", None)
        if html is not None and not is_api_path(path):
            try:
                answer = html(request, exc, incident)
            except Exception as failure:  # the page itself failed: say so in plain HTML
                incident = incident or log_incident(request, failure)
                answer = _plain_page(500, incident)
        if answer is None:
            answer = _for(exc, incident)
        secure_headers(answer.headers, path)  # a 500 does not pass the middleware
        return answer

    for kind in (*_EXPECTED, Exception):
        app.add_exception_handler(kind, handle)

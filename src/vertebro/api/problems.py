"""RFC 7807 problem responses, mapped from vertebro's error tree (``vertebro.errors``).

``InvalidDocument`` and ``ImageError`` → 422 with ``errors: ["<path>: <reason>", …]`` (the
same lines as the command line); ``RegistryError`` → its ``status`` (401 carries
``WWW-Authenticate: Bearer``); malformed path or query parameters → 422 in the same shape.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from vertebro.errors import (
    AuthenticationFailed,
    ImageError,
    InvalidDocument,
    PreconditionFailed,
    RegistryError,
)

__all__ = ["PROBLEM_JSON", "ApiProblem", "install_problem_handlers", "problem_response"]

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


def _for(exc: Exception) -> Response:
    if isinstance(exc, InvalidDocument):
        return problem_response(422, "the document is not valid", errors=exc.lines)
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
    logger.exception("unexpected error", exc_info=exc)
    return problem_response(500, "an unexpected error; it has been logged")


def install_problem_handlers(app: FastAPI) -> None:
    """Every error becomes a problem response (web pages may override per request)."""

    async def handle(request: Request, exc: Exception) -> Response:
        html = getattr(request.app.state, "html_error", None)
        if html is not None and not request.url.path.startswith(("/api/", "/health")):
            rendered: Response | None = html(request, exc)
            if rendered is not None:
                return rendered
        return _for(exc)

    for kind in (
        InvalidDocument,
        ImageError,
        RegistryError,
        ApiProblem,
        RequestValidationError,
        StarletteHTTPException,
        Exception,
    ):
        app.add_exception_handler(kind, handle)

"""Shared request parts: the bearer credentials, bounded path parameters, the raw JSON body
(bytes, whatever the ``Content-Type`` says, for the core's strict parser), and the
documented error responses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from vertebro.api.limits import MAX_BODY_BYTES
from vertebro.http.problems import PROBLEM_JSON

__all__ = [
    "ID_PATTERN",
    "MAX_BODY_BYTES",
    "CaseId",
    "Credentials",
    "JsonBody",
    "PatientCode",
    "problems",
]

ID_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"

bearer_scheme = HTTPBearer(auto_error=False, description="`vertebro users token NAME`")

Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
CaseId = Annotated[
    str, Path(pattern=ID_PATTERN, min_length=1, max_length=64, description="the case's case_id")
]
PatientCode = Annotated[
    str, Path(pattern=ID_PATTERN, min_length=1, max_length=64, description="a patient code")
]


async def _json_body(request: Request) -> bytes:
    """The raw body (its size is bounded by :class:`~vertebro.api.limits.BodyLimit`)."""
    return await request.body()


JsonBody = Annotated[bytes, Depends(_json_body)]

_PROBLEM = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["type", "title", "status", "detail"],
}
_WHY = {
    401: "no, invalid or expired token",
    403: "the user's role does not allow this",
    404: "no such record",
    409: "conflicts with what is stored",
    412: "If-Match names a stale version",
    413: "body too large",
    422: "invalid document or parameters: `errors` lists `<path>: <reason>` lines",
    428: "If-Match is missing",
    429: "too many failed logins",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the problem statuses a route can answer with."""
    return {
        status: {"description": _WHY[status], "content": {PROBLEM_JSON: {"schema": _PROBLEM}}}
        for status in statuses
    }

"""``POST /api/auth/token``: user name and password → a bearer token (rate-limited)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from vertebro.api.context import actor_of, anonymous_tx, app_context
from vertebro.api.documents import TOKEN_REQUEST
from vertebro.api.openapi import body_doc, json_doc
from vertebro.api.params import JsonBody, problems
from vertebro.api.problems import ApiProblem
from vertebro.api.serialize import json_response
from vertebro.errors import AuthenticationFailed
from vertebro.model.parsing import parse_document
from vertebro.services.registry import issue_token, log_in

__all__ = ["client_address", "router"]

router = APIRouter(prefix="/api", tags=["auth"])


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _issue(request: Request, body: bytes) -> Response:
    wanted = parse_document(TOKEN_REQUEST, body)
    limiter = app_context(request).limiter
    address = client_address(request)
    wait = limiter.retry_after(wanted.username, address)
    if wait:
        raise ApiProblem(
            429, "too many failed logins; try later", headers={"Retry-After": str(wait)}
        )
    with anonymous_tx(request) as tx:
        principal = log_in(tx, wanted.username, wanted.password)
        if principal is not None:
            tx.actor = actor_of(principal)
            token = issue_token(tx, principal.name, wanted.days, label="api")
    if principal is None:
        limiter.failed(wanted.username, address)
        raise AuthenticationFailed("unknown user or wrong password")
    limiter.succeeded(wanted.username)
    return json_response(
        {
            "access_token": token.token,
            "token_type": "bearer",
            "expires_at": token.expires_at.isoformat(),
            "user": principal.name,
            "role": str(principal.role),
        }
    )


@router.post(
    "/auth/token",
    openapi_extra=body_doc("TokenRequest"),
    responses={200: json_doc({"type": "object"}, "a new token"), **problems(401, 413, 422, 429)},
)
async def token(request: Request, body: JsonBody) -> Response:
    """A bearer token for a user name and password (public; failed logins are audited and
    rate-limited)."""
    return await run_in_threadpool(_issue, request, body)

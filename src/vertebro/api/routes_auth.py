"""``POST /api/auth/token`` (user name and password → a bearer token, rate-limited),
``GET /api/tokens`` and ``DELETE /api/tokens/{token_id}`` (api-v1 1.1)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from vertebro.api.documents import TOKEN_REQUEST
from vertebro.api.openapi import body_doc, json_doc
from vertebro.api.params import Credentials, JsonBody, problems
from vertebro.api.serialize import json_response, token_item
from vertebro.errors import AuthenticationFailed
from vertebro.http.context import app_context, bearer_tx, client_address
from vertebro.http.problems import ApiProblem
from vertebro.model.parsing import parse_document
from vertebro.registry import Role
from vertebro.services.registry import (
    Principal,
    TokenView,
    Tx,
    issue_token,
    list_tokens,
    log_in,
    revoke_token_id,
)

__all__ = ["client_address", "router"]

router = APIRouter(prefix="/api", tags=["auth"])

TokenId = Annotated[int, Path(ge=1, le=2**31 - 1, description="a token's id (GET /api/tokens)")]


def _issue(request: Request, body: bytes) -> Response:
    wanted = parse_document(TOKEN_REQUEST, body)
    ctx = app_context(request)

    def token(tx: Tx, principal: Principal) -> TokenView:
        return issue_token(tx, principal.name, wanted.days, label="api")

    result = log_in(
        ctx.registry,
        wanted.username,
        wanted.password,
        address=client_address(request),
        now=ctx.settings.now,
        limits=ctx.settings.login_limits,
        then=token,
    )
    if result.retry_after:
        raise ApiProblem(
            429,
            "too many login attempts; try later",
            headers={"Retry-After": str(result.retry_after)},
        )
    if result.principal is None or result.value is None:
        raise AuthenticationFailed("unknown user or wrong password")
    principal, issued = result.principal, result.value
    return json_response(
        {
            "access_token": issued.token,
            "token_id": issued.id,
            "token_type": "bearer",
            "expires_at": issued.expires_at.isoformat(),
            "user": principal.name,
            "role": str(principal.role),
        },
        headers={"Cache-Control": "no-store"},
    )


@router.post(
    "/auth/token",
    openapi_extra=body_doc("TokenRequest"),
    responses={200: json_doc({"type": "object"}, "a new token"), **problems(401, 413, 422, 429)},
)
async def token(request: Request, body: JsonBody) -> Response:
    """A bearer token for a user name and password (public; every attempt is audited;
    5 attempts per user name and 20 per address in 15 minutes reach the password check,
    the others get 429 with ``Retry-After``)."""
    return await run_in_threadpool(_issue, request, body)


@router.get(
    "/tokens",
    responses={200: json_doc({"type": "array"}, "tokens, never secrets"), **problems(401)},
)
def tokens(request: Request, credentials: Credentials) -> Response:
    """Your own tokens (an admin: everyone's), newest first: id, user, label, created,
    expires, last used, revoked. Never the secret. Any role."""
    with bearer_tx(request, credentials, Role.VIEWER) as tx:
        stored = list_tokens(tx)
    return json_response([token_item(t) for t in stored])


@router.delete(
    "/tokens/{token_id}",
    status_code=204,
    responses={204: {"description": "revoked"}, **problems(401, 404, 422)},
)
def revoke(request: Request, credentials: Credentials, token_id: TokenId) -> Response:
    """Revoke a token (your own; an admin: anyone's). It answers 401 at once afterwards."""
    with bearer_tx(request, credentials, Role.VIEWER) as tx:
        revoke_token_id(tx, token_id)
    return Response(status_code=204)

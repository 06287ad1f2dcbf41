"""Log in (rate-limited, audited) and log out."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from vertebro.api.context import anonymous_tx, app_context
from vertebro.api.routes_auth import client_address
from vertebro.services.registry import log_in
from vertebro.web.render import page, redirect
from vertebro.web.session import WebSession, check_csrf, load_session

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _safe_next(target: str) -> str:
    """Only local paths (never ``//host`` or a scheme) may follow a login."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/worklist"


@router.get("/")
def home(request: Request) -> Response:
    if load_session(request).principal is None:
        return page(request, "login.html", error=None, username="", next_path="/worklist")
    return redirect(request, "/worklist")


@router.get("/login")
def login_form(request: Request, next: str = "/worklist") -> Response:
    return page(request, "login.html", error=None, username="", next_path=_safe_next(next[:500]))


def _log_in(request: Request, username: str, password: str) -> WebSession | int | None:
    limiter = app_context(request).limiter
    address = client_address(request)
    wait = limiter.retry_after(username, address)
    if wait:
        return wait
    with anonymous_tx(request) as tx:
        principal = log_in(tx, username, password)
    if principal is None:
        limiter.failed(username, address)
        return None
    limiter.succeeded(username)
    fresh = WebSession(
        csrf=secrets.token_urlsafe(24),
        user_id=principal.user_id,
        name=principal.name,
        role=principal.role,
    )
    request.state.web_session = fresh
    return fresh


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/worklist",
) -> Response:
    check_csrf(request, csrf_token)
    outcome = await run_in_threadpool(_log_in, request, username[:64], password)
    if isinstance(outcome, WebSession):
        return redirect(request, _safe_next(next))
    if outcome is None:
        message, status = "Unknown user name or wrong password.", 401
    else:
        minutes = max(1, round(outcome / 60))
        message = f"Too many failed attempts. Try again in about {minutes} minute(s)."
        status = 429
    return page(
        request,
        "login.html",
        status=status,
        error=message,
        username=username[:64],
        next_path=_safe_next(next),
    )


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    check_csrf(request, csrf_token)
    request.state.web_session = WebSession(csrf=load_session(request).csrf)
    return redirect(request, "/login")

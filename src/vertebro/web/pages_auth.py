"""Log in (rate-limited, audited; a new server-side session) and log out (the session
ends)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from vertebro.http.context import anonymous_tx, app_context, client_address
from vertebro.services.registry import NewSession, Principal, Tx, end_session, log_in, start_session
from vertebro.web.render import page, redirect
from vertebro.web.session import WebSession, anonymous_session, check_csrf, load_session

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
    """The new session; the seconds to wait when rate-limited; ``None`` when refused."""
    ctx = app_context(request)
    lifetime = ctx.settings.session_lifetime

    def session(tx: Tx, principal: Principal) -> NewSession:
        return start_session(tx, principal, lifetime=lifetime)

    result = log_in(
        ctx.registry,
        username,
        password,
        address=client_address(request),
        now=ctx.settings.now,
        limits=ctx.settings.login_limits,
        then=session,
    )
    if result.retry_after:
        return result.retry_after
    if result.value is None:
        return None
    fresh = WebSession(result.value.secret, result.value.csrf, result.value.principal)
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
        message = f"Too many login attempts. Try again in about {minutes} minute(s)."
        status = 429
    response = page(
        request,
        "login.html",
        status=status,
        error=message,
        username=username[:64],
        next_path=_safe_next(next),
    )
    if status == 429:
        response.headers["Retry-After"] = str(outcome)
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    check_csrf(request, csrf_token)
    session = load_session(request)
    if session.principal is not None:
        with anonymous_tx(request, write=True) as tx:
            tx.actor = session.actor()
            end_session(tx, session.cookie)
    anonymous_session(request)
    return redirect(request, "/login")

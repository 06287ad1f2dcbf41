"""The web session (api-v1 1.1): a server-side record in the registry; the cookie holds only
its random id (256 bits, ``HttpOnly``, ``SameSite=Lax``, ``Secure`` when
``VERTEBRO_SECURE_COOKIES=1``).

On every page the session is looked up (a read transaction) and the user's role read from
the registry; it ends at logout, a password reset, a role change or ``revoke-all``, after
30 minutes idle and 12 hours after login (:mod:`vertebro.services.registry.sessions`).
A visitor who is not logged in gets a random id too, never stored: the login form's CSRF
token is an HMAC of it with the app's secret. Logging in always starts a new session with a
new id. Pages need a user and answer 303 to ``/login`` without one.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.exc import SQLAlchemyError

from vertebro.errors import PermissionDenied
from vertebro.http.context import anonymous_tx, app_context
from vertebro.registry import Role
from vertebro.services.registry import Actor, Principal, find_session, touch_session

__all__ = [
    "COOKIE",
    "CsrfFailed",
    "LoginRequired",
    "WebSession",
    "anonymous_session",
    "check_csrf",
    "current_user",
    "load_session",
    "save_session",
]

logger = logging.getLogger(__name__)

COOKIE = "vertebro_session"
_COOKIE_VALUE = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


class LoginRequired(Exception):
    """No (or an ended) session: the page answers 303 to ``/login``."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path
        super().__init__(next_path)


class CsrfFailed(Exception):
    """A form came without the session's CSRF token."""


@dataclass(frozen=True, slots=True)
class WebSession:
    """This request's session: the cookie's value, the CSRF token and, once logged in,
    the user (with the role as stored now)."""

    cookie: str
    csrf: str
    principal: Principal | None = None

    def actor(self) -> Actor:
        if self.principal is None:
            raise LoginRequired("/")
        return Actor(self.principal.name, self.principal.role, self.principal.user_id)


def anonymous_session(request: Request, cookie: str | None = None) -> WebSession:
    """A visitor not logged in: a random id (or ``cookie``) and its HMAC as CSRF token."""
    value = cookie or secrets.token_urlsafe(32)
    key = app_context(request).settings.secret_key.encode()
    csrf = hmac.new(key, b"csrf:" + value.encode(), hashlib.sha256).hexdigest()
    session = WebSession(value, csrf)
    request.state.web_session = session
    return session


def _touch(request: Request, session_id: int) -> None:
    try:
        with anonymous_tx(request, write=True) as tx:
            touch_session(tx, session_id)
    except SQLAlchemyError as exc:  # pragma: no cover - contention: the next page retries
        logger.warning("session %d: activity not recorded (%s)", session_id, exc)


def load_session(request: Request) -> WebSession:
    """The request's session (looked up once per request; an anonymous one when there is
    no valid session)."""
    cached: WebSession | None = getattr(request.state, "web_session", None)
    if cached is not None:
        return cached
    raw = request.cookies.get(COOKIE, "")
    if not _COOKIE_VALUE.match(raw):
        return anonymous_session(request)
    settings = app_context(request).settings
    with anonymous_tx(request, write=False) as tx:
        found = find_session(tx, raw, idle=settings.session_idle)
    if found is None:
        return anonymous_session(request, raw)
    if found.needs_touch:
        _touch(request, found.id)
    session = WebSession(raw, found.csrf, found.principal)
    request.state.web_session = session
    return session


def save_session(request: Request, response: Response, session: WebSession) -> None:
    """Send the session's cookie (the random id only)."""
    settings = app_context(request).settings
    response.set_cookie(
        COOKIE,
        session.cookie,
        max_age=settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def current_user(request: Request, role: Role = Role.VIEWER) -> WebSession:
    """The logged-in session; :class:`LoginRequired` without one (→ 303 to /login),
    :class:`PermissionDenied` when the user's role (read now) is too low."""
    session = load_session(request)
    principal = session.principal
    if principal is None:
        path = request.url.path
        query = request.url.query
        raise LoginRequired(path + (f"?{query}" if query else ""))
    if not principal.role.allows(role):
        raise PermissionDenied(f"{principal.name} ({principal.role}) may not do this")
    return session


def check_csrf(request: Request, token: str | None) -> None:
    """Raise :class:`CsrfFailed` unless ``token`` is the session's CSRF token."""
    expected = load_session(request).csrf
    if not token or not hmac.compare_digest(token, expected):
        raise CsrfFailed("the form is stale or was not sent by this site; reload the page")

"""The web session: a signed cookie (itsdangerous) holding the user and a CSRF token,
re-signed on every page so it expires after ``session_idle_minutes`` without activity.

Every visitor gets a CSRF token (the login form carries one too); pages need a user and
answer 303 to ``/login`` without one.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from vertebro.api.context import app_context
from vertebro.registry import Role
from vertebro.services.registry import Actor, Principal

__all__ = [
    "COOKIE",
    "CsrfFailed",
    "LoginRequired",
    "WebSession",
    "check_csrf",
    "current_user",
    "load_session",
    "save_session",
]

COOKIE = "vertebro_session"
_SALT = "vertebro.web.session"


class LoginRequired(Exception):
    """No (or an expired) session: the page answers 303 to ``/login``."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path
        super().__init__(next_path)


class CsrfFailed(Exception):
    """A form came without the session's CSRF token."""


@dataclass(slots=True)
class WebSession:
    """What the cookie carries: the CSRF token and, once logged in, the user."""

    csrf: str
    user_id: int | None = None
    name: str | None = None
    role: str | None = None

    @property
    def principal(self) -> Principal | None:
        if self.user_id is None or self.name is None or self.role is None:
            return None
        return Principal(self.user_id, self.name, Role(self.role))

    def actor(self) -> Actor:
        principal = self.principal
        if principal is None:
            raise LoginRequired("/")
        return Actor(principal.name, principal.role, principal.user_id)

    def as_dict(self) -> dict[str, Any]:
        return {"c": self.csrf, "u": self.user_id, "n": self.name, "r": self.role}


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(app_context(request).settings.secret_key, salt=_SALT)


def load_session(request: Request) -> WebSession:
    """The request's session (a fresh anonymous one when missing, forged or idle too long)."""
    cached: WebSession | None = getattr(request.state, "web_session", None)
    if cached is not None:
        return cached
    settings = app_context(request).settings
    raw = request.cookies.get(COOKIE)
    session = WebSession(csrf=secrets.token_urlsafe(24))
    if raw:
        try:
            data = _serializer(request).loads(raw, max_age=settings.session_idle_minutes * 60)
            session = WebSession(
                csrf=str(data["c"]), user_id=data["u"], name=data["n"], role=data["r"]
            )
            if session.role is not None:
                Role(session.role)
        except (BadSignature, KeyError, TypeError, ValueError):
            session = WebSession(csrf=secrets.token_urlsafe(24))
    request.state.web_session = session
    return session


def save_session(request: Request, response: Response, session: WebSession) -> None:
    """Re-sign the cookie (this is what keeps an active session alive)."""
    settings = app_context(request).settings
    response.set_cookie(
        COOKIE,
        _serializer(request).dumps(session.as_dict()),
        max_age=settings.session_idle_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def current_user(request: Request, role: Role = Role.VIEWER) -> WebSession:
    """The logged-in session; :class:`LoginRequired` without one (→ 303 to /login)."""
    session = load_session(request)
    principal = session.principal
    if principal is None:
        path = request.url.path
        query = request.url.query
        raise LoginRequired(path + (f"?{query}" if query else ""))
    if not principal.role.allows(role):
        from vertebro.errors import PermissionDenied

        raise PermissionDenied(f"{principal.name} ({principal.role}) may not do this")
    return session


def check_csrf(request: Request, token: str | None) -> None:
    """Raise :class:`CsrfFailed` unless ``token`` is the session's CSRF token."""
    expected = load_session(request).csrf
    if not token or not hmac.compare_digest(token, expected):
        raise CsrfFailed("the form is stale or was not sent by this site; reload the page")

"""What every request shares: the registry, the settings, the login limiter; and the one
transaction a request runs in (the bearer token is checked inside it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials

from vertebro.api.ratelimit import LoginLimiter
from vertebro.api.settings import Settings
from vertebro.errors import AuthenticationFailed
from vertebro.registry import Registry, Role
from vertebro.services.registry import Actor, Principal, Tx, unit_of_work, verify_token

__all__ = ["AppContext", "actor_of", "anonymous_tx", "app_context", "bearer_tx"]

_MAX_TOKEN = 256


@dataclass(frozen=True, slots=True)
class AppContext:
    """The app's long-lived state (``app.state.vertebro``)."""

    registry: Registry
    settings: Settings
    limiter: LoginLimiter


def app_context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.vertebro
    return ctx


def actor_of(principal: Principal) -> Actor:
    return Actor(principal.name, principal.role, principal.user_id)


@contextmanager
def anonymous_tx(request: Request) -> Iterator[Tx]:
    """A transaction with no user yet (logins, token checks)."""
    ctx = app_context(request)
    with unit_of_work(ctx.registry, Actor("anonymous", Role.VIEWER), now=ctx.settings.now()) as tx:
        yield tx


def _token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationFailed("a bearer token is required (Authorization: Bearer <token>)")
    token = credentials.credentials.strip()
    if not token or len(token) > _MAX_TOKEN or not token.isascii() or not token.isprintable():
        raise AuthenticationFailed("invalid token")
    return token


@contextmanager
def bearer_tx(
    request: Request, credentials: HTTPAuthorizationCredentials | None, role: Role
) -> Iterator[Tx]:
    """The request's one transaction, acting as the token's user, who needs ``role``
    (401 without a valid token, 403 when the role is too low). Nothing is written when
    the block raises."""
    token = _token(credentials)
    with anonymous_tx(request) as tx:
        principal = verify_token(tx, token)
        tx.actor = actor_of(principal)
        tx.require(role)
        yield tx

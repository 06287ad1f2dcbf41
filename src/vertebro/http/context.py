"""What every request shares: the registry and the settings; and the transactions a
request runs in (the bearer token is checked inside each).

A request that only reads (``GET``, ``HEAD``) runs in a read transaction (no write lock
on SQLite, ``READ ONLY`` on PostgreSQL); any other in a write transaction. A request with
a body is authenticated first in a short read transaction, its body parsed outside any
transaction (:func:`authenticated_body`), and only then is the write transaction opened
(the token checked again inside it, so a revocation holds at once).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.exc import SQLAlchemyError

from vertebro.errors import AuthenticationFailed
from vertebro.http.settings import Settings
from vertebro.registry import Registry, Role
from vertebro.services.registry import (
    Actor,
    Principal,
    Tx,
    touch_token,
    unit_of_work,
    verify_token,
)

__all__ = [
    "AppContext",
    "actor_of",
    "anonymous_tx",
    "app_context",
    "authenticated_body",
    "bearer_tx",
    "client_address",
    "writes",
]

logger = logging.getLogger(__name__)

_MAX_TOKEN = 256
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class AppContext:
    """The app's long-lived state (``app.state.vertebro``)."""

    registry: Registry
    settings: Settings


def app_context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.vertebro
    return ctx


def client_address(request: Request) -> str:
    """The client's address as the server sees it (behind a proxy: the proxy's)."""
    return request.client.host if request.client else "unknown"


def writes(request: Request) -> bool:
    """Whether the request may write: anything but ``GET`` and ``HEAD``."""
    return request.method not in ("GET", "HEAD")


def actor_of(principal: Principal) -> Actor:
    return Actor(principal.name, principal.role, principal.user_id)


@contextmanager
def anonymous_tx(request: Request, *, write: bool | None = None) -> Iterator[Tx]:
    """A transaction with no user yet (``write``: default from the request's method)."""
    ctx = app_context(request)
    with unit_of_work(
        ctx.registry,
        Actor("anonymous", Role.VIEWER),
        now=ctx.settings.now(),
        write=writes(request) if write is None else write,
    ) as tx:
        yield tx


def _token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationFailed("a bearer token is required (Authorization: Bearer <token>)")
    token = credentials.credentials.strip()
    if not token or len(token) > _MAX_TOKEN or not token.isascii() or not token.isprintable():
        raise AuthenticationFailed("invalid token")
    return token


def _touch(request: Request, token_id: int) -> None:
    """Record the token's use in its own short write transaction (at most every few
    minutes per token; a busy database only delays it to the next request)."""
    try:
        with anonymous_tx(request, write=True) as tx:
            touch_token(tx, token_id)
    except SQLAlchemyError as exc:  # pragma: no cover - contention; the next request retries
        logger.warning("token %d: last use not recorded (%s)", token_id, exc)


@contextmanager
def bearer_tx(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None,
    role: Role,
    *,
    write: bool | None = None,
) -> Iterator[Tx]:
    """The request's transaction, acting as the token's user, who needs ``role`` (401
    without a valid token, 403 when the role is too low). Nothing is written when the
    block raises. ``write`` defaults from the method (see the module)."""
    token = _token(credentials)
    with anonymous_tx(request, write=write) as tx:
        principal = verify_token(tx, token)
        tx.actor = actor_of(principal)
        tx.require(role)
        yield tx
    if principal.token_to_touch is not None:
        _touch(request, principal.token_to_touch)


def authenticated_body(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None,
    role: Role,
    parse: Callable[[bytes], T],
    body: bytes,
) -> T:
    """Check the token and the role in a short read transaction (401/403 before anything
    else), then parse ``body`` outside any transaction."""
    with bearer_tx(request, credentials, role, write=False):
        pass
    return parse(body)

"""Use cases: server-side web sessions (api-v1 1.1).

The browser's cookie holds only a random id (256 bits); the registry keeps its SHA-256
digest, the user, the session's CSRF token and its times. A session ends at logout, when
the user's password is reset, role changed or everything revoked
(:func:`~vertebro.services.registry.users.end_user_sessions`), after ``idle`` without a
request (30 minutes) and at the latest ``lifetime`` after the login (12 hours). The role is
read from the user's row on every request, never kept in the session. ``last_seen_at`` is
written at most once per :data:`TOUCH_INTERVAL`, so page views stay reads.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from vertebro.registry.credentials import token_digest
from vertebro.registry.schema import User, WebSessionRow
from vertebro.registry.views import Principal
from vertebro.services.registry.context import Tx

__all__ = [
    "IDLE_TIMEOUT",
    "LIFETIME",
    "TOUCH_INTERVAL",
    "NewSession",
    "OpenSession",
    "end_session",
    "find_session",
    "start_session",
    "touch_session",
]

IDLE_TIMEOUT = timedelta(minutes=30)
LIFETIME = timedelta(hours=12)
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session just started: ``secret`` goes into the cookie and is never stored."""

    secret: str
    csrf: str
    principal: Principal


@dataclass(frozen=True, slots=True)
class OpenSession:
    """A valid session: its row id, the user (role as stored now), the CSRF token, and
    whether its last activity is due to be recorded."""

    id: int
    principal: Principal
    csrf: str
    needs_touch: bool


def start_session(tx: Tx, principal: Principal, *, lifetime: timedelta = LIFETIME) -> NewSession:
    """A new session for the user who just logged in."""
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    tx.session.add(
        WebSessionRow(
            token_hash=token_digest(secret),
            user_id=principal.user_id,
            csrf=csrf,
            created_at=tx.now,
            last_seen_at=tx.now,
            expires_at=tx.now + lifetime,
        )
    )
    tx.session.flush()
    return NewSession(secret, csrf, principal)


def find_session(tx: Tx, secret: str, *, idle: timedelta = IDLE_TIMEOUT) -> OpenSession | None:
    """The open session the cookie's ``secret`` names, or ``None`` (unknown, ended, idle too
    long, past its lifetime, or its user inactive). Reads only."""
    found = tx.session.execute(
        select(WebSessionRow, User)
        .join(User, User.id == WebSessionRow.user_id)
        .where(WebSessionRow.token_hash == token_digest(secret))
    ).one_or_none()
    if found is None:
        return None
    row, user = found
    if (
        row.ended_at is not None
        or row.expires_at <= tx.now
        or tx.now - row.last_seen_at >= idle
        or not user.active
    ):
        return None
    return OpenSession(
        row.id,
        Principal(user.id, user.name, user.role),
        row.csrf,
        tx.now - row.last_seen_at >= TOUCH_INTERVAL,
    )


def touch_session(tx: Tx, session_id: int) -> None:
    """Record activity on the session (keeps it from going idle)."""
    row = tx.session.get(WebSessionRow, session_id)
    if row is not None and row.ended_at is None:
        row.last_seen_at = tx.now


def end_session(tx: Tx, secret: str) -> None:
    """End the session the cookie names (logout); audited."""
    row = tx.session.scalars(
        select(WebSessionRow).where(WebSessionRow.token_hash == token_digest(secret))
    ).one_or_none()
    if row is not None and row.ended_at is None:
        row.ended_at = tx.now
        tx.audit("logout", "user", tx.actor.name, after={"session": row.id})

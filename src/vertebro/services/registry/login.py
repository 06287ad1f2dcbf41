"""Use case: log in with a user name and password, rate-limited atomically (api-v1 1.1).

An attempt is counted *before* the password is checked, in a short write transaction that
also reads the user's hash: at most ``per_user`` attempts per user name and ``per_address``
per client address within ``window`` (5 and 20 in 15 minutes) go on; the others are refused
with the seconds to wait, and audited (``login.refused``). The counter is a table of the
registry, so it holds across server processes: on SQLite the write transaction
(``BEGIN IMMEDIATE``) serialises the count, on PostgreSQL a transaction-level advisory lock
per key does. The argon2 check runs outside any transaction; a second short transaction
audits the result (``login`` / ``login.failed``), forgets the user's counted attempts on
success, re-hashes an old hash, and runs ``then`` (issue a token, start a session).
Refused attempts are not counted, so they do not push the wait further out.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

from sqlalchemy import delete, func, select, text

from vertebro.registry.credentials import hash_password, needs_rehash, verify_password
from vertebro.registry.schema import LoginAttemptRow, Role, User
from vertebro.registry.store import Registry
from vertebro.registry.views import Principal
from vertebro.services.registry.context import Actor, Tx, unit_of_work

__all__ = ["LoginLimits", "LoginResult", "log_in"]

T = TypeVar("T")

_DUMMY_HASH = hash_password("not a real password, only to spend the same time")
_ANONYMOUS = Actor("anonymous", Role.VIEWER)


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """How many attempts reach the password check within ``window``."""

    per_user: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class LoginResult(Generic[T]):
    """``principal`` when the password was right (and ``value``, what ``then`` returned);
    ``retry_after`` > 0 (seconds) when the attempt was refused by the rate limit."""

    principal: Principal | None = None
    value: T | None = None
    retry_after: int = 0
    checked: bool = field(default=False)


@dataclass(frozen=True, slots=True)
class _Ticket:
    name: str
    user: Principal | None
    password_hash: str


def _keys(name: str, address: str, limits: LoginLimits) -> list[tuple[str, int]]:
    return [(f"user:{name}"[:200], limits.per_user), (f"addr:{address}"[:200], limits.per_address)]


def _reserve(tx: Tx, name: str, address: str, limits: LoginLimits) -> tuple[_Ticket | None, int]:
    """Count the attempt if every key is under its limit; else the seconds to wait."""
    keys = _keys(name, address, limits)
    if tx.session.get_bind().dialect.name == "postgresql":
        for key, _ in sorted(keys):
            tx.session.execute(
                text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(key.encode())}
            )
    since = tx.now - limits.window
    tx.session.execute(delete(LoginAttemptRow).where(LoginAttemptRow.at <= since))
    wait = 0.0
    for key, limit in keys:
        count, oldest = tx.session.execute(
            select(func.count(), func.min(LoginAttemptRow.at)).where(
                LoginAttemptRow.key == key, LoginAttemptRow.at > since
            )
        ).one()
        if count >= limit and oldest is not None:
            wait = max(wait, (oldest + limits.window - tx.now).total_seconds())
    if wait > 0:
        return None, max(1, math.ceil(wait))
    tx.session.add_all(LoginAttemptRow(key=key, at=tx.now) for key, _ in keys)
    user = tx.session.scalars(select(User).where(User.name == name)).one_or_none()
    if user is None or not user.active:
        return _Ticket(name, None, _DUMMY_HASH), 0
    return _Ticket(name, Principal(user.id, user.name, user.role), user.password_hash), 0


def log_in(
    registry: Registry,
    name: str,
    password: str,
    *,
    address: str = "local",
    now: Callable[[], datetime] | None = None,
    limits: LoginLimits | None = None,
    then: Callable[[Tx, Principal], T] | None = None,
) -> LoginResult[T]:
    """Check a user's password under the rate limit (see the module); every attempt is
    audited: ``login.refused`` (rate limit), ``login.failed`` or ``login``."""
    limits = limits or LoginLimits()
    clock = now or (lambda: datetime.now(UTC))
    name = name[:64]
    detail = {"address": address[:64]}
    with unit_of_work(registry, _ANONYMOUS, now=clock()) as tx:
        ticket, wait = _reserve(tx, name, address, limits)
        if ticket is None:
            tx.audit("login.refused", "user", name, after={**detail, "retry_after": wait})
    if ticket is None:
        return LoginResult(retry_after=wait)
    ok = verify_password(ticket.password_hash, password) and ticket.user is not None
    principal = ticket.user if ok else None
    rehash = hash_password(password) if ok and needs_rehash(ticket.password_hash) else None
    with unit_of_work(registry, _ANONYMOUS, now=clock()) as tx:
        if principal is None:
            tx.audit("login.failed", "user", name, after=detail)
            return LoginResult(checked=True)
        tx.actor = Actor(principal.name, principal.role, principal.user_id)
        tx.audit("login", "user", name, after=detail)
        tx.session.execute(
            delete(LoginAttemptRow).where(LoginAttemptRow.key == _keys(name, address, limits)[0][0])
        )
        if rehash is not None:
            user = tx.session.get_one(User, principal.user_id)
            user.password_hash = rehash
        value = None if then is None else then(tx, principal)
    return LoginResult(principal, value, checked=True)

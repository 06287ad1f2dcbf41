"""Use cases: users, passwords (argon2), bearer tokens (SHA-256 digests) and logins."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from vertebro.errors import AuthenticationFailed, Conflict, InvalidDocument, NotFound
from vertebro.registry.credentials import (
    hash_password,
    needs_rehash,
    new_token,
    token_digest,
    verify_password,
)
from vertebro.registry.schema import ApiToken, Role, User
from vertebro.services.registry.context import Tx
from vertebro.services.registry.views import Principal, TokenView, UserView

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "add_user",
    "issue_token",
    "list_users",
    "log_in",
    "reset_password",
    "revoke_token",
    "verify_token",
]

MIN_PASSWORD_LENGTH = 8
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_DUMMY_HASH = hash_password("not a real password, only to spend the same time")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidDocument.single(
            "password", f"must be at least {MIN_PASSWORD_LENGTH} characters"
        )
    if len(password) > 1024 or "\x00" in password:
        raise InvalidDocument.single("password", "must be at most 1024 characters, without NUL")


def _user(tx: Tx, name: str) -> User:
    user = tx.session.scalars(select(User).where(User.name == name)).one_or_none()
    if user is None:
        raise NotFound(f"no user {name!r}")
    return user


def _view(user: User) -> UserView:
    return UserView(user.name, user.role, user.active, user.created_at)


def add_user(tx: Tx, name: str, role: Role | str, password: str) -> UserView:
    """Create a user with ``role``; :class:`Conflict` when the name is taken."""
    tx.require(Role.ADMIN)
    if not _NAME.match(name):
        raise InvalidDocument.single("name", "must be 1–64 characters of A-Za-z0-9._-")
    try:
        role = Role(role)
    except ValueError:
        words = ", ".join(r.value for r in Role)
        raise InvalidDocument.single("role", f"{role!r} is not one of {words}") from None
    _check_password(password)
    if tx.session.scalar(select(User.id).where(User.name == name)) is not None:
        raise Conflict(f"user {name!r} already exists")
    user = User(
        name=name,
        role=role,
        password_hash=hash_password(password),
        active=True,
        created_at=tx.now,
        password_changed_at=tx.now,
    )
    tx.session.add(user)
    tx.flush(f"user {name!r} already exists")
    tx.audit("user.create", "user", name, after={"name": name, "role": str(role)})
    return _view(user)


def reset_password(tx: Tx, name: str, password: str) -> UserView:
    """Set a new password; the user's tokens stay valid (revoke them separately)."""
    tx.require(Role.ADMIN)
    _check_password(password)
    user = _user(tx, name)
    user.password_hash = hash_password(password)
    user.password_changed_at = tx.now
    tx.audit("user.reset_password", "user", name)
    return _view(user)


def list_users(tx: Tx) -> list[UserView]:
    tx.require(Role.ADMIN)
    return [_view(u) for u in tx.session.scalars(select(User).order_by(User.name))]


def issue_token(tx: Tx, name: str, days: int, *, label: str | None = None) -> TokenView:
    """A new bearer token for the user, valid ``days`` days (1–3650); shown only now."""
    if tx.actor.name != name:
        tx.require(Role.ADMIN)
    if not 1 <= days <= 3650:
        raise InvalidDocument.single("days", f"must be 1–3650, got {days}")
    user = _user(tx, name)
    token = new_token()
    expires = tx.now + timedelta(days=days)
    tx.session.add(
        ApiToken(
            user_id=user.id,
            token_hash=token_digest(token),
            label=label,
            created_at=tx.now,
            expires_at=expires,
        )
    )
    tx.session.flush()
    tx.audit(
        "token.create", "user", name, after={"expires_at": expires.isoformat(), "label": label}
    )
    return TokenView(token, name, expires)


def revoke_token(tx: Tx, token: str) -> None:
    """Revoke a token (its owner or an admin); :class:`NotFound` when unknown."""
    row = tx.session.scalars(
        select(ApiToken).where(ApiToken.token_hash == token_digest(token))
    ).one_or_none()
    if row is None:
        raise NotFound("no such token")
    if row.user_id != tx.actor.user_id:
        tx.require(Role.ADMIN)
    if row.revoked_at is None:
        row.revoked_at = tx.now
        tx.audit("token.revoke", "user", row.user.name, after={"token_id": row.id})


def verify_token(tx: Tx, token: str) -> Principal:
    """The user a bearer token stands for; :class:`AuthenticationFailed` when it is
    unknown, expired or revoked, or its user is inactive. One indexed lookup, no writes."""
    found = tx.session.execute(
        select(ApiToken, User)
        .join(User, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_digest(token))
    ).one_or_none()
    if found is None:
        raise AuthenticationFailed("invalid token")
    row, user = found
    if row.revoked_at is not None:
        raise AuthenticationFailed("token revoked")
    if row.expires_at <= tx.now:
        raise AuthenticationFailed("token expired")
    if not user.active:
        raise AuthenticationFailed("user inactive")
    return Principal(user.id, user.name, user.role)


def log_in(tx: Tx, name: str, password: str) -> Principal | None:
    """Check a user's password; the attempt is audited either way (so the caller commits
    and then answers 401 on ``None``, rather than raising and losing the audit row)."""
    user = tx.session.scalars(select(User).where(User.name == name)).one_or_none()
    if user is None:
        verify_password(_DUMMY_HASH, password)  # the same time for unknown names
        ok = False
    else:
        ok = user.active and verify_password(user.password_hash, password)
    tx.audit("login" if ok else "login.failed", "user", name[:100])
    if not ok or user is None:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return Principal(user.id, user.name, user.role)

"""Use cases: users, passwords (argon2, strength checked with zxcvbn), bearer tokens
(SHA-256 digests; listed, revoked) and ending a user's sessions (api-v1 1.1).

A password reset, a role change and :func:`revoke_all` end every web session of the user
at once; a reset and :func:`revoke_all` also revoke every token. Logging in (rate-limited,
the password checked outside any transaction) is :mod:`.login`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from vertebro.errors import Conflict, InvalidDocument, NotFound
from vertebro.registry.credentials import hash_password, new_token, token_digest
from vertebro.registry.schema import ApiToken, Role, User, WebSessionRow
from vertebro.registry.views import Principal, StoredToken, TokenView, UserView
from vertebro.services.registry.context import Tx

__all__ = [
    "DEFAULT_TOKEN_DAYS",
    "MAX_PASSWORD_LENGTH",
    "MAX_TOKEN_DAYS",
    "MIN_PASSWORD_LENGTH",
    "MIN_PASSWORD_SCORE",
    "TOKEN_TOUCH_INTERVAL",
    "HashedPassword",
    "add_user",
    "end_user_sessions",
    "get_user",
    "hashed_password",
    "issue_token",
    "list_tokens",
    "list_users",
    "password_problem",
    "reset_password",
    "revoke_all",
    "revoke_token",
    "revoke_token_id",
    "set_role",
    "touch_token",
    "verify_token",
]

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
MIN_PASSWORD_SCORE = 3
MAX_TOKEN_DAYS = 365
DEFAULT_TOKEN_DAYS = 90
#: A token's ``last_used_at`` is written at most this often (reads stay reads).
TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)
#: zxcvbn looks at this many characters at most (its cost grows quickly with length).
_ESTIMATED_CHARACTERS = 100
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def password_problem(password: str, *, user: str | None = None) -> str | None:
    """Why ``password`` is refused, or ``None``: fewer than 12 characters, more than 1024
    or a NUL; one of zxcvbn's common passwords; or a zxcvbn score below 3 of 4 (the user
    name and "vertebro" count as known words)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"must be at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH or "\x00" in password:
        return f"must be at most {MAX_PASSWORD_LENGTH} characters, without NUL"
    from zxcvbn import zxcvbn

    sample = password[:_ESTIMATED_CHARACTERS]
    result = zxcvbn(sample, user_inputs=[w for w in (user, "vertebro") if w])
    common = any(
        match.get("dictionary_name") == "passwords" and len(match["token"]) == len(sample)
        for match in result["sequence"]
    )
    if common:
        return "is one of the most common passwords; choose another"
    score = int(result["score"])
    if score < MIN_PASSWORD_SCORE:
        advice = result["feedback"].get("warning") or " ".join(
            result["feedback"].get("suggestions", [])
        )
        why = f"is too easy to guess (strength {score} of 4, at least {MIN_PASSWORD_SCORE} needed)"
        return f"{why}: {advice}" if advice else why
    return None


@dataclass(frozen=True, slots=True)
class HashedPassword:
    """A password that passed :func:`password_problem`, hashed (argon2id) — made before a
    transaction opens, so the slow hash never holds the registry's write lock."""

    hash: str


def hashed_password(password: str, *, user: str | None = None) -> HashedPassword:
    """Check and hash ``password``; :class:`InvalidDocument` at ``password`` with the
    reason when it is refused."""
    problem = password_problem(password, user=user)
    if problem is not None:
        raise InvalidDocument.single("password", problem)
    return HashedPassword(hash_password(password))


def _hashed(password: str | HashedPassword, user: str) -> str:
    if isinstance(password, HashedPassword):
        return password.hash
    return hashed_password(password, user=user).hash


def _user(tx: Tx, name: str) -> User:
    user = tx.session.scalars(select(User).where(User.name == name)).one_or_none()
    if user is None:
        raise NotFound(f"no user {name!r}")
    return user


def _view(user: User) -> UserView:
    return UserView(user.name, user.role, user.active, user.created_at)


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        words = ", ".join(r.value for r in Role)
        raise InvalidDocument.single("role", f"{role!r} is not one of {words}") from None


def add_user(tx: Tx, name: str, role: Role | str, password: str | HashedPassword) -> UserView:
    """Create a user with ``role``; :class:`Conflict` when the name is taken."""
    tx.require(Role.ADMIN)
    if not _NAME.match(name):
        raise InvalidDocument.single("name", "must be 1–64 characters of A-Za-z0-9._-")
    role = _role(role)
    password_hash = _hashed(password, name)
    if tx.session.scalar(select(User.id).where(User.name == name)) is not None:
        raise Conflict(f"user {name!r} already exists")
    user = User(
        name=name,
        role=role,
        password_hash=password_hash,
        active=True,
        created_at=tx.now,
        password_changed_at=tx.now,
    )
    tx.session.add(user)
    tx.flush(f"user {name!r} already exists")
    tx.audit("user.create", "user", name, after={"name": name, "role": str(role)})
    return _view(user)


def _stamp_open(tx: Tx, column: Any, user_id: int) -> int:
    """Set ``column`` (``ended_at``, ``revoked_at``) to now on the user's rows where it is
    still null; how many there were."""
    done = tx.session.execute(
        update(column.class_)
        .where(column.class_.user_id == user_id, column.is_(None))
        .values({column.key: tx.now})
        .execution_options(synchronize_session=False)
    )
    return int(getattr(done, "rowcount", 0) or 0)


def end_user_sessions(tx: Tx, user_id: int) -> int:
    """End every open web session of the user now; how many were open."""
    return _stamp_open(tx, WebSessionRow.ended_at, user_id)


def _revoke_tokens(tx: Tx, user_id: int) -> int:
    return _stamp_open(tx, ApiToken.revoked_at, user_id)


def reset_password(tx: Tx, name: str, password: str | HashedPassword) -> UserView:
    """Set a new password; every session of the user ends and every token is revoked."""
    tx.require(Role.ADMIN)
    user = _user(tx, name)
    user.password_hash = _hashed(password, name)
    user.password_changed_at = tx.now
    sessions = end_user_sessions(tx, user.id)
    tokens = _revoke_tokens(tx, user.id)
    tx.audit(
        "user.reset_password",
        "user",
        name,
        after={"sessions_ended": sessions, "tokens_revoked": tokens},
    )
    return _view(user)


def set_role(tx: Tx, name: str, role: Role | str) -> UserView:
    """Give the user another role; every web session of the user ends (tokens carry no
    role: the next request reads the new one)."""
    tx.require(Role.ADMIN)
    role = _role(role)
    user = _user(tx, name)
    before = str(user.role)
    user.role = role
    sessions = end_user_sessions(tx, user.id)
    tx.audit(
        "user.role",
        "user",
        name,
        before={"role": before},
        after={"role": str(role), "sessions_ended": sessions},
    )
    return _view(user)


def revoke_all(tx: Tx, name: str) -> tuple[int, int]:
    """End every session and revoke every token of the user at once (admin, or the user
    themself); ``(sessions ended, tokens revoked)``."""
    if tx.actor.name != name:
        tx.require(Role.ADMIN)
    user = _user(tx, name)
    counts = end_user_sessions(tx, user.id), _revoke_tokens(tx, user.id)
    tx.audit(
        "user.revoke_all",
        "user",
        name,
        after={"sessions_ended": counts[0], "tokens_revoked": counts[1]},
    )
    return counts


def get_user(tx: Tx, name: str) -> UserView:
    """One user (admin); :class:`NotFound` when unknown."""
    tx.require(Role.ADMIN)
    return _view(_user(tx, name))


def list_users(tx: Tx) -> list[UserView]:
    tx.require(Role.ADMIN)
    return [_view(u) for u in tx.session.scalars(select(User).order_by(User.name))]


def issue_token(
    tx: Tx, name: str, days: int = DEFAULT_TOKEN_DAYS, *, label: str | None = None
) -> TokenView:
    """A new bearer token for the user, valid ``days`` days (1–365); shown only now."""
    if tx.actor.name != name:
        tx.require(Role.ADMIN)
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise InvalidDocument.single("days", f"must be 1–{MAX_TOKEN_DAYS}, got {days}")
    user = _user(tx, name)
    token = new_token()
    expires = tx.now + timedelta(days=days)
    row = ApiToken(
        user_id=user.id,
        token_hash=token_digest(token),
        label=label,
        created_at=tx.now,
        expires_at=expires,
    )
    tx.session.add(row)
    tx.session.flush()
    tx.audit(
        "token.create",
        "user",
        name,
        after={"token_id": row.id, "expires_at": expires.isoformat(), "label": label},
    )
    return TokenView(token, name, expires, row.id)


def list_tokens(tx: Tx, name: str | None = None) -> list[StoredToken]:
    """Tokens, newest first, never their secret: the actor's own (an admin's: everyone's,
    or ``name``'s)."""
    query = select(ApiToken, User.name).join(User, User.id == ApiToken.user_id)
    admin = tx.actor.role.allows(Role.ADMIN)
    if name is not None and name != tx.actor.name:
        tx.require(Role.ADMIN)
    if name is not None:
        query = query.where(User.name == name)
    elif not admin:
        query = query.where(User.name == tx.actor.name)
    rows = tx.session.execute(query.order_by(ApiToken.id.desc()))
    return [
        StoredToken(t.id, owner, t.label, t.created_at, t.expires_at, t.last_used_at, t.revoked_at)
        for t, owner in rows
    ]


def _revoke(tx: Tx, row: ApiToken) -> None:
    if row.revoked_at is None:
        row.revoked_at = tx.now
        tx.audit("token.revoke", "user", row.user.name, after={"token_id": row.id})


def revoke_token_id(tx: Tx, token_id: int) -> None:
    """Revoke the token ``token_id`` (its owner or an admin; :class:`NotFound` for an unknown
    id or, to anyone else, another user's token). Revoking twice changes nothing."""
    row = tx.session.get(ApiToken, token_id)
    if row is None or (row.user_id != tx.actor.user_id and not tx.actor.role.allows(Role.ADMIN)):
        raise NotFound(f"no token {token_id}")
    _revoke(tx, row)


def revoke_token(tx: Tx, token: str) -> None:
    """Revoke a token by its secret (its owner or an admin); :class:`NotFound` when unknown."""
    row = tx.session.scalars(
        select(ApiToken).where(ApiToken.token_hash == token_digest(token))
    ).one_or_none()
    if row is None:
        raise NotFound("no such token")
    if row.user_id != tx.actor.user_id:
        tx.require(Role.ADMIN)
    _revoke(tx, row)


def verify_token(tx: Tx, token: str) -> Principal:
    """The user a bearer token stands for, with the user's current role;
    :class:`AuthenticationFailed` when it is unknown, expired or revoked, or its user is
    inactive. One indexed lookup, no writes."""
    from vertebro.errors import AuthenticationFailed

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
    stale = row.last_used_at is None or tx.now - row.last_used_at >= TOKEN_TOUCH_INTERVAL
    return Principal(user.id, user.name, user.role, token_to_touch=row.id if stale else None)


def touch_token(tx: Tx, token_id: int, now: datetime | None = None) -> None:
    """Record that the token was used (``last_used_at``; a write, so done at most every
    :data:`TOKEN_TOUCH_INTERVAL`, in its own short transaction)."""
    row = tx.session.get(ApiToken, token_id)
    if row is not None:
        row.last_used_at = now or tx.now

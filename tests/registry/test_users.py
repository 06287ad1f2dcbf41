"""Users, passwords and bearer tokens: good, bad, expired and revoked (api-v1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.registry.conftest import NOW
from vertebro.errors import AuthenticationFailed, Conflict, InvalidDocument, PermissionDenied
from vertebro.registry import Registry, Role
from vertebro.registry.credentials import token_digest
from vertebro.registry.schema import ApiToken, AuditRow, User
from vertebro.services import registry as svc
from vertebro.services.registry import Actor, unit_of_work

ADMIN = Actor("root", Role.ADMIN)


def test_users_tokens_and_logins(registry: Registry) -> None:
    with unit_of_work(registry, ADMIN, now=NOW) as tx:
        svc.add_user(tx, "alice", "clinician", "correct horse")
        issued = svc.issue_token(tx, "alice", 7)
    assert issued.token.startswith("vt_") and issued.expires_at == NOW + timedelta(days=7)
    with registry.transaction() as session:
        user = session.scalars(select(User)).one()
        stored = session.scalars(select(ApiToken)).one()
        assert user.password_hash.startswith("$argon2")
        assert stored.token_hash == token_digest(issued.token) != issued.token
    with unit_of_work(registry, ADMIN, now=NOW + timedelta(days=1)) as tx:
        principal = svc.verify_token(tx, issued.token)
        assert (principal.name, principal.role) == ("alice", Role.CLINICIAN)
        for bad in ["", "vt_nope", issued.token + "x"]:
            with pytest.raises(AuthenticationFailed):
                svc.verify_token(tx, bad)
    with (
        unit_of_work(registry, ADMIN, now=NOW + timedelta(days=7)) as tx,
        pytest.raises(AuthenticationFailed, match="expired"),
    ):
        svc.verify_token(tx, issued.token)
    with unit_of_work(registry, ADMIN, now=NOW) as tx:
        svc.revoke_token(tx, issued.token)
    with unit_of_work(registry, ADMIN, now=NOW) as tx:
        with pytest.raises(AuthenticationFailed, match="revoked"):
            svc.verify_token(tx, issued.token)
        assert svc.log_in(tx, "alice", "correct horse") is not None
        assert svc.log_in(tx, "alice", "wrong horse!") is None
        assert svc.log_in(tx, "nobody", "correct horse") is None
    with unit_of_work(registry, ADMIN, now=NOW) as tx:
        svc.reset_password(tx, "alice", "battery staple")
        assert svc.log_in(tx, "alice", "correct horse") is None
        assert svc.log_in(tx, "alice", "battery staple") is not None
    with registry.transaction() as session:
        actions = list(session.scalars(select(AuditRow.action).order_by(AuditRow.id)))
    assert actions == [
        "user.create",
        "token.create",
        "token.revoke",
        "login",
        "login.failed",
        "login.failed",
        "user.reset_password",
        "login.failed",
        "login",
    ]


def test_user_rules(registry: Registry) -> None:
    with unit_of_work(registry, ADMIN) as tx:
        svc.add_user(tx, "bob", Role.VIEWER, "long enough")
    with pytest.raises(Conflict), unit_of_work(registry, ADMIN) as tx:
        svc.add_user(tx, "bob", Role.VIEWER, "long enough")
    with pytest.raises(InvalidDocument, match="role"), unit_of_work(registry, ADMIN) as tx:
        svc.add_user(tx, "eve", "root", "long enough")
    with pytest.raises(InvalidDocument, match="password"), unit_of_work(registry, ADMIN) as tx:
        svc.add_user(tx, "eve", "viewer", "short")
    with (
        pytest.raises(PermissionDenied),
        unit_of_work(registry, Actor("bob", Role.CLINICIAN)) as tx,
    ):
        svc.add_user(tx, "eve", "viewer", "long enough")
    with pytest.raises(InvalidDocument, match="days"), unit_of_work(registry, ADMIN) as tx:
        svc.issue_token(tx, "bob", 0)

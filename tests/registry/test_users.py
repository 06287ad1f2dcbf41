"""Users, passwords, bearer tokens and web sessions: good, bad, expired and revoked
(api-v1, and 1.1: token listing and revocation, bounded lifetime, password strength,
sessions ended by a reset, a role change and revoke-all)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.registry.conftest import NOW
from vertebro.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidDocument,
    NotFound,
    PermissionDenied,
)
from vertebro.registry import Registry, Role
from vertebro.registry.credentials import token_digest
from vertebro.registry.schema import ApiToken, AuditRow, User
from vertebro.services import registry as svc
from vertebro.services.registry import Actor, unit_of_work

ADMIN = Actor("root", Role.ADMIN)
PASSWORD = "correct horse battery"
NEW_PASSWORD = "staple battery horse"


def _checks(registry: Registry, name: str, password: str) -> bool:
    return svc.log_in(registry, name, password, now=lambda: NOW).principal is not None


def test_users_tokens_and_logins(registry: Registry) -> None:
    with unit_of_work(registry, ADMIN, now=NOW) as tx:
        svc.add_user(tx, "alice", "clinician", PASSWORD)
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
    with (
        unit_of_work(registry, ADMIN, now=NOW) as tx,
        pytest.raises(AuthenticationFailed, match="revoked"),
    ):
        svc.verify_token(tx, issued.token)
    assert _checks(registry, "alice", PASSWORD)
    assert not _checks(registry, "alice", "wrong horse!")
    assert not _checks(registry, "nobody", PASSWORD)
    with unit_of_work(registry, ADMIN, now=NOW) as tx:
        svc.reset_password(tx, "alice", NEW_PASSWORD)
    assert not _checks(registry, "alice", PASSWORD)
    assert _checks(registry, "alice", NEW_PASSWORD)
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
        svc.add_user(tx, "bob", Role.VIEWER, PASSWORD)
    with pytest.raises(Conflict), unit_of_work(registry, ADMIN) as tx:
        svc.add_user(tx, "bob", Role.VIEWER, PASSWORD)
    with pytest.raises(InvalidDocument, match="role"), unit_of_work(registry, ADMIN) as tx:
        svc.add_user(tx, "eve", "root", PASSWORD)
    with (
        pytest.raises(PermissionDenied),
        unit_of_work(registry, Actor("bob", Role.CLINICIAN)) as tx,
    ):
        svc.add_user(tx, "eve", "viewer", PASSWORD)
    for days in (0, 366, 3650):
        with pytest.raises(InvalidDocument, match="days"), unit_of_work(registry, ADMIN) as tx:
            svc.issue_token(tx, "bob", days)
    with unit_of_work(registry, ADMIN, now=NOW) as tx:
        assert svc.issue_token(tx, "bob", 365).expires_at == NOW + timedelta(days=365)
        assert svc.issue_token(tx, "bob").expires_at == NOW + timedelta(days=90)


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("aaaaaaaa", "must be at least 12 characters"),
        (" " * 8, "must be at least 12 characters"),
        ("aaaaaaaaaaaa", "too easy to guess (strength 0 of 4, at least 3 needed)"),
        (" " * 12, "too easy to guess"),
        ("password1234", "one of the most common passwords"),
        ("qwertyuiop12", "too easy to guess"),
        ("eve-eve-eve-", "too easy to guess"),
        ("x" * 1025, "at most 1024 characters"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(
    registry: Registry, password: str, why: str
) -> None:
    with pytest.raises(InvalidDocument) as caught, unit_of_work(registry, ADMIN) as tx:
        svc.add_user(tx, "eve", "viewer", password)
    assert caught.value.lines[0].startswith("password: ")
    assert why in caught.value.lines[0]


def test_strong_passwords_pass() -> None:
    from vertebro.services.registry.users import password_problem

    for password in (PASSWORD, NEW_PASSWORD, "ut1uymxSGHAG_Gg7", "Tr0ub4dor&3-vertebral"):
        assert password_problem(password) is None, password


def test_tokens_are_listed_without_secrets_and_revoked_by_id(registry: Registry) -> None:
    with unit_of_work(registry, ADMIN, now=NOW) as tx:
        svc.add_user(tx, "alice", "clinician", PASSWORD)
        svc.add_user(tx, "bob", "viewer", PASSWORD)
        alice = svc.issue_token(tx, "alice", 30, label="laptop")
        bob = svc.issue_token(tx, "bob", 30)
    ids = {"alice": 0, "bob": 0}
    with registry.transaction() as session:
        for row in session.scalars(select(User)):
            ids[row.name] = row.id
    as_alice = Actor("alice", Role.CLINICIAN, ids["alice"])
    with unit_of_work(registry, as_alice, now=NOW) as tx:
        mine = svc.list_tokens(tx)
        assert [(t.id, t.user, t.label) for t in mine] == [(alice.id, "alice", "laptop")]
        assert all(alice.token not in repr(t) for t in mine)
        with pytest.raises(PermissionDenied):
            svc.list_tokens(tx, "bob")
        with pytest.raises(NotFound):
            svc.revoke_token_id(tx, bob.id)  # someone else's token: not even its existence
    with unit_of_work(registry, ADMIN, now=NOW) as tx:
        assert {t.user for t in svc.list_tokens(tx)} == {"alice", "bob"}
    with unit_of_work(registry, as_alice, now=NOW) as tx:
        svc.revoke_token_id(tx, alice.id)
    with unit_of_work(registry, ADMIN, now=NOW) as tx:
        with pytest.raises(AuthenticationFailed, match="revoked"):
            svc.verify_token(tx, alice.token)
        svc.revoke_token_id(tx, bob.id)
        with pytest.raises(AuthenticationFailed, match="revoked"):
            svc.verify_token(tx, bob.token)
        revoked = {t.user: t.revoked_at for t in svc.list_tokens(tx)}
    assert revoked == {"alice": NOW, "bob": NOW}


def _session(registry: Registry, name: str) -> str:
    result = svc.log_in(
        registry, name, PASSWORD, now=lambda: NOW, then=lambda tx, p: svc.start_session(tx, p)
    )
    assert result.value is not None
    return result.value.secret


def _open(registry: Registry, secret: str) -> bool:
    with unit_of_work(registry, ADMIN, now=NOW + timedelta(minutes=1), write=False) as tx:
        return svc.find_session(tx, secret) is not None


@pytest.mark.parametrize("how", ["reset", "role", "revoke_all"])
def test_sessions_and_tokens_end_at_once(registry: Registry, how: str) -> None:
    with unit_of_work(registry, ADMIN, now=NOW) as tx:
        svc.add_user(tx, "alice", "clinician", PASSWORD)
        token = svc.issue_token(tx, "alice", 30).token
    first, second = _session(registry, "alice"), _session(registry, "alice")
    assert first != second and len(first) >= 43 and _open(registry, first)
    with unit_of_work(registry, ADMIN, now=NOW) as tx:
        if how == "reset":
            svc.reset_password(tx, "alice", NEW_PASSWORD)
        elif how == "role":
            svc.set_role(tx, "alice", "viewer")
        else:
            assert svc.revoke_all(tx, "alice") == (2, 1)
    assert not _open(registry, first) and not _open(registry, second)
    with unit_of_work(registry, ADMIN, now=NOW) as tx:
        if how == "role":  # a token carries no role: the next request reads the new one
            assert svc.verify_token(tx, token).role is Role.VIEWER
        else:
            with pytest.raises(AuthenticationFailed, match="revoked"):
                svc.verify_token(tx, token)


def test_sessions_time_out_idle_and_absolute(registry: Registry) -> None:
    with unit_of_work(registry, ADMIN, now=NOW) as tx:
        svc.add_user(tx, "alice", "clinician", PASSWORD)
    secret = _session(registry, "alice")

    def found(minutes: float) -> bool:
        moment = NOW + timedelta(minutes=minutes)
        with unit_of_work(registry, ADMIN, now=moment) as tx:
            session = svc.find_session(tx, secret)
            if session is not None:
                svc.touch_session(tx, session.id)
            return session is not None

    assert found(29)  # activity keeps it alive …
    assert found(29 + 29)
    assert not found(29 + 29 + 30)  # … until 30 minutes pass without any
    secret = _session(registry, "alice")
    minutes = 0.0
    while minutes + 25 < 12 * 60:
        minutes += 25
        assert found(minutes)
    assert not found(12 * 60)  # 12 hours after the login, however active

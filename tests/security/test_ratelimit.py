"""Finding 3: login rate limiting holds in parallel. 40 wrong passwords for one user sent at
once (API and web login form mixed) over real HTTP to a real ``vertebro serve`` process:
at most 5 reach the password check, the others get 429 with ``Retry-After``; every attempt
is audited, the refused ones too. The check count is read from the audit log (one
``login.failed`` row per argon2 verification), on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import httpx
from sqlalchemy import func, select

from tests.api.server import PASSWORD
from tests.security.process import ServerProcess

BURST = 40
LIMIT = 5


def _audit_counts(database_url: str, user: str) -> Counter[str]:
    from vertebro.registry import Registry
    from vertebro.registry.schema import AuditRow

    registry = Registry.open(database_url)
    try:
        with registry.transaction(write=False) as session:
            rows = session.execute(
                select(AuditRow.action, func.count())
                .where(AuditRow.entity == "user", AuditRow.entity_key == user)
                .group_by(AuditRow.action)
            )
            return Counter({action: count for action, count in rows})
    finally:
        registry.close()


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def _attempt(url: str, number: int, user: str, password: str, start: Barrier) -> httpx.Response:
    """One login attempt; even numbers through the API, odd ones through the web form."""
    with httpx.Client(base_url=url, timeout=120) as client:
        if number % 2:
            token = _csrf(client.get("/login").text)
            start.wait()
            return client.post(
                "/login", data={"username": user, "password": password, "csrf_token": token}
            )
        start.wait()
        return client.post("/api/auth/token", json={"username": user, "password": password})


def test_a_parallel_burst_never_reaches_the_password_check_more_than_the_limit(
    served: ServerProcess,
) -> None:
    start = Barrier(BURST)
    with ThreadPoolExecutor(BURST) as pool:
        replies = list(
            pool.map(
                lambda n: _attempt(served.url, n, "viewer", "wrong horse battery", start),
                range(BURST),
            )
        )
    statuses = Counter(r.status_code for r in replies)
    assert set(statuses) <= {401, 429}, statuses
    assert statuses[401] <= LIMIT
    assert statuses[429] >= BURST - LIMIT
    for reply in replies:
        if reply.status_code == 429:
            assert 0 < int(reply.headers["retry-after"]) <= 15 * 60
    audit = _audit_counts(served.database_url, "viewer")
    assert audit["login.failed"] == statuses[401] <= LIMIT  # argon2 ran this often
    assert audit["login.refused"] == statuses[429]  # refused attempts are audited
    assert audit["login"] == 0
    # the right password is refused too while the window lasts; other users may log in
    with httpx.Client(base_url=served.url, timeout=60) as client:
        refused = client.post("/api/auth/token", json={"username": "viewer", "password": PASSWORD})
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        other = client.post("/api/auth/token", json={"username": "admin", "password": PASSWORD})
        assert other.status_code == 200, other.text
    assert "Traceback" not in served.stderr()


def test_one_address_reaches_the_check_at_most_20_times(served: ServerProcess) -> None:
    start = Barrier(30)
    names = [f"nobody-{n}" for n in range(30)]
    with ThreadPoolExecutor(30) as pool:
        replies = list(
            pool.map(
                lambda n: _attempt(served.url, 2 * n, names[n], "wrong horse battery", start),
                range(30),
            )
        )
    statuses = Counter(r.status_code for r in replies)
    assert statuses == {401: 20, 429: 10}, statuses
    checked = sum(_audit_counts(served.database_url, name)["login.failed"] for name in names)
    assert checked == 20

"""Finding 5: server-side sessions and revocable tokens (api-v1 1.1), over real HTTP.

The cookie holds only a random id; logout, a password reset, a role change and
``revoke-all`` end every session of the user at once; a reset revokes the user's tokens;
``GET /api/tokens`` never shows a secret; ``DELETE /api/tokens/{id}`` answers 204 and the
token 401 at once; the ``Secure`` flag follows ``VERTEBRO_SECURE_COOKIES=1``."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.server import PASSWORD, LiveServer, live_server, sqlite_url

NEW_PASSWORD = "staple battery horse"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def _browser(url: str, user: str, password: str = PASSWORD) -> httpx.Client:
    """A logged-in web client (its cookie jar holds the session)."""
    client = httpx.Client(base_url=url, timeout=30)
    token = _csrf(client.get("/login").text)
    reply = client.post(
        "/login", data={"username": user, "password": password, "csrf_token": token}
    )
    assert reply.status_code == 303, reply.text
    assert client.get("/worklist").status_code == 200
    return client


def _logged_in(client: httpx.Client) -> bool:
    reply = client.get("/worklist")
    assert reply.status_code in (200, 303)
    return reply.status_code == 200


def _cli(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vertebro.cli", "users", *args, "--database", database_url],
        input=stdin, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(sqlite_url(tmp_path)) as live:
        yield live


def test_the_cookie_is_an_opaque_random_id(server: LiveServer) -> None:
    client = _browser(server.url, "clinician")
    value = client.cookies["vertebro_session"]
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    assert len(raw) * 8 >= 128
    assert b"clinician" not in raw and "clinician" not in value
    other = _browser(server.url, "clinician")
    assert other.cookies["vertebro_session"] != value  # every login a new id
    anonymous = httpx.get(server.url + "/login").cookies["vertebro_session"]
    assert anonymous not in (value, other.cookies["vertebro_session"])


def test_logout_ends_the_session_at_once_even_for_a_copied_cookie(server: LiveServer) -> None:
    client = _browser(server.url, "viewer")
    stolen = client.cookies["vertebro_session"]
    token = _csrf(client.get("/worklist").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    replay = httpx.get(server.url + "/worklist", cookies={"vertebro_session": stolen})
    assert replay.status_code == 303 and replay.headers["location"].startswith("/login")


@pytest.mark.parametrize("how", ["reset-password", "revoke-all", "role"])
def test_every_session_and_token_of_the_user_ends(server: LiveServer, how: str) -> None:
    first, second = _browser(server.url, "coordinator"), _browser(server.url, "coordinator")
    bystander = _browser(server.url, "viewer")
    api = httpx.post(
        server.url + "/api/auth/token", json={"username": "coordinator", "password": PASSWORD}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {api}"}
    assert httpx.get(server.url + "/api/cases", headers=headers).status_code == 200
    if how == "reset-password":
        done = _cli(server.database_url, how, "coordinator", stdin=NEW_PASSWORD + "\n")
    elif how == "revoke-all":
        done = _cli(server.database_url, how, "coordinator")
    else:
        done = _cli(server.database_url, "role", "coordinator", "--role", "viewer")
    assert done.returncode == 0, done.stderr
    assert not _logged_in(first) and not _logged_in(second)
    assert _logged_in(bystander)
    reply = httpx.get(server.url + "/api/cases", headers=headers)
    if how == "role":  # the token stays, with the role read now
        assert reply.status_code == 200
        follow_up = {"schema": "vertebro.follow_up/1", "visit": "baseline", "date": "2026-01-01"}
        posted = httpx.post(server.url + "/api/cases/x/follow-ups", headers=headers, json=follow_up)
        assert posted.status_code == 403
    else:
        assert reply.status_code == 401 and reply.headers["www-authenticate"] == "Bearer"
    if how == "reset-password":
        _browser(server.url, "coordinator", NEW_PASSWORD)


def test_the_role_is_read_from_the_registry_on_every_request(server: LiveServer) -> None:
    from vertebro.registry.schema import User

    client = _browser(server.url, "clinician")
    assert client.get("/cases/new").status_code == 200
    with server.registry.transaction() as session:  # not through the service: no session end
        user = session.query(User).filter_by(name="clinician").one()
        user.role = "viewer"  # type: ignore[assignment]
    assert client.get("/cases/new").status_code == 403


def test_tokens_are_listed_and_revoked_through_the_api(server: LiveServer) -> None:
    made = httpx.post(
        server.url + "/api/auth/token",
        json={"username": "viewer", "password": PASSWORD, "days": 365},
    )
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    secret, token_id = made.json()["access_token"], made.json()["token_id"]
    too_long = httpx.post(
        server.url + "/api/auth/token",
        json={"username": "viewer", "password": PASSWORD, "days": 366},
    )
    assert too_long.status_code == 422
    mine = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {secret}"})
    listed = mine.get("/api/tokens")
    assert listed.status_code == 200
    assert {t["user"] for t in listed.json()} == {"viewer"}
    assert token_id in {t["id"] for t in listed.json()}
    assert secret not in listed.text and server.tokens["viewer"] not in listed.text
    assert set(listed.json()[0]) == {
        "id", "user", "label", "created_at", "expires_at", "last_used_at", "revoked_at",
    }  # fmt: skip
    with server.client("admin") as admin:
        everyone = admin.get("/api/tokens").json()
        assert {t["user"] for t in everyone} >= {"viewer", "coordinator", "clinician", "admin"}
        clinician_token = next(t["id"] for t in everyone if t["user"] == "clinician")
    assert mine.delete(f"/api/tokens/{clinician_token}").status_code == 404  # not the owner
    assert mine.delete(f"/api/tokens/{token_id}").status_code == 204
    after = mine.get("/api/tokens")
    assert after.status_code == 401 and after.headers["www-authenticate"] == "Bearer"
    with server.client("admin") as admin:
        assert admin.delete(f"/api/tokens/{clinician_token}").status_code == 204
    with server.client("clinician") as clinician:
        assert clinician.get("/api/cases").status_code == 401


def test_the_secure_flag_follows_the_setting(tmp_path: Path) -> None:
    from vertebro.api import Settings

    for value, secure in (("1", True), ("", False)):
        settings = Settings.from_env({"VERTEBRO_SECURE_COOKIES": value})
        folder = tmp_path / f"s{value or 0}"
        folder.mkdir()
        with live_server(sqlite_url(folder), settings) as live:
            reply = httpx.get(live.url + "/login")
            cookie = reply.headers["set-cookie"].lower()
            assert ("; secure" in cookie) is secure
            assert "httponly" in cookie and "samesite=lax" in cookie

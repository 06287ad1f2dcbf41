"""Web access without a browser: 303 to /login, CSRF on forms, login rate limit, the 30-min
idle timeout, roles on pages, public routes and the vendored assets."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.api.server import PASSWORD, LiveServer, live_server, sqlite_url


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def _login(client: httpx.Client, user: str, password: str = PASSWORD) -> httpx.Response:
    token = _csrf(client.get("/login").text)
    return client.post("/login", data={"username": user, "password": password, "csrf_token": token})


def test_pages_redirect_to_login_with_303(web_server: LiveServer) -> None:
    for path in ("/worklist", "/cases/new", "/cases/x", "/audit", "/outcomes", "/cases/x/leaflet"):
        reply = httpx.get(web_server.url + path)
        assert reply.status_code == 303, path
        assert reply.headers["location"].startswith("/login")
    root = httpx.get(web_server.url + "/")
    assert root.status_code == 200 and '<input id="password" type="password"' in root.text


def test_public_routes_and_vendored_assets(web_server: LiveServer) -> None:
    docs = httpx.get(web_server.url + "/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui-dist/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    for asset in (
        "/static/vendor/swagger-ui-dist/swagger-ui-bundle.js",
        "/static/vendor/swagger-ui-dist/swagger-ui.css",
        "/static/vendor/htmx.org/htmx.min.js",
        "/static/app.css",
    ):
        assert httpx.get(web_server.url + asset).status_code == 200, asset
    assert httpx.get(web_server.url + "/openapi.json").status_code == 200


def test_forms_need_the_csrf_token(web_server: LiveServer) -> None:
    with httpx.Client(base_url=web_server.url) as client:
        forged = client.post(
            "/login", data={"username": "viewer", "password": PASSWORD, "csrf_token": "x"}
        )
        assert forged.status_code == 400
        assert _login(client, "clinician").status_code == 303
        reply = client.post("/cases/new", data={"patient_code": "C-1", "action": "save"})
        assert reply.status_code == 400
        assert "expired" in reply.text


def test_login_is_rate_limited(tmp_path: Path) -> None:
    with live_server(sqlite_url(tmp_path)) as live, httpx.Client(base_url=live.url) as client:
        for _ in range(5):
            assert _login(client, "viewer", "wrong password").status_code == 401
        assert _login(client, "viewer", "wrong password").status_code == 429
        assert _login(client, "viewer").status_code == 429
        api = client.post("/api/auth/token", json={"username": "viewer", "password": PASSWORD})
        assert api.status_code == 429 and int(api.headers["retry-after"]) > 0
        assert _login(client, "coordinator").status_code == 303


def test_sessions_end_after_30_minutes_idle(tmp_path: Path) -> None:
    """The registry's clock is injected: activity keeps a session; 30 minutes without ends
    it (server-side: the cookie carries no time)."""
    from datetime import UTC, datetime, timedelta

    from vertebro.api import Settings

    start = datetime.now(UTC)
    offset = [timedelta(0)]
    settings = Settings(unit_phone="1", session_idle_minutes=30, now=lambda: start + offset[0])
    with live_server(sqlite_url(tmp_path), settings) as live, httpx.Client(base_url=live.url) as c:
        assert _login(c, "viewer").status_code == 303
        offset[0] = timedelta(minutes=29)
        assert c.get("/worklist").status_code == 200  # activity renews the session
        offset[0] = timedelta(minutes=29 + 29)
        assert c.get("/worklist").status_code == 200
        offset[0] = timedelta(minutes=29 + 29 + 31)
        reply = c.get("/worklist")
        assert reply.status_code == 303 and reply.headers["location"].startswith("/login")


def test_roles_on_pages(web_server: LiveServer) -> None:
    with httpx.Client(base_url=web_server.url) as client:
        assert _login(client, "viewer").status_code == 303
        assert client.get("/worklist").status_code == 200
        assert client.get("/cases/new").status_code == 403
        assert client.get("/audit").status_code == 403
    with httpx.Client(base_url=web_server.url) as client:
        assert _login(client, "admin").status_code == 303
        audit = client.get("/audit")
        assert audit.status_code == 200 and "login" in audit.text

"""What every response carries (api-v1 1.1 "Responses"): the security headers on every
answer, ``Cache-Control: no-store`` on the API, HTML error pages on the web (never a raw
JSON problem; a 500 with an incident id that the server log holds with its traceback), and
pages that work under the Content-Security-Policy in a real chromium
(``tests/web/test_content_security_policy.py``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.api.server import PASSWORD, LiveServer
from tests.security.conftest import CASE_ID

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


@pytest.fixture
def web(sqlite_target: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sqlite_target.url, timeout=30) as client:
        token = _csrf(client.get("/login").text)
        client.post(
            "/login", data={"username": "clinician", "password": PASSWORD, "csrf_token": token}
        )
        yield client


def assert_secure(reply: httpx.Response, what: str) -> None:
    headers = reply.headers
    assert headers.get("content-security-policy") == CSP, what
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'"):
        assert directive in headers["content-security-policy"], what
    assert headers.get("x-content-type-options") == "nosniff", what
    assert headers.get("referrer-policy") == "no-referrer", what
    assert headers.get("x-frame-options") == "DENY", what


def test_every_kind_of_response_carries_the_security_headers(
    sqlite_target: LiveServer, web: httpx.Client
) -> None:
    url = sqlite_target.url
    with sqlite_target.client("viewer") as api:
        answers = {
            "api json": api.get("/api/cases"),
            "api case": api.get(f"/api/cases/{CASE_ID}"),
            "api problem 404": api.get("/api/cases/nope"),
            "api problem 401": httpx.get(f"{url}/api/cases"),
            "api 405": api.delete("/api/cases"),
            "api 422": api.post("/api/assess", content=b"{"),
            "health": httpx.get(f"{url}/health"),
            "openapi": httpx.get(f"{url}/openapi.json"),
            "docs": httpx.get(f"{url}/docs"),
            "static": httpx.get(f"{url}/static/app.css"),
            "static 404": httpx.get(f"{url}/static/nope.css"),
            "login page": httpx.get(f"{url}/login"),
            "redirect": httpx.get(f"{url}/worklist"),
            "page": web.get("/worklist"),
            "page 404": web.get("/no/such/page"),
            "outcomes json": web.get("/outcomes.json"),
        }
    for what, reply in answers.items():
        assert_secure(reply, what)
    for what in ("api json", "api case", "api problem 404", "api problem 401", "api 422"):
        assert answers[what].headers["cache-control"] == "no-store", what
    assert answers["page"].headers["cache-control"] == "no-store"


def test_web_errors_are_html_pages(web: httpx.Client) -> None:
    from vertebro.api.limits import MAX_BODY_BYTES

    token = _csrf(web.get("/cases/new").text)
    answers = {
        404: web.get("/no/such/page"),
        405: web.delete("/worklist"),
        413: web.post("/cases/new", data={"csrf_token": token, "x": "a" * MAX_BODY_BYTES}),
        422: web.get("/cases/form/fracture", params={"index": "many"}),
    }
    words = {
        404: "There is no such page or record.",
        405: "This address does not take that kind of request.",
        413: "What you sent is larger than vertebro accepts.",
        422: "Some of what you sent cannot be used.",
    }
    for status, reply in answers.items():
        assert reply.status_code == status, (status, reply.text[:300])
        assert reply.headers["content-type"].startswith("text/html"), status
        assert f"Error {status}: {words[status]}" in reply.text, status
        assert '"type": "about:blank"' not in reply.text, status
    assert "index" in answers[422].text
    assert answers[405].headers["allow"] == "GET"


def _fail(*_: Any, **__: Any) -> Any:
    raise RuntimeError("the registry is on fire")


def test_an_unexpected_error_is_a_page_with_an_incident_id_in_the_log(
    sqlite_target: LiveServer,
    web: httpx.Client,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Finding 9: web 500s showed a raw JSON problem; now an HTML page whose incident id is
    in the server log with the traceback. The API keeps problem+json, with the id too."""
    import vertebro.api.routes_cases
    import vertebro.web.pages_worklist

    monkeypatch.setattr(vertebro.web.pages_worklist, "worklist_page", _fail)
    monkeypatch.setattr(vertebro.api.routes_cases, "worklist", _fail)
    with caplog.at_level(logging.ERROR), sqlite_target.client("viewer") as api:
        page = web.get("/worklist")
        problem = api.get("/api/cases")
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "Error 500: vertebro could not answer this request." in page.text
    assert "the registry is on fire" not in page.text  # no internals shown
    found = re.search(r'<strong class="incident">([0-9a-f]{12})</strong>', page.text)
    assert found is not None, page.text[-1500:]
    assert_secure(page, "500 page")

    assert problem.status_code == 500
    assert problem.headers["content-type"] == "application/problem+json"
    body = problem.json()
    assert re.fullmatch(r"[0-9a-f]{12}", body["incident"])
    assert (
        body["detail"] == f"an unexpected error (incident {body['incident']}); it has been logged"
    )
    assert_secure(problem, "500 problem")
    assert problem.headers["cache-control"] == "no-store"

    for incident, path in ((found.group(1), "/worklist"), (body["incident"], "/api/cases")):
        records = [r for r in caplog.records if f"incident {incident}" in r.getMessage()]
        assert len(records) == 1, incident
        assert path in records[0].getMessage()
        assert records[0].exc_info is not None
        assert "the registry is on fire" in str(records[0].exc_info[1])

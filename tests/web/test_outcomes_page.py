"""The Outcomes page: figures (inline SVG) and tables, the filters, the JSON and HTML
downloads, access control and the audit record; in a browser, a screenshot to look at."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import httpx
import pytest

from tests.api.server import PASSWORD, LiveServer
from tests.backends import require_module
from tests.web.conftest import log_in, shot

require_module("matplotlib")

DEMO_PATIENTS = 60


@contextmanager
def _client(server: LiveServer, user: str) -> Iterator[httpx.Client]:
    """An HTTP client logged in as ``user`` (session cookie)."""
    with httpx.Client(base_url=server.url, timeout=60) as client:
        html = client.get("/login").text
        found = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert found is not None
        reply = client.post(
            "/login", data={"username": user, "password": PASSWORD, "csrf_token": found.group(1)}
        )
        assert reply.status_code == 303
        yield client


def _audited(server: LiveServer) -> list[dict[str, Any]]:
    from vertebro.services.registry import Actor, list_audit, unit_of_work

    with unit_of_work(server.registry, Actor.cli()) as tx:
        return [
            dict(e.after or {})
            for e in list_audit(tx, entity_key="outcomes", limit=1000)
            if e.action == "export"
        ]


@pytest.fixture(scope="module")
def clinician(web_server: LiveServer) -> Iterator[httpx.Client]:
    with _client(web_server, "clinician") as client:
        yield client


def test_empty_registry_says_so(clinician: httpx.Client) -> None:
    reply = clinician.get("/outcomes")
    assert reply.status_code == 200
    assert "<h1>Outcomes</h1>" in reply.text
    assert "<svg" not in reply.text and "No pain change to show yet" in reply.text
    assert 'href="/outcomes.json"' in reply.text


def test_figures_tables_filters_and_downloads(
    web_server: LiveServer, clinician: httpx.Client
) -> None:
    from vertebro.services.registry.demo import seed_demo_registry

    seed_demo_registry(web_server.registry, patients=DEMO_PATIENTS, seed=3, as_of=date.today())
    hidden = clinician.get("/outcomes")
    assert hidden.status_code == 200 and "<svg" not in hidden.text
    assert 'href="/outcomes?include_demo=true"' in hidden.text  # the way to the demo figures

    reply = clinician.get("/outcomes", params={"include_demo": "true"})
    assert reply.status_code == 200
    page = reply.text
    assert page.count('<svg class="outcome-plot"') == 4
    for words in (
        "Pain (NRS 0–10): change from baseline by visit",
        "Free of a new vertebral fracture (Kaplan–Meier)",
        "Difference KP − VP by visit",
        "non-randomised",
        "Generated demo patients are included: these figures are not real results.",
        'name="since"',
        'name="technique"',
        'name="include_demo" value="true" checked',
    ):
        assert words in page, words
    assert 'href="/outcomes.json?include_demo=true"' in page

    only_vp = clinician.get("/outcomes", params={"include_demo": "true", "technique": "vp"})
    assert only_vp.status_code == 200 and "Vertebroplasty only" in only_vp.text
    assert '<option value="vp" selected>' in only_vp.text
    later = clinician.get("/outcomes", params={"include_demo": "true", "since": "2999-01-01"})
    assert later.status_code == 200 and "<strong>0</strong> patients" in later.text
    assert clinician.get("/outcomes", params={"technique": "surgery"}).status_code == 422
    assert clinician.get("/outcomes", params={"since": "yesterday"}).status_code == 422
    assert clinician.get("/outcomes", params={"since": "2026-02-31"}).status_code == 422
    empty_fields = clinician.get("/outcomes", params={"since": "", "technique": ""})
    assert empty_fields.status_code == 200  # what the filter form sends

    raw = clinician.get("/outcomes.json", params={"include_demo": "true", "technique": "kp"})
    assert raw.status_code == 200 and raw.headers["content-type"].startswith("application/json")
    document = raw.json()
    assert document["schema"] == "vertebro.outcomes/1"
    assert document["filters"] == {"since": None, "technique": "kyphoplasty", "include_demo": True}
    assert document["by_technique"]["vertebroplasty"]["n"] == 0
    api = web_server.client("viewer").get("/api/outcomes", params={"include_demo": "true"})
    full = clinician.get("/outcomes.json", params={"include_demo": "true"}).json()
    assert json.dumps(api.json(), sort_keys=True) == json.dumps(full, sort_keys=True)

    standalone = clinician.get("/outcomes.html", params={"include_demo": "true"})
    assert standalone.status_code == 200
    assert "attachment" in standalone.headers["content-disposition"]
    assert standalone.text.startswith("<!doctype html>")
    assert standalone.text.count('<svg class="outcome-plot"') == 4
    assert "/static/" not in standalone.text

    exports = _audited(web_server)
    assert {"include_demo": True, "since": None, "technique": "kyphoplasty", "via": "web json"} in (
        exports
    )
    assert any(e.get("via") == "web" and e["technique"] == "vertebroplasty" for e in exports)
    assert any(e.get("via") == "web html" for e in exports)


def test_access(web_server: LiveServer) -> None:
    for path in ("/outcomes", "/outcomes.json", "/outcomes.html"):
        reply = httpx.get(web_server.url + path)
        assert reply.status_code == 303 and reply.headers["location"].startswith("/login"), path
    with _client(web_server, "viewer") as viewer:
        assert viewer.get("/outcomes").status_code == 200


def test_outcomes_page_in_a_browser(page: Any, web_server: LiveServer) -> None:
    from vertebro.services.registry import Actor, unit_of_work
    from vertebro.services.registry.demo import seed_demo_registry

    with unit_of_work(web_server.registry, Actor.cli()) as tx:
        from sqlalchemy import func, select

        from vertebro.registry.schema import PatientRow

        seeded = tx.session.scalar(select(func.count(PatientRow.id)))
    if not seeded:
        seed_demo_registry(web_server.registry, patients=DEMO_PATIENTS, seed=3)
    log_in(page)
    page.get_by_role("link", name="Outcomes").click()
    page.wait_for_url("**/outcomes")
    page.get_by_label("Include generated demo patients").check()
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/outcomes?*include_demo=true*")
    figures = page.locator("svg.outcome-plot")
    assert figures.count() == 4
    for index in range(4):
        box = figures.nth(index).bounding_box()
        assert box is not None and box["width"] > 600 and box["height"] > 250
    assert page.get_by_role("img", name="Free of a new vertebral fracture (Kaplan–Meier)").count()
    shot(page, "outcomes")

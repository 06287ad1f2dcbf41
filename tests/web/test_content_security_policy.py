"""The pages under the Content-Security-Policy (api-v1 1.1 "Responses") in a real chromium:
no inline script, style or handler is blocked on any page (the outcome figures included),
htmx adds a fracture block without eval, and Swagger UI runs at ``/docs``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.server import LiveServer, live_server, sqlite_url
from tests.security.conftest import CASE_ID, seed
from tests.web.conftest import log_in


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server with a patient, an assessed case and a demo registry (for figures)."""
    from vertebro.services.registry.demo import seed_demo_registry

    with live_server(sqlite_url(tmp_path_factory.mktemp("csp"))) as live:
        seed(live)
        seed_demo_registry(live.registry, patients=30, seed=0, force=True)
        yield live


@pytest.fixture
def tab(browser: Any, seeded: LiveServer) -> Iterator[tuple[Any, list[str]]]:
    """A chromium tab on the live server and the Content-Security-Policy violations it
    reports (console messages)."""
    context = browser.new_context(base_url=seeded.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    yield page, violations
    context.close()


def test_pages_work_under_the_policy_in_chromium(tab: tuple[Any, list[str]]) -> None:
    page, violations = tab
    page.goto("/login")
    log_in(page, "admin")
    for path in (
        "/worklist",
        f"/cases/{CASE_ID}",
        f"/cases/{CASE_ID}/versions",
        f"/cases/{CASE_ID}/edit",
        f"/cases/{CASE_ID}/checklist",
        f"/cases/{CASE_ID}/procedure",
        f"/cases/{CASE_ID}/follow-up",
        f"/cases/{CASE_ID}/leaflet",
        "/outcomes?include_demo=true",
        "/audit",
        "/no/such/page",
    ):
        page.goto(path)
        page.wait_for_load_state("load")
        assert not violations, (path, violations)
    page.goto("/cases/new")
    blocks = page.locator("#fractures > fieldset.fracture")
    before = blocks.count()
    page.get_by_role("button", name="Add another fractured level").click()
    blocks.nth(before).wait_for()  # htmx fetched the next block, with its index
    assert blocks.count() == before + 1
    assert (
        page.locator(f"#fractures > fieldset.fracture [name='fractures[{before}].level']").count()
        == 1
    )
    assert not violations, violations
    page.goto("/outcomes?include_demo=true")
    assert page.locator("svg.outcome-plot").count() >= 3
    # the detector works: markup with an inline style is refused, and said so
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    page.wait_for_timeout(200)
    assert any("style" in v for v in violations), violations


def test_swagger_ui_runs_at_docs_without_inline_script(tab: tuple[Any, list[str]]) -> None:
    page, violations = tab
    page.goto("/docs")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "vertebro" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock-tag-section").first.wait_for()
    assert page.locator(".opblock").count() > 10
    assert not violations, violations
    html = page.content()
    assert "<script>" not in html.replace("<script src", "")

"""Browser fixtures: Playwright driving Debian's chromium (never ``playwright install``)
against a live server; screenshots go to ``test-artifacts/web/``. A missing chromium or
Playwright fails the run unless ``VERTEBRO_ALLOW_SKIPS=1`` (``tests/backends.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.api.server import PASSWORD, LiveServer, live_server, sqlite_url
from tests.backends import unavailable
from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts" / "web"


def _unavailable(reason: str) -> NoReturn:
    unavailable(f"no browser: {reason}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Chromium through Playwright, headless, one per test session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"the playwright package is missing ({exc})")
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium fonts-dejavu-core)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("web")
    with live_server(sqlite_url(folder)) as live:
        yield live


@pytest.fixture
def page(browser: Any, web_server: LiveServer) -> Iterator[Any]:
    """A fresh browser context (no cookies) on a 1280×900 window."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=web_server.url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def shot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot under test-artifacts/web/ (kept for people to look at)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def log_in(page: Any, user: str = "clinician", password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/worklist")


def choose(page: Any, name: str, value: str) -> None:
    """Tick the radio button ``value`` of the group ``name``."""
    page.locator(f'input[type=radio][name="{name}"][value="{value}"]').check()

"""The page checks of the browser tests, called once per page: ``check_page(page, name)``.

This minimal version saves a full-page screenshot to ``tests/web/artifacts/<name>.png``
(git-ignored; look at them) and fails when the page scrolls sideways (its content is wider
than the window). The full version adds axe-core; keep this signature."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the browser fixture reports a missing Playwright
    from playwright.sync_api import Page

__all__ = ["ARTIFACTS", "check_page"]

ARTIFACTS = Path(__file__).parent / "artifacts"

_OVERFLOW = """
() => ({width: document.documentElement.scrollWidth,
        window: document.documentElement.clientWidth})
"""


def check_page(page: Page, name: str) -> None:
    """Screenshot ``page`` as ``<name>.png`` and assert it has no horizontal overflow."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    size = page.evaluate(_OVERFLOW)
    assert size["width"] <= size["window"], (
        f"{name}: the page is {size['width']} px wide in a {size['window']} px window"
    )

"""The accessibility check itself (tests/web/accessibility.py): it fails, naming each
violation and what overflows, on a page that has them; it works on a page whose context
enforces the app's Content-Security-Policy; and the favicon every page asks for is there."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.server import LiveServer
from tests.web.accessibility import ARTIFACTS, check_page

BAD = """<!doctype html><html><head><title>bad</title></head><body>
<main><h1>Bad page</h1><img src="x.png"><input type="text" name="q">
<div style="width: 2000px">too wide</div></main></body></html>"""


def test_check_page_lists_violations_and_overflow(page: Any) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.set_content(BAD)
    with pytest.raises(AssertionError) as failed:
        check_page(page, "check-bad-page")
    message = str(failed.value)
    assert "- image-alt (critical)" in message and "img" in message
    assert "- label (critical)" in message and "input" in message
    assert "horizontal overflow" in message and "px wide in a 390 px window; div right=" in message
    assert (ARTIFACTS / "check-bad-page.png").stat().st_size > 1000


def test_check_page_under_the_content_security_policy(page: Any, web_server: LiveServer) -> None:
    """The ``page`` fixture's context enforces the policy: axe still runs, the login passes."""
    page.goto("/login")
    check_page(page, "check-login-under-csp")
    assert page.evaluate("() => typeof window.axe") == "object"


def test_favicon(web_server: LiveServer) -> None:
    reply = httpx.get(web_server.url + "/favicon.ico")
    assert reply.status_code == 200 and reply.headers["content-type"] == "image/x-icon"
    assert reply.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    login = httpx.get(web_server.url + "/login").text
    assert '<link rel="icon" href="/favicon.ico"' in login
    assert httpx.get(web_server.url + "/static/favicon.svg").status_code == 200

"""The unit's phone number: staff are warned on every page until it is set; an admin sets it
on the Settings page (kept in the registry, audited) or ``vertebro serve --unit-phone``;
the leaflet's "Call us straight away" box shows it."""

from __future__ import annotations

import html
import re
from pathlib import Path

import httpx

from tests.api.server import PASSWORD, live_server, sqlite_url

WARNING = "The unit's phone number is not set"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found[1]


def _text(answer: httpx.Response) -> str:
    return html.unescape(answer.text)


def _login(client: httpx.Client, user: str) -> None:
    token = _csrf(client.get("/login").text)
    client.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": token})


def test_staff_are_warned_until_an_admin_sets_the_phone(tmp_path: Path) -> None:
    from vertebro.api import Settings
    from vertebro.api.demo import seed_demo

    url = sqlite_url(tmp_path)
    with live_server(url, Settings()) as live:
        seed_demo(live.registry, patients=0)
        with live.client(follow_redirects=True) as clinician:
            _login(clinician, "clinician")
            worklist = _text(clinician.get("/worklist"))
            assert WARNING in worklist and "Ask an admin to set it" in worklist
            assert clinician.get("/admin/settings").status_code == 403
            leaflet = _text(clinician.get("/cases/l1-wedge/leaflet"))
            assert "Phone: <strong>ask the unit for its number</strong>" in leaflet
        with live.client(follow_redirects=True) as admin:
            _login(admin, "admin")
            form = _text(admin.get("/admin/settings"))
            assert WARNING in form
            refused = admin.post(
                "/admin/settings", data={"unit_phone": "call me", "csrf_token": _csrf(form)}
            )
            assert refused.status_code == 422
            assert "must be a phone number" in _text(refused)
            saved = admin.post(
                "/admin/settings",
                data={"unit_phone": "020 7946 0000", "csrf_token": _csrf(refused.text)},
            )
            assert saved.status_code == 200 and saved.url.path == "/admin/settings"
            assert "The unit's phone number was saved" in _text(saved)
            assert WARNING not in _text(saved)
            audit = admin.get("/audit").text
            assert "settings.update" in audit
        with live.client(follow_redirects=True) as clinician:
            _login(clinician, "clinician")
            assert WARNING not in _text(clinician.get("/worklist"))
            leaflet = _text(clinician.get("/cases/l1-wedge/leaflet"))
            assert "Phone: <strong>020 7946 0000</strong>" in leaflet
    with live_server(url, Settings(), users=False) as again:  # kept in the registry
        from vertebro.services.registry import Actor, get_unit_phone, unit_of_work

        with unit_of_work(again.registry, Actor.cli(), write=False) as tx:
            assert get_unit_phone(tx) == "020 7946 0000"


def test_serve_keeps_the_unit_phone_option_in_the_registry(tmp_path: Path) -> None:
    """``--unit-phone`` (or ``VERTEBRO_UNIT_PHONE``) is checked and stored before serving;
    a bad number exits 2 with the option's name and nothing served."""
    import subprocess
    import sys

    url = sqlite_url(tmp_path)
    bad = subprocess.run(
        [sys.executable, "-m", "vertebro.cli", "serve", "--database", url, "--no-demo",
         "--unit-phone", "ring us"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 2, bad.stderr
    assert bad.stderr.startswith("--unit-phone: must be a phone number")
    assert "Traceback" not in bad.stderr

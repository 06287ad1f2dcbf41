"""The web app's PDF downloads: ``/cases/{id}/report.pdf`` and ``/cases/{id}/leaflet.pdf``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.server import PASSWORD, LiveServer, live_server, sqlite_url
from tests.reporting.conftest import PHONE, TREATED, pdf_text, seed


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url = sqlite_url(tmp_path_factory.mktemp("web-pdf"))
    seed(url)
    with live_server(url) as live:
        yield live


def _logged_in(server: LiveServer, user: str = "viewer") -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=60)
    form = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert csrf is not None
    answer = client.post(
        "/login",
        data={"username": user, "password": PASSWORD, "csrf_token": csrf.group(1)},
    )
    assert answer.status_code in (200, 303), answer.text
    return client


def test_pdf_downloads(server: LiveServer, weasyprint: Any, pdftotext: str, tmp_path: Path) -> None:
    anonymous = httpx.Client(base_url=server.url, timeout=60)
    assert anonymous.get(f"/cases/{TREATED}/report.pdf").status_code == 303
    client = _logged_in(server)
    try:
        page = client.get(f"/cases/{TREATED}").text
        assert f'href="/cases/{TREATED}/report.pdf"' in page
        assert (
            f'href="/cases/{TREATED}/leaflet.pdf"' in client.get(f"/cases/{TREATED}/leaflet").text
        )

        report = client.get(f"/cases/{TREATED}/report.pdf")
        assert report.status_code == 200
        assert report.headers["content-type"] == "application/pdf"
        assert f'filename="report-{TREATED}.pdf"' in report.headers["content-disposition"]
        assert report.content.startswith(b"%PDF")
        (tmp_path / "r.pdf").write_bytes(report.content)
        assert "Kyphoplasty" in pdf_text(pdftotext, tmp_path / "r.pdf")

        small = client.get(f"/cases/{TREATED}/leaflet.pdf")
        large = client.get(f"/cases/{TREATED}/leaflet.pdf", params={"large": "true"})
        assert small.status_code == large.status_code == 200
        (tmp_path / "s.pdf").write_bytes(small.content)
        (tmp_path / "l.pdf").write_bytes(large.content)
        small_text = pdf_text(pdftotext, tmp_path / "s.pdf")
        assert f"Phone: {PHONE}" in small_text
        assert pdf_text(pdftotext, tmp_path / "l.pdf").count("\f") > small_text.count("\f")

        assert client.get("/cases/NOPE/report.pdf").status_code == 404
        assert client.get("/cases/NOPE/leaflet.pdf").status_code == 404
    finally:
        client.close()
        anonymous.close()
    with server.client("admin") as admin:
        for what in ("report.pdf", "leaflet.pdf"):
            audit = admin.get("/api/audit", params={"entity": "case", "entity_key": TREATED})
            assert audit.status_code == 200, audit.text
            entries = [
                e for e in audit.json() if e["action"] == "export" and e["after"]["what"] == what
            ]
            assert entries and entries[0]["after"]["case_id"] == TREATED
            assert entries[0]["actor"] == "viewer" and entries[0]["after"]["via"] == "web"

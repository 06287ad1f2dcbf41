"""The PDF renderer: offline URL fetcher, no network during rendering, atomic writes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from vertebro.files import write_atomically
from vertebro.reporting.pdf import (
    PdfRenderer,
    RefusedURL,
    WeasyPrintRenderer,
    offline_url_fetcher,
)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/style.css",
        "https://example.org/logo.png",
        "HTTP://EXAMPLE.ORG/x",
        "ftp://example.org/x",
        "file:///etc/passwd",
        "//example.org/x",
        "relative.css",
    ],
)
def test_fetcher_refuses_every_url_outside_the_document(weasyprint: Any, url: str) -> None:
    fetcher = offline_url_fetcher()
    with pytest.raises(RefusedURL):
        fetcher(url)
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)


def test_fetcher_serves_data_urls(weasyprint: Any) -> None:
    response = offline_url_fetcher()("data:text/plain;base64,aGVsbG8=")
    try:
        assert response.read() == b"hello"
    finally:
        response.close()


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[str]:
    _Recorder.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_rendering_loads_nothing_from_the_network(weasyprint: Any, local_server: str) -> None:
    html = (
        f'<html><head><link rel="stylesheet" href="{local_server}/style.css">'
        f"<style>@import url({local_server}/more.css);</style></head>"
        f'<body><p>text</p><img src="{local_server}/logo.png">'
        f'<img src="file:///etc/hostname"></body></html>'
    )
    renderer: PdfRenderer = WeasyPrintRenderer()
    data = renderer.render(html)
    assert data.startswith(b"%PDF")
    assert _Recorder.hits == []


def test_write_atomically_replaces_whole_files_only(tmp_path: Path, monkeypatch: Any) -> None:
    target = tmp_path / "out.pdf"
    write_atomically(target, b"%PDF-first")
    assert target.read_bytes() == b"%PDF-first"
    assert target.stat().st_mode & 0o777 == 0o600
    write_atomically(target, b"%PDF-second")
    assert target.read_bytes() == b"%PDF-second"

    def broken(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("vertebro.files.os.replace", broken)
    with pytest.raises(OSError, match="No space"):
        write_atomically(target, b"%PDF-third")
    assert target.read_bytes() == b"%PDF-second"
    assert [p.name for p in tmp_path.iterdir()] == ["out.pdf"]


def test_write_atomically_into_a_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        write_atomically(tmp_path / "missing" / "out.pdf", b"%PDF")
    assert list(tmp_path.iterdir()) == []

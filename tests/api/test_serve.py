"""``vertebro serve``: a fresh SQLite database is created, migrated and seeded (example
cases assessed and stored, user ``demo`` with a password printed once); ``/health``
answers within 10 s; an existing database, or ``--no-demo``, is never seeded."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.api.server import free_port


@contextmanager
def _serve(*args: str) -> Iterator[tuple[str, list[str]]]:
    port = free_port()
    command = [sys.executable, "-m", "vertebro.cli", "serve", "--port", str(port), *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        while True:
            assert time.monotonic() - started < 10, "no /health within 10 s"
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        lines: list[str] = []
        yield url, lines
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
        lines.extend(out.splitlines())


def test_fresh_database_gets_demo_data_and_a_demo_login(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'fresh.db'}"
    with _serve("--database", database) as (url, _):
        pass
    printed = "\n".join(_)
    assert "demo data: 21 example cases assessed and stored, 200 demo patients" in printed
    password = re.search(r"demo login: user demo, password (\S+)", printed)
    assert password is not None
    with _serve("--database", database) as (url, again):
        token = httpx.post(
            url + "/api/auth/token", json={"username": "demo", "password": password.group(1)}
        )
        assert token.status_code == 200 and token.json()["role"] == "clinician"
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        cases = httpx.get(url + "/api/cases", headers=headers).json()["cases"]
        assert len(cases) == 221  # 21 example cases and the 200-patient demo registry
        assert all(c["recommendation"] is not None for c in cases)
    assert not any("demo login" in line for line in again)


def test_no_demo_seeds_nothing(tmp_path: Path) -> None:
    with _serve("--database", f"sqlite:///{tmp_path / 'empty.db'}", "--no-demo") as (_, lines):
        pass
    assert not any(line.startswith(("demo data", "demo login")) for line in lines)

"""``vertebro serve`` as a real server process (what a deployment runs), for the tests that
need one: parallel bursts, ``kill -9``. Users of every role are added first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

import httpx

from tests.api.server import add_users, free_port


@dataclass
class ServerProcess:
    url: str
    database_url: str
    process: subprocess.Popen[str]
    log: IO[str]
    tokens: dict[str, str] = field(default_factory=dict)

    def stderr(self) -> str:
        """What the server wrote on standard error so far."""
        self.log.seek(0)
        return self.log.read()

    def client(self, role: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60, **kwargs)

    def kill(self) -> None:
        """``kill -9``: no shutdown, no flush, no cleanup."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def _wait_for_health(url: str, process: subprocess.Popen[str], log: IO[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"vertebro serve exited: {log.read()[-2000:]}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("vertebro serve gave no /health within 30 s")


@contextmanager
def serve_process(
    database_url: str, *, users: bool = True, env: dict[str, str] | None = None
) -> Iterator[ServerProcess]:
    """Migrate the registry, add users, start ``vertebro serve --no-demo`` on a free port."""
    from vertebro.registry import Registry

    registry = Registry.open(database_url, migrate=True)
    try:
        tokens = add_users(registry) if users else {}
    finally:
        registry.close()
    port = free_port()
    command = [
        sys.executable, "-m", "vertebro.cli", "serve", "--no-demo",
        "--port", str(port), "--database", database_url,
    ]  # fmt: skip
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=log,
            text=True,
            env={**os.environ, **(env or {})},
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_for_health(url, process, log)
            yield ServerProcess(url, database_url, process, log, tokens)
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

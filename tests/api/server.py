"""A real vertebro server for tests: uvicorn on a free loopback port in a thread, over a
real database; users of every role with their bearer tokens."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROLES = ("viewer", "coordinator", "clinician", "admin")
PASSWORD = "correct horse battery"


@dataclass
class LiveServer:
    url: str
    database_url: str
    registry: Any
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, role: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, **kwargs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def sqlite_url(folder: Path, name: str = "registry.db") -> str:
    return f"sqlite:///{folder / name}"


def add_users(registry: Any) -> dict[str, str]:
    """A user per role (named after it) with a token; plus an expired token (``expired``)."""
    from vertebro.services.registry import Actor, add_user, issue_token, unit_of_work

    tokens: dict[str, str] = {}
    with unit_of_work(registry, Actor.cli()) as tx:
        for role in ROLES:
            add_user(tx, role, role, PASSWORD)
            tokens[role] = issue_token(tx, role, 30).token
    past = datetime.now(UTC) - timedelta(days=3)
    with unit_of_work(registry, Actor.cli(), now=past) as tx:
        tokens["expired"] = issue_token(tx, "admin", 1).token
    return tokens


@contextmanager
def live_server(
    database_url: str, settings: Any = None, *, users: bool = True
) -> Iterator[LiveServer]:
    """Migrate the database, start the app on a free port, stop it afterwards."""
    import uvicorn

    from vertebro.api import Settings, create_app
    from vertebro.registry import Registry

    registry = Registry.open(database_url, migrate=True)
    tokens = add_users(registry) if users else {}
    app = create_app(registry=registry, settings=settings or Settings(unit_phone="0123 456 789"))
    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY on accepted sockets only then (else +40 ms).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", database_url, registry, tokens)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        registry.close()

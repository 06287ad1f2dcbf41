"""Security and reliability fixtures: a real ``vertebro serve`` process (uvicorn, one worker)
over SQLite or PostgreSQL, with a user of every role and their tokens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.registry.conftest import (  # noqa: F401  (fixture reuse)
    backend,
    database_url,
    new_pg_database,
    pg_server,
)
from tests.security.process import ServerProcess, serve_process


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    """``vertebro serve`` in its own process over a fresh SQLite, then PostgreSQL, registry."""
    if request.param == "postgresql":
        url = new_pg_database(request.getfixturevalue("pg_server"))
    else:
        url = f"sqlite:///{tmp_path / 'registry.db'}"
    with serve_process(url) as server:
        yield server

"""API fixtures: a live server over SQLite (module-wide), and over PostgreSQL through the
registry's private test server (``tests/registry/conftest.py``) where a test asks for it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.server import LiveServer, live_server, sqlite_url
from tests.conftest import EXAMPLES
from tests.registry.conftest import new_pg_database, pg_server  # noqa: F401  (fixture reuse)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server over a fresh SQLite registry, shared by a test module."""
    folder = tmp_path_factory.mktemp("api")
    with live_server(sqlite_url(folder)) as live:
        yield live


@pytest.fixture(params=["sqlite", "postgresql"])
def any_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    """A live server over SQLite, then over PostgreSQL (fresh database each)."""
    if request.param == "postgresql":
        url = new_pg_database(request.getfixturevalue("pg_server"), migrated=False)
    else:
        url = sqlite_url(tmp_path)
    with live_server(url) as live:
        yield live


def example(name: str = "l1-wedge", case_id: str | None = None) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    if case_id is not None:
        document["case_id"] = case_id
    return document

"""Registry fixtures: every registry test runs against SQLite and a real PostgreSQL.

The PostgreSQL server is private to the test session (RECIPES.md):
:class:`~vertebro.registry.scratch_postgres.ScratchPostgres`, loopback on a free port.
A template database is migrated once and cloned for each test. A missing PostgreSQL fails
the run unless ``VERTEBRO_ALLOW_SKIPS=1`` (``tests/backends.py``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from itertools import count
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.backends import unavailable
from tests.conftest import EXAMPLES
from vertebro.registry.scratch_postgres import ScratchPostgres, ScratchPostgresUnavailable

TEMPLATE = "vertebro_template"
_ids = count()


def _unavailable(reason: str) -> NoReturn:
    unavailable(f"PostgreSQL is not available: {reason}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[ScratchPostgres]:
    """A private PostgreSQL server with a migrated template database."""
    from vertebro.registry import create_registry_engine, upgrade

    try:
        server = ScratchPostgres().start()
    except ScratchPostgresUnavailable as exc:
        _unavailable(str(exc))
        raise
    try:
        engine = create_registry_engine(server.create_database(TEMPLATE))
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        yield server
    finally:
        server.stop()


def new_pg_database(server: ScratchPostgres, *, migrated: bool = True) -> str:
    """A fresh database (a clone of the migrated template, or empty); its URL."""
    name = f"t_{os.getpid()}_{next(_ids)}"
    return server.create_database(name, template=TEMPLATE if migrated else "template0")


def new_sqlite_database(folder: Path, *, migrated: bool = True) -> str:
    from vertebro.registry import create_registry_engine, upgrade

    url = f"sqlite:///{folder / f'registry-{next(_ids)}.db'}"
    if migrated:
        engine = create_registry_engine(url)
        upgrade(engine)
        engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh, migrated registry on the test's backend."""
    if backend == "postgresql":
        return new_pg_database(request.getfixturevalue("pg_server"))
    return new_sqlite_database(tmp_path)


@pytest.fixture
def empty_database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh, empty (unmigrated) database on the test's backend."""
    if backend == "postgresql":
        return new_pg_database(request.getfixturevalue("pg_server"), migrated=False)
    return new_sqlite_database(tmp_path, migrated=False)


@pytest.fixture
def registry(database_url: str) -> Iterator[Any]:
    from vertebro.registry import Registry

    handle = Registry.open(database_url)
    yield handle
    handle.close()


NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TODAY = date(2026, 3, 2)
#: The day the tests' records are entered: after every visit they date (registry-v1 1.1
#: refuses a follow-up or a performed session dated after the registry's today).
RECORDED = date(2026, 12, 31)


def example_case(name: str = "l1-wedge", case_id: str | None = None) -> dict[str, Any]:
    import json

    document: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    if case_id is not None:
        document["case_id"] = case_id
    return document


def procedure_doc(**changes: Any) -> dict[str, Any]:
    """A performed single-level kyphoplasty at L1 (the plan of ``l1-wedge``)."""
    document: dict[str, Any] = {
        "schema": "vertebro.procedure/1",
        "status": "performed",
        "date": "2026-03-02",
        "operator": "Dr Test",
        "anaesthesia": "general",
        "levels": [
            {
                "level": "L1",
                "technique": "kyphoplasty",
                "approach": "bipedicular",
                "cement_viscosity": "standard",
                "cement_ml": 4.5,
                "balloon_ml": 3.0,
                "leakage": {"present": False, "detected_by": "fluoroscopy"},
            }
        ],
    }
    document.update(changes)
    return document


def follow_up_doc(visit: str, when: str, **changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema": "vertebro.follow_up/1",
        "visit": visit,
        "date": when,
        "pain_nrs": 3,
    }
    document.update(changes)
    return document


#: The six questions of ``vertebro.checklist/1`` (registry-v1 1.1), as the spec names them.
CHECKLIST_QUESTIONS = (
    "anticoagulation_paused",
    "inr_acceptable",
    "platelets_acceptable",
    "consent_signed",
    "allergies_checked",
    "fasting",
)


def checklist_doc(answer: str = "yes", **changes: Any) -> dict[str, Any]:
    """A checklist answering every question ``answer``."""
    document: dict[str, Any] = {
        "schema": "vertebro.checklist/1",
        **dict.fromkeys(CHECKLIST_QUESTIONS, answer),
    }
    document.update(changes)
    return document

"""Registry fixtures: every registry test runs against SQLite and a real PostgreSQL.

The PostgreSQL server is private to the test session (RECIPES.md): initdb and pg_ctl as
the ``postgres`` user (initdb refuses root) in a ``mktemp`` folder under /tmp, loopback on
a free port. A template database is migrated once and cloned for each test. With
``CI=true`` a missing PostgreSQL fails the run; elsewhere those tests are skipped.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import EXAMPLES

TEMPLATE = "vertebro_template"
_ids = count()


@dataclass(frozen=True)
class PgServer:
    port: int
    folder: Path

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://vertebro@127.0.0.1:{self.port}/{database}"


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parts[-3])
    candidates = sorted(found, key=lambda p: [int(x) for x in p.parts[-3].split(".")])
    return candidates[-1].parent if candidates else None


def _as_postgres(*args: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required with CI=true: {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A private PostgreSQL server with a migrated template database."""
    pg_bin = _pg_bin()
    if pg_bin is None:
        _unavailable("no /usr/lib/postgresql/*/bin/initdb (apt-get install postgresql)")
    assert pg_bin is not None
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        _unavailable("runuser is missing")
    folder = Path(tempfile.mkdtemp(prefix="vpg.", dir="/tmp"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    port = _free_port()
    data = folder / "data"
    try:
        subprocess.run(
            _as_postgres(
                str(pg_bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "vertebro",
                "--no-sync", "-E", "UTF8",
            ),
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        subprocess.run(
            _as_postgres(
                str(pg_bin / "pg_ctl"), "-D", str(data), "-w", "-l", str(folder / "log"),
                "start", "-o",
                f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off",
            ),
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    except (subprocess.CalledProcessError, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        shutil.rmtree(folder, ignore_errors=True)
        _unavailable(f"could not start a server: {exc} {detail.decode(errors='replace')}")
    server = PgServer(port, folder)
    try:
        _create_template(server)
        yield server
    finally:
        subprocess.run(
            _as_postgres(str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"),
            check=False, capture_output=True, timeout=120,
        )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


def _admin_execute(server: PgServer, sql: str) -> None:
    engine = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(sql))
    finally:
        engine.dispose()


def _create_template(server: PgServer) -> None:
    from vertebro.registry import create_registry_engine, upgrade

    _admin_execute(server, f"CREATE DATABASE {TEMPLATE}")
    engine = create_registry_engine(server.url(TEMPLATE))
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def new_pg_database(server: PgServer, *, migrated: bool = True) -> str:
    """A fresh database (a clone of the migrated template, or empty); its URL."""
    name = f"t_{os.getpid()}_{next(_ids)}"
    source = TEMPLATE if migrated else "template0"
    _admin_execute(server, f"CREATE DATABASE {name} TEMPLATE {source}")
    return server.url(name)


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

"""Fixtures of the security suite: a real ``vertebro serve`` process (uvicorn, one worker)
over SQLite or PostgreSQL with a user of every role and their tokens; live servers (real
uvicorn, real HTTP) holding a patient and an assessed case to aim at; the real command
line."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.server import LiveServer, live_server, sqlite_url
from tests.registry.conftest import (  # noqa: F401  (fixture reuse)
    backend,
    database_url,
    new_pg_database,
    pg_server,
)
from tests.security.corpus import case_document
from tests.security.process import ServerProcess, serve_process

PATIENT = "H-1"
CASE_ID = "hostile-1"


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    """``vertebro serve`` in its own process over a fresh SQLite, then PostgreSQL, registry."""
    if request.param == "postgresql":
        url = new_pg_database(request.getfixturevalue("pg_server"))
    else:
        url = f"sqlite:///{tmp_path / 'registry.db'}"
    with serve_process(url) as server:
        yield server


def seed(server: LiveServer) -> None:
    """A patient and an assessed case (``l1-wedge``) to record procedures and visits for."""
    with server.client("clinician") as client:
        assert client.post("/api/patients", json={"code": PATIENT}).status_code == 201
        created = client.post(f"/api/patients/{PATIENT}/cases", json=case_document(CASE_ID))
        assert created.status_code == 201, created.text
        assert client.post(f"/api/cases/{CASE_ID}/assessments").status_code == 201


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A seeded live server over SQLite, then over PostgreSQL (one per test module)."""
    if request.param == "postgresql":
        url = new_pg_database(request.getfixturevalue("pg_server"), migrated=False)
    else:
        url = sqlite_url(tmp_path_factory.mktemp("hostile"))
    with live_server(url) as live:
        seed(live)
        yield live


@pytest.fixture(scope="module")
def sqlite_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A seeded live server over SQLite (for what does not depend on the database)."""
    with live_server(sqlite_url(tmp_path_factory.mktemp("hostile-sqlite"))) as live:
        seed(live)
        yield live


def registry_counts(url: str, *, audit: bool = False) -> dict[str, int]:
    """Rows per registry table of the registry at ``url`` (the audit log too with
    ``audit``: a refused login is audited, a refused import is not)."""
    from sqlalchemy import func, select

    from vertebro.registry import Registry
    from vertebro.registry.schema import (
        AssessmentRow,
        AuditRow,
        CaseRow,
        CaseVersionRow,
        FollowUpRow,
        PatientRow,
        ProcedureRow,
    )

    rows = (PatientRow, CaseRow, CaseVersionRow, AssessmentRow, ProcedureRow, FollowUpRow)
    rows += (AuditRow,) if audit else ()
    registry = Registry.open(url)
    try:
        with registry.transaction() as session:
            return {
                row.__tablename__: session.scalar(select(func.count()).select_from(row)) or 0
                for row in rows
            }
    finally:
        registry.close()


# ---------------------------------------------------------------------------- CLI

#: ``<path>: <reason>`` / ``<file>: <reason>`` / ``<file>:<row>:<column>: <reason>``.
_PROBLEM_LINE = re.compile(r"^\S[^\n]*?: \S.*$")
_FOOTERS = ("nothing was imported",)


def run_cli(
    *args: str, stdin: bytes | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    """The real ``vertebro`` command in a subprocess (a hang fails the test by its timeout)."""
    return subprocess.run(
        [sys.executable, "-m", "vertebro.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def assert_clean_refusal(result: subprocess.CompletedProcess[bytes], what: str) -> list[str]:
    """Exit 2, nothing on standard output, no traceback or raw warning, and every line of
    standard error a ``<path>: <reason>`` line. Returns the lines."""
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, f"{what}: exit {result.returncode}\n{err[-3000:]}"
    assert result.stdout == b"", f"{what}: {result.stdout[:300]!r}"
    assert "Traceback" not in err and "Warning:" not in err, f"{what}:\n{err[-3000:]}"
    lines = err.splitlines()
    assert lines, what
    for line in lines:
        assert _PROBLEM_LINE.match(line) or line in _FOOTERS, f"{what}: {line!r}"
    return lines


def no_traceback(result: subprocess.CompletedProcess[bytes], what: str) -> str:
    err = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, f"{what}:\n{err[-3000:]}"
    return err


@pytest.fixture
def registry_file(tmp_path: Path) -> str:
    """A fresh, migrated SQLite registry for the command line."""
    from tests.registry.conftest import new_sqlite_database

    return new_sqlite_database(tmp_path)

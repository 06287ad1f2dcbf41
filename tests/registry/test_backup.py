"""Backups and restores round trip; a restore goes only into an empty database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect

from tests.registry.conftest import NOW, example_case, follow_up_doc, procedure_doc
from vertebro.errors import Conflict
from vertebro.registry import Registry, Role, head_revision
from vertebro.registry.backup import backup, dump, restore
from vertebro.services import registry as svc
from vertebro.services.registry import Actor, unit_of_work

ADMIN = Actor("root", Role.ADMIN)


def fill(registry: Registry) -> None:
    with unit_of_work(registry, ADMIN, now=NOW) as tx:
        svc.add_user(tx, "alice", "clinician", "correct horse")
        svc.create_patient(tx, {"code": "P-1", "birth_year": 1950})
        svc.create_case(tx, "P-1", example_case("l1-wedge", "c-1"))
        svc.assess_case(tx, "c-1")
        svc.record_procedure(tx, "c-1", procedure_doc(date="2026-01-01"))
        svc.record_follow_up(
            tx,
            "c-1",
            follow_up_doc(
                "1 month",
                "2026-02-01",
                new_fractures=[{"level": "L2", "detected_by": "mri", "symptomatic": True}],
            ),
        )


def rows_of(registry: Registry) -> dict[str, Any]:
    tables = dump(registry.engine)["tables"]
    return {name: table["rows"] for name, table in tables.items()}


def test_backup_and_restore_round_trip(
    registry: Registry, empty_database_url: str, tmp_path: Path
) -> None:
    fill(registry)
    target = tmp_path / "registry.backup"
    info = backup(registry.engine, target)
    assert info["kind"] == ("sqlite" if registry.dialect == "sqlite" else "dump")
    restored = Registry.open(empty_database_url)
    try:
        restore(restored.engine, target)
        assert rows_of(restored) == rows_of(registry)
        with unit_of_work(restored, ADMIN, now=NOW) as tx:
            assert svc.get_case(tx, "c-1").case.case_id == "c-1"
            # Sequences continue after the restored rows.
            svc.create_patient(tx, {"code": "P-2"})
        assert svc.log_in(restored, "alice", "correct horse").principal is not None
        with pytest.raises(Conflict):
            restore(restored.engine, target)
    finally:
        restored.close()


def test_restore_upgrades_and_crosses_backends(
    registry: Registry, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from tests.registry.conftest import new_pg_database, new_sqlite_database

    fill(registry)
    target = tmp_path / "registry.backup"
    backup(registry.engine, target)
    if registry.dialect == "sqlite":
        other_url = new_pg_database(request.getfixturevalue("pg_server"), migrated=False)
    else:
        other_url = new_sqlite_database(tmp_path, migrated=False)
    other = Registry.open(other_url)
    try:
        restore(other.engine, target)
        assert "alembic_version" in inspect(other.engine).get_table_names()
        from vertebro.registry import current_revision

        assert current_revision(other.engine) == head_revision()
        assert rows_of(other) == rows_of(registry)
    finally:
        other.close()

"""Finding 1: backups taken under write load restore, as one state that existed, on SQLite
and PostgreSQL; a restore that fails leaves the target as it was; a truncated or garbage
backup file exits 2 with one clear line and no traceback (registry-v1 1.1, "Backups").

Replayed as the finding was found: 4 clients write while ``vertebro db backup`` runs 8
times; every backup is restored with ``vertebro db restore`` into a fresh database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import OperationalError

from tests.registry.conftest import NOW, example_case, follow_up_doc
from vertebro.registry import Registry

WRITERS = 4
BACKUPS = 8
TABLES = ("patients", "cases", "case_versions", "follow_ups")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vertebro.cli", *args],
        capture_output=True, text=True, timeout=300, check=False, env=dict(os.environ),
    )  # fmt: skip


def _writer(url: str, number: int, stop: threading.Event, done: list[str]) -> None:
    """Each unit is one transaction: a patient, its case (with version 1), a baseline visit."""
    from vertebro.services import registry as svc
    from vertebro.services.registry import Actor, unit_of_work

    registry = Registry.open(url)
    try:
        n = 0
        while not stop.is_set():
            code = f"W{number}-{n}"
            try:
                with unit_of_work(registry, Actor.cli(), now=NOW) as tx:
                    svc.create_patient(tx, {"code": code})
                    svc.create_case(tx, code, example_case("l1-wedge", f"{code}-c"))
                    svc.record_follow_up(tx, f"{code}-c", follow_up_doc("baseline", "2026-02-01"))
            except OperationalError:  # SQLite busy past its timeout: nothing written, next
                continue
            done.append(code)
            n += 1
    finally:
        registry.close()


def _counts(url: str) -> dict[str, Any]:
    from vertebro.registry.schema import PatientRow

    registry = Registry.open(url)
    try:
        with registry.engine.connect() as connection:
            counts: dict[str, Any] = {
                t: connection.exec_driver_sql(f"SELECT COUNT(*) FROM {t}").scalar() for t in TABLES
            }
        with registry.transaction(write=False) as session:
            counts["codes"] = set(session.scalars(select(PatientRow.code)))
        return counts
    finally:
        registry.close()


def _fresh(backend: str, request: pytest.FixtureRequest, tmp_path: Path, name: str) -> str:
    from tests.registry.conftest import new_pg_database

    if backend == "postgresql":
        return new_pg_database(request.getfixturevalue("pg_server"), migrated=False)
    return f"sqlite:///{tmp_path / name}"


def test_backups_under_write_load_restore_a_state_that_existed(
    database_url: str, backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    stop = threading.Event()
    done: list[list[str]] = [[] for _ in range(WRITERS)]
    threads = [
        threading.Thread(target=_writer, args=(database_url, i, stop, done[i]), daemon=True)
        for i in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    files = []
    try:
        for i in range(BACKUPS):
            path = tmp_path / f"backup-{i}.bin"
            made = cli("db", "backup", str(path), "--database", database_url)
            assert made.returncode == 0, made.stderr
            files.append(path)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    committed = {code for codes in done for code in codes}
    assert len(committed) > BACKUPS  # the writers really wrote while the backups ran
    seen = 0
    for i, path in enumerate(files):
        target = _fresh(backend, request, tmp_path, f"restored-{i}.db")
        restored = cli("db", "restore", str(path), "--database", target)
        assert restored.returncode == 0, restored.stderr
        counts = _counts(target)
        # one state: every patient with its case, version and visit, and nothing else
        assert counts["patients"] == counts["cases"] == counts["case_versions"]
        assert counts["follow_ups"] == counts["patients"]
        assert counts["codes"] <= committed
        assert counts["patients"] >= seen  # later backups never hold less
        seen = counts["patients"]


def _dump_with_an_orphan(tmp_path: Path, database_url: str) -> Path:
    """A dump whose follow-up points to a case the dump lacks."""
    from vertebro.registry.backup import dump
    from vertebro.services import registry as svc
    from vertebro.services.registry import Actor, unit_of_work

    registry = Registry.open(database_url)
    try:
        with unit_of_work(registry, Actor.cli(), now=NOW) as tx:
            svc.create_patient(tx, {"code": "O-1"})
            svc.create_case(tx, "O-1", example_case("l1-wedge", "O-1-c"))
            svc.record_follow_up(tx, "O-1-c", follow_up_doc("baseline", "2026-02-01"))
        document = dump(registry.engine)
    finally:
        registry.close()
    for table in ("cases", "case_versions"):
        document["tables"][table]["rows"] = []
    path = tmp_path / "orphan.json"
    path.write_text(json.dumps(document))
    return path


def test_a_failed_restore_leaves_the_target_as_it_was(
    database_url: str, backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    good = tmp_path / "good.bin"
    assert cli("db", "backup", str(good), "--database", database_url).returncode == 0
    orphan = _dump_with_an_orphan(tmp_path, database_url)
    data = good.read_bytes()
    broken = {
        "orphan": orphan,
        "truncated": tmp_path / "truncated.bin",
        "garbage": tmp_path / "garbage.bin",
        "empty": tmp_path / "empty.bin",
    }
    broken["truncated"].write_bytes(data[: max(len(data) // 3, 200)])
    broken["garbage"].write_bytes(os.urandom(5000))
    broken["empty"].write_bytes(b"")
    for kind, path in broken.items():
        target = _fresh(backend, request, tmp_path, f"target-{kind}.db")
        result = cli("db", "restore", str(path), "--database", target)
        assert result.returncode == 2, (kind, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"{path}: "), (kind, result.stderr)
        assert "Traceback" not in result.stderr and result.stdout == ""
        registry = Registry.open(target)
        try:
            assert inspect(registry.engine).get_table_names() == [], kind
        finally:
            registry.close()
    # and the good backup still restores into such a target
    target = _fresh(backend, request, tmp_path, "target-good.db")
    assert cli("db", "restore", str(good), "--database", target).returncode == 0


def test_the_postgresql_dump_reads_one_snapshot(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row committed between two tables' reads is in neither or in both (PostgreSQL; the
    SQLite backup API copies one snapshot by construction)."""
    from sqlalchemy import Table

    from tests.registry.conftest import new_pg_database
    from vertebro.registry import backup as backup_module

    database_url = new_pg_database(request.getfixturevalue("pg_server"))
    from vertebro.services import registry as svc
    from vertebro.services.registry import Actor, unit_of_work

    registry = Registry.open(database_url)
    real_select = backup_module.select
    wrote: list[str] = []

    def select_then_write(table: Table) -> Any:
        if table.name == "cases" and not wrote:  # after patients and before the rest
            with unit_of_work(registry, Actor.cli(), now=NOW) as tx:
                svc.create_patient(tx, {"code": "S-1"})
                svc.create_case(tx, "S-1", example_case("l1-wedge", "S-1-c"))
            wrote.append("S-1")
        return real_select(table)

    monkeypatch.setattr(backup_module, "select", select_then_write)
    try:
        document = backup_module.dump(registry.engine)
        with registry.transaction(write=False) as session:
            from vertebro.registry.schema import CaseRow

            assert session.scalar(select(func.count()).select_from(CaseRow)) == 1
    finally:
        registry.close()
    assert wrote == ["S-1"]
    assert document["tables"]["cases"]["rows"] == []
    assert document["tables"]["patients"]["rows"] == []

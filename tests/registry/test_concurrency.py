"""Two processes editing one case lose no update (api-v1: "concurrent editors never lose an
update"), on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import multiprocessing

from tests.registry.conftest import example_case
from vertebro.errors import PreconditionFailed
from vertebro.registry import Registry, Role
from vertebro.services import registry as svc
from vertebro.services.registry import Actor, unit_of_work

EDITS = 15


def _editor(url: str, name: str) -> int:
    """Read-modify-write the case ``EDITS`` times, retrying on a stale version."""
    registry = Registry.open(url)
    actor = Actor(name, Role.CLINICIAN)
    retries = 0
    try:
        done = 0
        while done < EDITS:
            with unit_of_work(registry, actor) as tx:
                current = svc.get_case(tx, "c-1")
            document = current.case.model_dump(mode="json")
            document["clinical"]["conservative_care_weeks"] += 1
            try:
                with unit_of_work(registry, actor) as tx:
                    svc.replace_case(tx, "c-1", document, current.version)
                done += 1
            except PreconditionFailed:
                retries += 1
    finally:
        registry.close()
    return retries


def test_two_processes_lose_no_update(registry: Registry, database_url: str) -> None:
    document = example_case("l1-wedge", "c-1")
    document["clinical"]["conservative_care_weeks"] = 0
    with unit_of_work(registry, Actor("root", Role.ADMIN)) as tx:
        svc.create_patient(tx, {"code": "P-1"})
        svc.create_case(tx, "P-1", document)
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        results = [pool.apply_async(_editor, (database_url, f"u{i}")) for i in range(2)]
        retries = [r.get(timeout=300) for r in results]
    with unit_of_work(registry, Actor("root", Role.ADMIN)) as tx:
        final = svc.get_case(tx, "c-1")
        versions = svc.list_case_versions(tx, "c-1")
        edits = [e for e in svc.list_audit(tx, limit=1000) if e.action == "case.edit"]
    assert final.version == 1 + 2 * EDITS
    assert final.case.clinical.conservative_care_weeks == 2 * EDITS
    assert [v.version for v in versions] == list(range(1, 2 + 2 * EDITS))
    assert len(edits) == 2 * EDITS
    assert sorted({e.actor for e in edits}) == ["u0", "u1"]
    assert sum(retries) >= 0

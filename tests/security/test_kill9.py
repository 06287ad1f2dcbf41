"""``kill -9`` of the server under write load loses no acknowledged write and leaves the
database whole (``PRAGMA integrity_check`` and ``foreign_key_check`` clean on SQLite), on
SQLite and PostgreSQL; the server starts again on the same database."""

from __future__ import annotations

import threading
import time

import httpx
from sqlalchemy import select

from tests.api.conftest import example
from tests.security.process import ServerProcess, serve_process

WRITERS = 4
ACKNOWLEDGED_BEFORE_KILL = 60


def _writer(server: ServerProcess, number: int, acked: list[str], stop: threading.Event) -> None:
    """Register a patient and create its case, again and again; keep what was answered 201."""
    headers = {"Authorization": f"Bearer {server.tokens['clinician']}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
        n = 0
        while not stop.is_set():
            code = f"K{number}-{n}"
            n += 1
            try:
                if client.post("/api/patients", json={"code": code}).status_code == 201:
                    acked.append(code)
                reply = client.post(
                    f"/api/patients/{code}/cases", json=example(case_id=f"{code}-c")
                )
                if reply.status_code == 201:
                    acked.append(f"{code}-c")
            except httpx.HTTPError:
                return  # the server is gone


def test_kill_9_under_write_load_loses_no_acknowledged_write(served: ServerProcess) -> None:
    from vertebro.registry import Registry
    from vertebro.registry.schema import CaseRow, PatientRow

    acked: list[list[str]] = [[] for _ in range(WRITERS)]
    stop = threading.Event()
    threads = [
        threading.Thread(target=_writer, args=(served, i, acked[i], stop), daemon=True)
        for i in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 120
    while sum(map(len, acked)) < ACKNOWLEDGED_BEFORE_KILL and time.monotonic() < deadline:
        time.sleep(0.05)
    served.kill()  # mid-load: requests are in flight
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    answered = {item for items in acked for item in items}
    assert len(answered) >= ACKNOWLEDGED_BEFORE_KILL

    registry = Registry.open(served.database_url)
    try:
        with registry.transaction(write=False) as session:
            stored = set(session.scalars(select(PatientRow.code)))
            stored |= set(session.scalars(select(CaseRow.case_id)))
        assert answered <= stored, sorted(answered - stored)[:10]
        if registry.dialect == "sqlite":
            with registry.engine.connect() as connection:
                check = connection.exec_driver_sql("PRAGMA integrity_check").scalars().all()
                orphans = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            assert check == ["ok"] and orphans == []
        else:
            with registry.engine.connect() as connection:
                orphans = connection.exec_driver_sql(
                    "SELECT COUNT(*) FROM case_versions v LEFT JOIN cases c ON c.id = v.case_pk "
                    "WHERE c.id IS NULL"
                ).scalar()
            assert orphans == 0
    finally:
        registry.close()
    with serve_process(served.database_url, users=False) as again:
        headers = {"Authorization": f"Bearer {served.tokens['viewer']}"}
        listed = httpx.get(again.url + "/api/patients", headers=headers, timeout=30)
        assert listed.status_code == 200
        assert {p["code"] for p in listed.json()} >= {a for a in answered if not a.endswith("-c")}

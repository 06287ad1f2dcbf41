"""Finding 4: SQLite locking discipline (api-v1 1.1, "Concurrency on SQLite"). Reads never
take the write lock; password hashing and body parsing run before a write transaction
opens; under 40 parallel logins plus reads from another client nothing answers 500."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

import httpx
import pytest

from tests.api.conftest import example
from tests.api.server import PASSWORD
from tests.security.process import ServerProcess, serve_process


@pytest.fixture
def sqlite_served(tmp_path: Path) -> Iterator[ServerProcess]:
    with serve_process(f"sqlite:///{tmp_path / 'registry.db'}") as server:
        with server.client("clinician") as client:
            assert client.post("/api/patients", json={"code": "L-1"}).status_code == 201
            assert (
                client.post("/api/patients/L-1/cases", json=example(case_id="L-1-c")).status_code
                == 201
            )
        yield server


def _hold_the_write_lock(database: str, seconds: float, held: threading.Event) -> None:
    """Another writer (as a second server process would be) holding SQLite's write lock."""
    connection = sqlite3.connect(database, isolation_level=None, timeout=10)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("UPDATE cases SET updated_at = updated_at")
        held.set()
        time.sleep(seconds)
        connection.execute("COMMIT")
    finally:
        connection.close()


def test_reads_and_refused_bodies_never_wait_for_the_write_lock(
    sqlite_served: ServerProcess,
) -> None:
    database = sqlite_served.database_url.removeprefix("sqlite:///")
    held = threading.Event()
    holder = threading.Thread(target=_hold_the_write_lock, args=(database, 8.0, held))
    holder.start()
    assert held.wait(10)
    try:
        with sqlite_served.client("clinician") as client:
            started = time.monotonic()
            for path in (
                "/api/cases",
                "/api/cases/L-1-c",
                "/api/cases/L-1-c/versions",
                "/api/cases/L-1-c/procedures",
            ):
                reply = client.get(path)
                assert reply.status_code == 200, (path, reply.text)
            invalid = example(case_id="L-2-c")
            invalid["fractures"] = [dict(invalid["fractures"][0], level="L9")] * 2000
            refused = client.post("/api/patients/L-1/cases", json=invalid)
            assert refused.status_code == 422
            elapsed = time.monotonic() - started
    finally:
        holder.join()
    assert elapsed < 4.0, f"reads waited for the writer ({elapsed:.1f} s)"


def test_40_parallel_logins_and_reads_from_another_client_never_answer_500(
    sqlite_served: ServerProcess,
) -> None:
    stop = threading.Event()
    reads: Counter[int] = Counter()

    def reader() -> None:
        with sqlite_served.client("viewer") as client:
            while not stop.is_set():
                for path in ("/api/cases", "/api/cases/L-1-c", "/api/patients"):
                    reads[client.get(path).status_code] += 1

    start = Barrier(40)
    users = ("viewer", "coordinator", "clinician", "admin")

    def login(n: int) -> int:
        with httpx.Client(base_url=sqlite_served.url, timeout=120) as client:
            start.wait()
            body = {"username": users[n % 4], "password": PASSWORD if n % 3 else "wrong password!"}
            return client.post("/api/auth/token", json=body).status_code

    readers = [threading.Thread(target=reader) for _ in range(2)]
    for thread in readers:
        thread.start()
    try:
        with ThreadPoolExecutor(40) as pool:
            logins = Counter(pool.map(login, range(40)))
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    assert set(logins) <= {200, 401, 429}, logins
    assert logins[200] > 0
    assert set(reads) == {200} and sum(reads.values()) > 0, reads
    assert "Traceback" not in sqlite_served.stderr()

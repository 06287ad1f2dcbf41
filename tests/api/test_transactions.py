"""One transaction per request: two processes editing one case lose no update; a request
failing midway writes nothing (the case, its version and the audit row all absent)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import httpx
import pytest
from sqlalchemy import func, select

from tests.api.conftest import example
from tests.api.server import LiveServer

EDITS = 12

_EDITOR = textwrap.dedent(
    """
    import sys, httpx
    url, token, edits = sys.argv[1], sys.argv[2], int(sys.argv[3])
    done = conflicts = 0
    with httpx.Client(base_url=url, headers={"Authorization": "Bearer " + token}) as c:
        while done < edits:
            read = c.get("/api/cases/T-1-c")
            case = read.json()
            case["patient"]["age_years"] += 1
            reply = c.put("/api/cases/T-1-c", json=case, headers={"If-Match": read.headers["etag"]})
            if reply.status_code == 200:
                done += 1
            elif reply.status_code == 412:
                conflicts += 1
            else:
                raise SystemExit(f"unexpected {reply.status_code}: {reply.text}")
    print(done, conflicts)
    """
)


def test_two_processes_editing_one_case_lose_no_update(any_server: LiveServer) -> None:
    with any_server.client("clinician") as client:
        assert client.post("/api/patients", json={"code": "T-1"}).status_code == 201
        document = example(case_id="T-1-c")
        document["patient"]["age_years"] = 50
        assert client.post("/api/patients/T-1/cases", json=document).status_code == 201
    token = any_server.tokens["clinician"]
    editors = [
        subprocess.Popen(
            [sys.executable, "-c", _EDITOR, any_server.url, token, str(EDITS)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in editors]
    assert all(p.returncode == 0 for p in editors), outputs
    with any_server.client("viewer") as client:
        final = client.get("/api/cases/T-1-c")
        versions = client.get("/api/cases/T-1-c/versions").json()
    assert final.json()["patient"]["age_years"] == 50 + 2 * EDITS
    assert final.headers["etag"] == f'"T-1-c.v{1 + 2 * EDITS}"'
    ages = [v["case"]["patient"]["age_years"] for v in versions]
    assert ages == list(range(50, 51 + 2 * EDITS))


def _counts(server: LiveServer) -> tuple[int, int, int]:
    from vertebro.registry.schema import AuditRow, CaseRow, CaseVersionRow

    with server.registry.transaction() as session:
        return (
            session.scalar(select(func.count()).select_from(CaseRow)) or 0,
            session.scalar(select(func.count()).select_from(CaseVersionRow)) or 0,
            session.scalar(select(func.count()).select_from(AuditRow)) or 0,
        )


def test_a_request_failing_midway_writes_nothing(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vertebro.api import routes_cases

    with server.client("clinician") as client:
        assert client.post("/api/patients", json={"code": "T-2"}).status_code == 201
    real = routes_cases.create_case

    def create_then_fail(*args: object, **kwargs: object) -> object:
        real(*args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("the disk is full (simulated)")

    before = _counts(server)
    monkeypatch.setattr(routes_cases, "create_case", create_then_fail)
    with server.client("clinician") as client:
        reply = client.post("/api/patients/T-2/cases", json=example(case_id="T-2-c"))
    assert reply.status_code == 500
    assert reply.headers["content-type"] == "application/problem+json"
    assert _counts(server) == before
    monkeypatch.undo()
    with server.client("clinician") as client:
        assert client.get("/api/cases/T-2-c").status_code == 404
        assert (
            client.post("/api/patients/T-2/cases", json=example(case_id="T-2-c")).status_code == 201
        )


def test_a_refused_procedure_writes_no_audit_row(server: LiveServer) -> None:
    with server.client("clinician") as client:
        assert client.post("/api/patients", json={"code": "T-3"}).status_code == 201
        document = example("contraindicated-urosepsis-pmma-allergy", case_id="T-3-c")
        assert client.post("/api/patients/T-3/cases", json=document).status_code == 201
        assert client.post("/api/cases/T-3-c/assessments").status_code == 201
        before = _counts(server)
        body = {
            "schema": "vertebro.procedure/1", "status": "performed", "date": "2026-03-02",
            "operator": "X", "anaesthesia": "general",
            "levels": [{"level": "L1", "technique": "vertebroplasty", "approach": "bipedicular",
                        "cement_viscosity": "high", "cement_ml": 3}],
        }  # fmt: skip
        assert client.post("/api/cases/T-3-c/procedures", json=body).status_code == 409
    assert _counts(server) == before
    assert httpx.get(f"{server.url}/health").status_code == 200

"""Who may do what (api-v1): viewer reads; coordinator also records follow-ups; clinician
also creates and edits cases, assesses, records procedures; admin also reads the audit log."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import example
from tests.api.server import ROLES, LiveServer
from tests.registry.conftest import follow_up_doc, procedure_doc

RANK = {role: i for i, role in enumerate(ROLES)}


@pytest.fixture(scope="module")
def seeded(server: LiveServer) -> LiveServer:
    with server.client("clinician") as client:
        assert client.post("/api/patients", json={"code": "R-1"}).status_code == 201
        reply = client.post("/api/patients/R-1/cases", json=example(case_id="R-1-c"))
        assert reply.status_code == 201
        assert client.post("/api/cases/R-1-c/assessments").status_code == 201
    return server


def _calls(n: int) -> list[tuple[str, str, str, dict[str, object] | None]]:
    """(needed role, method, path, json) — unique ids per round so allowed calls succeed."""
    case = example(case_id=f"R-new-{n}")
    return [
        ("viewer", "POST", "/api/assess", example()),
        ("viewer", "GET", "/api/cases", None),
        ("viewer", "GET", "/api/cases/R-1-c", None),
        ("viewer", "GET", "/api/cases/R-1-c/versions", None),
        ("viewer", "GET", "/api/cases/R-1-c/assessments", None),
        ("viewer", "GET", "/api/cases/R-1-c/procedures", None),
        ("viewer", "GET", "/api/cases/R-1-c/follow-ups", None),
        ("viewer", "GET", "/api/patients", None),
        (
            "coordinator",
            "POST",
            "/api/cases/R-1-c/follow-ups",
            follow_up_doc("unscheduled", "2026-03-05"),
        ),
        ("clinician", "POST", "/api/patients", {"code": f"R-p{n}"}),
        ("clinician", "POST", "/api/patients/R-1/cases", case),
        ("clinician", "POST", "/api/cases/R-1-c/assessments", None),
        ("clinician", "POST", "/api/cases/R-1-c/procedures", procedure_doc(status="scheduled")),
        ("admin", "GET", "/api/audit", None),
        ("admin", "POST", "/api/reassess?dry_run=true", None),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_permissions(seeded: LiveServer, role: str) -> None:
    with seeded.client(role) as client:
        for needed, method, path, body in _calls(RANK[role]):
            reply = client.request(method, path, json=body)
            if RANK[role] >= RANK[needed]:
                assert reply.status_code in (200, 201), (role, method, path, reply.text)
            else:
                assert reply.status_code == 403, (role, method, path, reply.text)
                assert reply.headers["content-type"] == "application/problem+json"


def test_put_needs_clinician(seeded: LiveServer) -> None:
    with seeded.client("coordinator") as client:
        etag = client.get("/api/cases/R-1-c").headers["etag"]
        reply = client.put(
            "/api/cases/R-1-c", json=example(case_id="R-1-c"), headers={"If-Match": etag}
        )
    assert reply.status_code == 403


def test_every_api_route_needs_a_token(seeded: LiveServer) -> None:
    for _, method, path, body in _calls(99):
        reply = httpx.request(method, seeded.url + path, json=body)
        assert reply.status_code == 401, (method, path)
        assert reply.headers["www-authenticate"] == "Bearer"

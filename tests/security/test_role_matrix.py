"""The role matrix generated from ``/openapi.json`` (api-v1 "Who may do what" and 1.1):
every route × no / garbage / expired / revoked token × each role, against the spec's table,
on SQLite and PostgreSQL. A route missing from the table fails the test, so a new route
cannot slip in without its role being decided."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import any_server, example  # noqa: F401  (fixture reuse)
from tests.api.server import ROLES, LiveServer
from tests.registry.conftest import checklist_doc, follow_up_doc, procedure_doc

RANK = {role: i for i, role in enumerate(ROLES)}
PUBLIC = None

#: (method, path) → the lowest role that may call it (api-v1: viewer reads; coordinator also
#: records follow-ups; clinician also cases, assessments, procedures, checklist; admin also
#: users and the audit log).
NEEDED: dict[tuple[str, str], str | None] = {
    ("GET", "/health"): PUBLIC,
    ("POST", "/api/auth/token"): PUBLIC,
    ("POST", "/api/assess"): "viewer",
    ("POST", "/api/measure"): "viewer",
    ("GET", "/api/patients"): "viewer",
    ("POST", "/api/patients"): "clinician",
    ("GET", "/api/cases"): "viewer",
    ("POST", "/api/patients/{patient_code}/cases"): "clinician",
    ("GET", "/api/cases/{case_id}"): "viewer",
    ("PUT", "/api/cases/{case_id}"): "clinician",
    ("GET", "/api/cases/{case_id}/versions"): "viewer",
    ("GET", "/api/cases/{case_id}/assessments"): "viewer",
    ("POST", "/api/cases/{case_id}/assessments"): "clinician",
    ("GET", "/api/cases/{case_id}/procedures"): "viewer",
    ("POST", "/api/cases/{case_id}/procedures"): "clinician",
    ("GET", "/api/cases/{case_id}/procedures/{procedure_id}"): "viewer",
    ("PUT", "/api/cases/{case_id}/procedures/{procedure_id}"): "clinician",
    ("POST", "/api/cases/{case_id}/procedures/{procedure_id}/void"): "clinician",
    ("GET", "/api/cases/{case_id}/follow-ups"): "viewer",
    ("POST", "/api/cases/{case_id}/follow-ups"): "coordinator",
    ("GET", "/api/cases/{case_id}/follow-ups/{follow_up_id}"): "viewer",
    ("PUT", "/api/cases/{case_id}/follow-ups/{follow_up_id}"): "coordinator",
    ("POST", "/api/cases/{case_id}/follow-ups/{follow_up_id}/void"): "coordinator",
    ("GET", "/api/cases/{case_id}/checklist"): "viewer",
    ("PUT", "/api/cases/{case_id}/checklist"): "clinician",
    ("GET", "/api/audit"): "admin",
    ("GET", "/api/outcomes"): "viewer",
    ("GET", "/api/tokens"): "viewer",
    ("DELETE", "/api/tokens/{token_id}"): "viewer",
    # rulebook 2026.2: re-assess the registry
    ("POST", "/api/reassess"): "admin",
    # measurement review (issue 12)
    ("POST", "/api/measurements/recompute"): "viewer",
    ("GET", "/api/measurement-reviews"): "viewer",
    ("POST", "/api/measurement-reviews"): "clinician",
    ("GET", "/api/measurement-reviews/{key}"): "viewer",
    ("PUT", "/api/measurement-reviews/{key}"): "clinician",
    ("GET", "/api/measurement-reviews/{key}/measurement"): "viewer",
    ("GET", "/api/measurement-reviews/{key}/versions"): "viewer",
    # FHIR from other systems (issue 14)
    ("POST", "/api/fhir/import"): "clinician",
    ("GET", "/api/fhir/drafts"): "viewer",
    ("GET", "/api/fhir/drafts/{draft_id}"): "viewer",
    ("POST", "/api/fhir/drafts/{draft_id}/case"): "clinician",
}

CHECKLIST = checklist_doc()


def _seed(server: LiveServer) -> dict[str, str]:
    """A case with an assessment, a procedure and a follow-up; a spare and a revoked token."""
    with server.client("clinician") as client:
        assert client.post("/api/patients", json={"code": "M-1"}).status_code == 201
        assert (
            client.post("/api/patients/M-1/cases", json=example(case_id="M-1-c")).status_code == 201
        )
        assert client.post("/api/cases/M-1-c/assessments").status_code == 201
        procedure = client.post(
            "/api/cases/M-1-c/procedures", json=procedure_doc(date="2026-01-10")
        ).json()
    with server.client("coordinator") as client:
        follow_up = client.post(
            "/api/cases/M-1-c/follow-ups", json=follow_up_doc("1 week", "2026-01-17")
        ).json()
    made = httpx.post(
        server.url + "/api/auth/token",
        json={"username": "viewer", "password": "correct horse battery"},
    ).json()
    spare = httpx.post(
        server.url + "/api/auth/token",
        json={"username": "admin", "password": "correct horse battery"},
    ).json()
    revoked = made["access_token"]
    reply = httpx.delete(
        f"{server.url}/api/tokens/{made['token_id']}",
        headers={"Authorization": f"Bearer {revoked}"},
    )
    assert reply.status_code == 204
    return {
        "case_id": "M-1-c",
        "patient_code": "M-1",
        "procedure_id": str(procedure["id"]),
        "follow_up_id": str(follow_up["id"]),
        "token_id": str(spare["token_id"]),
        "revoked": revoked,
    }


class _Ids(dict[str, str]):
    """Path parameters: the seeded records' ids; any other parameter (a route added later)
    gets ``1`` — the role checks come before the lookup."""

    def __missing__(self, key: str) -> str:
        # well-formed ids of records that do not exist (a malformed one is a 422 first)
        return {"key": "0" * 16, "draft_id": "0" * 64}.get(key, "1")


def _request(method: str, path: str, ids: dict[str, str]) -> dict[str, Any]:
    if path.endswith("/void"):
        return {"json": {"reason": "entered in the wrong case"}}
    if method in ("POST", "PUT"):
        body: Any = {
            "/api/assess": example(),
            "/api/patients": {"code": "M-new"},
            "/api/patients/{patient_code}/cases": example(case_id="M-new-c"),
            "/api/cases/{case_id}": example(case_id=ids["case_id"]),
            "/api/cases/{case_id}/procedures": procedure_doc(status="scheduled"),
            "/api/cases/{case_id}/procedures/{procedure_id}": procedure_doc(date="2026-01-10"),
            "/api/cases/{case_id}/follow-ups": follow_up_doc("unscheduled", "2026-01-20"),
            "/api/cases/{case_id}/follow-ups/{follow_up_id}": follow_up_doc("1 week", "2026-01-17"),
            "/api/cases/{case_id}/checklist": CHECKLIST,
            "/api/auth/token": {"username": "viewer", "password": "correct horse battery"},
        }.get(path)
        if path == "/api/measure":
            return {"files": {"labels": ("x.nii.gz", b"\x1f\x8b not a label map")}}
        return {"json": body} if body is not None else {}
    return {}


def test_every_route_against_the_spec_table(any_server: LiveServer) -> None:  # noqa: F811
    ids = _Ids(_seed(any_server))
    schema = httpx.get(any_server.url + "/openapi.json").json()
    routes = [
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "delete", "patch")
    ]
    assert set(routes) == set(NEEDED), set(routes) ^ set(NEEDED)
    bad = {
        "none": {},
        "garbage": {"Authorization": "Bearer garbage-not-a-token"},
        "expired": {"Authorization": f"Bearer {any_server.tokens['expired']}"},
        "revoked": {"Authorization": f"Bearer {ids['revoked']}"},
    }
    checked = 0
    for method, path in routes:
        needed = NEEDED[(method, path)]
        url = any_server.url + path.format_map(ids)
        extra = _request(method, path, ids)
        for name, headers in bad.items():
            reply = httpx.request(method, url, headers=headers, timeout=30, **extra)
            checked += 1
            if needed is PUBLIC:  # whatever the token: the public answer
                assert reply.status_code == 200, (name, method, path, reply.text)
                continue
            assert reply.status_code == 401, (name, method, path, reply.text)
            assert reply.headers["www-authenticate"] == "Bearer"
        for role in ROLES:
            headers = {"Authorization": f"Bearer {any_server.tokens[role]}"}
            reply = httpx.request(method, url, headers=headers, timeout=30, **extra)
            checked += 1
            assert reply.status_code < 500, (role, method, path, reply.text)
            if needed is not PUBLIC and RANK[role] < RANK[needed]:
                assert reply.status_code == 403, (role, method, path, reply.text)
                assert reply.headers["content-type"] == "application/problem+json"
            else:
                assert reply.status_code not in (401, 403), (role, method, path, reply.text)
    assert checked == len(routes) * (len(bad) + len(ROLES))

"""Health, POST /api/assess, tokens (401 with WWW-Authenticate), problem responses."""

from __future__ import annotations

import json

import httpx

from tests.api.conftest import example
from tests.api.server import PASSWORD, LiveServer
from vertebro import assess, parse_case


def test_health_is_public(server: LiveServer) -> None:
    reply = httpx.get(f"{server.url}/health")
    assert reply.status_code == 200
    assert reply.json() == {"status": "ok", "version": "0.1.0", "rulebook_version": "2026.2"}


def test_assess_returns_exactly_the_core_assessment(server: LiveServer) -> None:
    document = example("mixed-plana-t8-t10-l1")
    with server.client("viewer") as client:
        reply = client.post("/api/assess", content=json.dumps(document))
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/json"
    assert reply.json() == assess(parse_case(document)).model_dump(mode="json")


def test_assess_rejects_with_the_cli_error_lines(server: LiveServer) -> None:
    document = example()
    document["fractures"][0]["level"] = "C5"
    document["patient"]["foo"] = 1
    document["clinical"]["pain_nrs"] = 7.0
    with server.client("viewer") as client:
        reply = client.post("/api/assess", content=json.dumps(document))
    assert reply.status_code == 422
    assert reply.headers["content-type"] == "application/problem+json"
    body = reply.json()
    assert body["status"] == 422 and body["title"] == "Invalid input"
    assert body["errors"] == [
        "patient.foo: unknown key",
        "clinical.pain_nrs: must be an integer, got 7.0",
        "fractures[0].level: 'C5' is outside T1–L5",
    ]


def test_assess_rejects_nul_nan_and_not_json(server: LiveServer) -> None:
    with server.client("viewer") as client:
        nul = client.post("/api/assess", content=b'{"case_id": "a\\u0000b"}')
        nan = client.post("/api/assess", content=b'{"patient": {"t_score": NaN}}')
        junk = client.post("/api/assess", content=b"\xff\x00not json")
    for reply in (nul, nan, junk):
        assert reply.status_code == 422, reply.text
        assert reply.json()["errors"]
    assert junk.json()["errors"][0].startswith("$: not valid JSON")


def test_no_bad_or_expired_token_is_401_with_bearer_challenge(server: LiveServer) -> None:
    body = json.dumps(example())
    replies = [
        httpx.post(f"{server.url}/api/assess", content=body),
        httpx.post(
            f"{server.url}/api/assess", content=body, headers={"Authorization": "Bearer vt_nope"}
        ),
        httpx.post(
            f"{server.url}/api/assess",
            content=body,
            headers={"Authorization": f"Bearer {server.tokens['expired']}"},
        ),
        httpx.post(
            f"{server.url}/api/assess",
            content=body,
            headers={"Authorization": f"Basic {server.tokens['admin']}"},
        ),
    ]
    for reply in replies:
        assert reply.status_code == 401
        assert reply.headers["www-authenticate"] == "Bearer"
        assert reply.headers["content-type"] == "application/problem+json"
    assert replies[2].json()["detail"] == "token expired"


def test_token_from_password(server: LiveServer) -> None:
    reply = httpx.post(
        f"{server.url}/api/auth/token",
        json={"username": "coordinator", "password": PASSWORD, "days": 1},
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["token_type"] == "bearer" and body["role"] == "coordinator"
    ok = httpx.get(
        f"{server.url}/api/cases", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert ok.status_code == 200
    wrong = httpx.post(
        f"{server.url}/api/auth/token", json={"username": "coordinator", "password": "nope"}
    )
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    strict = httpx.post(f"{server.url}/api/auth/token", json={"username": "x", "pass": "y"})
    assert strict.status_code == 422
    assert strict.json()["errors"] == ["pass: unknown key", "password: required"]


def test_unknown_route_is_a_problem(server: LiveServer) -> None:
    reply = httpx.get(f"{server.url}/api/nothing-here")
    assert reply.status_code == 404
    assert reply.headers["content-type"] == "application/problem+json"


def test_bad_path_parameter_is_422(server: LiveServer) -> None:
    with server.client("viewer") as client:
        reply = client.get("/api/cases/" + "x" * 65)
    assert reply.status_code == 422
    assert reply.json()["errors"][0].startswith("path.case_id:")

"""The pathway through the API: patient, case (ETag / If-Match), versions, assessments,
procedures (409, override reasons), follow-ups, worklist; on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx

from tests.api.conftest import example
from tests.api.server import LiveServer
from tests.registry.conftest import follow_up_doc, procedure_doc


def _new_case(client: httpx.Client, code: str, name: str = "l1-wedge") -> httpx.Response:
    assert client.post("/api/patients", json={"code": code, "birth_year": 1948}).status_code == 201
    return client.post(f"/api/patients/{code}/cases", json=example(name, case_id=f"{code}-c"))


def test_whole_pathway(any_server: LiveServer) -> None:
    with any_server.client("clinician") as client:
        created = _new_case(client, "P-1")
        assert created.status_code == 201, created.text
        assert created.headers["etag"] == '"P-1-c.v1"'
        assert created.json() == client.get("/api/cases/P-1-c").json()

        assessed = client.post("/api/cases/P-1-c/assessments")
        assert assessed.status_code == 201
        assert assessed.json()["assessment"]["recommendation"] == "kyphoplasty"
        assert assessed.json()["rulebook_version"] == "2026.2"

        session = client.post("/api/cases/P-1-c/procedures", json=procedure_doc())
        assert session.status_code == 201, session.text
        for visit, when in (("1 day", "2026-03-03"), ("1 month", "2026-04-01")):
            reply = client.post("/api/cases/P-1-c/follow-ups", json=follow_up_doc(visit, when))
            assert reply.status_code == 201, reply.text
        repeat = follow_up_doc("1 day", "2026-03-04")
        again = client.post("/api/cases/P-1-c/follow-ups", json=repeat)
        assert again.status_code == 200 and again.json()["version"] == 2

        visits = client.get("/api/cases/P-1-c/follow-ups").json()
        assert [v["follow_up"]["visit"] for v in visits] == ["1 day", "1 month"]
        assert visits[1]["days_after_anchor"] == 30 and visits[1]["out_of_window"] is False
        listed = client.get("/api/cases", params={"status": "in_follow_up"}).json()
        item = next(c for c in listed["cases"] if c["case_id"] == "P-1-c")
        assert item["anchor"] == "2026-03-02"
        assert [v["visit"] for v in item["visits"]][:3] == ["1 day", "1 week", "1 month"]
        assert client.get("/api/cases", params={"status": "bogus"}).status_code == 422


def test_etag_and_if_match(server: LiveServer) -> None:
    with server.client("clinician") as client:
        assert _new_case(client, "P-2").status_code == 201
        read = client.get("/api/cases/P-2-c")
        etag = read.headers["etag"]
        edited = example(case_id="P-2-c")
        edited["clinical"]["pain_nrs"] = 9

        missing = client.put("/api/cases/P-2-c", json=edited)
        assert missing.status_code == 428
        star = client.put("/api/cases/P-2-c", json=edited, headers={"If-Match": "*"})
        assert star.status_code == 428
        ok = client.put("/api/cases/P-2-c", json=edited, headers={"If-Match": etag})
        assert ok.status_code == 200 and ok.headers["etag"] == '"P-2-c.v2"'
        stale = client.put("/api/cases/P-2-c", json=edited, headers={"If-Match": etag})
        assert stale.status_code == 412
        assert stale.json()["current_version"] == 2
        other = client.put("/api/cases/P-2-c", json=edited, headers={"If-Match": '"P-1-c.v2"'})
        assert other.status_code == 412
        renamed = client.put(
            "/api/cases/P-2-c", json=example(case_id="other"), headers={"If-Match": '"P-2-c.v2"'}
        )
        assert renamed.status_code == 422
        assert renamed.json()["errors"] == ["case_id: must be 'P-2-c', the case being edited"]

        versions = client.get("/api/cases/P-2-c/versions").json()
        assert [v["version"] for v in versions] == [1, 2]
        assert versions[1]["case"]["clinical"]["pain_nrs"] == 9


def test_conflicts_and_refusals(server: LiveServer) -> None:
    with server.client("clinician") as client:
        assert _new_case(client, "P-3", "contraindicated-urosepsis-pmma-allergy").status_code == 201
        duplicate = client.post("/api/patients", json={"code": "P-3"})
        assert duplicate.status_code == 409
        again = client.post("/api/patients/P-3/cases", json=example(case_id="P-3-c"))
        assert again.status_code == 409
        assert client.post("/api/cases/P-3-c/assessments").status_code == 201
        refused = client.post("/api/cases/P-3-c/procedures", json=procedure_doc())
        assert refused.status_code == 409
        assert "contraindicated" in refused.json()["detail"]
        assert client.get("/api/cases/P-3-c/procedures").json() == []
        assert client.get("/api/cases/nope").status_code == 404
        assert client.post("/api/patients/nobody/cases", json=example()).status_code == 404


def test_a_departure_from_the_plan_needs_a_reason(server: LiveServer) -> None:
    with server.client("clinician") as client:
        assert _new_case(client, "P-4").status_code == 201
        assert client.post("/api/cases/P-4-c/assessments").status_code == 201
        vp = procedure_doc()
        vp["levels"][0].update(technique="vertebroplasty", balloon_ml=None)
        refused = client.post("/api/cases/P-4-c/procedures", json=vp)
        assert refused.status_code == 422
        assert refused.json()["errors"] == [
            "override_reason: required: L1 is planned as kyphoplasty, not vertebroplasty"
        ]
        vp["override_reason"] = "balloon not available on the day"
        accepted = client.post("/api/cases/P-4-c/procedures", json=vp)
        assert accepted.status_code == 201
        assert accepted.json()["procedure"]["override_reason"] == "balloon not available on the day"
    with server.client("admin") as admin:
        audit = admin.get("/api/audit", params={"entity": "procedure"}).json()
    assert audit[0]["after"]["document"]["override_reason"] == "balloon not available on the day"


def test_strict_registry_documents(server: LiveServer) -> None:
    with server.client("clinician") as client:
        assert _new_case(client, "P-5").status_code == 201
        bad = procedure_doc(date="2026-02-30", operator="Dr\u0000X")
        reply = client.post("/api/cases/P-5-c/procedures", json=bad)
        assert reply.status_code == 422
        assert reply.json()["errors"] == [
            'date: must be an ISO date YYYY-MM-DD, got "2026-02-30"',
            "operator: must not contain control characters",
        ]
        naive = follow_up_doc("1 day", "2026-03-03T10:00:00")
        assert client.post("/api/cases/P-5-c/follow-ups", json=naive).status_code == 422

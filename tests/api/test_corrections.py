"""registry-v1 / api-v1 1.1 over HTTP on SQLite and PostgreSQL: the date rules (finding 2
replayed), rows stored before them never break a page, corrections with ``If-Match``, void
with a reason (the record stays, marked, and leaves the schedule, the status and the
outcomes), and the checklist record."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from tests.api.conftest import example
from tests.api.server import LiveServer, live_server, sqlite_url
from tests.registry.conftest import checklist_doc, follow_up_doc, new_pg_database, procedure_doc

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def dated_server(request: pytest.FixtureRequest, tmp_path: Any) -> Any:
    """A live server whose clock says 2026-06-01, over SQLite then PostgreSQL."""
    from vertebro.api import Settings

    if request.param == "postgresql":
        url = new_pg_database(request.getfixturevalue("pg_server"), migrated=False)
    else:
        url = sqlite_url(tmp_path)
    with live_server(url, Settings(unit_phone="1", now=lambda: NOW)) as live:
        yield live


def _case(server: LiveServer, code: str) -> str:
    with server.client("clinician") as client:
        assert client.post("/api/patients", json={"code": code}).status_code == 201
        case = example(case_id=f"{code}-c")
        assert client.post(f"/api/patients/{code}/cases", json=case).status_code == 201
        assert client.post(f"/api/cases/{code}-c/assessments").status_code == 201
    return f"{code}-c"


def test_finding_2_future_and_ancient_dates_are_refused(dated_server: LiveServer) -> None:
    case_id = _case(dated_server, "D-1")
    with dated_server.client("clinician") as client:
        reply = client.post(
            f"/api/cases/{case_id}/procedures", json=procedure_doc(date="9999-12-31")
        )
        assert reply.status_code == 422
        assert reply.json()["errors"] == ["date: must not be in the future (today is 2026-06-01)"]
        scheduled = procedure_doc(status="scheduled", date="2029-01-01")
        reply = client.post(f"/api/cases/{case_id}/procedures", json=scheduled)
        assert reply.json()["errors"] == [
            "date: must not be more than 2 years ahead (today is 2026-06-01)"
        ]
        early = client.post(
            f"/api/cases/{case_id}/procedures", json=procedure_doc(date="1899-12-31")
        )
        assert early.json()["errors"] == ["date: must not be before 1900-01-01"]
        discharge = procedure_doc(date="2026-05-30", discharge_date="2026-06-05")
        reply = client.post(f"/api/cases/{case_id}/procedures", json=discharge)
        assert reply.json()["errors"] == [
            "discharge_date: must not be in the future (today is 2026-06-01)"
        ]
        tomorrow = client.post(
            f"/api/cases/{case_id}/procedures", json=procedure_doc(date="2026-06-02")
        )
        assert tomorrow.status_code == 201  # one day of slack for time zones
        assert client.get("/api/cases").status_code == 200
    with dated_server.client("coordinator") as client:
        for when, why in (
            ("9999-12-31", "must not be in the future (today is 2026-06-01)"),
            ("0001-01-01", "must not be before 1900-01-01"),
            ("2025-05-01", "must not be more than 365 days before the case's first procedure"),
        ):
            reply = client.post(
                f"/api/cases/{case_id}/follow-ups", json=follow_up_doc("unscheduled", when)
            )
            assert reply.status_code == 422
            assert reply.json()["errors"][0].startswith(f"date: {why}"), reply.text


def _store_bad_rows(server: LiveServer, case_id: str) -> None:
    """Dates stored before the rules existed: written straight into the tables."""
    from vertebro.registry.schema import FollowUpRow, ProcedureRow

    with server.registry.transaction() as session:
        session.execute(update(ProcedureRow).values(date=date(9999, 12, 31)))
        session.execute(
            update(FollowUpRow).where(FollowUpRow.visit == "1 week").values(date=date(9999, 12, 31))
        )
        session.execute(
            update(FollowUpRow).where(FollowUpRow.visit == "1 day").values(date=date(1, 1, 1))
        )


def test_rows_stored_before_the_rules_never_break_a_page(dated_server: LiveServer) -> None:
    case_id = _case(dated_server, "D-2")
    with dated_server.client("clinician") as client:
        assert (
            client.post(
                f"/api/cases/{case_id}/procedures", json=procedure_doc(date="2026-05-01")
            ).status_code
            == 201
        )
    with dated_server.client("coordinator") as client:
        for visit, when in (("1 day", "2026-05-02"), ("1 week", "2026-05-08")):
            assert (
                client.post(
                    f"/api/cases/{case_id}/follow-ups", json=follow_up_doc(visit, when)
                ).status_code
                == 201
            )
    _store_bad_rows(dated_server, case_id)
    with dated_server.client("viewer") as client:
        for path in (
            "/api/cases",
            f"/api/cases/{case_id}/procedures",
            f"/api/cases/{case_id}/follow-ups",
            "/api/outcomes",
            "/api/outcomes?include_demo=true",
        ):
            reply = client.get(path)
            assert reply.status_code == 200, (path, reply.text)
    web = httpx.Client(base_url=dated_server.url, timeout=60)
    from tests.security.test_sessions import _csrf

    token = _csrf(web.get("/login").text)
    form = {"username": "viewer", "password": "correct horse battery", "csrf_token": token}
    assert web.post("/login", data=form).status_code == 303
    for path in ("/worklist", f"/cases/{case_id}", f"/cases/{case_id}/follow-up", "/outcomes"):
        reply = web.get(path)
        assert reply.status_code == 200, (path, reply.text[:500])
    # and the bad record can be corrected through the API
    with dated_server.client("clinician") as client:
        stored = client.get(f"/api/cases/{case_id}/procedures").json()[0]
        fixed = client.put(
            f"/api/cases/{case_id}/procedures/{stored['id']}",
            json=procedure_doc(date="2026-05-01"),
            headers={"If-Match": stored["etag"]},
        )
        assert fixed.status_code == 200, fixed.text


def test_corrections_keep_every_version_and_need_if_match(dated_server: LiveServer) -> None:
    case_id = _case(dated_server, "D-3")
    with dated_server.client("clinician") as client:
        made = client.post(
            f"/api/cases/{case_id}/procedures", json=procedure_doc(date="2026-05-01")
        )
        pid, etag = made.json()["id"], made.headers["etag"]
        assert etag == f'"procedure-{pid}.v1"'
        url = f"/api/cases/{case_id}/procedures/{pid}"
        assert client.get(url).headers["etag"] == etag
        corrected = procedure_doc(date="2026-05-02", operator="Dr Right")
        assert client.put(url, json=corrected).status_code == 428
        assert (
            client.put(url, json=corrected, headers={"If-Match": '"procedure-999.v1"'}).status_code
            == 412
        )
        done = client.put(url, json=corrected, headers={"If-Match": etag})
        assert done.status_code == 200 and done.json()["version"] == 2
        stale = client.put(url, json=corrected, headers={"If-Match": etag})
        assert stale.status_code == 412 and stale.json()["current_version"] == 2
        assert client.get(f"/api/cases/other/procedures/{pid}").status_code == 404
    with dated_server.client("coordinator") as client:
        assert (
            client.put(url, json=corrected, headers={"If-Match": done.headers["etag"]}).status_code
            == 403
        )
        visit = client.post(
            f"/api/cases/{case_id}/follow-ups", json=follow_up_doc("1 week", "2026-05-08")
        )
        fid = visit.json()["id"]
        furl = f"/api/cases/{case_id}/follow-ups/{fid}"
        again = client.put(
            furl,
            json=follow_up_doc("1 week", "2026-05-09", pain_nrs=2),
            headers={"If-Match": visit.headers["etag"]},
        )
        assert again.status_code == 200 and again.json()["follow_up"]["pain_nrs"] == 2
    from vertebro.registry.schema import AuditRow, FollowUpVersionRow, ProcedureVersionRow

    with dated_server.registry.transaction(write=False) as session:
        old = session.query(ProcedureVersionRow).one()
        assert (old.version, old.document["operator"]) == (1, "Dr Test")
        assert session.query(FollowUpVersionRow).one().document["pain_nrs"] == 3
        edits = [a.action for a in session.query(AuditRow).filter(AuditRow.action.like("%.edit"))]
        assert edits == ["procedure.edit", "follow_up.edit"]


def test_void_leaves_the_schedule_the_status_and_the_outcomes(dated_server: LiveServer) -> None:
    case_id = _case(dated_server, "D-4")
    with dated_server.client("clinician") as client:
        made = client.post(
            f"/api/cases/{case_id}/procedures", json=procedure_doc(date="2026-05-01")
        ).json()
    with dated_server.client("coordinator") as client:
        visit = client.post(
            f"/api/cases/{case_id}/follow-ups", json=follow_up_doc("1 week", "2026-05-08")
        ).json()
    with dated_server.client("viewer") as client:
        before = next(
            c for c in client.get("/api/cases").json()["cases"] if c["case_id"] == case_id
        )
        assert before["status"] == "in_follow_up" and before["anchor"] == "2026-05-01"
        assert client.get("/api/outcomes").json()["n"] == 1
    with dated_server.client("coordinator") as client:
        vurl = f"/api/cases/{case_id}/follow-ups/{visit['id']}/void"
        assert client.post(vurl, json={}).status_code == 422
        assert client.post(vurl, json={"reason": ""}).status_code == 422
        assert client.post(vurl, json={"reason": "x" * 501}).status_code == 422
        voided = client.post(vurl, json={"reason": "recorded for the wrong patient"})
        assert voided.status_code == 200
        assert voided.json()["void"]["reason"] == "recorded for the wrong patient"
        assert voided.json()["void"]["by"] == "coordinator"
        assert client.post(vurl, json={"reason": "twice"}).status_code == 409
        # the visit can be recorded again
        assert (
            client.post(
                f"/api/cases/{case_id}/follow-ups", json=follow_up_doc("1 week", "2026-05-09")
            ).status_code
            == 201
        )
    with dated_server.client("clinician") as client:
        purl = f"/api/cases/{case_id}/procedures/{made['id']}/void"
        assert client.post(purl, json={"reason": "never happened: wrong case"}).status_code == 200
        edit = client.put(
            f"/api/cases/{case_id}/procedures/{made['id']}",
            json=procedure_doc(date="2026-05-01"),
            headers={"If-Match": made["etag"]},
        )
        assert edit.status_code == 409
    with dated_server.client("viewer") as client:
        after = next(c for c in client.get("/api/cases").json()["cases"] if c["case_id"] == case_id)
        assert after["status"] == "candidate" and after["anchor"] is None and after["visits"] == []
        assert client.get("/api/outcomes").json()["n"] == 0
        listed = client.get(f"/api/cases/{case_id}/procedures").json()
        assert len(listed) == 1 and listed[0]["void"]["reason"] == "never happened: wrong case"
        visits = client.get(f"/api/cases/{case_id}/follow-ups").json()
        assert [v["void"] is not None for v in visits] == [True, False]
    with dated_server.client("admin") as client:
        actions = {e["action"] for e in client.get("/api/audit", params={"limit": 50}).json()}
        assert {"procedure.void", "follow_up.void"} <= actions


def stopped_tag(reply: httpx.Response) -> dict[str, str]:
    return {"If-Match": reply.headers["etag"]}


def test_the_checklist_record(dated_server: LiveServer) -> None:
    case_id = _case(dated_server, "D-5")
    url = f"/api/cases/{case_id}/checklist"
    with dated_server.client("viewer") as client:
        blank = client.get(url)
        assert blank.status_code == 200 and blank.headers["etag"] == f'"checklist-{case_id}.v0"'
        assert blank.headers["x-vertebro-checklist-status"] == "incomplete"
        assert blank.json()["consent_signed"] == "not_known"
        document = blank.json()
        assert (
            client.put(url, json=document, headers={"If-Match": blank.headers["etag"]}).status_code
            == 403
        )
    document = checklist_doc(mri_date="2026-05-20")
    with dated_server.client("clinician") as client:
        assert client.put(url, json=document).status_code == 428
        ready = client.put(url, json=document, headers={"If-Match": blank.headers["etag"]})
        assert ready.status_code == 200, ready.text
        assert ready.headers["x-vertebro-checklist-status"] == "ready"
        assert (
            client.put(url, json=document, headers={"If-Match": blank.headers["etag"]}).status_code
            == 412
        )
        stop = {**document, "inr_acceptable": "no"}
        stopped = client.put(url, json=stop, headers={"If-Match": ready.headers["etag"]})
        assert stopped.headers["x-vertebro-checklist-status"] == "stop"
        bad = client.put(url, json={**document, "fasting": "maybe"}, headers=stopped_tag(stopped))
        assert bad.status_code == 422
        assert bad.json()["errors"][0].startswith("fasting: 'maybe' is not one of")
        future = client.put(
            url, json={**stop, "mri_date": "2026-06-05"}, headers=stopped_tag(stopped)
        )
        assert future.json()["errors"] == [
            "mri_date: must not be in the future (today is 2026-06-01)"
        ]
    with dated_server.client("viewer") as client:
        listed = next(
            c for c in client.get("/api/cases").json()["cases"] if c["case_id"] == case_id
        )
        assert listed["checklist"] == "stop"
        assert client.get(url).json()["inr_acceptable"] == "no"

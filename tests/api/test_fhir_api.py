"""FHIR over the REST API (docs/fhir.md), on SQLite and PostgreSQL: ``POST /api/fhir/import``
stores another system's Bundle as a draft (its report in the answer) or vertebro's as a
case; the drafts are read and completed into cases; refusals are 422 problems and write
nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import example
from tests.api.server import LiveServer, live_server, sqlite_url
from tests.exchange.test_fhir_foreign import FOREIGN, KEY
from tests.registry.conftest import new_pg_database, pg_server  # noqa: F401  (fixture reuse)
from vertebro.api import Settings
from vertebro.model import parse_case
from vertebro.registry.schema import AuditRow, DraftRow, PatientRow

HOSPITAL_A = json.loads((FOREIGN / "hospital-a-transaction.json").read_text())


@pytest.fixture(params=["sqlite", "postgresql"])
def keyed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    """A live server whose settings hold a pseudonym key."""
    if request.param == "postgresql":
        url = new_pg_database(request.getfixturevalue("pg_server"), migrated=False)
    else:
        url = sqlite_url(tmp_path)
    with live_server(url, Settings(pseudonym_key=KEY)) as live:
        yield live


def rows(server: LiveServer, table: Any) -> int:
    from sqlalchemy import func, select

    with server.registry.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_a_foreign_bundle_becomes_a_draft_then_a_case(keyed: LiveServer) -> None:
    with keyed.client("clinician") as client:
        reply = client.post(
            "/api/fhir/import",
            content=json.dumps(HOSPITAL_A),
            headers={"Content-Type": "application/fhir+json"},
        )
        assert reply.status_code == 201, reply.text
        answer = reply.json()
        draft_id = answer["id"]
        assert (
            answer["kind"] == "draft"
            and reply.headers["location"] == f"/api/fhir/drafts/{draft_id}"
        )
        assert answer["patient_code"] == KEY.patient_code(
            "http://hospital-a.example.org/fhir/mrn", "00012345"
        )
        report = answer["report"]
        assert {"path": "entry[0].resource.name", "resource": "Patient",
                "detail": "identifying, not stored"} in report["unmapped"]  # fmt: skip
        assert "patient.active_infection: required" in report["missing"]
        assert "00012345" not in reply.text

    with keyed.client("viewer") as client:
        (listed,) = client.get("/api/fhir/drafts").json()
        assert listed["draft_id"] == draft_id and listed["case_id"] is None
        draft = client.get(f"/api/fhir/drafts/{draft_id}").json()
        assert draft["case"]["clinical"] == {"pain_nrs": 8}
        assert client.get("/api/fhir/drafts/F-none").status_code == 404
        refused = client.post(f"/api/fhir/drafts/{draft_id}/case", json={"case": {}})
        assert refused.status_code == 403

    case = draft["case"]
    case["patient"]["active_infection"] = False
    case["clinical"]["neurology"] = "unknown"
    case["fractures"][0]["etiology"] = "osteoporotic"
    with keyed.client("clinician") as client:
        bad = client.post(
            f"/api/fhir/drafts/{draft_id}/case", json={"case": draft["case"] | {"case_id": "X"}}
        )
        assert bad.status_code == 422
        assert bad.json()["errors"] == [f"case.case_id: must be the draft's id {draft_id!r}"]
        done = client.post(
            f"/api/fhir/drafts/{draft_id}/case",
            json={"case": case, "follow_ups": draft["follow_ups"]},
        )
        assert done.status_code == 201, done.text
        assert done.headers["location"] == f"/api/cases/{draft_id}"
        stored = client.get(f"/api/cases/{draft_id}")
        assert stored.status_code == 200
        assert stored.json() == parse_case(case).model_dump(mode="json")
        (assessment,) = client.get(f"/api/cases/{draft_id}/assessments").json()
        assert assessment["assessment"]["recommendation"] == "needs_workup"
        assert len(client.get(f"/api/cases/{draft_id}/follow-ups").json()) == 1
        again = client.post(f"/api/fhir/drafts/{draft_id}/case", json={"case": case})
        assert again.status_code == 409
        twice = client.post("/api/fhir/import", json=HOSPITAL_A)
        assert twice.status_code == 409


def test_unreadable_bundles_are_422_and_write_nothing(keyed: LiveServer) -> None:
    broken = json.loads(json.dumps(HOSPITAL_A))
    broken["entry"].append({"resource": {"resourceType": "MedicinalProduct"}})
    typo = json.loads(json.dumps(HOSPITAL_A))
    typo["entry"][2]["resource"]["resourceType"] = "Observaton"
    audited = rows(keyed, AuditRow)  # the users and tokens of the test server
    with keyed.client("clinician") as client:
        for body, line in (
            (broken, "entry[5].resourceType: 'MedicinalProduct' is an R4 resource type"),
            (typo, "entry[2].resourceType: 'Observaton' is not an HL7 FHIR R4 resource type"),
            ({"resourceType": "Patient"}, "$: not a FHIR Bundle"),
        ):
            reply = client.post("/api/fhir/import", json=body)
            assert reply.status_code == 422, reply.text
            assert reply.headers["content-type"] == "application/problem+json"
            assert reply.json()["errors"][0].startswith(line)
        assert client.post("/api/fhir/import", content=b"{").status_code == 422
    with keyed.client("coordinator") as client:
        assert client.post("/api/fhir/import", json=HOSPITAL_A).status_code == 403
    for table in (PatientRow, DraftRow):
        assert rows(keyed, table) == 0
    assert rows(keyed, AuditRow) == audited


def test_without_a_key_a_record_number_is_refused_but_a_vertebro_bundle_imports(
    server: LiveServer,
) -> None:
    from vertebro.exchange.fhir_export import ExchangeRecord, bundle_json
    from vertebro.guidance import assess

    with server.client("clinician") as client:
        reply = client.post("/api/fhir/import", json=HOSPITAL_A)
        assert reply.status_code == 422
        assert "set VERTEBRO_PSEUDONYM_KEY" in reply.json()["errors"][0]
        given = client.post("/api/fhir/import", json=HOSPITAL_A, params={"patient_code": "A-1"})
        assert given.status_code == 201 and given.json()["patient_code"] == "A-1"

        case = parse_case(example(case_id="fhir-api-1"))
        record = ExchangeRecord(
            case=case,
            patient_code="V-1",
            assessment=assess(case),
            recorded=date(2026, 3, 1),
            assessed=date(2026, 3, 1),
        )
        own = client.post("/api/fhir/import", content=bundle_json(record))
        assert own.status_code == 201, own.text
        assert (own.json()["kind"], own.json()["id"]) == ("case", "fhir-api-1")
        assert own.headers["location"] == "/api/cases/fhir-api-1"
        assert client.get("/api/cases/fhir-api-1").status_code == 200
    assert httpx.post(server.url + "/api/fhir/import", json={}).status_code == 401

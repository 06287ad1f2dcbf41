"""``POST /api/reassess`` (admin): the registry under the current rulebook, over HTTP."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from tests.api.server import LiveServer
from tests.registry.conftest import example_case
from tests.registry.test_reassessment import KUMMELL, _stored_2026_1
from vertebro.registry.schema import CaseRow
from vertebro.services import registry as svc
from vertebro.services.registry import Actor, unit_of_work
from vertebro.services.registry.assessments import store_assessment


def test_dry_run_then_store_then_nothing_left(any_server: LiveServer) -> None:
    with unit_of_work(any_server.registry, Actor.cli()) as tx:
        svc.create_patient(tx, {"code": "P-API"})
        view = svc.create_case(tx, "P-API", example_case(KUMMELL))
        pk = tx.session.scalars(select(CaseRow.id).where(CaseRow.case_id == KUMMELL)).one()
        store_assessment(tx, pk, view.case_id, view.version, _stored_2026_1(KUMMELL))
    with any_server.client("clinician") as clinician:
        assert clinician.post("/api/reassess?dry_run=true").status_code == 403
    with any_server.client("admin") as admin:
        preview = admin.post("/api/reassess", params={"dry_run": "true"})
        assert preview.status_code == 200
        report = preview.json()
        assert (report["dry_run"], report["changed"], report["stored"]) == (True, 1, 0)
        change = report["changes"][0]
        assert (change["case_id"], change["before"], change["after"]) == (
            KUMMELL,
            "conservative",
            "kyphoplasty",
        )
        as_csv = admin.post("/api/reassess", params={"dry_run": "true", "format": "csv"})
        assert as_csv.headers["content-type"].startswith("text/csv")
        [row] = list(csv.DictReader(io.StringIO(as_csv.text)))
        assert (row["level"], row["rules_before"], row["rules_after"]) == ("T12", "Q-3", "T-4")

        stored = admin.post("/api/reassess").json()
        assert (stored["dry_run"], stored["changed"], stored["stored"]) == (False, 1, 1)
        assert admin.post("/api/reassess?dry_run=true").json()["changed"] == 0
        latest = admin.get(f"/api/cases/{KUMMELL}/assessments").json()
        assert [a["rulebook_version"] for a in latest] == ["2026.1", "2026.2"]
        assert admin.post("/api/reassess?format=xml").status_code == 422

"""The audit page (admin): a case id shows the case with its procedures, follow-ups,
checklist and exports (the report and the FHIR Bundle are logged under the case); a login
shows who logged in."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from pathlib import Path

from tests.api.server import PASSWORD, live_server, sqlite_url
from tests.registry.conftest import example_case, follow_up_doc, procedure_doc


def test_filtering_by_a_case_shows_everything_done_to_it(tmp_path: Path) -> None:
    from vertebro.model.checklist import blank_checklist
    from vertebro.services.registry import (
        Actor,
        assess_case,
        create_case,
        create_patient,
        record_follow_up,
        record_procedure,
        save_checklist,
        unit_of_work,
    )

    performed = date.today() - timedelta(days=10)
    with live_server(sqlite_url(tmp_path)) as live:
        with unit_of_work(live.registry, Actor.cli()) as tx:
            create_patient(tx, {"code": "AUD-1"})
            create_case(tx, "AUD-1", example_case("l1-wedge", "aud-1"))
            create_patient(tx, {"code": "AUD-2"})
            create_case(tx, "AUD-2", example_case("l1-wedge", "aud-10"))  # not "aud-1/…"
            assess_case(tx, "aud-1")
            save_checklist(tx, "aud-1", blank_checklist(), 0)
            record_procedure(tx, "aud-1", procedure_doc(date=performed.isoformat()))
            day = (performed + timedelta(days=1)).isoformat()
            record_follow_up(tx, "aud-1", follow_up_doc("1 day", day))
        with live.client(follow_redirects=True) as admin:
            token = re.search(r'name="csrf_token" value="([^"]+)"', admin.get("/login").text)
            assert token is not None
            admin.post(
                "/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token[1]}
            )
            assert admin.get("/cases/aud-1/report.pdf").status_code == 200
            assert admin.get("/cases/aud-1/fhir.json").status_code == 200
            page = html.unescape(admin.get("/audit", params={"entity_key": "aud-1"}).text)
            rows = re.findall(
                r"<tr><td>[^<]+</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>", page
            )
            actions = {action for _, action, _ in rows}
            assert {"case.create", "assessment.create", "checklist.record", "procedure.create",
                    "follow_up.create", "export"} <= actions  # fmt: skip
            records = {record for _, _, record in rows}
            assert all(r.startswith(("case aud-1", "procedure aud-1/", "follow_up aud-1/"))
                       for r in records), records  # fmt: skip
            exports = [who for who, action, record in rows if action == "export"]
            assert exports == ["admin", "admin"]  # the report and the Bundle, under the case
            logins = html.unescape(admin.get("/audit", params={"entity_key": "admin"}).text)
            login_rows = re.findall(r"<tr><td>[^<]+</td><td>([^<]*)</td><td>login</td>", logins)
            assert login_rows and set(login_rows) == {"admin"}

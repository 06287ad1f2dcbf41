"""The case page's record corrections (registry-v1 1.1) in a real browser: correct a
procedure (a new version), void a follow-up with a reason (it stays, marked, and leaves the
schedule), and the stored checklist with its status on the case page and the worklist."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.api.conftest import example
from tests.api.server import LiveServer
from tests.registry.conftest import follow_up_doc, procedure_doc
from tests.web.conftest import log_in, shot


def _seed(server: LiveServer) -> tuple[int, int]:
    performed = date.today() - timedelta(days=10)
    with server.client("clinician") as client:
        assert client.post("/api/patients", json={"code": "V-1"}).status_code == 201
        assert (
            client.post("/api/patients/V-1/cases", json=example(case_id="V-1-c")).status_code == 201
        )
        assert client.post("/api/cases/V-1-c/assessments").status_code == 201
        made = client.post(
            "/api/cases/V-1-c/procedures", json=procedure_doc(date=performed.isoformat())
        )
        assert made.status_code == 201, made.text
    with server.client("coordinator") as client:
        visit = client.post(
            "/api/cases/V-1-c/follow-ups",
            json=follow_up_doc("1 week", (performed + timedelta(days=7)).isoformat()),
        )
        assert visit.status_code == 201, visit.text
        day = client.post(
            "/api/cases/V-1-c/follow-ups",
            json=follow_up_doc("1 day", (performed + timedelta(days=1)).isoformat()),
        )
        assert day.status_code == 201, day.text
    return made.json()["id"], visit.json()["id"]


def test_correct_and_void_on_the_case_page(page: Any, web_server: LiveServer) -> None:
    procedure_id, follow_up_id = _seed(web_server)
    log_in(page)
    page.goto("/cases/V-1-c")
    record = page.locator(f"#procedure-{procedure_id}")
    record.get_by_role("link", name="Correct").click()
    page.wait_for_url(f"**/cases/V-1-c/procedures/{procedure_id}/edit")
    assert "version 1" in page.locator("h1").inner_text()
    page.get_by_label("Operator").fill("Dr Corrected")
    page.get_by_role("button", name="Save the procedure").click()
    page.wait_for_url("**/cases/V-1-c*")
    record = page.locator(f"#procedure-{procedure_id}")
    assert "Dr Corrected" in record.inner_text() and "version 2" in record.inner_text()

    visit = page.locator(f"#follow-up-{follow_up_id}")
    visit.get_by_label("Reason to void").fill("recorded for the wrong patient")
    visit.get_by_role("button", name="Void").click()
    page.wait_for_url("**/cases/V-1-c*")
    visit = page.locator(f"#follow-up-{follow_up_id}")
    text = visit.inner_text()
    assert "VOID" in text and "recorded for the wrong patient" in text and "clinician" in text
    assert visit.get_by_role("button", name="Void").count() == 0
    shot(page, "11-record-void")
    page.goto("/cases/V-1-c/follow-up")
    page.goto("/cases/V-1-c")
    day = page.locator(".records li", has_text="1 day on")
    day.get_by_role("link", name="Correct").click()
    page.wait_for_url("**/follow-ups/*/edit")
    assert "Correct the 1 day visit (version 1)" in page.locator("main").inner_text()
    page.get_by_label("Back pain now (NRS)").fill("1")
    page.get_by_role("button", name="Save the visit").click()
    page.wait_for_url("**/cases/V-1-c*")
    day = page.locator(".records li", has_text="1 day on")
    assert "pain 1/10" in day.inner_text() and "version 2" in day.inner_text()
    page.goto("/cases/V-1-c/follow-up")
    rows = page.locator("table.schedule tbody tr").all_inner_texts()
    week = next(r for r in rows if r.startswith("1 week"))
    assert "✓" not in week and "Due" in week  # the void visit left the schedule


def test_the_checklist_is_stored_and_shown(page: Any, web_server: LiveServer) -> None:
    with web_server.client("clinician") as client:
        assert client.post("/api/patients", json={"code": "V-2"}).status_code == 201
        assert (
            client.post("/api/patients/V-2/cases", json=example(case_id="V-2-c")).status_code == 201
        )
    log_in(page)
    page.goto("/cases/V-2-c/checklist")
    assert "No checklist saved" in page.locator("main").inner_text()
    for question in (
        "Anticoagulants and antiplatelets",
        "INR checked",
        "Platelet count checked",
        "Informed consent signed",
        "Allergies checked",
        "Fasting as instructed",
    ):
        page.locator("fieldset", has_text=question).get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Save the checklist").click()
    page.wait_for_url("**/cases/V-2-c/checklist?done=checklist")
    assert "Ready for the procedure" in page.locator(".checklist-status").inner_text()
    page.locator("fieldset", has_text="INR checked").get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Save the checklist").click()
    page.wait_for_url("**/cases/V-2-c/checklist?done=checklist")
    assert "Stop" in page.locator(".checklist-status").inner_text()
    page.reload()
    inr = page.locator("fieldset", has_text="INR checked")
    assert inr.get_by_label("No", exact=True).is_checked()
    shot(page, "12-checklist-stop")
    page.goto("/cases/V-2-c")
    assert "✗ stop" in page.locator(".case-head").inner_text()
    page.goto("/worklist")
    row = page.locator("tr", has_text="V-2-c")
    assert "✗ stop" in row.inner_text()

"""A new rulebook in the browser: a case assessed under 2026.1 says so and what 2026.2
would say; the admin previews the registry's changes, re-assesses, and the case follows.
Full citations (never bare tags) on the case page."""

from __future__ import annotations

import csv
import io
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from tests.api.server import LiveServer
from tests.registry.conftest import example_case
from tests.registry.test_reassessment import KUMMELL, _stored_2026_1
from vertebro.registry.schema import CaseRow
from vertebro.services import registry as svc
from vertebro.services.registry import Actor, unit_of_work
from vertebro.services.registry.assessments import store_assessment

from .conftest import log_in, shot


def _history(server: LiveServer) -> None:
    """The Kümmell case and l1-wedge as the registry kept them under rulebook 2026.1."""
    with unit_of_work(server.registry, Actor.cli()) as tx:
        svc.create_patient(tx, {"code": "P-RB"})
        for name in (KUMMELL, "l1-wedge"):
            document = example_case(name, f"rb-{name}")
            view = svc.create_case(tx, "P-RB", document)
            pk = tx.session.scalars(select(CaseRow.id).where(CaseRow.case_id == view.case_id))
            old = _stored_2026_1(name).model_copy(update={"case_id": view.case_id})
            store_assessment(tx, pk.one(), view.case_id, view.version, old)


def test_older_rulebook_case_then_registry_reassessment(page: Any, web_server: LiveServer) -> None:
    _history(web_server)
    case = f"rb-{KUMMELL}"
    log_in(page, "admin")

    page.goto(f"/cases/{case}")
    panel = page.get_by_role("region", name="Assessed under an older rulebook")
    expect(panel).to_contain_text("made under rulebook 2026.1")
    expect(panel).to_contain_text("would be Kyphoplasty (it was Conservative care)")
    expect(panel).to_contain_text("T12: Conservative care (rule Q-3) → Kyphoplasty (rule T-4)")
    shot(page, "rulebook-older-case")

    page.goto("/cases/rb-l1-wedge")
    wedge = page.get_by_role("region", name="Assessed under an older rulebook")
    expect(wedge).to_contain_text("same decisions and plan")

    page.get_by_role("link", name="Rulebook").click()
    page.get_by_role("button", name="Preview the changes").click()
    expect(page.locator("main")).to_contain_text("Preview: nothing was stored.")
    caption = "Cases whose recommendation changes under rulebook 2026.2"
    table = page.get_by_role("table", name=caption)
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text(case)
    expect(table).to_contain_text("T12: Conservative care (Q-3) → Kyphoplasty (T-4)")
    shot(page, "rulebook-preview")
    download = page.request.get(page.get_by_role("link", name="Download CSV").get_attribute("href"))
    rows = list(csv.DictReader(io.StringIO(download.text())))
    assert [(r["case_id"], r["level_after"], r["rules_after"]) for r in rows] == [
        (case, "kyphoplasty", "T-4")
    ]

    page.goto("/admin/reassess")
    page.get_by_role("button", name="Re-assess and store").click()
    expect(page.locator("main")).to_contain_text("new assessments stored; the old ones are kept")

    page.goto(f"/cases/{case}")
    expect(page.get_by_role("region", name="Assessed under an older rulebook")).to_have_count(0)
    expect(page.locator("#decision-h")).to_have_text("Kyphoplasty")

    page.goto("/admin/reassess")
    page.get_by_role("button", name="Preview the changes").click()
    expect(page.locator("main")).to_contain_text("0 cases whose decisions or plan change")


def test_case_page_cites_full_sources_in_order(page: Any, web_server: LiveServer) -> None:
    with unit_of_work(web_server.registry, Actor.cli()) as tx:
        svc.create_patient(tx, {"code": "P-CITE"})
        svc.create_case(tx, "P-CITE", example_case("l1-wedge", "cite-l1"))
        svc.assess_case(tx, "cite-l1")
    log_in(page, "viewer")
    page.goto("/cases/cite-l1")
    references = page.locator("ol.citations li")
    texts = references.all_inner_texts()
    # T-5's trials and meta-analysis, in full, before any patient-information page
    assert any("Wardlaw D" in t and "FREE" in t and "Lancet 2009" in t for t in texts)
    assert any("Dohm M" in t and "KAVIAR" in t for t in texts)
    assert any("Zhan Y" in t and "PMID 28192270" in t for t in texts)
    kinds = [t.split(".")[0] for t in texts]
    first_patient_info = kinds.index("Patient information (not peer-reviewed)")
    assert all(k == "Patient information (not peer-reviewed)" for k in kinds[first_patient_info:])
    assert first_patient_info >= 4
    # the reasons point into the list by number, never by a bare tag
    why = page.get_by_role("region", name="Why")
    expect(why).not_to_contain_text("[003")
    expect(why.locator("a.ref").first).to_have_attribute("href", "#ref-1")

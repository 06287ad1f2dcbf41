"""Issue 11's acceptance walk, in a real browser against a real server: log in, enter the
78-year-old woman with an osteoporotic L1 fracture (40 %, pain 8, 4 weeks, MRI oedema) through
the form, see which "Not known" answers block the decision (marked before saving, and after
the "needs work-up" result with the link opening the field focused), fill them, see the
recommendation with full citations, fill the checklist (a No stops, in red words; the answers
persist after a reload), record the procedure (confirmed), two follow-ups (baseline beside
them; the treatment leads the case page), and the leaflet with the unit's phone. Every page
goes through ``check_page`` (screenshot, no sideways scrolling)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the browser fixture reports a missing Playwright
    from playwright.sync_api import Page

from tests.web.accessibility import check_page
from tests.web.conftest import choose, log_in

PAIN = "L1 — Pain matches this level (examination and imaging)"
MEDICATION = "Medication and non-surgical care not enough"
STOP_RED = "rgb(164, 0, 0)"


def _enter_the_case(page: Page) -> None:
    page.get_by_role("link", name="New case", exact=True).click()
    page.wait_for_url("**/cases/new")
    page.get_by_label("Patient code").fill("ACC-1")
    page.get_by_label("Case id").fill("acc-1")
    page.get_by_label("Age").fill("78")
    page.get_by_label("Sex").select_option("female")
    choose(page, "patient.active_infection", "false")
    page.get_by_label("Back pain now (NRS)").fill("8")
    page.get_by_label("Neurological status from the fractures").select_option("intact")
    page.locator('select[name="fractures[0].level"]').select_option("L1")
    page.locator('select[name="fractures[0].etiology"]').select_option("osteoporotic")
    page.locator('input[name="fractures[0].age_weeks"]').fill("4")
    choose(page, "fractures[0].mri_edema", "true")
    page.locator('input[name="fractures[0].heights_mm.anterior"]').fill("15")
    page.locator('input[name="fractures[0].heights_mm.middle"]').fill("20")
    page.locator('input[name="fractures[0].heights_mm.posterior"]').fill("25")
    check_page(page, "acc-02-case-form")


def _marked(page: Page) -> list[str]:
    return [text.split("\n")[0] for text in page.locator("#blocking-summary li").all_inner_texts()]


def test_the_whole_pathway_of_issue_11(page: Page) -> None:
    page.goto("/login")
    check_page(page, "acc-00-login")
    log_in(page)
    check_page(page, "acc-01-worklist")

    # An empty form: every missing required field at once, each in words, each a link.
    page.get_by_role("link", name="New case", exact=True).click()
    page.get_by_role("button", name="Save and assess").click()
    summary = page.locator("#error-summary")
    problems = summary.locator("li").all_inner_texts()
    assert {"Patient code: required" if p.startswith("Patient code") else p for p in problems} >= {
        "Age: required",
        "Back pain now (NRS): required",
        "Fractured level 1 — Level: required",
    }
    assert len(problems) >= 6
    assert "patient." not in summary.inner_text() and "fractures[" not in summary.inner_text()
    assert summary.locator("a").count() == len(problems)
    check_page(page, "acc-01b-empty-form-errors")

    # Item 2: the unknowns that block are marked before saving.
    page.goto("/worklist")
    _enter_the_case(page)
    page.get_by_role("button", name="Check the decision without saving").click()
    status = page.locator("[role=status]").first.inner_text()
    assert "Not saved" in status and "Needs work-up" in status
    assert _marked(page) == [MEDICATION, PAIN]
    pain_field = page.locator(".field.blocks-decision", has_text="Pain matches this level")
    assert "Not known — the decision waits on this answer" in pain_field.inner_text()
    assert page.locator(".field.blocks-decision").count() == 2
    check_page(page, "acc-03-form-marked")

    # Saved as it is: "needs work-up", the missing data in words, each a link to its field.
    page.get_by_role("button", name="Save and assess").click()
    page.wait_for_url("**/cases/acc-1")
    assert "Needs work-up" in page.locator("section.banner").inner_text()
    missing = page.locator("section.missing li").all_inner_texts()
    assert missing == [f"{MEDICATION}: not known", f"{PAIN}: not known"]
    check_page(page, "acc-04-needs-work-up")
    page.get_by_role("link", name=f"{PAIN}: not known").click()
    page.wait_for_url("**/cases/acc-1/edit?focus=fractures*0*.pain_at_level")
    focused = page.evaluate("document.activeElement.name")
    assert focused == "fractures[0].pain_at_level"
    assert page.locator(".field.focused").count() == 1
    assert _marked(page) == [MEDICATION, PAIN]
    check_page(page, "acc-05-edit-focused")

    # Fill them: a decision, with the reasons' full citations.
    choose(page, "fractures[0].pain_at_level", "true")
    choose(page, "clinical.medication_insufficient", "true")
    page.get_by_role("button", name="Save as a new version and assess").click()
    page.wait_for_url("**/cases/acc-1")
    banner = page.locator("section.banner").inner_text()
    assert "Kyphoplasty" in banner
    assert page.locator("section.missing").count() == 0
    citations = page.locator("ol.citations li").all_inner_texts()
    assert citations and all(len(c) > 40 for c in citations)
    kinds = [c.split(".")[0] for c in citations]
    patient_info = [i for i, k in enumerate(kinds) if k.startswith("Patient information")]
    assert all(i > j for i in patient_info for j in range(len(kinds)) if j not in patient_info)
    assert "rulebook sources" not in " ".join(citations)
    check_page(page, "acc-06-recommendation")

    # The checklist: a No stops in red words, distinct from Not known; answers persist.
    page.get_by_role("link", name="Pre-procedure checklist").click()
    page.wait_for_url("**/cases/acc-1/checklist")
    for item in (
        "anticoagulation_paused",
        "platelets_acceptable",
        "consent_signed",
        "allergies_checked",
        "fasting",
    ):
        choose(page, item, "yes")
    choose(page, "inr_acceptable", "no")
    page.get_by_role("button", name="Save the checklist").click()
    page.wait_for_url("**/cases/acc-1/checklist?done=checklist")
    assert "The checklist was saved" in page.locator("p.done").inner_text()
    stop = page.locator(".checklist-status")
    assert "Stop: do not proceed" in stop.inner_text()
    assert "INR checked and within the unit's limit: No" in stop.inner_text()
    assert stop.locator("h2").evaluate("e => getComputedStyle(e).color") == STOP_RED
    inr = page.locator("fieldset.answer-no", has_text="INR checked")
    assert "✗ No — stop" in inr.inner_text()
    no_border = inr.evaluate("e => getComputedStyle(e).borderTopColor")
    page.reload()
    assert page.locator('input[name="inr_acceptable"][value="no"]').is_checked()
    assert page.locator('input[name="consent_signed"][value="yes"]').is_checked()
    check_page(page, "acc-07-checklist-stop")
    choose(page, "inr_acceptable", "not_known")
    page.get_by_role("button", name="Save the checklist").click()
    page.wait_for_url("**/cases/acc-1/checklist?done=checklist")
    unknown = page.locator("fieldset.answer-not_known", has_text="INR checked")
    assert "Not known yet" in unknown.inner_text()
    assert unknown.evaluate("e => getComputedStyle(e).borderTopColor") != no_border
    choose(page, "inr_acceptable", "yes")
    page.get_by_role("button", name="Save the checklist").click()
    page.wait_for_url("**/cases/acc-1/checklist?done=checklist")
    assert "Ready for the procedure" in page.locator(".checklist-status").inner_text()
    page.reload()
    assert page.locator('input[name="inr_acceptable"][value="yes"]').is_checked()
    check_page(page, "acc-08-checklist-ready")

    # The procedure, confirmed.
    page.goto("/cases/acc-1")
    assert "✓ ready" in page.locator(".case-head").inner_text()
    page.get_by_role("link", name="Record procedure").click()
    page.wait_for_url("**/cases/acc-1/procedure")
    optional = page.locator("fieldset.group", has_text="Treated level 2 (optional)")
    assert "(required)" not in optional.inner_text()
    performed = date.today() - timedelta(days=9)
    page.locator('input[name="date"]').fill(performed.isoformat())
    page.get_by_label("Operator").fill("Dr Acceptance")
    page.locator('input[name="levels[0].balloon_ml"]').fill("3")
    choose(page, "levels[0].leakage.present", "true")
    page.locator('input[name="levels[0].leakage.types.disc"]').check()
    page.locator('select[name="levels[0].leakage.detected_by"]').select_option("fluoroscopy")
    check_page(page, "acc-09-procedure-form")
    page.get_by_role("button", name="Save the procedure").click()
    page.wait_for_url("**/cases/acc-1/follow-up?done=procedure")
    assert "The procedure was saved" in page.locator("p.done").inner_text()
    check_page(page, "acc-10-procedure-saved")

    # Two follow-ups, each beside the baseline.
    for visit, when, pain in (
        ("1 day", performed + timedelta(days=1), "4"),
        ("1 week", performed + timedelta(days=7), "2"),
    ):
        page.locator("select[name=visit]").select_option(visit)
        page.get_by_label("Date of the visit").fill(when.isoformat())
        page.get_by_label("Back pain now (NRS)").fill(pain)
        page.get_by_role("button", name="Save the visit").click()
        page.wait_for_url("**/follow-up?saved=*")
    recorded = page.locator("section[aria-labelledby=records-h]").inner_text()
    assert "Baseline (the case, before treatment)" in recorded
    assert "2/10 (-6 from baseline)" in recorded
    schedule = page.locator("table.schedule").inner_text()
    assert "2 weeks" not in schedule
    check_page(page, "acc-11-follow-up")

    # After the procedure the case page leads with the treatment, the next visit and the leak.
    page.goto("/cases/acc-1")
    first_panel = page.locator("main > section").first
    assert first_panel.get_attribute("aria-labelledby") == "pathway-h"
    top = first_panel.inner_text()
    assert "Next visit: 1 month" in top
    assert "Cement leakage at L1 (disc)" in top
    assert "(baseline 8)" in top
    actions = page.locator("nav.case-actions a").all_inner_texts()
    assert actions[0] == "Record a follow-up visit"
    assert page.get_by_role("heading", name="Depart from this recommendation").count() == 0
    check_page(page, "acc-12-case-after-procedure")

    # The leaflet with the unit's phone.
    page.get_by_role("link", name="Patient leaflet").click()
    leaflet = page.locator("article.leaflet").inner_text()
    assert "Phone: 0123 456 789" in leaflet
    check_page(page, "acc-13-leaflet")

"""The whole pathway in a real browser: log in, create a case through the form, see the
recommendation and the spine diagram, record a procedure, add two follow-ups, open the
leaflet. Screenshots: test-artifacts/web/."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.web.conftest import choose, log_in, shot

UNLABELLED = """
() => [...document.querySelectorAll('input, select, textarea')]
  .filter(e => e.type !== 'hidden' && e.labels.length === 0 && !e.getAttribute('aria-label'))
  .map(e => e.name)
"""


def test_login_case_assessment_procedure_follow_ups_leaflet(page: Any) -> None:
    page.goto("/worklist")
    page.wait_for_url("**/login?next=/worklist")
    shot(page, "01-login")
    log_in(page)

    page.get_by_role("link", name="New case", exact=True).click()
    page.wait_for_url("**/cases/new")
    assert page.evaluate(UNLABELLED) == []
    assert page.locator("form.case-form input[type=checkbox]").count() == 0
    # Nullable booleans start at "Not known".
    assert page.locator('input[name="clinical.medication_insufficient"][value=""]').is_checked()
    page.get_by_label("Patient code").fill("W-1")
    page.get_by_label("Case id").fill("W-1-c")
    page.get_by_label("Age").fill("78")
    page.get_by_label("Sex").select_option("female")
    choose(page, "patient.active_infection", "false")
    page.get_by_label("Back pain now (NRS)").fill("8")
    choose(page, "clinical.medication_insufficient", "true")
    page.get_by_label("Neurological status from the fractures").select_option("intact")
    page.locator('select[name="fractures[0].level"]').select_option("L1")
    page.locator('select[name="fractures[0].etiology"]').select_option("osteoporotic")
    page.locator('input[name="fractures[0].age_weeks"]').fill("3")
    choose(page, "fractures[0].mri_edema", "true")
    choose(page, "fractures[0].pain_at_level", "true")
    page.locator('input[name="fractures[0].heights_mm.anterior"]').fill("15")
    page.locator('input[name="fractures[0].heights_mm.middle"]').fill("20")
    page.locator('input[name="fractures[0].heights_mm.posterior"]').fill("25")
    shot(page, "02-case-form")
    page.get_by_role("button", name="Save and assess").click()

    page.wait_for_url("**/cases/W-1-c")
    banner = page.locator("section.banner")
    assert "Kyphoplasty" in banner.inner_text()
    svg = page.locator("svg.spine")
    assert svg.is_visible()
    svg_text = svg.text_content() or ""
    assert "L1" in svg_text and "Kyphoplasty (KP) · grade 2 · 40 %" in svg_text
    assert "T-5" in page.locator("ol.reasons").inner_text()
    shot(page, "03-assessment")

    page.get_by_role("link", name="Record procedure").click()
    page.wait_for_url("**/cases/W-1-c/procedure")
    assert page.locator('select[name="levels[0].technique"]').input_value() == "kyphoplasty"
    performed = date.today() - timedelta(days=8)
    page.locator('input[name="date"]').fill(performed.isoformat())
    page.get_by_label("Operator").fill("Dr Browser")
    page.locator('input[name="levels[0].balloon_ml"]').fill("3")
    choose(page, "levels[0].leakage.present", "false")
    page.locator('select[name="levels[0].leakage.detected_by"]').select_option("fluoroscopy")
    shot(page, "04-procedure-form")
    page.get_by_role("button", name="Save the procedure").click()

    page.wait_for_url("**/cases/W-1-c/follow-up?done=procedure")
    assert "The procedure was saved" in page.locator("[role=status]").first.inner_text()
    # finding 2: a 1-week visit dated next week is refused, with the reason at the date
    page.locator("select[name=visit]").select_option("1 week")
    page.get_by_label("Date of the visit").fill((date.today() + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Save the visit").click()
    summary = page.locator("#error-summary").inner_text()
    assert f"must not be in the future (today is {date.today().isoformat()})" in summary
    for visit, when, pain in (
        ("1 day", performed + timedelta(days=1), "4"),
        ("1 week", performed + timedelta(days=7), "3"),
    ):
        page.locator("select[name=visit]").select_option(visit)
        page.get_by_label("Date of the visit").fill(when.isoformat())
        page.get_by_label("Back pain now (NRS)").fill(pain)
        page.get_by_role("button", name="Save the visit").click()
        page.wait_for_url("**/follow-up?saved=*")
        assert f"Visit “{visit}” saved" in page.locator("[role=status]").inner_text()
    schedule = page.locator("table.schedule").inner_text()
    assert "Recorded" in schedule and "Upcoming" in schedule
    shot(page, "05-follow-up")

    page.goto("/worklist")
    assert "In follow-up" in page.locator("table.grid").inner_text()
    shot(page, "06-worklist")

    page.goto("/cases/W-1-c/leaflet")
    leaflet = page.locator("article.leaflet").inner_text()
    assert "kyphoplasty" in leaflet.lower() and "0123 456 789" in leaflet
    for heading in (
        "What it may do for you",
        "Possible risks",
        "Other options",
        "Before the procedure",
        "Afterwards",
    ):
        assert heading in leaflet
    shot(page, "07-leaflet")
    page.get_by_role("link", name="Large print").click()
    assert "large-print" in (page.locator("body").get_attribute("class") or "")
    shot(page, "08-leaflet-large")

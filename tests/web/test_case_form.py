"""The case form in a browser: the parser's errors next to their inputs, the paste box for
``vertebro measure`` output, keyboard-only use, the 412 of a stale edit."""

from __future__ import annotations

import json
from typing import Any

from tests.web.conftest import log_in, shot

MEASUREMENT = {
    "schema": "vertebro.measurement/1",
    "convention": "verse",
    "levels": [
        {
            "level": "T12", "evaluable": True, "reason": None, "centroid_mm": [0, 0, 0],
            "heights_mm": {"anterior": 14.2, "middle": 18.0, "posterior": 24.1},
            "landmarks_mm": {
                "anterior_superior": [15.0, 7.1], "anterior_inferior": [15.0, -7.1],
                "middle_superior": [0.0, 9.0], "middle_inferior": [0.0, -9.0],
                "posterior_superior": [-15.0, 12.05], "posterior_inferior": [-15.0, -12.05],
            },
            "reference_height_mm": 25.0, "height_loss_pct": 43.2,
            "height_loss_source": "reference", "genant_grade": 2, "shape": "wedge",
            "wedge_angle_deg": 14.1,
        }
    ],
    "regional": [],
}  # fmt: skip


def test_errors_land_next_to_their_inputs_and_paste_fills_geometry(page: Any) -> None:
    log_in(page)
    page.goto("/cases/new")
    page.get_by_label("Patient code").fill("F-1")
    page.get_by_label("Case id").fill("F-1-c")
    page.get_by_label("Age").fill("abc")
    page.get_by_role("button", name="Save and assess").click()
    summary = page.locator("#error-summary")
    text = summary.inner_text()
    assert 'Age: must be an integer, got "abc"' in text
    assert "Active infection (systemic, or at a target level): required" in text
    assert "Fractured level 1 — Level: required" in text
    assert "patient." not in text and "fractures[" not in text
    assert page.locator("#f-patient-age_years-err").inner_text().endswith('got "abc"')
    assert page.evaluate("document.activeElement.id") == "error-summary"
    shot(page, "09-case-form-errors")

    page.locator("details.paste summary").click()
    page.get_by_label("Paste the JSON").fill(json.dumps(MEASUREMENT))
    page.get_by_role("button", name="Fill from measurement").click()
    assert "Filled the geometry of T12" in page.locator("[role=status]").inner_text()
    assert page.locator('select[name="fractures[0].level"]').input_value() == "T12"
    assert page.locator('input[name="fractures[0].heights_mm.anterior"]').input_value() == "14.2"
    assert page.locator('input[name="fractures[0].reference_height_mm"]').input_value() == "25"
    assert (
        page.locator('input[name="fractures[0].landmarks_mm.posterior_superior[1]"]').input_value()
        == "12.05"
    )
    shot(page, "10-case-form-pasted")


def test_the_login_works_with_the_keyboard_alone(page: Any) -> None:
    page.goto("/login")
    first = "document.querySelector('a, button, input:not([type=hidden]), select, textarea')"
    assert page.evaluate(f"{first}.textContent") == "Skip to content"
    assert page.evaluate("document.activeElement.id") == "username"  # autofocus
    page.keyboard.type("viewer")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type("correct horse battery")
    page.keyboard.press("Enter")
    page.wait_for_url("**/worklist")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"

"""Review and correct a measurement in a real chromium (issue 12): a clinician uploads a
label map (HealthiVert-GAN case 0007, VerSe-style, CC BY-SA 4.0), sees the sagittal view with
the landmarks of every evaluable level, drags a landmark and sees the grade change (the core
recomputes), moves another with the arrow keys, confirms a grade, saves, reloads and finds
the review kept as version 2 — and the case form fills from it."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.imaging.conftest import VERSE, require_data

from .conftest import log_in, shot


def _grade(page: Any, level: str) -> str:
    return str(page.locator(f"#grade-{level}").inner_text()).strip()


def test_drag_a_landmark_see_the_grade_change_save_and_reload(page: Any) -> None:
    require_data()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(  # the browser's own favicon request is not the page's
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    log_in(page)
    page.get_by_role("link", name="Measurements").click()
    page.get_by_label("Vertebra label map").set_input_files(str(VERSE / "0007_msk.nii.gz"))
    page.get_by_role("button", name="Measure and review").click()
    page.wait_for_url("**/measurements/*")
    page.wait_for_selector("#review[data-ready='yes']")
    assert _grade(page, "T12") == "0"
    assert page.locator("circle.landmark").count() == 6 * 7  # T11–L5 evaluable
    shot(page, "review-before")

    # Drag T12's anterior superior landmark 9 mm down: its anterior height drops by a third.
    handle = page.locator("circle[data-level='T12'][data-point='anterior_superior']")
    box = handle.bounding_box()
    view = page.locator("#spine-view svg").bounding_box()
    viewbox = page.locator("#spine-view svg").get_attribute("viewBox").split()
    px_per_mm = view["height"] / float(viewbox[3])
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + 4.5 * px_per_mm, steps=4)
    page.mouse.move(x, y + 9.0 * px_per_mm, steps=4)
    page.mouse.up()
    # (expect-style waits: wait_for_function evaluates a string, which the CSP forbids)
    expect(page.locator("#grade-T12")).not_to_have_text("0")
    grade_after_drag = _grade(page, "T12")
    assert int(grade_after_drag) >= 2
    assert "Recomputed T12" in page.locator("#review-status").inner_text()
    moved = handle.get_attribute("aria-label")

    # Keyboard: select L5's posterior inferior landmark and move it 1 mm up (two steps).
    key_handle = page.locator("circle[data-level='L5'][data-point='posterior_inferior']")
    before_key = key_handle.get_attribute("aria-label")
    key_handle.focus()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(key_handle).not_to_have_attribute("aria-label", before_key)
    page.wait_for_selector("#review-status:has-text('Recomputed L5')")

    # Confirm T12's new grade, override L5 without a reason (refused), then with one.
    page.get_by_label("Decision on the grade of T12").select_option("confirm")
    page.get_by_label("Decision on the grade of L5").select_option("1")
    page.get_by_role("button", name="Save the review").click()
    page.wait_for_selector("#review-status:has-text('Give a reason')")
    page.get_by_label("Reason for the decision on L5").fill("posterior wall bulge on the CT")
    page.get_by_role("button", name="Save the review").click()
    page.wait_for_selector("#review-status:has-text('Saved as version 2')")
    shot(page, "review-saved")

    page.reload()
    page.wait_for_selector("#review[data-ready='yes']")
    assert page.locator("#review-version").inner_text() == "2"
    assert _grade(page, "T12") == grade_after_drag
    assert handle.get_attribute("aria-label") == moved
    assert page.get_by_label("Decision on the grade of T12").input_value() == "confirm"
    assert page.get_by_label("Decision on the grade of L5").input_value() == "1"
    assert "History (2 versions)" in page.content()

    # The case form fills from the reviewed measurement (T12 now a fracture; L5 overridden).
    page.get_by_role("link", name="Fill a new case form from it").click()
    page.wait_for_url("**/case-form")
    levels = page.locator("select[name$='.level']").evaluate_all("nodes => nodes.map(n => n.value)")
    assert "T12" in levels and "L5" in levels and "L1" in levels
    shot(page, "review-case-form")
    assert not errors, errors

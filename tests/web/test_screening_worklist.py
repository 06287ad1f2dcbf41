"""Screening findings on the worklist, in a real browser: shown apart from the cases until
a clinician marks them reviewed; a viewer sees them without the button. The draft comes
from a real graded spine (VerSe'19 sub-verse007, Löffler et al. Radiol AI 2020)."""

from __future__ import annotations

from typing import Any

from tests.api.server import LiveServer
from tests.screening.conftest import DATA, require_data
from tests.web.conftest import log_in, shot


def _import_verse007(server: LiveServer) -> tuple[str, Any]:
    from vertebro.imaging.draft_case import draft_case
    from vertebro.screening.records import finding_of, patient_code
    from vertebro.services.measuring import measure_study
    from vertebro.services.registry import Actor, unit_of_work
    from vertebro.services.registry.screening_drafts import (
        NewScreeningDraft,
        ScreeningLevel,
        import_screening_drafts,
    )

    require_data()
    path = DATA / "verse19_graded" / "sub-verse007_seg-vert_msk.nii.gz"
    document = measure_study(path).document
    found = finding_of("verse007", str(path), document, 2)
    assert found is not None
    code = patient_code("verse007")
    draft = draft_case(document, code)
    assert draft is not None
    levels = tuple(
        ScreeningLevel(lv.level, lv.genant_grade, lv.height_loss_pct, lv.shape)
        for lv in found.levels
    )
    with unit_of_work(server.registry, Actor.cli()) as tx:
        import_screening_drafts(
            tx, [NewScreeningDraft(code, draft, levels, "vertebro.measurement/1")]
        )
    return code, found


def test_screening_drafts_wait_apart_until_reviewed(page: Any, web_server: LiveServer) -> None:
    code, found = _import_verse007(web_server)
    log_in(page, "viewer")
    section = page.locator("section.screening")
    assert "Screening findings to review (1)" in section.inner_text()
    assert code in section.inner_text()
    for level in found.levels:  # T12 and L1 (the radiologists' grade-2 fractures) at least
        assert f"{level.level} grade {level.genant_grade}" in section.inner_text()
    assert {level.level for level in found.levels} >= {"T12", "L1"}
    assert section.get_by_role("button", name="Reviewed").count() == 0  # viewers only look
    page.get_by_role("button", name="Log out").click()

    log_in(page, "clinician")
    row = page.locator("section.screening tr", has_text=code)
    assert f"Genant {found.max_grade}" in row.inner_text()
    shot(page, "screening-01-worklist")
    row.get_by_role("button", name="Reviewed").click()
    page.wait_for_url("**/worklist")
    assert page.locator("section.screening").count() == 0
    shot(page, "screening-02-reviewed")

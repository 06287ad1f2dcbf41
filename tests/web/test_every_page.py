"""Every page of the web app, at desktop (1280×800) and phone (390×844) width, as the role
that uses it, through :func:`tests.web.accessibility.check_page`: axe-core finds no
violation, nothing overflows sideways, and a full-page screenshot is kept in
``test-artifacts/web/`` (``every-<viewport>-<page>.png``). The registry holds the 21
example cases (new, needing work-up, contraindicated, …), 120 demo patients with
procedures and follow-ups, a checklist, a screening finding to review (shown above the
worklist), a measurement review and a re-assessment run."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.server import LiveServer, live_server, sqlite_url
from tests.imaging.conftest import VERSE, require_data
from tests.web.accessibility import check_page
from tests.web.conftest import log_in

VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}
NEW_CASE = "NEW-1-c"
WORKUP = "workup-missing-mri-and-plc"
CONTRA = "contraindicated-urosepsis-pmma-allergy"
ASSESSED = "l1-wedge"
SCREENED = "SCR-0007"


@dataclass(frozen=True)
class Site:
    server: LiveServer
    treated: str  # a case after its procedure, with recorded follow-ups
    procedure_id: int
    follow_up_id: int


def _new_case_document() -> dict[str, Any]:
    import json

    from vertebro.api.demo import example_documents

    document = json.loads(json.dumps(example_documents()[6]))  # l1-wedge
    document["case_id"] = NEW_CASE
    return dict(document)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from vertebro.api.demo import seed_demo
    from vertebro.imaging.draft_case import draft_case
    from vertebro.model.pathway import CaseStatus
    from vertebro.services.measuring import measure_study
    from vertebro.services.registry import (
        Actor,
        create_case,
        create_patient,
        list_follow_ups,
        list_procedures,
        save_checklist,
        unit_of_work,
        worklist,
    )
    from vertebro.services.registry.screening_drafts import (
        NewScreeningDraft,
        ScreeningLevel,
        import_screening_drafts,
    )

    require_data()
    measured = measure_study(VERSE / "0007_msk.nii.gz").document
    draft = draft_case(measured, SCREENED)
    assert draft is not None
    with live_server(sqlite_url(tmp_path_factory.mktemp("every"))) as live:
        seed_demo(live.registry, patients=120)
        with unit_of_work(live.registry, Actor.cli()) as tx:  # a screening finding to review
            import_screening_drafts(
                tx,
                [
                    NewScreeningDraft(
                        SCREENED,
                        draft,
                        (ScreeningLevel("L1", 3, 54.0, "biconcave"),),
                        "vertebro.measurement/1",
                    )
                ],
            )
        with unit_of_work(live.registry, Actor.cli()) as tx:
            create_patient(tx, {"code": "NEW-1"})
            create_case(tx, "NEW-1", _new_case_document())
            save_checklist(
                tx,
                ASSESSED,
                {
                    "schema": "vertebro.checklist/1",
                    "anticoagulation_paused": "yes",
                    "inr_acceptable": "no",
                    "platelets_acceptable": "yes",
                    "consent_signed": "yes",
                    "allergies_checked": "not_known",
                    "fasting": "yes",
                },
                0,
            )
            treated = next(
                o.case_id
                for o in worklist(tx, CaseStatus.IN_FOLLOW_UP)
                if o.overdue_visits or o.due_visits
            )
            procedure_id = list_procedures(tx, treated)[0].id
            follow_up_id = list_follow_ups(tx, treated)[0].id
        yield Site(live, treated, procedure_id, follow_up_id)


def _context(browser: Any, site: Site, viewport: str) -> Any:
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        base_url=site.server.url,
        bypass_csp=True,  # axe-core is injected as a script tag (tests/web/accessibility.py)
    )
    context.set_default_timeout(20_000)
    return context


#: Tables sticking out of the card (panel, section) that holds them (unless they scroll inside
#: it); the header bar narrower than the page.
_LAYOUT = """
() => {
  const out = [];
  for (const t of document.querySelectorAll('main table')) {
    const card = t.closest('.panel, section, fieldset');
    if (!card) continue;
    let scrolls = false;  // a table may scroll inside its own box
    for (let p = t.parentElement; p && !scrolls; p = p === card ? null : p.parentElement) {
      scrolls = ['auto', 'scroll'].includes(getComputedStyle(p).overflowX);
    }
    const r = t.getBoundingClientRect(), c = card.getBoundingClientRect();
    if (!scrolls && r.right > c.right + 0.5 || r.left < c.left - 0.5) {
      out.push(`table ${t.className || t.caption?.textContent || ''} outside its card`);
    }
  }
  const header = document.querySelector('header.top');
  if (header && Math.abs(header.getBoundingClientRect().width
      - document.documentElement.clientWidth) > 0.5) out.push('header bar narrower than the page');
  return out;
}
"""


def _check(page: Any, name: str, problems: list[str]) -> None:
    try:
        check_page(page, name)
    except AssertionError as exc:
        problems.append(str(exc))
    layout = page.evaluate(_LAYOUT)
    if layout:
        problems.append(f"layout on {name}: " + "; ".join(layout))


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_page_passes_axe_and_fits(browser: Any, site: Site, viewport: str) -> None:
    problems: list[str] = []
    context = _context(browser, site, viewport)
    page = context.new_page()
    tag = f"every-{viewport}"

    page.goto("/login")
    _check(page, f"{tag}-login", problems)
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    _check(page, f"{tag}-login-failed", problems)

    log_in(page, "admin")
    assert SCREENED in page.locator("section.screening").inner_text()
    treated = site.treated
    pages = [
        ("worklist", "/worklist"),
        ("worklist-page-2", "/worklist?page=2"),
        ("worklist-search-sorted", "/worklist?q=EX-0&sort=age&dir=desc"),
        ("worklist-follow-up", "/worklist?status=in_follow_up&sort=next"),
        ("worklist-no-match", "/worklist?q=no-such-patient"),
        ("case-new", f"/cases/{NEW_CASE}"),
        ("case-workup", f"/cases/{WORKUP}"),
        ("case-contraindicated", f"/cases/{CONTRA}"),
        ("case-assessed", f"/cases/{ASSESSED}"),
        ("case-treated", f"/cases/{treated}"),
        ("case-form-new", "/cases/new"),
        ("case-form-edit", f"/cases/{ASSESSED}/edit"),
        ("versions", f"/cases/{ASSESSED}/versions"),
        ("checklist", f"/cases/{ASSESSED}/checklist"),
        ("procedure-form", f"/cases/{ASSESSED}/procedure"),
        ("procedure-edit", f"/cases/{treated}/procedures/{site.procedure_id}/edit"),
        ("follow-up", f"/cases/{treated}/follow-up"),
        ("follow-up-edit", f"/cases/{treated}/follow-ups/{site.follow_up_id}/edit"),
        ("leaflet", f"/cases/{ASSESSED}/leaflet"),
        ("leaflet-large", f"/cases/{ASSESSED}/leaflet?large=true"),
        ("leaflet-contraindicated", f"/cases/{CONTRA}/leaflet"),
        ("outcomes", "/outcomes"),
        ("outcomes-demo", "/outcomes?include_demo=true"),
        ("audit", "/audit"),
        ("audit-filtered", f"/audit?record={ASSESSED}"),
        ("rulebook", "/admin/reassess"),
        ("settings", "/admin/settings"),
        ("measurements", "/measurements"),
        ("pacs", "/pacs"),
        ("not-found", "/cases/no-such-case"),
    ]
    for name, path in pages:
        page.goto(path)
        _check(page, f"{tag}-{name}", problems)

    # forms answered with errors
    page.goto("/cases/new")
    page.get_by_role("button", name="Save and assess").click()
    page.wait_for_selector("#error-summary")
    _check(page, f"{tag}-case-form-errors", problems)

    # a re-assessment preview run
    page.goto("/admin/reassess")
    page.get_by_role("button", name="Preview the changes").click()
    page.wait_for_url("**/admin/reassess/*")
    _check(page, f"{tag}-rulebook-run", problems)

    # a measurement review (a real label map)
    require_data()
    page.goto("/measurements")
    page.get_by_label("Vertebra label map").set_input_files(str(VERSE / "0007_msk.nii.gz"))
    page.get_by_role("button", name="Measure and review").click()
    page.wait_for_url("**/measurements/*")
    page.wait_for_selector("#review[data-ready='yes']")
    _check(page, f"{tag}-measurement-review", problems)
    page.goto("/measurements")
    _check(page, f"{tag}-measurements-one", problems)

    # 403: a viewer on the audit trail
    page.get_by_role("button", name="Log out").click()
    log_in(page, "viewer")
    page.goto("/audit")
    _check(page, f"{tag}-forbidden", problems)
    page.goto(f"/cases/{treated}")
    _check(page, f"{tag}-case-treated-viewer", problems)
    context.close()
    assert not problems, f"{len(problems)} page(s) with problems:\n" + "\n\n".join(problems)


def test_worklist_pages_search_and_sorts_a_large_registry(browser: Any, site: Site) -> None:
    """142 cases: 50 per page with page links and counts; the search finds a patient code;
    sorting by age marks the column with aria-sort; overdue visits read in words."""
    context = _context(browser, site, "desktop")
    page = context.new_page()
    log_in(page, "viewer")
    from vertebro.api.demo import example_documents

    total = len(example_documents()) + 1 + 120
    assert f"{total} case(s) in the registry" in page.locator("main").inner_text()
    assert page.locator("table.worklist tbody tr").count() == 50
    assert f"Cases 1–50 of {total}" in page.locator(".worklist-count").inner_text()
    pager = page.get_by_role("navigation", name="Worklist pages")
    assert pager.get_by_role("link", name="Page 1, current").get_attribute("aria-current") == "page"
    pager.get_by_role("link", name="Next").click()
    page.wait_for_url("**/worklist?page=2")
    assert f"Cases 51–100 of {total}" in page.locator(".worklist-count").inner_text()
    page.goto("/worklist?page=3")
    assert page.locator("table.worklist tbody tr").count() == total - 100

    page.get_by_label("Search by patient code or case id").fill("ex-00")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("table.worklist tbody tr")
    assert rows.count() == 9  # EX-001 … EX-009
    assert all("EX-00" in t for t in rows.all_inner_texts())

    page.goto("/worklist")
    page.get_by_role("columnheader", name="Age").get_by_role("link").click()
    header = page.locator("th[aria-sort]")
    assert header.count() == 1 and header.get_attribute("aria-sort") == "ascending"
    ages = [int(t) for t in page.locator("td[data-label=Age]").all_inner_texts()]
    assert ages == sorted(ages)
    page.get_by_role("columnheader", name="Age").get_by_role("link").click()
    assert page.locator("th[aria-sort]").get_attribute("aria-sort") == "descending"
    ages = [int(t) for t in page.locator("td[data-label=Age]").all_inner_texts()]
    assert ages == sorted(ages, reverse=True)

    page.goto("/worklist?sort=next")
    first = page.locator("td[data-label='Next step']").first.inner_text()
    assert "visit:" in first and "overdue" in first and "window" not in first, first
    assert any(unit in first for unit in ("day", "week", "month", "year"))
    context.close()

"""The web app's "From PACS" page in a real chromium against the real Orthanc: a clinician
sees the studies that hold a SEG, measures one, and opens it as a draft case whose form is
filled with the measured geometry; a refusing PACS shows one clear message."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.pacs.conftest import Pacs, pacs_fixture  # noqa: F401  (the pacs fixture: Orthanc)
from tests.web.conftest import log_in, shot


def _configure(monkeypatch: pytest.MonkeyPatch, pacs: Pacs, password: str) -> None:
    monkeypatch.setenv("VERTEBRO_PACS_URL", pacs.orthanc.dicomweb)
    monkeypatch.setenv("VERTEBRO_PACS_USER", pacs.orthanc.user)
    monkeypatch.setenv("VERTEBRO_PACS_PASSWORD", password)


def test_measure_a_study_into_a_draft_case(
    page: Any, pacs: Pacs, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(monkeypatch, pacs, pacs.orthanc.password)
    log_in(page, "clinician")
    page.get_by_role("link", name="From PACS").click()
    page.wait_for_url("**/pacs")
    rows = page.locator("table.grid tbody tr")
    assert rows.count() == 2
    assert "VB-TEST-0002" in rows.all_inner_texts()[0]  # newest first (2024 before 2022)
    page.get_by_role("button", name=f"Measure study {pacs.wedge_study}").click()
    page.get_by_role("heading", name=f"Measured study {pacs.wedge_study}").wait_for()
    report = page.locator("pre.json").inner_text()
    assert "L1" in report and "regional kyphosis" in report
    shot(page, "pacs-measured")
    page.get_by_role("button", name="Open as a draft case").click()
    page.wait_for_url("**/cases/new")

    local = subprocess.run(
        [sys.executable, "-m", "vertebro.cli", "measure", "--labels",
         str(pacs.data.wedge_labels), "--quiet"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    fractured = [
        lv for lv in json.loads(local.stdout)["levels"] if lv["evaluable"] and lv["genant_grade"]
    ]
    assert fractured, "the wedged L1 is a fracture"
    for i, lv in enumerate(fractured):
        assert page.locator(f'[name="fractures[{i}].level"]').input_value() == lv["level"]
        anterior = page.locator(f'[name="fractures[{i}].heights_mm.anterior"]').input_value()
        assert float(anterior) == lv["heights_mm"]["anterior"]
    shot(page, "pacs-draft-case")


def test_a_refusing_pacs_is_one_clear_message(
    page: Any, pacs: Pacs, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(monkeypatch, pacs, "wrong")
    log_in(page, "clinician")
    page.goto("/pacs")
    alert = page.get_by_role("alert")
    assert alert.inner_text() == (
        f"{pacs.orthanc.dicomweb}: refused: wrong or missing credentials "
        f"(HTTP 401 for GET {pacs.orthanc.dicomweb}/studies)"
    )
    assert page.locator("table.grid").count() == 0


def test_viewers_may_not_pull_from_the_pacs(
    page: Any, pacs: Pacs, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(monkeypatch, pacs, pacs.orthanc.password)
    log_in(page, "viewer")
    assert page.get_by_role("link", name="From PACS").count() == 0
    answer = page.goto("/pacs")
    assert answer is not None and answer.status == 403

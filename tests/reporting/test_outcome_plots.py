"""Figures and the HTML report of the outcomes document: labels and denominators read back
from the SVG text, small-n flags, empty documents, determinism, a self-contained page."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

import pytest

from tests.backends import require_module
from tests.outcomes.factories import level, patient, visit
from vertebro.model import Level, Technique
from vertebro.outcomes.records import LeakageDetection, TechniqueGroup, Visit
from vertebro.outcomes.report import outcomes_report

require_module("matplotlib")

from vertebro.reporting.outcome_plots import (  # noqa: E402 (after the check)
    complications_plot,
    nrs_change_plot,
    outcome_plots,
    success_plot,
    survival_plot,
)
from vertebro.reporting.outcomes_html import outcomes_html, outcomes_sections_html  # noqa: E402

AS_OF = date(2026, 1, 1)
KP, VP = TechniqueGroup.KYPHOPLASTY, TechniqueGroup.VERTEBROPLASTY
SVG = "{http://www.w3.org/2000/svg}"


def _cohort(kp: int, vp: int) -> dict[str, Any]:
    """``kp`` KP patients (CT-assessed leakage, one new fracture at day 90) and ``vp`` VP
    patients (radiograph-assessed leakage), all with baseline NRS 8 and a 1-month NRS."""
    people = []
    for i in range(kp):
        follow_ups = (
            visit(Visit.MONTH_1, 30, 2 + i % 4),
            visit(Visit.MONTHS_3, 91, 2, fractures=(Level.T12,) if i == 0 else ()),
        )
        people.append(
            patient(
                KP,
                pid=f"k{i}",
                follow_ups=follow_ups,
                levels=(
                    level(
                        Level.L1,
                        Technique.KYPHOPLASTY,
                        leakage=i == 1,
                        detected_by=LeakageDetection.CT,
                    ),
                ),
            )
        )
    for i in range(vp):
        people.append(
            patient(
                VP,
                pid=f"v{i}",
                follow_ups=(visit(Visit.MONTH_1, 30, 3 + i % 4),),
                levels=(
                    level(
                        Level.L2,
                        Technique.VERTEBROPLASTY,
                        leakage=i % 2 == 0,
                        detected_by=LeakageDetection.RADIOGRAPH,
                    ),
                ),
            )
        )
    return outcomes_report(people, as_of=AS_OF)


def _texts(svg: str | None) -> list[str]:
    """Every ``<text>`` of the SVG (one string per element, lines joined by spaces)."""
    assert svg is not None
    root = ET.fromstring(svg)  # well-formed XML
    return [" ".join("".join(t.itertext()).split()) for t in root.iter(f"{SVG}text")]


@pytest.fixture(scope="module")
def small() -> dict[str, Any]:
    return _cohort(4, 3)


@pytest.fixture(scope="module")
def large() -> dict[str, Any]:
    return _cohort(12, 14)


def test_pain_figures_show_denominators_and_flag_small_n(small: dict[str, Any]) -> None:
    texts = _texts(nrs_change_plot(small).svg)
    assert "Pain (NRS 0–10): change from baseline by visit" in texts
    assert {"n KP", "n VP", "4 small n", "3 small n"} <= set(texts)
    assert "Kyphoplasty (n = 4 patients)" in texts and "Vertebroplasty (n = 3 patients)" in texts
    assert any("hollow marker: small n (< 10)" in t for t in texts)
    assert any("not randomised" in t for t in texts)
    success = _texts(success_plot(small).svg)
    assert "Pain success (rule R-1) by visit" in success and "4 small n" in success


def test_no_small_n_flag_with_enough_patients(large: dict[str, Any]) -> None:
    for plot in outcome_plots(large):
        texts = _texts(plot.svg)
        assert not any("small n" in t for t in texts), plot.key
    texts = _texts(nrs_change_plot(large).svg)
    assert {"12", "14"} <= set(texts)


def test_survival_figure(small: dict[str, Any], large: dict[str, Any]) -> None:
    texts = _texts(survival_plot(large).svg)
    assert "Free of a new vertebral fracture (Kaplan–Meier)" in texts
    assert {"at risk KP", "at risk VP", "Days after the procedure"} <= set(texts)
    assert any(t.startswith("log-rank KP vs VP p") and "non-randomised" in t for t in texts)
    assert any(t.startswith("Kyphoplasty: 12 patients, 1 new fracture") for t in texts)
    assert any("pointwise interval (log-log)" in t for t in texts)
    assert any("(small n, < 10)" in t for t in _texts(survival_plot(small).svg))


def test_complications_figure(small: dict[str, Any], large: dict[str, Any]) -> None:
    texts = _texts(complications_plot(small).svg)
    assert "Kyphoplasty, CT" in texts and "Vertebroplasty, radiograph" in texts
    assert {"1 / 4 levels = 25.0 % · small n", "(95 % CI 4.6–69.9 %)"} <= set(texts)
    assert {"2 / 3 levels = 66.7 % · small n", "(95 % CI 20.8–93.9 %)"} <= set(texts)
    assert any("Hatched grey bars: small n" in t for t in texts)
    big = _texts(complications_plot(large).svg)
    assert {"7 / 14 levels = 50.0 %", "(95 % CI 26.8–73.2 %)"} <= set(big)
    assert "4 patients, no follow-up to 12 months yet" in texts


def test_empty_document_gives_sentences_not_figures() -> None:
    empty = outcomes_report([], as_of=AS_OF)
    plots = outcome_plots(empty)
    assert [p.key for p in plots] == ["nrs", "success", "survival", "complications"]
    assert all(p.svg is None and p.caption for p in plots)
    page = outcomes_html(empty)
    assert "<svg" not in page and "No pain change to show yet" in page
    assert "No comparison: it needs patients of both techniques" in page


def test_one_technique_only_has_no_comparison_label_in_figures() -> None:
    only_kp = _cohort(12, 0)
    texts = _texts(nrs_change_plot(only_kp).svg)
    assert not any("randomised" in t for t in texts)
    assert not any("log-rank" in t for t in _texts(survival_plot(only_kp).svg))


def test_svg_is_deterministic_and_ids_are_unique_per_page(large: dict[str, Any]) -> None:
    first = [p.svg for p in outcome_plots(large)]
    assert first == [p.svg for p in outcome_plots(large)]
    page = outcomes_sections_html(large)
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    for ref in re.findall(r'href="#([^"]+)"', page):
        assert ref in ids
    assert "<dc:date>" not in page and "Matplotlib v" not in page


def test_html_page_is_self_contained_with_tables(large: dict[str, Any]) -> None:
    page = outcomes_html(large)
    assert page.startswith("<!doctype html>") and page.count('<svg class="outcome-plot"') == 4
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert "url(http" not in page
    for caption in (
        "Change in pain NRS from baseline",
        "Success by visit (rule R-1",
        "Difference KP − VP by visit",
        "Cement leakage per treated level, by detection method",
        "New-fracture-free survival (Kaplan–Meier)",
        "Follow-up completeness as of 2026-01-01",
    ):
        assert caption in page, caption
    assert "7 / 14 levels = 50.0 %" in page  # denominator in the table
    assert "non-randomised" in page


def test_html_escapes_the_document() -> None:
    document = _cohort(2, 0)
    document["caveats"].append({"code": "x", "path": "$", "message": "<script>alert(1)</script>"})
    page = outcomes_html(document)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert 'class="small-n"' in page

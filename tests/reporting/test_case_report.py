"""Composing the case report's HTML (no PDF): what it says, in which order, escaped."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from tests.conftest import EXAMPLES
from tests.reporting.conftest import ASSESSED, TREATED, UNASSESSED
from vertebro import assess
from vertebro.model import Assessment
from vertebro.model.parsing import parse_case
from vertebro.reporting.case_report import (
    CaseReport,
    case_only_reasons,
    case_report_html,
    cautions_by_level,
    chart_points,
)
from vertebro.reporting.patient_leaflet import Unit, leaflet_html
from vertebro.reporting.spine import spine_levels, spine_svg
from vertebro.reporting.templating import css_string
from vertebro.services.registry.case_report import load_case_report

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _assessment(name: str) -> Assessment:
    return assess(parse_case(json.loads((EXAMPLES / f"{name}.json").read_text())))


def _load(url: str, case_id: str) -> CaseReport:
    from vertebro.registry import Registry
    from vertebro.services.registry import Actor, unit_of_work

    registry = Registry.open(url)
    try:
        with unit_of_work(registry, Actor.cli()) as tx:
            return load_case_report(tx, case_id)
    finally:
        registry.close()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_report_html_order_and_content(registry_url: str) -> None:
    html = case_report_html(_load(registry_url, TREATED), generated=NOW)
    text = _text(html)
    headings = re.findall(r"<h[23]>([^<]+)</h[23]>", html)
    assert headings == [
        "Levels", "Cautions", "Spine", "Plan", "Aftercare", "Procedures",
        "2026-01-06 — performed — Dr &lt;Test&gt;", "Follow-up", "Scores over time",
        "Sources cited",
    ]  # fmt: skip
    assert "Kyphoplasty" in text[text.index("Recommendation") : text.index("Levels")]
    assert "Dr &lt;Test&gt;" in html and "Dr <Test>" not in html
    assert 'src="data:image/svg+xml;base64,' in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "generated 2026-03-02 09:30 UTC" in html and "P-7" in html


def test_report_of_unassessed_case_and_of_case_without_records(registry_url: str) -> None:
    text = _text(case_report_html(_load(registry_url, UNASSESSED), generated=NOW))
    assert "Not assessed yet" in text and text.count("None recorded.") == 2
    text = _text(case_report_html(_load(registry_url, ASSESSED), generated=NOW))
    assert "Needs work-up" in text and text.count("None recorded.") == 2
    assert "Scores over time" not in text


def test_unknown_case_is_not_found(registry_url: str) -> None:
    from vertebro.errors import NotFound

    with pytest.raises(NotFound):
        _load(registry_url, "NOPE")


def test_chart_points_place_visits_after_the_procedure(registry_url: str) -> None:
    points = chart_points(_load(registry_url, TREATED))
    assert [(p.visit, p.days, p.nrs) for p in points] == [
        ("baseline", -1, 8), ("1 day", 1, 4), ("1 week", 7, 3), ("1 month", 30, 2),
        ("3 months", 91, 1),
    ]  # fmt: skip
    assert points[0].odi == 62.0 and points[1].odi is None
    assert chart_points(_load(registry_url, ASSESSED)) == []


def test_same_caution_at_several_levels_is_listed_once() -> None:
    a = _assessment("l1-burst-motorcycle-tlics5")
    merged = cautions_by_level(a)
    rules = [item.rule for _, item in merged]
    assert len(rules) == len({(item.rule, item.text) for _, item in merged})
    k7 = [levels for levels, item in merged if item.rule == "K-7"]
    assert k7 and all(levels for levels in k7)
    per_level = sum(len(level.cautions) for level in a.levels) + len(a.cautions)
    assert sum(max(1, len(levels.split(", "))) for levels, _ in merged) == per_level


def test_case_level_caution_and_reasons_not_repeated() -> None:
    a = _assessment("contraindicated-urosepsis-pmma-allergy")
    merged = cautions_by_level(a)
    assert ("", a.cautions[0]) in merged
    assert case_only_reasons(a) == []


def test_spine_for_print_draws_the_fractures_and_two_levels_around() -> None:
    a = _assessment("mixed-plana-t8-t10-l1")
    assert [str(v) for v in spine_levels(a, 2)] == [
        "T6", "T7", "T8", "T9", "T10", "T11", "T12", "L1", "L2", "L3",
    ]  # fmt: skip
    assert len(spine_levels(a)) == 17
    svg = str(spine_svg(a, around=2, styled=True))
    assert "Spine diagram, T6 to L3" in svg and "<style>" in svg and "font:" not in svg
    width = int(re.search(r'viewBox="0 0 (\d+)', svg).group(1))  # type: ignore[union-attr]
    assert width > 480  # the longest label fits
    web = str(spine_svg(a))
    assert "Spine diagram, T1 to L5" in web and "<style>" not in web


def test_css_strings_cannot_close_the_style_element() -> None:
    value = str(css_string('P-1 "</style><script>x</script>\\'))
    assert "<" not in value and ">" not in value
    assert value.startswith('"') and value.endswith('"') and value.count('"') == 2


def test_leaflet_html_escapes_and_carries_the_unit() -> None:
    html = leaflet_html(
        case_id="C-1", patient_code="P-1", assessment=_assessment("l1-wedge"),
        rulebook="2026.1", generated=NOW, unit=Unit("Unit <A>", "0123"), large_print=True,
    )  # fmt: skip
    assert "Unit &lt;A&gt;" in html and 'class="leaflet large-print"' in html
    assert "Phone: <strong>0123</strong>" in html
    general = leaflet_html(
        case_id="C-1", patient_code="P-1", assessment=None, rulebook="2026.1", generated=NOW
    )
    assert "Your back fracture" in general and "ask the unit for its number" in general


def _report_of(name: str) -> CaseReport:
    from vertebro.model.pathway import CaseStatus
    from vertebro.services.registry import AssessmentView, CaseOverview, CaseView

    case = parse_case(json.loads((EXAMPLES / f"{name}.json").read_text()))
    a = assess(case)
    return CaseReport(
        view=CaseView(case.case_id, "P-1", 1, 1, case, NOW, "test"),
        overview=CaseOverview(
            case.case_id,
            "P-1",
            1,
            CaseStatus.CANDIDATE,
            str(a.recommendation),
            None,
            (),
            None,
            NOW.date(),
        ),
        stored=AssessmentView(1, case.case_id, 1, a.rulebook_version, a, NOW, "test"),
        procedures=(),
        follow_ups=(),
    )


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.json")))
def test_every_example_shows_every_level_rule_and_caution(name: str) -> None:
    report = _report_of(name)
    a = report.assessment
    assert a is not None
    text = _text(case_report_html(report, generated=NOW))
    for level in a.levels:
        assert f" {level.level} " in text
        for item in [*level.reasons, *level.cautions]:
            assert item.rule in text
    for item in [*a.reasons, *a.cautions]:
        assert item.rule in text
    if a.plan is not None:
        for item in a.plan.aftercare:
            assert item.rule in text


def test_a_void_visit_is_marked_and_left_out_of_the_chart(tmp_path: object) -> None:
    """registry-v1 1.1: the report shows a void record marked and charts only live ones."""
    from pathlib import Path

    from tests.reporting.conftest import seed
    from vertebro.registry import Registry
    from vertebro.services.registry import Actor, list_follow_ups, unit_of_work, void_follow_up

    assert isinstance(tmp_path, Path)
    url = f"sqlite:///{tmp_path / 'void.db'}"
    seed(url)
    registry = Registry.open(url)
    try:
        with unit_of_work(registry, Actor.cli()) as tx:
            week = next(v for v in list_follow_ups(tx, TREATED) if v.follow_up.visit == "1 week")
            void_follow_up(tx, week.id, "scores of another patient")
    finally:
        registry.close()
    report = _load(url, TREATED)
    assert "1 week" not in [p.visit for p in chart_points(report)]
    html = case_report_html(report, generated=datetime(2026, 6, 1, tzinfo=UTC))
    assert "void: scores of another patient" in _text(html)

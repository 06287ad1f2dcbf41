"""The clinician's case report as one printable HTML document: decision first, then each
level with its reasons (rule ids), cautions, the spine diagram, the plan and aftercare, the
recorded procedures and the follow-up (table and chart).

:func:`vertebro.services.registry.case_report.load_case_report` reads what the report needs
in one registry transaction; :func:`case_report_html` composes the page (no I/O);
:mod:`vertebro.reporting.pdf` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from vertebro.model.level import Level
from vertebro.reporting.charts import ChartPoint, data_url, follow_up_chart_svg, in_time_order
from vertebro.reporting.citations import assessment_citations
from vertebro.reporting.spine import DECISION_STYLE, spine_levels, spine_svg
from vertebro.reporting.templating import environment, stamp

if TYPE_CHECKING:
    from vertebro.model import Assessment
    from vertebro.model.assessment import RuleCitation
    from vertebro.registry.views import (
        AssessmentView,
        CaseOverview,
        CaseView,
        FollowUpView,
        ProcedureView,
    )

__all__ = [
    "SPINE_AROUND",
    "CaseReport",
    "case_only_reasons",
    "case_report_html",
    "cautions_by_level",
    "chart_points",
]

#: The report's spine diagram draws the fractured levels and this many levels either side.
SPINE_AROUND = 2


@dataclass(frozen=True, slots=True)
class CaseReport:
    """Everything the case report shows, read in one transaction."""

    view: CaseView
    overview: CaseOverview
    stored: AssessmentView | None
    procedures: tuple[ProcedureView, ...]
    follow_ups: tuple[FollowUpView, ...]

    @property
    def assessment(self) -> Assessment | None:
        return None if self.stored is None else self.stored.assessment


def chart_points(report: CaseReport) -> list[ChartPoint]:
    """The follow-up scores placed in days since the procedure (the case's anchor).

    Visits need an anchor to be placed, so there are none before a performed session. When
    no ``baseline`` visit is recorded, the baseline taken from the case is drawn at day 0.
    Void visits are left out (registry-v1 1.1).
    """
    points = []
    for item in report.follow_ups:
        visit = item.follow_up
        if item.void is not None:
            continue
        if item.days_after_anchor is not None and str(visit.status) == "seen":
            points.append(
                ChartPoint(
                    item.days_after_anchor, str(visit.visit), visit.pain_nrs, visit.odi, visit.rdq
                )
            )
    baseline = report.overview.baseline
    has_baseline_visit = any(p.visit == "baseline" for p in points)
    if report.overview.anchor is not None and baseline is not None and not has_baseline_visit:
        points.append(ChartPoint(0, "baseline", baseline.pain_nrs, baseline.odi, baseline.rdq))
    return in_time_order(points)


def case_only_reasons(assessment: Assessment) -> list[RuleCitation]:
    """The case's reasons that no level already gives (the levels' table shows those)."""
    shown = {(r.rule, r.text) for level in assessment.levels for r in level.reasons}
    return [r for r in assessment.reasons if (r.rule, r.text) not in shown]


def cautions_by_level(assessment: Assessment) -> list[tuple[str, RuleCitation]]:
    """Every caution once: the case's (levels ``""``), then the levels', the same caution at
    several levels merged (``"T12, L1"``)."""
    case_wide = {(c.rule, c.text) for c in assessment.cautions}
    merged: dict[tuple[str, str], tuple[list[str], RuleCitation]] = {
        (c.rule, c.text): ([], c) for c in assessment.cautions
    }
    for level in assessment.levels:
        for item in level.cautions:
            key = (item.rule, item.text)
            if key not in case_wide:
                merged.setdefault(key, ([], item))[0].append(str(level.level))
    return [(", ".join(levels), item) for levels, item in merged.values()]


def _spine_range(assessment: Assessment | None) -> str:
    """``"T10–L3"``: the levels the report's spine diagram draws ("" for all of T1–L5)."""
    if assessment is None:
        return ""
    drawn = spine_levels(assessment, SPINE_AROUND)
    return "" if len(drawn) == len(Level) else f"{drawn[0]}–{drawn[-1]}"


def case_report_html(report: CaseReport, *, generated: datetime) -> str:
    """The report as a complete HTML document for print (A4; header with the patient's
    pseudonymous code, case id, rulebook version and ``generated``; page numbers)."""
    from vertebro.guidance import RULEBOOK_VERSION

    assessment = report.assessment
    points = chart_points(report)
    chart = follow_up_chart_svg(points)
    decision = None if assessment is None else str(assessment.recommendation)
    rulebook = RULEBOOK_VERSION if report.stored is None else report.stored.rulebook_version
    from_case = not any(
        str(f.follow_up.visit) == "baseline" and f.void is None for f in report.follow_ups
    )
    return (
        environment()
        .get_template("case_report.html")
        .render(
            r=report,
            a=assessment,
            decision=decision,
            colour=DECISION_STYLE.get(decision or "", ("#5c6670", ""))[0],
            spine=None
            if assessment is None
            else spine_svg(assessment, around=SPINE_AROUND, styled=True),
            spine_range=_spine_range(assessment),
            reasons=[] if assessment is None else case_only_reasons(assessment),
            cautions=[] if assessment is None else cautions_by_level(assessment),
            chart=None if chart is None else data_url(chart),
            chart_baseline_from_case=from_case and any(p.visit == "baseline" for p in points),
            refs=assessment_citations(assessment),
            rulebook=rulebook,
            generated=generated,
            head_left=f"Case {report.view.case_id} · patient {report.view.patient_code}",
            head_right=f"Rulebook {rulebook} · generated {stamp(generated)}",
            foot_left="vertebro decision support: the treating team decides.",
        )
    )

"""The assessment as a plain-text report a clinician reads in ten seconds.

Decision first (with what is missing when work-up is needed), then each level, then the plan.
"""

from __future__ import annotations

from vertebro.model.assessment import Assessment, LevelAssessment, RuleCitation, Score
from vertebro.reporting.citations import Citations, assessment_citations, cite, kind_label
from vertebro.reporting.labels import score_reading
from vertebro.reporting.vocabulary import (
    assessment_levels,
    field_words,
    in_level_order,
    missing_words,
)

__all__ = ["assessment_text"]

_WORDS = {
    "kyphoplasty": "KYPHOPLASTY",
    "vertebroplasty": "VERTEBROPLASTY",
    "either": "EITHER TECHNIQUE (kyphoplasty or vertebroplasty)",
    "mixed": "MIXED (kyphoplasty and vertebroplasty at different levels)",
    "open_surgery": "OPEN SURGERY instead of augmentation",
    "conservative": "CONSERVATIVE CARE (no procedure now)",
    "contraindicated": "CONTRAINDICATED (no procedure)",
    "needs_workup": "NEEDS WORK-UP before a decision",
}
_SOURCE_WORDS = {
    "given": "as given",
    "reference": "vs reference height",
    "posterior_ratio": "vs posterior height",
    "none": "",
}
_TIMING = {
    "favourable": "favourable (≤ 6 weeks)",
    "late": "late (> 6 weeks)",
    "unknown": "unknown (fracture age not given)",
}


def _cite(item: RuleCitation, refs: Citations) -> str:
    source = f" [{refs.refs(item.source)}]" if item.source else ""
    return f"{item.rule}  {item.text}{source}"


def _references(refs: Citations) -> list[str]:
    """The numbered reference list (the numbers in brackets above point into it)."""
    lines = ["Sources"]
    for n, source in refs.numbered():
        lines.append(f"  [{n}] {kind_label(source)}. {cite(source)}")
    return lines


def _num(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:.1f}{unit}"


def _score(name: str, score: Score, levels: list[str | None]) -> str:
    if score.value is not None:
        reading = score_reading(score.interpretation or "")
        return f"{name} {score.value} ({reading})"
    if score.missing:
        needs = ", ".join(field_words(path, levels) for path in score.missing)
        return f"{name} unknown (needs {needs})"
    return f"{name} n/a"


def _level_lines(level: LevelAssessment, refs: Citations, levels: list[str | None]) -> list[str]:
    loss = "height loss unknown"
    if level.height_loss_pct is not None:
        loss = (
            f"height loss {level.height_loss_pct:.1f} % ({_SOURCE_WORDS[level.height_loss_source]})"
        )
    grade = "Genant —" if level.genant_grade is None else f"Genant grade {level.genant_grade}"
    parts = [
        loss,
        grade,
        f"shape {level.shape or '—'}",
        f"wedge angle {_num(level.wedge_angle_deg, '°')}",
        f"OF class {level.of_class or '—'}",
    ]
    s = level.scores
    lines = [
        f"  {level.level:<4} {level.recommendation.replace('_', ' ').upper()}",
        "       " + " · ".join(parts),
        "       scores: "
        + " · ".join(
            (
                _score("OF score", s.of_score, levels),
                _score("TLICS", s.tlics, levels),
                _score("SINS", s.sins, levels),
            )
        ),
        f"       timing: {_TIMING[level.timing]}",
    ]
    lines += [f"       reason   {_cite(r, refs)}" for r in level.reasons]
    lines += [f"       caution  {_cite(c, refs)}" for c in level.cautions]
    if level.missing:
        missing = "; ".join(missing_words(path, levels) for path in level.missing)
        lines.append(f"       missing  {missing}")
    return lines


def _summary_table(a: Assessment) -> list[str]:
    """One row per level: what a clinician scans first."""
    planned = {p.level: p.technique for p in a.plan.levels} if a.plan else {}
    rows = [("Level", "Decision", "Planned", "Loss", "Grade", "Shape", "Timing", "Rules")]
    for level in a.levels:
        rows.append(
            (
                str(level.level),
                level.recommendation.replace("_", " "),
                planned.get(level.level, "—"),
                "—" if level.height_loss_pct is None else f"{level.height_loss_pct:.1f} %",
                "—" if level.genant_grade is None else str(level.genant_grade),
                level.shape or "—",
                level.timing,
                " ".join(r.rule for r in level.reasons + level.cautions),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def assessment_text(assessment: Assessment) -> str:
    """Render an assessment as text (ends with a newline)."""
    a = assessment
    refs = assessment_citations(a)
    levels = assessment_levels(a)
    out = [f"{a.case_id}: {_WORDS[a.recommendation]}", f"  rulebook {a.rulebook_version}"]
    if a.missing:
        out.append("  Missing data to add:")
        out += [
            f"    - {missing_words(path, levels)}" for path in in_level_order(a.missing, levels)
        ]
    for caution in a.cautions:
        out.append(f"  Caution  {_cite(caution, refs)}")
    out.append("")
    out.extend(_summary_table(a))
    out.append("")
    out.append("Levels (cranial to caudal)")
    for level in a.levels:
        out.extend(_level_lines(level, refs, levels))
    out.append("")
    if a.plan is None:
        out.append("Plan: none (no procedure recommended).")
    else:
        out.extend(_plan_lines(a, refs))
    if refs.entries:
        out.append("")
        out.extend(_references(refs))
    return "\n".join(out) + "\n"


def _plan_lines(a: Assessment, refs: Citations) -> list[str]:
    if a.plan is None:
        return []
    out = ["Plan"]
    for i, session in enumerate(a.plan.sessions, 1):
        out.append(
            f"  Session {i}: {', '.join(session.levels)}: "
            f"{session.anaesthesia.replace('_', ' ')} anaesthesia, {session.minutes} min, "
            f"{session.discharge.replace('_', '-')} discharge"
        )
    for planned in a.plan.levels:
        low, high = planned.cement_ml
        out.append(
            f"  {planned.level:<4} {planned.technique}, {planned.approach}, "
            f"PMMA {low:.1f}–{high:.1f} ml, {planned.cement_viscosity} viscosity"
        )
    out.append("Aftercare")
    out += [f"  {_cite(item, refs)}" for item in a.plan.aftercare]
    out.append("Follow-up visits: " + ", ".join(item.text for item in a.plan.follow_up))
    return out

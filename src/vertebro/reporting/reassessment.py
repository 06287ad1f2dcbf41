"""The re-assessment report (``vertebro reassess``) as text for a person and CSV for a
spreadsheet; its JSON is :meth:`ReassessmentReport.as_dict`."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from vertebro.guidance.changes import CaseReassessment, LevelChange, ReassessmentReport

__all__ = ["CSV_COLUMNS", "reassessment_csv", "reassessment_text"]

CSV_COLUMNS = (
    "case_id",
    "patient_code",
    "case_version",
    "assessed_case_version",
    "rulebook_before",
    "rulebook_after",
    "overall_before",
    "overall_after",
    "level",
    "level_before",
    "level_after",
    "rules_before",
    "rules_after",
    "plan_before",
    "plan_after",
)


def _rules(rules: Iterable[str]) -> str:
    return " ".join(rules) or "—"


def _decision(word: str | None, rules: tuple[str, ...]) -> str:
    if word is None:
        return "not assessed"
    return f"{word} ({_rules(rules)})" if rules else word


def _level_line(level: LevelChange) -> str:
    before = _decision(level.before, level.before_rules)
    after = _decision(level.after, level.after_rules)
    return f"  {level.level:<9} {before} → {after}"


def _case_lines(item: CaseReassessment) -> list[str]:
    change = item.change
    edited = (
        f", edited since: assessed v{item.assessed_case_version}"
        if item.assessed_case_version != item.case_version
        else ""
    )
    lines = [
        f"{item.case_id} (patient {item.patient_code}, case v{item.case_version}{edited})",
        f"  overall   {change.before} → {change.after}   "
        f"(rulebook {change.before_rulebook} → {change.after_rulebook}; "
        f"rules {_rules(change.before_rules)} → {_rules(change.after_rules)})",
        *(_level_line(level) for level in change.levels),
    ]
    if change.plan_changed:
        lines += [
            f"  plan      before: {change.plan_before}",
            f"            after:  {change.plan_after}",
        ]
    return lines


def reassessment_text(report: ReassessmentReport) -> str:
    """The report for a person: counts first, then each changed case, before → after."""
    by_rulebook = ", ".join(f"{v}: {n}" for v, n in sorted(report.by_rulebook.items()))
    stored = (
        "dry run: nothing stored"
        if report.dry_run
        else f"{report.stored} new assessments stored, the old ones kept"
    )
    lines = [
        f"Re-assessment under rulebook {report.rulebook_version} ({stored})",
        f"cases: {report.cases} · already assessed under {report.rulebook_version}: "
        f"{report.up_to_date} · re-assessed: {report.reassessed}"
        + (f" (made under {by_rulebook})" if by_rulebook else "")
        + f" · never assessed: {report.never_assessed}",
        f"decisions or plan changed: {len(report.changes)} case(s)",
    ]
    for item in report.changes:
        lines += ["", *_case_lines(item)]
    if report.failures:
        lines += ["", f"could not be re-assessed: {len(report.failures)} case(s)"]
        lines += [f"  {case_id}: {error}" for case_id, error in report.failures]
    return "\n".join(lines) + "\n"


def reassessment_csv(report: ReassessmentReport) -> str:
    """One row per changed level of each changed case (a case whose plan changed with no
    level decision changing has one row with an empty level)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in report.changes:
        change = item.change
        common = [
            item.case_id,
            item.patient_code,
            item.case_version,
            item.assessed_case_version,
            change.before_rulebook,
            change.after_rulebook,
            change.before,
            change.after,
        ]
        plans = [change.plan_before, change.plan_after]
        levels = change.levels or (None,)
        for level in levels:
            if level is None:
                writer.writerow([*common, "", "", "", "", "", *plans])
                continue
            writer.writerow(
                [
                    *common,
                    level.level,
                    level.before or "",
                    level.after or "",
                    " ".join(level.before_rules),
                    " ".join(level.after_rules),
                    *plans,
                ]
            )
    return out.getvalue()

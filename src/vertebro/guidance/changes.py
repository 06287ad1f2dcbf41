"""What a re-assessment changed: the decisions and the plan of two assessments of one case.

Used when a new rulebook version arrives (``vertebro reassess``): an old stored assessment
and the one the current rulebook makes are compared decision by decision. Wording and
source tags of a rule may change between rulebook versions without changing any decision;
only the overall recommendation, the levels' decisions and the plan count as a change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from vertebro.model.assessment import Assessment, LevelAssessment, Plan

__all__ = [
    "AssessmentChange",
    "CaseReassessment",
    "LevelChange",
    "ReassessmentReport",
    "compare_assessments",
    "plan_summary",
]


@dataclass(frozen=True, slots=True)
class LevelChange:
    """One level whose decision changed, with the rules that decided it before and after
    (``None``: the level was not in that assessment)."""

    level: str
    before: str | None
    after: str | None
    before_rules: tuple[str, ...]
    after_rules: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AssessmentChange:
    """The differences between two assessments of one case (before → after)."""

    before_rulebook: str
    after_rulebook: str
    before: str
    after: str
    before_rules: tuple[str, ...]
    after_rules: tuple[str, ...]
    levels: tuple[LevelChange, ...]
    plan_before: str
    plan_after: str

    @property
    def recommendation_changed(self) -> bool:
        return self.before != self.after

    @property
    def plan_changed(self) -> bool:
        return self.plan_before != self.plan_after


def _rules(items: list[LevelAssessment] | None, level: str) -> tuple[str, ...]:
    for item in items or ():
        if item.level == level:
            return tuple(reason.rule for reason in item.reasons)
    return ()


def plan_summary(plan: Plan | None) -> str:
    """One line naming what the plan does: per level the technique, approach, cement and
    viscosity, then the sessions (``"none"`` without a plan).

    Aftercare wording is left out on purpose: it follows from the plan.
    """
    if plan is None:
        return "none"
    levels = "; ".join(
        f"{p.level} {p.technique} {p.approach} {p.cement_ml[0]:g}–{p.cement_ml[1]:g} ml "
        f"{p.cement_viscosity}"
        for p in plan.levels
    )
    sessions = " | ".join(
        f"{'+'.join(str(level) for level in s.levels)} {s.anaesthesia} {s.minutes} min "
        f"{s.discharge}"
        for s in plan.sessions
    )
    return f"{levels} · sessions: {sessions}"


def compare_assessments(before: Assessment, after: Assessment) -> AssessmentChange | None:
    """The change from ``before`` to ``after``, or ``None`` when the overall recommendation,
    every level's decision and the plan are the same (a rule reworded, re-sourced or
    replaced by another rule with the same decision is not a change)."""
    old = {str(item.level): item for item in before.levels}
    new = {str(item.level): item for item in after.levels}
    levels: list[LevelChange] = []
    for level in dict.fromkeys([*new, *old]):
        was, now = old.get(level), new.get(level)
        was_rules, now_rules = _rules(before.levels, level), _rules(after.levels, level)
        was_word = None if was is None else str(was.recommendation)
        now_word = None if now is None else str(now.recommendation)
        if was_word != now_word:
            levels.append(LevelChange(level, was_word, now_word, was_rules, now_rules))
    plan_before, plan_after = plan_summary(before.plan), plan_summary(after.plan)
    if before.recommendation == after.recommendation and not levels and plan_before == plan_after:
        return None
    return AssessmentChange(
        before_rulebook=before.rulebook_version,
        after_rulebook=after.rulebook_version,
        before=str(before.recommendation),
        after=str(after.recommendation),
        before_rules=tuple(reason.rule for reason in before.reasons),
        after_rules=tuple(reason.rule for reason in after.reasons),
        levels=tuple(levels),
        plan_before=plan_before,
        plan_after=plan_after,
    )


@dataclass(frozen=True, slots=True)
class CaseReassessment:
    """One case whose decisions or plan the current rulebook changes."""

    case_id: str
    patient_code: str
    case_version: int
    assessed_case_version: int
    change: AssessmentChange

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (lists for the rule tuples)."""
        change = asdict(self.change)
        return {
            "case_id": self.case_id,
            "patient_code": self.patient_code,
            "case_version": self.case_version,
            "assessed_case_version": self.assessed_case_version,
            **_lists(change),
        }


def _lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(v) for v in value]
    return value


@dataclass(slots=True)
class ReassessmentReport:
    """What one run found: counts, the changed cases, and the cases that could not be
    re-assessed (a stored version the current model refuses), with why."""

    rulebook_version: str
    dry_run: bool
    cases: int = 0
    up_to_date: int = 0
    never_assessed: int = 0
    reassessed: int = 0
    stored: int = 0
    by_rulebook: dict[str, int] = field(default_factory=dict)
    changes: list[CaseReassessment] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    run_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready values (the API's and ``--format json``'s document)."""
        return {
            "run_id": self.run_id,
            "rulebook_version": self.rulebook_version,
            "dry_run": self.dry_run,
            "cases": self.cases,
            "up_to_date": self.up_to_date,
            "never_assessed": self.never_assessed,
            "reassessed": self.reassessed,
            "stored": self.stored,
            "reassessed_by_rulebook": dict(sorted(self.by_rulebook.items())),
            "changed": len(self.changes),
            "changes": [c.as_dict() for c in self.changes],
            "failures": [{"case_id": c, "error": e} for c, e in self.failures],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReassessmentReport:
        """The report back from :meth:`as_dict` (as kept in the audit log)."""
        changes = [
            CaseReassessment(
                case_id=item["case_id"],
                patient_code=item["patient_code"],
                case_version=item["case_version"],
                assessed_case_version=item["assessed_case_version"],
                change=AssessmentChange(
                    before_rulebook=item["before_rulebook"],
                    after_rulebook=item["after_rulebook"],
                    before=item["before"],
                    after=item["after"],
                    before_rules=tuple(item["before_rules"]),
                    after_rules=tuple(item["after_rules"]),
                    levels=tuple(
                        LevelChange(
                            level["level"],
                            level["before"],
                            level["after"],
                            tuple(level["before_rules"]),
                            tuple(level["after_rules"]),
                        )
                        for level in item["levels"]
                    ),
                    plan_before=item["plan_before"],
                    plan_after=item["plan_after"],
                ),
            )
            for item in data["changes"]
        ]
        return cls(
            rulebook_version=data["rulebook_version"],
            dry_run=data["dry_run"],
            cases=data["cases"],
            up_to_date=data["up_to_date"],
            never_assessed=data["never_assessed"],
            reassessed=data["reassessed"],
            stored=data["stored"],
            by_rulebook=dict(data["reassessed_by_rulebook"]),
            changes=changes,
            failures=[(f["case_id"], f["error"]) for f in data["failures"]],
            run_id=data.get("run_id"),
        )

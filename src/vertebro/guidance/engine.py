"""Case → Verdict → Assessment under the current rulebook: each level through C, O, N-1, Q, N, T
in order, then W and K for every level, then the composition and the plan."""

from __future__ import annotations

from vertebro.guidance.catalogue import RULEBOOK_VERSION, citation
from vertebro.guidance.facts import LevelFacts, level_facts
from vertebro.guidance.rules import (
    C_RULES,
    LEVEL_CAUTIONS,
    N1_RULE,
    N_RULES,
    O_RULES,
    PATIENT_CAUTIONS,
    Q_RULES,
    T_RULES,
    LevelRule,
    cement_leak_risk,
)
from vertebro.guidance.verdict import LevelVerdict, Verdict
from vertebro.model.assessment import ASSESSMENT_SCHEMA, Assessment, LevelAssessment, Scores
from vertebro.model.case import Case
from vertebro.model.enums import Etiology, Recommendation
from vertebro.model.fast import build
from vertebro.planning import TreatedLevel, make_plan

__all__ = ["assess", "compose", "decide_level", "evaluate", "to_assessment"]

R = Recommendation
_OSTEOPOROTIC = Etiology.OSTEOPOROTIC
_CONTRAINDICATED, _OPEN_SURGERY, _NEEDS_WORKUP = R.CONTRAINDICATED, R.OPEN_SURGERY, R.NEEDS_WORKUP
_CONSERVATIVE, _EITHER, _MIXED = R.CONSERVATIVE, R.EITHER, R.MIXED
_TECHNIQUES = frozenset({R.KYPHOPLASTY, R.VERTEBROPLASTY})
_TREATED = frozenset(r for r in R if r.is_treated)


def _first(rules: tuple[LevelRule, ...], case: Case, facts: LevelFacts) -> LevelRule | None:
    for rule in rules:
        if rule.holds(case, facts):
            return rule
    return None


def decide_level(
    case: Case, facts: LevelFacts, contraindications: list[str]
) -> tuple[Recommendation, list[str], list[str]]:
    """The decision of one level: (recommendation, reported rule ids, missing fields)."""
    if contraindications:
        return _CONTRAINDICATED, list(contraindications), []
    rule = _first(O_RULES, case, facts)
    if rule is not None:
        return _OPEN_SURGERY, [rule.id], []
    if N1_RULE.holds(case, facts):
        return _NEEDS_WORKUP, [N1_RULE.id], N1_RULE.missing(case, facts)
    rule = _first(Q_RULES, case, facts)
    if rule is not None:
        return _CONSERVATIVE, [rule.id], []
    workup = [r for r in N_RULES if r.holds(case, facts)]
    if workup:
        missing: list[str] = []
        for r in workup:
            missing.extend(m for m in r.missing(case, facts) if m not in missing)
        return _NEEDS_WORKUP, [r.id for r in workup], missing
    rule = _first(T_RULES, case, facts)
    if rule is None or rule.decides is None:  # every known loss ends in a T rule
        raise AssertionError(f"no technique rule held for {facts.fracture.level}")
    return rule.decides, [rule.id], []


def compose(levels: list[Recommendation], contraindicated: bool) -> Recommendation:
    """The overall recommendation (composition steps 1–5; not rules, never reported)."""
    if contraindicated:
        return _CONTRAINDICATED
    if _OPEN_SURGERY in levels:
        return _OPEN_SURGERY
    if _NEEDS_WORKUP in levels:
        return _NEEDS_WORKUP
    techniques = _TECHNIQUES.intersection(levels)
    if len(techniques) == 1:
        return next(iter(techniques))
    if techniques:
        return _MIXED
    return _EITHER if _EITHER in levels else _CONSERVATIVE


def _unique(lists: list[list[str]]) -> list[str]:
    """The items of ``lists``, each once, in order of first appearance."""
    if len(lists) == 1:
        return list(lists[0])
    return list(dict.fromkeys(item for items in lists for item in items))


def _ordinal(facts: LevelFacts) -> int:
    return facts.fracture.level.ordinal


def evaluate(case: Case) -> Verdict:
    """Judge a validated case under the current rulebook: every level's facts, decision and rule
    ids, the overall recommendation and the plan."""
    contraindications = [r.id for r in C_RULES if r.holds(case, 0)]
    all_facts = [level_facts(case, i) for i in range(len(case.fractures))]
    if len(all_facts) > 1:
        all_facts.sort(key=_ordinal)

    levels: list[LevelVerdict] = []
    decisions: list[Recommendation] = []
    treated: list[TreatedLevel] = []
    for facts in all_facts:
        decision, rule_ids, missing = decide_level(case, facts, contraindications)
        decisions.append(decision)
        if decision in _TREATED:
            treated.append(
                TreatedLevel(  # level, recommendation, loss_pct, leak_risk, osteoporotic
                    facts.fracture.level,
                    decision,
                    facts.loss_pct if facts.loss_pct is not None else 0.0,
                    cement_leak_risk(case, facts),
                    facts.fracture.etiology is _OSTEOPOROTIC,
                )
            )
        cautions = [r.id for r in LEVEL_CAUTIONS if r.holds(case, facts)]
        levels.append(LevelVerdict(facts, decision, rule_ids, cautions, missing))
    overall = compose(decisions, bool(contraindications))
    missing_all: list[str] = []
    if overall is _NEEDS_WORKUP:
        missing_all = _unique([level.missing for level in levels])
    return Verdict(
        case_id=case.case_id,
        recommendation=overall,
        levels=levels,
        reasons=_unique([level.reasons for level in levels]),
        cautions=[r.id for r in PATIENT_CAUTIONS if r.holds(case, len(treated))],
        missing=missing_all,
        plan=make_plan(
            overall,
            treated,
            asa_class=case.patient.asa_class,
            severe_pulmonary_disease=case.patient.severe_pulmonary_disease,
        ),
    )


def _level_assessment(level: LevelVerdict) -> LevelAssessment:
    facts = level.facts
    return build(
        LevelAssessment,
        level=facts.fracture.level,
        recommendation=level.recommendation,
        height_loss_pct=facts.loss_pct,
        height_loss_source=facts.loss_source,
        genant_grade=facts.grade,
        shape=facts.shape,
        wedge_angle_deg=facts.wedge_angle_deg,
        of_class=facts.of_class,
        scores=build(Scores, of_score=facts.of_score, tlics=facts.tlics, sins=facts.sins),
        timing=facts.timing,
        reasons=[citation(rule_id) for rule_id in level.reasons],
        cautions=[citation(rule_id) for rule_id in level.cautions],
        missing=level.missing,
    )


def to_assessment(verdict: Verdict) -> Assessment:
    """The ``vertebro.assessment/1`` model of a verdict (rule ids become citations)."""
    return build(
        Assessment,
        schema_=ASSESSMENT_SCHEMA,
        case_id=verdict.case_id,
        rulebook_version=RULEBOOK_VERSION,
        recommendation=verdict.recommendation,
        levels=[_level_assessment(level) for level in verdict.levels],
        reasons=[citation(rule_id) for rule_id in verdict.reasons],
        cautions=[citation(rule_id) for rule_id in verdict.cautions],
        missing=verdict.missing,
        plan=verdict.plan,
    )


def assess(case: Case) -> Assessment:
    """Assess a validated case under the current rulebook, explained rule by rule."""
    return to_assessment(evaluate(case))

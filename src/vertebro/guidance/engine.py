"""Case → Verdict → Assessment under the current rulebook: each level through C, O, N-1, Q, N, T
in order, then W and K for every level, then the composition and the plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vertebro.guidance.catalogue import RULEBOOK_VERSION, citation
from vertebro.guidance.facts import LevelFacts, level_facts
from vertebro.guidance.rules import (
    N1_MISSING,
    O_IDS,
    Q_IDS,
    T_DECIDES,
    cement_leak_risk,
    conservative_at,
    conservative_for_patient,
    contraindications,
    deficit,
    level_cautions,
    medication_unknown,
    neurology_unknown,
    open_surgery,
    pain_controlled,
    patient_cautions,
    technique,
    workup,
)
from vertebro.guidance.verdict import LevelVerdict, Verdict
from vertebro.model.assessment import ASSESSMENT_SCHEMA, Assessment, LevelAssessment, Scores
from vertebro.model.case import Case
from vertebro.model.enums import Etiology, Recommendation
from vertebro.model.fast import build
from vertebro.model.level import ORDINAL
from vertebro.planning import PLANNED_RECOMMENDATIONS, TreatedLevel, make_plan

__all__ = ["PatientJudgement", "assess", "compose", "decide_level", "evaluate", "judge_patient",
           "to_assessment"]  # fmt: skip

R = Recommendation
_OSTEOPOROTIC = Etiology.OSTEOPOROTIC
_CONTRAINDICATED, _OPEN_SURGERY, _NEEDS_WORKUP = R.CONTRAINDICATED, R.OPEN_SURGERY, R.NEEDS_WORKUP
_CONSERVATIVE, _EITHER, _MIXED = R.CONSERVATIVE, R.EITHER, R.MIXED
_KYPHOPLASTY, _VERTEBROPLASTY = R.KYPHOPLASTY, R.VERTEBROPLASTY
_TREATED = frozenset(r for r in R if r.is_treated)
_NO_MISSING: tuple[str, ...] = ()
Decision = tuple[Recommendation, Sequence[str], Sequence[str]]
#: A level decided by one rule (the usual case) gets the same immutable result every time.
_BY_RULE: dict[str, Decision] = {
    **{rule: (_OPEN_SURGERY, (rule,), _NO_MISSING) for rule in O_IDS},
    **{rule: (_CONSERVATIVE, (rule,), _NO_MISSING) for rule in Q_IDS},
    **{rule: (decision, (rule,), _NO_MISSING) for rule, decision in T_DECIDES.items()},
    "N-1": (_NEEDS_WORKUP, ("N-1",), N1_MISSING),
}


@dataclass(slots=True)
class PatientJudgement:
    """The rules about the patient alone, judged once per case: what decides every level
    (C, else O-1), N-1, the Q rules of the patient (Q-1 or Q-2; Q-5) and N-4."""

    every_level: Decision | None
    contraindicated: bool
    neurology_unknown: bool
    conservative: str | None
    pain_controlled: bool
    medication_unknown: bool


def judge_patient(case: Case) -> PatientJudgement:
    """C-1 … C-4 (all that hold), O-1, N-1, Q-1 / Q-2, Q-5 and N-4 for ``case``."""
    clinical = case.clinical
    held = contraindications(case.patient)
    every_level: Decision | None = None
    if held:
        every_level = (_CONTRAINDICATED, tuple(held), _NO_MISSING)
    elif deficit(clinical):
        every_level = _BY_RULE["O-1"]
    return PatientJudgement(
        every_level,
        bool(held),
        neurology_unknown(clinical),
        conservative_for_patient(clinical),
        pain_controlled(clinical),
        medication_unknown(clinical),
    )


def decide_level(patient: PatientJudgement, facts: LevelFacts) -> Decision:
    """The decision of one level: (recommendation, reported rule ids, missing fields), the
    groups in the rulebook's order C, O, N-1, Q, N-2 … N-7, T."""
    if patient.every_level is not None:
        return patient.every_level
    rule = open_surgery(facts)
    if rule is not None:
        return _BY_RULE[rule]
    if patient.neurology_unknown:
        return _BY_RULE["N-1"]
    rule = patient.conservative or conservative_at(facts)
    if rule is None and patient.pain_controlled:
        rule = "Q-5"
    if rule is not None:
        return _BY_RULE[rule]
    workup_ids, workup_missing = workup(facts, patient.medication_unknown)
    if workup_ids:
        return _NEEDS_WORKUP, workup_ids, workup_missing
    return _BY_RULE[technique(facts)]


def compose(levels: list[Recommendation], contraindicated: bool) -> Recommendation:
    """The overall recommendation (composition steps 1–5; not rules, never reported)."""
    if contraindicated:
        return _CONTRAINDICATED
    if _OPEN_SURGERY in levels:
        return _OPEN_SURGERY
    if _NEEDS_WORKUP in levels:
        return _NEEDS_WORKUP
    kyphoplasty, vertebroplasty = _KYPHOPLASTY in levels, _VERTEBROPLASTY in levels
    if kyphoplasty and vertebroplasty:
        return _MIXED
    if kyphoplasty:
        return _KYPHOPLASTY
    if vertebroplasty:
        return _VERTEBROPLASTY
    return _EITHER if _EITHER in levels else _CONSERVATIVE


def _unique(lists: list[Sequence[str]]) -> list[str]:
    """The items of ``lists``, each once, in order of first appearance."""
    if len(lists) == 1:
        return list(lists[0])
    return list(dict.fromkeys(item for items in lists for item in items))


def _ordinal(facts: LevelFacts) -> int:
    return ORDINAL[facts.fracture.level]


def _treated(level: LevelVerdict) -> TreatedLevel:
    facts = level.facts
    return TreatedLevel(
        facts.fracture.level,
        level.recommendation,
        facts.loss_pct if facts.loss_pct is not None else 0.0,
        cement_leak_risk(facts),
        facts.fracture.etiology is _OSTEOPOROTIC,
    )


def evaluate(case: Case) -> Verdict:
    """Judge a validated case under the current rulebook: every level's facts, decision and rule
    ids, the overall recommendation and the plan."""
    patient = judge_patient(case)
    all_facts = [level_facts(case, i) for i in range(len(case.fractures))]
    if len(all_facts) > 1:
        all_facts.sort(key=_ordinal)

    levels: list[LevelVerdict] = []
    decisions: list[Recommendation] = []
    for facts in all_facts:
        decision, rule_ids, missing = decide_level(patient, facts)
        decisions.append(decision)
        levels.append(LevelVerdict(facts, decision, rule_ids, level_cautions(facts), missing))
    overall = compose(decisions, patient.contraindicated)
    treated = [level for level in levels if level.recommendation in _TREATED]
    plan = None
    if overall in PLANNED_RECOMMENDATIONS:
        plan = make_plan(
            overall,
            [_treated(level) for level in treated],
            asa_class=case.patient.asa_class,
            severe_pulmonary_disease=case.patient.severe_pulmonary_disease,
        )
    return Verdict(
        case.case_id,
        overall,
        levels,
        _unique([level.reasons for level in levels]),
        patient_cautions(case, len(treated)),
        _unique([level.missing for level in levels]) if overall is _NEEDS_WORKUP else [],
        plan,
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
        missing=list(level.missing),
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
        plan=verdict.plan.model() if verdict.plan is not None else None,
    )


def assess(case: Case) -> Assessment:
    """Assess a validated case under the current rulebook, explained rule by rule."""
    return to_assessment(evaluate(case))

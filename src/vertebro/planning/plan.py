"""Rulebook P-0 to P-5 and A-1 to A-6: the procedure plan and aftercare of the treated levels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vertebro.model.assessment import Plan, PlannedLevel, RuleCitation, Session
from vertebro.model.enums import (
    Anaesthesia,
    Approach,
    Discharge,
    Recommendation,
    Technique,
    Viscosity,
)
from vertebro.model.fast import build
from vertebro.model.level import ORDINAL, Level, are_consecutive
from vertebro.planning.aftercare import aftercare_items, follow_up_items

__all__ = [
    "PLANNED_RECOMMENDATIONS",
    "ProcedurePlan",
    "SessionPlan",
    "TreatedLevel",
    "make_plan",
    "split_sessions",
]

_KP, _VP = Technique.KYPHOPLASTY, Technique.VERTEBROPLASTY
_LEVEL_KP, _LEVEL_VP = Recommendation.KYPHOPLASTY, Recommendation.VERTEBROPLASTY
_GENERAL, _LOCAL_SEDATION = Anaesthesia.GENERAL, Anaesthesia.LOCAL_SEDATION
_OVERNIGHT, _SAME_DAY = Discharge.OVERNIGHT, Discharge.SAME_DAY
_HIGH, _STANDARD = Viscosity.HIGH, Viscosity.STANDARD

#: Overall recommendations that come with a plan.
PLANNED_RECOMMENDATIONS = frozenset(
    {
        Recommendation.KYPHOPLASTY,
        Recommendation.VERTEBROPLASTY,
        Recommendation.EITHER,
        Recommendation.MIXED,
    }
)
#: P-1: at most this many levels per session.
LEVELS_PER_SESSION = 3
#: P-3: PMMA volume per level, ml, by technique and region.
CEMENT_ML: dict[tuple[Technique, bool], tuple[float, float]] = {
    (Technique.VERTEBROPLASTY, True): (3.5, 4.5),
    (Technique.VERTEBROPLASTY, False): (3.5, 4.0),
    (Technique.KYPHOPLASTY, True): (4.0, 5.0),
    (Technique.KYPHOPLASTY, False): (4.0, 4.5),
}
#: P-5: minutes per level by technique.
MINUTES_PER_LEVEL = {Technique.VERTEBROPLASTY: 30, Technique.KYPHOPLASTY: 40}
_APPROACH = {
    Technique.KYPHOPLASTY: Approach.BIPEDICULAR,
    Technique.VERTEBROPLASTY: Approach.UNIPEDICULAR,
}


@dataclass(slots=True)
class TreatedLevel:
    """What the plan needs of one treated level."""

    level: Level
    recommendation: Recommendation
    loss_pct: float
    leak_risk: bool
    osteoporotic: bool


@dataclass(slots=True)
class SessionPlan:
    """One session (P-1, P-4, P-5, A-1), as the engine holds it; :meth:`ProcedurePlan.model`
    turns it into the output model :class:`~vertebro.model.assessment.Session`."""

    levels: list[Level]
    anaesthesia: Anaesthesia
    minutes: int
    discharge: Discharge


@dataclass(slots=True)
class ProcedurePlan:
    """The plan as the engine holds it (plain, cheap objects): the same fields as the output
    model :class:`~vertebro.model.assessment.Plan`, which :meth:`model` builds."""

    sessions: list[SessionPlan]
    levels: list[PlannedLevel]
    aftercare: tuple[RuleCitation, ...]
    follow_up: tuple[RuleCitation, ...]

    def model(self) -> Plan:
        """The ``plan`` of ``vertebro.assessment/1``."""
        sessions = [
            build(
                Session,
                levels=list(s.levels),
                anaesthesia=s.anaesthesia,
                minutes=s.minutes,
                discharge=s.discharge,
            )
            for s in self.sessions
        ]
        return build(
            Plan,
            sessions=sessions,
            levels=list(self.levels),
            aftercare=list(self.aftercare),
            follow_up=list(self.follow_up),
        )


def _technique(level: TreatedLevel, kyphoplasty_overall: bool) -> Technique:
    """P-0: a level's own technique; an ``either`` level follows a single overall
    technique, else vertebroplasty."""
    if level.recommendation is _LEVEL_KP:
        return _KP
    if level.recommendation is _LEVEL_VP or not kyphoplasty_overall:
        return _VP
    return _KP


def _ordinal(level: TreatedLevel) -> int:
    return ORDINAL[level.level]


def split_sessions(levels: Sequence[TreatedLevel]) -> list[list[TreatedLevel]]:
    """P-1: runs of consecutive levels, cut into blocks of 3 from the cranial end, blocks
    by largest loss (descending, ties cranial first) packed first-fit into sessions of 3;
    each session cranial to caudal. Three levels or fewer always make one session."""
    ordered = sorted(levels, key=_ordinal)
    if len(ordered) <= LEVELS_PER_SESSION:
        return [ordered]
    runs: list[list[TreatedLevel]] = []
    for item in ordered:
        if runs and are_consecutive(runs[-1][-1].level, item.level):
            runs[-1].append(item)
        else:
            runs.append([item])
    blocks = [
        run[start : start + LEVELS_PER_SESSION]
        for run in runs
        for start in range(0, len(run), LEVELS_PER_SESSION)
    ]
    blocks.sort(key=lambda b: (-max(t.loss_pct for t in b), _ordinal(b[0])))
    sessions: list[list[TreatedLevel]] = []
    for block in blocks:
        for session in sessions:
            if len(session) + len(block) <= LEVELS_PER_SESSION:
                session.extend(block)
                break
        else:
            sessions.append(list(block))
    for session in sessions:
        session.sort(key=_ordinal)
    return sessions


#: Planned levels are immutable and few (level × technique × viscosity), so each is built
#: once and shared by every plan.
_PLANNED: dict[tuple[Level, Technique, bool], PlannedLevel] = {}


def _planned(level: Level, technique: Technique, leak_risk: bool) -> PlannedLevel:
    """P-2 approach, P-3 cement volume and viscosity of one level."""
    key = (level, technique, leak_risk)
    planned = _PLANNED.get(key)
    if planned is None:
        planned = _PLANNED[key] = build(
            PlannedLevel,
            level=level,
            technique=technique,
            approach=_APPROACH[technique],
            cement_ml=CEMENT_ML[(technique, level.is_lumbar)],
            cement_viscosity=_HIGH if leak_risk else _STANDARD,
        )
    return planned


def _session(
    group: Sequence[TreatedLevel],
    technique: dict[Level, Technique],
    overnight: bool,
    general_allowed: bool,
) -> SessionPlan:
    """One session: its levels, P-4 anaesthesia, P-5 minutes and A-1 discharge."""
    minutes, kyphoplasty = 0, False
    for treated in group:
        kind = technique[treated.level]
        minutes += MINUTES_PER_LEVEL[kind]
        kyphoplasty = kyphoplasty or kind is _KP
    return SessionPlan(
        [treated.level for treated in group],
        _GENERAL if kyphoplasty and general_allowed else _LOCAL_SEDATION,
        minutes,
        _OVERNIGHT if overnight or len(group) >= 3 else _SAME_DAY,
    )


def make_plan(
    overall: Recommendation,
    treated: Sequence[TreatedLevel],
    *,
    asa_class: int | None,
    severe_pulmonary_disease: bool,
) -> ProcedurePlan | None:
    """The plan of the treated levels, or ``None`` when ``overall`` takes no procedure."""
    if overall not in PLANNED_RECOMMENDATIONS or not treated:
        return None
    kyphoplasty_overall = overall is _LEVEL_KP
    ordered = sorted(treated, key=_ordinal)
    technique = {t.level: _technique(t, kyphoplasty_overall) for t in ordered}
    asa_4 = asa_class is not None and asa_class >= 4
    general_allowed = not (asa_4 or severe_pulmonary_disease)
    sessions = [
        _session(group, technique, asa_4, general_allowed) for group in split_sessions(ordered)
    ]
    osteoporotic = False
    for t in ordered:
        osteoporotic = osteoporotic or t.osteoporotic
    return ProcedurePlan(
        sessions,
        [_planned(t.level, technique[t.level], t.leak_risk) for t in ordered],
        aftercare_items([s.discharge for s in sessions], technique.values(), osteoporotic),
        follow_up_items(),
    )

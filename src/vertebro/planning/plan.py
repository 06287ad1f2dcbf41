"""Rulebook P-0 to P-5 and A-1 to A-6: the procedure plan and aftercare of the treated levels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from vertebro.model.assessment import Plan, PlannedLevel, Session
from vertebro.model.enums import (
    Anaesthesia,
    Approach,
    Discharge,
    Recommendation,
    Technique,
    Viscosity,
)
from vertebro.model.fast import build
from vertebro.model.level import Level, are_consecutive
from vertebro.planning.aftercare import aftercare_items, follow_up_items

__all__ = ["PLANNED_RECOMMENDATIONS", "TreatedLevel", "make_plan", "split_sessions"]

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


class TreatedLevel(NamedTuple):
    """What the plan needs of one treated level (a named tuple: built once per treated
    level of every assessment, it must be cheap)."""

    level: Level
    recommendation: Recommendation
    loss_pct: float
    leak_risk: bool
    osteoporotic: bool


def _technique(level: TreatedLevel, overall: Recommendation) -> Technique:
    """P-0: a level's own technique; an ``either`` level follows a single overall
    technique, else vertebroplasty."""
    if level.recommendation is _LEVEL_KP:
        return _KP
    if level.recommendation is _LEVEL_VP:
        return _VP
    if overall is _LEVEL_KP:
        return _KP
    return _VP


def split_sessions(levels: Sequence[TreatedLevel]) -> list[list[TreatedLevel]]:
    """P-1: runs of consecutive levels, cut into blocks of 3 from the cranial end, blocks
    by largest loss (descending, ties cranial first) packed first-fit into sessions of 3."""
    ordered = sorted(levels, key=lambda t: t.level)
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
    blocks.sort(key=lambda b: (-max(t.loss_pct for t in b), b[0].level.ordinal))
    sessions: list[list[TreatedLevel]] = []
    for block in blocks:
        for session in sessions:
            if len(session) + len(block) <= LEVELS_PER_SESSION:
                session.extend(block)
                break
        else:
            sessions.append(list(block))
    for session in sessions:
        session.sort(key=lambda t: t.level)
    return sessions


def make_plan(
    overall: Recommendation,
    treated: Sequence[TreatedLevel],
    *,
    asa_class: int | None,
    severe_pulmonary_disease: bool,
) -> Plan | None:
    """The plan of the treated levels, or ``None`` when ``overall`` takes no procedure."""
    if overall not in PLANNED_RECOMMENDATIONS or not treated:
        return None
    technique = {t.level: _technique(t, overall) for t in treated}
    planned = [
        build(
            PlannedLevel,
            level=t.level,
            technique=technique[t.level],
            approach=_APPROACH[technique[t.level]],
            cement_ml=CEMENT_ML[(technique[t.level], t.level.is_lumbar)],
            cement_viscosity=_HIGH if t.leak_risk else _STANDARD,
        )
        for t in sorted(treated, key=lambda t: t.level)
    ]
    high_risk_patient = (asa_class is not None and asa_class >= 4) or severe_pulmonary_disease
    sessions = []
    for group in split_sessions(treated):
        kinds = [technique[t.level] for t in group]
        has_kp = _KP in kinds
        overnight = (asa_class is not None and asa_class >= 4) or len(group) >= 3
        sessions.append(
            build(
                Session,
                levels=[t.level for t in group],
                anaesthesia=_GENERAL if has_kp and not high_risk_patient else _LOCAL_SEDATION,
                minutes=sum(MINUTES_PER_LEVEL[k] for k in kinds),
                discharge=_OVERNIGHT if overnight else _SAME_DAY,
            )
        )
    return build(
        Plan,
        sessions=sessions,
        levels=planned,
        aftercare=aftercare_items(
            sessions, set(technique.values()), any(t.osteoporotic for t in treated)
        ),
        follow_up=follow_up_items(),
    )

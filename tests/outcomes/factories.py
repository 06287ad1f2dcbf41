"""Small builders of outcome records for the tests."""

from __future__ import annotations

from datetime import date, timedelta

from vertebro.model import Level, Technique
from vertebro.outcomes import FollowUpRecord, PatientOutcome, TechniqueGroup, TreatedLevel
from vertebro.outcomes.records import FollowUpStatus, LeakageDetection, Visit

ANCHOR = date(2025, 1, 6)

_TECHNIQUE = {
    TechniqueGroup.KYPHOPLASTY: Technique.KYPHOPLASTY,
    TechniqueGroup.VERTEBROPLASTY: Technique.VERTEBROPLASTY,
    TechniqueGroup.MIXED: Technique.KYPHOPLASTY,
}


def visit(
    which: Visit,
    day: int,
    nrs: int | None = None,
    *,
    odi: float | None = None,
    rdq: int | None = None,
    status: FollowUpStatus = FollowUpStatus.SEEN,
    fractures: tuple[Level, ...] = (),
) -> FollowUpRecord:
    """A follow-up record ``day`` days after :data:`ANCHOR`."""
    return FollowUpRecord(
        visit=which,
        date=ANCHOR + timedelta(days=day),
        pain_nrs=nrs,
        odi=odi,
        rdq=rdq,
        status=status,
        new_fracture_levels=fractures,
    )


def level(
    where: Level = Level.L1,
    technique: Technique = Technique.KYPHOPLASTY,
    *,
    grade: int | None = 2,
    leakage: bool | None = None,
    detected_by: LeakageDetection | None = None,
) -> TreatedLevel:
    return TreatedLevel(where, technique, grade, leakage, detected_by)


def patient(
    group: TechniqueGroup = TechniqueGroup.KYPHOPLASTY,
    *,
    pid: str = "p",
    baseline_nrs: int | None = 8,
    baseline_odi: float | None = None,
    baseline_rdq: int | None = None,
    follow_ups: tuple[FollowUpRecord, ...] = (),
    levels: tuple[TreatedLevel, ...] | None = None,
    grade: int | None = 2,
    anchor: date = ANCHOR,
    death_date: date | None = None,
    is_demo: bool = False,
) -> PatientOutcome:
    """A patient treated at L1 (by default) with the group's technique."""
    if levels is None:
        levels = (level(Level.L1, _TECHNIQUE[group], grade=grade),)
    return PatientOutcome(
        patient_id=pid,
        technique=group,
        anchor=anchor,
        levels=levels,
        baseline_nrs=baseline_nrs,
        baseline_odi=baseline_odi,
        baseline_rdq=baseline_rdq,
        follow_ups=follow_ups,
        death_date=death_date,
        is_demo=is_demo,
    )

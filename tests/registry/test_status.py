"""Case status and visit schedule with an injected "today" (registry-v1)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.registry.conftest import NOW, RECORDED, example_case, follow_up_doc, procedure_doc
from vertebro.model import FollowUpStatus, ProcedureStatus, Recommendation, Visit
from vertebro.model.pathway import (
    CaseStatus,
    VisitState,
    case_status,
    is_out_of_window,
    visit_schedule,
)
from vertebro.registry import Registry, Role
from vertebro.services import registry as svc
from vertebro.services.registry import Actor, unit_of_work

ANCHOR = date(2026, 1, 1)
ADMIN = Actor("root", Role.ADMIN, 1)


@pytest.mark.parametrize(
    ("recommendation", "sessions", "visits", "expected"),
    [
        (None, [], [], CaseStatus.UNASSESSED),
        (Recommendation.NEEDS_WORKUP, [], [], CaseStatus.AWAITING_WORKUP),
        (Recommendation.MIXED, [], [], CaseStatus.CANDIDATE),
        (Recommendation.EITHER, [], [], CaseStatus.CANDIDATE),
        (Recommendation.OPEN_SURGERY, [], [], CaseStatus.NOT_CANDIDATE),
        (Recommendation.CONTRAINDICATED, [], [], CaseStatus.NOT_CANDIDATE),
        (Recommendation.KYPHOPLASTY, [ProcedureStatus.CANCELLED], [], CaseStatus.CANDIDATE),
        (Recommendation.KYPHOPLASTY, [ProcedureStatus.SCHEDULED], [], CaseStatus.SCHEDULED),
        (Recommendation.KYPHOPLASTY, [ProcedureStatus.PERFORMED], [], CaseStatus.TREATED),
        (
            Recommendation.KYPHOPLASTY,
            [ProcedureStatus.PERFORMED],
            [(Visit.BASELINE, FollowUpStatus.SEEN)],
            CaseStatus.TREATED,
        ),
        (
            Recommendation.KYPHOPLASTY,
            [ProcedureStatus.PERFORMED],
            [(Visit.DAY_1, FollowUpStatus.SEEN)],
            CaseStatus.IN_FOLLOW_UP,
        ),
        (
            Recommendation.KYPHOPLASTY,
            [ProcedureStatus.PERFORMED],
            [(Visit.MONTHS_12, FollowUpStatus.SEEN)],
            CaseStatus.COMPLETED,
        ),
        (
            Recommendation.KYPHOPLASTY,
            [ProcedureStatus.PERFORMED],
            [(Visit.MONTHS_12, FollowUpStatus.SEEN), (Visit.UNSCHEDULED, FollowUpStatus.DECEASED)],
            CaseStatus.CLOSED,
        ),
        (Recommendation.KYPHOPLASTY, [], [(Visit.MONTH_1, FollowUpStatus.LOST)], CaseStatus.CLOSED),
    ],
)
def test_status_is_the_first_that_matches(
    recommendation: Recommendation | None,
    sessions: list[ProcedureStatus],
    visits: list[tuple[Visit, FollowUpStatus]],
    expected: CaseStatus,
) -> None:
    assert case_status(recommendation, sessions, visits) is expected


@pytest.mark.parametrize(
    ("visit", "days", "outside"),
    [
        (Visit.DAY_1, 0, False),
        (Visit.DAY_1, 3, False),
        (Visit.DAY_1, 4, True),
        (Visit.WEEK_1, 4, False),
        (Visit.WEEK_1, 10, False),
        (Visit.WEEKS_2, 11, False),
        (Visit.WEEKS_2, 18, True),
        (Visit.MONTH_1, 17, True),
        (Visit.MONTH_1, 60, False),
        (Visit.MONTHS_3, 61, False),
        (Visit.MONTHS_6, 272, False),
        (Visit.MONTHS_12, 273, False),
        (Visit.MONTHS_12, 547, False),
        (Visit.MONTHS_12, 548, True),
        (Visit.MONTHS_12, -1, True),
        (Visit.UNSCHEDULED, 999, False),
        (Visit.BASELINE, -5, False),
    ],
)
def test_windows_edges(visit: Visit, days: int, outside: bool) -> None:
    from datetime import timedelta

    assert is_out_of_window(visit, ANCHOR, ANCHOR + timedelta(days=days)) is outside


def _states(today: date, recorded: dict[Visit, date] | None = None) -> dict[str, str]:
    return {str(v.visit): str(v.state) for v in visit_schedule(ANCHOR, recorded or {}, today)}


def test_schedule_due_and_overdue_on_an_injected_today() -> None:
    assert visit_schedule(None, {}, ANCHOR) == []
    # Day 0: nothing due yet (1 day is due at anchor + 1).
    assert set(_states(ANCHOR).values()) == {"upcoming"}
    # Day 1: "1 day" is due; day 4: past its window [0, 3] → overdue.
    assert _states(date(2026, 1, 2))["1 day"] == "due"
    assert _states(date(2026, 1, 4))["1 day"] == "due"
    assert _states(date(2026, 1, 5))["1 day"] == "overdue"
    # Day 30: "1 month" due; day 61: overdue; recorded stays recorded.
    assert _states(date(2026, 1, 31))["1 month"] == "due"
    assert _states(date(2026, 3, 2))["1 month"] == "due"  # day 60, last of the window
    assert _states(date(2026, 3, 3))["1 month"] == "overdue"
    recorded = {Visit.MONTH_1: date(2026, 1, 15)}
    month = next(
        v for v in visit_schedule(ANCHOR, recorded, date(2026, 6, 1)) if v.visit == "1 month"
    )
    assert (month.state, month.out_of_window) == (VisitState.RECORDED, True)
    assert (month.due_date, month.window_start, month.window_end) == (
        date(2026, 1, 31),
        date(2026, 1, 19),
        date(2026, 3, 2),
    )
    schedule = visit_schedule(ANCHOR, {}, date(2027, 12, 31))
    assert [str(v.visit) for v in schedule] == [
        "1 day",
        "1 week",
        "1 month",
        "3 months",
        "6 months",
        "12 months",
    ]  # fmt: skip  (rulebook A-4: "2 weeks" is recordable but never due)
    assert {v.state for v in schedule} == {VisitState.OVERDUE}


def test_overview_and_worklist_from_the_registry(registry: Registry) -> None:
    with unit_of_work(registry, ADMIN, now=NOW, today=date(2026, 1, 20)) as tx:
        svc.create_patient(tx, {"code": "P-1"})
        for case_id, example in [
            ("kp", "l1-wedge"),
            ("workup", "workup-missing-mri-and-plc"),
            ("conservative", "l1-improving-pain-conservative"),
            ("new", "l1-wedge"),
        ]:
            svc.create_case(tx, "P-1", example_case(example, case_id))
            if case_id != "new":
                svc.assess_case(tx, case_id)
        svc.record_procedure(tx, "kp", procedure_doc(date="2026-01-01"))
        svc.record_follow_up(tx, "kp", follow_up_doc("baseline", "2025-12-30", pain_nrs=9))
        svc.record_follow_up(tx, "kp", follow_up_doc("1 day", "2026-01-02"))
    with unit_of_work(registry, ADMIN, now=NOW, today=date(2026, 1, 20)) as tx:
        overview = svc.case_overview(tx, "kp")
        every = {o.case_id: o.status for o in svc.worklist(tx)}
        candidates = [o.case_id for o in svc.worklist(tx, CaseStatus.IN_FOLLOW_UP)]
    assert every == {
        "conservative": "not_candidate",
        "kp": "in_follow_up",
        "new": "unassessed",
        "workup": "awaiting_workup",
    }
    assert candidates == ["kp"]
    assert overview.anchor == date(2026, 1, 1)
    states = {str(v.visit): str(v.state) for v in overview.schedule}
    assert states == {
        "1 day": "recorded",
        "1 week": "overdue",
        "1 month": "upcoming",
        "3 months": "upcoming",
        "6 months": "upcoming",
        "12 months": "upcoming",
    }
    assert [str(v.visit) for v in overview.overdue_visits] == ["1 week"]
    assert overview.baseline is not None
    assert (overview.baseline.pain_nrs, overview.baseline.source) == (9, "baseline_visit")


def test_baseline_falls_back_to_the_case_version_current_at_the_anchor(
    registry: Registry,
) -> None:
    from datetime import UTC, datetime

    early = datetime(2025, 12, 1, tzinfo=UTC)
    late = datetime(2026, 2, 1, tzinfo=UTC)
    with unit_of_work(registry, ADMIN, now=early, today=RECORDED) as tx:
        svc.create_patient(tx, {"code": "P-1"})
        svc.create_case(tx, "P-1", example_case("l1-wedge", "c-1"))
        svc.assess_case(tx, "c-1")
        svc.record_procedure(tx, "c-1", procedure_doc(date="2026-01-01"))
    edited = example_case("l1-wedge", "c-1")
    edited["clinical"]["pain_nrs"] = 2
    with unit_of_work(registry, ADMIN, now=late) as tx:
        svc.replace_case(tx, "c-1", edited, expected_version=1)
        baseline = svc.baseline_scores(tx, "c-1")
    assert (baseline.pain_nrs, baseline.source, baseline.case_version) == (8, "case_version", 1)


def test_one_visit_schedule_everywhere() -> None:
    """The schedule's visits are the plan's (rulebook A-4) and the leaflet's, in order."""
    from vertebro.guidance import assess
    from vertebro.model import parse_case
    from vertebro.reporting.leaflet import leaflet_for

    assessment = assess(parse_case(example_case("l1-wedge", "one-schedule")))
    assert assessment.plan is not None
    planned = [item.text for item in assessment.plan.follow_up]
    scheduled = [str(v.visit) for v in visit_schedule(ANCHOR, {}, ANCHOR)]
    assert scheduled == planned == ["1 day", "1 week", "1 month", "3 months", "6 months",
                                    "12 months"]  # fmt: skip
    assert leaflet_for(assessment).visits == planned

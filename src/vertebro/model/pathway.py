"""Where a case stands on the pathway: its status and its visit schedule (registry-v1).

Pure functions of what is recorded; "today" is always passed in, so results are
deterministic. Nothing here is stored: status and schedule are computed on every read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from vertebro.model.enums import Recommendation
from vertebro.model.follow_up import SCHEDULED_VISITS, FollowUpStatus, Visit
from vertebro.model.procedure import ProcedureStatus

__all__ = [
    "TIMED_VISITS",
    "CaseStatus",
    "VisitDue",
    "VisitState",
    "anchor_date",
    "case_status",
    "days_after_anchor",
    "is_out_of_window",
    "visit_schedule",
]

#: The visits with a nominal offset and a window, in time order.
TIMED_VISITS: tuple[Visit, ...] = tuple(v for v in Visit if v.is_timed)


class CaseStatus(StrEnum):
    """The computed status of a case; the first that matches, in this order.

    ``unassessed`` is not in registry-v1's list: a case with no stored assessment and no
    procedure matches none of the others.
    """

    CLOSED = "closed"
    COMPLETED = "completed"
    IN_FOLLOW_UP = "in_follow_up"
    TREATED = "treated"
    SCHEDULED = "scheduled"
    AWAITING_WORKUP = "awaiting_workup"
    CANDIDATE = "candidate"
    NOT_CANDIDATE = "not_candidate"
    UNASSESSED = "unassessed"


_CANDIDATE = frozenset(
    {
        Recommendation.KYPHOPLASTY,
        Recommendation.VERTEBROPLASTY,
        Recommendation.EITHER,
        Recommendation.MIXED,
    }
)


def case_status(
    latest_recommendation: Recommendation | None,
    procedures: Iterable[ProcedureStatus],
    follow_ups: Iterable[tuple[Visit, FollowUpStatus]],
) -> CaseStatus:
    """The case's status from its latest assessment's recommendation, the statuses of its
    procedure sessions and its follow-up records ``(visit, status)``.

    A ``baseline`` record is not a follow-up after treatment: it never makes a case
    ``in_follow_up``.

    >>> case_status(Recommendation.KYPHOPLASTY, [ProcedureStatus.PERFORMED], [])
    <CaseStatus.TREATED: 'treated'>
    """
    sessions = set(procedures)
    records = list(follow_ups)
    if any(status.closes_case for _, status in records):
        return CaseStatus.CLOSED
    if any(visit is Visit.MONTHS_12 for visit, _ in records):
        return CaseStatus.COMPLETED
    if ProcedureStatus.PERFORMED in sessions:
        after = any(visit is not Visit.BASELINE for visit, _ in records)
        return CaseStatus.IN_FOLLOW_UP if after else CaseStatus.TREATED
    if ProcedureStatus.SCHEDULED in sessions:
        return CaseStatus.SCHEDULED
    if latest_recommendation is None:
        return CaseStatus.UNASSESSED
    if latest_recommendation is Recommendation.NEEDS_WORKUP:
        return CaseStatus.AWAITING_WORKUP
    if latest_recommendation in _CANDIDATE:
        return CaseStatus.CANDIDATE
    return CaseStatus.NOT_CANDIDATE


def anchor_date(procedures: Iterable[tuple[ProcedureStatus, date]]) -> date | None:
    """The date of the first performed session, or ``None`` before any."""
    performed = [when for status, when in procedures if status is ProcedureStatus.PERFORMED]
    return min(performed) if performed else None


def _after(anchor: date, days: int) -> date:
    """``anchor`` + ``days``, held at the calendar's last day: a stored date near 9999-12-31
    (refused since registry-v1 1.1, but possibly stored before) never breaks a schedule.

    >>> _after(date(9999, 12, 31), 365)
    datetime.date(9999, 12, 31)
    """
    try:
        return anchor + timedelta(days=days)
    except OverflowError:
        return date.max


def days_after_anchor(anchor: date, when: date) -> int:
    """Whole days from the anchor to ``when`` (negative before it)."""
    return (when - anchor).days


def is_out_of_window(visit: Visit, anchor: date | None, when: date) -> bool | None:
    """Whether a record of ``visit`` dated ``when`` falls outside its window; ``None`` when
    there is no anchor yet; ``False`` for baseline and unscheduled visits."""
    window = visit.window
    if window is None:
        return False
    if anchor is None:
        return None
    return not window.contains(days_after_anchor(anchor, when))


class VisitState(StrEnum):
    """Where a timed visit stands today."""

    RECORDED = "recorded"
    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class VisitDue:
    """One timed visit of the schedule: when it is due, its window, and its state."""

    visit: Visit
    due_date: date
    window_start: date
    window_end: date
    state: VisitState
    recorded_date: date | None
    out_of_window: bool | None


def visit_schedule(
    anchor: date | None,
    recorded: Mapping[Visit, date],
    today: date,
    visits: Sequence[Visit] = SCHEDULED_VISITS,
) -> list[VisitDue]:
    """The scheduled visits (rulebook A-4) from ``anchor`` with their state on ``today``:
    ``recorded``;
    ``upcoming`` before the due date (anchor + offset); ``due`` from the due date to the end
    of the window; ``overdue`` when today is past the window with nothing recorded.
    Empty before the first performed session."""
    if anchor is None:
        return []
    schedule: list[VisitDue] = []
    for visit in visits:
        window = visit.window
        if window is None:
            continue
        due = _after(anchor, window.offset_days)
        start = _after(anchor, window.first_day)
        end = _after(anchor, window.last_day)
        done = recorded.get(visit)
        if done is not None:
            state = VisitState.RECORDED
        elif today > end:
            state = VisitState.OVERDUE
        elif today >= due:
            state = VisitState.DUE
        else:
            state = VisitState.UPCOMING
        flag = None if done is None else is_out_of_window(visit, anchor, done)
        schedule.append(VisitDue(visit, due, start, end, state, done, flag))
    return schedule

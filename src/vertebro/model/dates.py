"""The registry's date rules (registry-v1 1.1, "Dates"), as pure functions of "today".

Every date of a record lies between 1900-01-01 and today + 2 years. Besides, what has
happened cannot be in the future: a ``performed`` or ``cancelled`` procedure, a follow-up
and a discharge are dated at most today plus one day (the registry's clock may be a time
zone behind the unit's); a discharge is not before its procedure; and a follow-up is not
more than 365 days before the case's first procedure. A violation is a problem at the
date's path, for instance ``date: must not be in the future (today is 2026-12-05)``.
"""

from __future__ import annotations

from datetime import date, timedelta

from vertebro.errors import Problem
from vertebro.model.checklist import Checklist
from vertebro.model.follow_up import FollowUp
from vertebro.model.procedure import Procedure, ProcedureStatus

__all__ = [
    "EARLIEST_DATE",
    "YEARS_AHEAD",
    "checklist_date_problems",
    "date_problem",
    "follow_up_date_problems",
    "latest_date",
    "procedure_date_problems",
]

EARLIEST_DATE = date(1900, 1, 1)
YEARS_AHEAD = 2
#: How far a past event may lie ahead of the registry's today (time zones).
_TIME_ZONE_SLACK = timedelta(days=1)
#: How long before the first procedure a follow-up (a baseline visit) may be.
_BEFORE_FIRST_PROCEDURE = timedelta(days=365)


def latest_date(today: date) -> date:
    """Today + 2 years (28 February when today is 29 February).

    >>> latest_date(date(2028, 2, 29))
    datetime.date(2030, 2, 28)
    """
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def date_problem(path: str, value: date, today: date, *, happened: bool) -> Problem | None:
    """The problem with ``value`` at ``path``, if any: outside 1900-01-01 … today + 2 years,
    or (``happened``: an event that has taken place) after today + 1 day.

    >>> str(date_problem("date", date(9999, 12, 31), date(2026, 12, 5), happened=True))
    'date: must not be in the future (today is 2026-12-05)'
    """
    if value < EARLIEST_DATE:
        return Problem(path, f"must not be before {EARLIEST_DATE.isoformat()}")
    if happened and value > today + _TIME_ZONE_SLACK:
        return Problem(path, f"must not be in the future (today is {today.isoformat()})")
    if value > latest_date(today):
        return Problem(
            path,
            f"must not be more than {YEARS_AHEAD} years ahead (today is {today.isoformat()})",
        )
    return None


def _kept(*problems: Problem | None) -> list[Problem]:
    return [p for p in problems if p is not None]


def procedure_date_problems(procedure: Procedure, today: date) -> list[Problem]:
    """The date problems of a procedure session (its date and its discharge date)."""
    happened = procedure.status is not ProcedureStatus.SCHEDULED
    problems = _kept(date_problem("date", procedure.date, today, happened=happened))
    if procedure.discharge_date is not None:
        problems += _kept(
            date_problem("discharge_date", procedure.discharge_date, today, happened=True)
        )
    return problems


def follow_up_date_problems(
    follow_up: FollowUp, today: date, first_procedure: date | None
) -> list[Problem]:
    """The date problems of a follow-up record, given the date of the case's first
    procedure (``None`` before any)."""
    problem = date_problem("date", follow_up.date, today, happened=True)
    if problem is not None:
        return [problem]
    if first_procedure is not None and follow_up.date < first_procedure - _BEFORE_FIRST_PROCEDURE:
        return [
            Problem(
                "date",
                "must not be more than 365 days before the case's first procedure "
                f"({first_procedure.isoformat()})",
            )
        ]
    return []


def checklist_date_problems(checklist: Checklist, today: date) -> list[Problem]:
    """The date problems of a checklist (the MRI has been done: not in the future)."""
    if checklist.mri_date is None:
        return []
    return _kept(date_problem("mri_date", checklist.mri_date, today, happened=True))

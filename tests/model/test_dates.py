"""The registry's date rules (registry-v1 1.1) as pure functions of an injected "today",
and the visit schedule never failing on any stored date (finding 2)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vertebro.errors import InvalidProcedure
from vertebro.model import Procedure, parse_follow_up, parse_procedure
from vertebro.model.checklist import blank_checklist
from vertebro.model.dates import (
    EARLIEST_DATE,
    checklist_date_problems,
    date_problem,
    follow_up_date_problems,
    latest_date,
    procedure_date_problems,
)
from vertebro.model.follow_up import SCHEDULED_VISITS
from vertebro.model.pathway import TIMED_VISITS, visit_schedule

TODAY = date(2026, 12, 5)


def _procedure(status: str, when: date, discharge: date | None = None) -> Procedure:
    return parse_procedure(
        {
            "schema": "vertebro.procedure/1",
            "status": status,
            "date": when.isoformat(),
            "operator": "Dr A",
            "anaesthesia": "general",
            "discharge_date": None if discharge is None else discharge.isoformat(),
            "levels": [
                {
                    "level": "L1",
                    "technique": "vertebroplasty",
                    "approach": "bipedicular",
                    "cement_viscosity": "high",
                    "cement_ml": 3,
                }
            ],
        }
    )


def test_the_messages_name_the_rule_and_today() -> None:
    assert [
        str(p) for p in procedure_date_problems(_procedure("performed", date(9999, 12, 31)), TODAY)
    ] == ["date: must not be in the future (today is 2026-12-05)"]
    assert str(date_problem("date", date(1, 1, 1), TODAY, happened=True)) == (
        "date: must not be before 1900-01-01"
    )
    assert str(date_problem("date", date(2029, 1, 1), TODAY, happened=False)) == (
        "date: must not be more than 2 years ahead (today is 2026-12-05)"
    )
    assert latest_date(date(2028, 2, 29)) == date(2030, 2, 28)


@given(st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
def test_what_happened_is_never_after_tomorrow(when: date) -> None:
    for status in ("performed", "cancelled"):
        problems = procedure_date_problems(_procedure(status, when), TODAY)
        assert (problems == []) == (EARLIEST_DATE <= when <= TODAY + timedelta(days=1))
    scheduled = procedure_date_problems(_procedure("scheduled", when), TODAY)
    assert (scheduled == []) == (EARLIEST_DATE <= when <= latest_date(TODAY))


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 12, 6)),
    st.integers(min_value=-10, max_value=10),
)
def test_a_discharge_is_neither_before_its_procedure_nor_in_the_future(
    when: date, days: int
) -> None:
    discharge = when + timedelta(days=days)
    if days < 0:
        with pytest.raises(InvalidProcedure, match="discharge_date: must not be before date"):
            _procedure("performed", when, discharge)
        return
    procedure = _procedure("performed", when, discharge)
    problems = [str(p) for p in procedure_date_problems(procedure, TODAY)]
    if discharge > TODAY + timedelta(days=1):
        assert problems == ["discharge_date: must not be in the future (today is 2026-12-05)"]
    else:
        assert problems == []


@given(st.dates(min_value=date(1800, 1, 1), max_value=date(2030, 1, 1)))
def test_a_follow_up_is_not_long_before_the_first_procedure(when: date) -> None:
    follow_up = parse_follow_up(
        {"schema": "vertebro.follow_up/1", "visit": "baseline", "date": when.isoformat()}
    )
    first = date(2026, 6, 1)
    problems = follow_up_date_problems(follow_up, TODAY, first)
    allowed = first - timedelta(days=365) <= when <= TODAY + timedelta(days=1)
    assert (problems == []) == allowed
    assert (follow_up_date_problems(follow_up, TODAY, None) == []) == (
        EARLIEST_DATE <= when <= TODAY + timedelta(days=1)
    )


def test_the_checklist_mri_date() -> None:
    checklist = blank_checklist().model_copy(update={"mri_date": date(2026, 12, 9)})
    assert [str(p) for p in checklist_date_problems(checklist, TODAY)] == [
        "mri_date: must not be in the future (today is 2026-12-05)"
    ]
    assert checklist_date_problems(blank_checklist(), TODAY) == []


@given(
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
)
def test_the_visit_schedule_never_fails_on_a_stored_date(anchor: date, recorded: date) -> None:
    schedule = visit_schedule(anchor, {TIMED_VISITS[0]: recorded}, TODAY)
    assert [v.visit for v in schedule] == list(SCHEDULED_VISITS)
    assert all(v.window_start <= v.due_date <= v.window_end for v in schedule)

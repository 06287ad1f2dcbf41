"""Completeness per visit as of a date (registry-v1 "Follow-up"), hand-counted."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from vertebro.outcomes import completeness
from vertebro.outcomes.records import FollowUpStatus, Visit

from .factories import ANCHOR, patient, visit


def test_due_done_overdue_by_hand() -> None:
    """As of day 40 (1-month offset 30, window 18–60; 2-week window 11–17):
    a: 1 month recorded on day 30 → due, done;
    b: nothing recorded → due (40 ≥ 30), not overdue (40 ≤ 60);
    c: 1 month recorded as ``lost`` → due, not done;
    d: anchor after the date → counts nowhere.
    For ``2 weeks`` all of a, b, c are due (40 ≥ 14) and overdue (40 > 17): 0 of 3."""
    as_of = ANCHOR + timedelta(days=40)
    group = [
        patient(pid="a", follow_ups=(visit(Visit.MONTH_1, 30, 4),)),
        patient(pid="b"),
        patient(pid="c", follow_ups=(visit(Visit.MONTH_1, 35, status=FollowUpStatus.LOST),)),
        patient(pid="d", anchor=ANCHOR + timedelta(days=41)),
    ]
    result = completeness(group, as_of)
    month = result[Visit.MONTH_1]
    assert (month.due, month.done, month.overdue) == (3, 1, 0)
    assert month.value.value == 1 / 3
    two_weeks = result[Visit.WEEKS_2]
    assert (two_weeks.due, two_weeks.done, two_weeks.overdue) == (3, 0, 3)
    assert result[Visit.MONTHS_3].due == 0 and result[Visit.MONTHS_3].value.value is None


def test_early_and_late_visits() -> None:
    """A 12-month visit recorded on day 300 (inside 273–547) counts as due and done on
    day 320, before the nominal day 365; one recorded on day 600 (outside its window)
    still counts once it is on record; a record dated after as_of does not count yet."""
    early = patient(pid="e", follow_ups=(visit(Visit.MONTHS_12, 300, 2),))
    late = patient(pid="l", follow_ups=(visit(Visit.MONTHS_12, 600, 2),))
    at_320 = completeness([early, late], ANCHOR + timedelta(days=320))[Visit.MONTHS_12]
    assert (at_320.due, at_320.done) == (1, 1)
    at_550 = completeness([early, late], ANCHOR + timedelta(days=550))[Visit.MONTHS_12]
    assert (at_550.due, at_550.done, at_550.overdue) == (2, 1, 1)
    at_700 = completeness([early, late], ANCHOR + timedelta(days=700))[Visit.MONTHS_12]
    assert (at_700.due, at_700.done, at_700.overdue) == (2, 2, 0)


def test_death_before_the_due_date_removes_the_visit() -> None:
    dead = patient(death_date=ANCHOR + timedelta(days=100))
    result = completeness([dead], ANCHOR + timedelta(days=400))
    assert result[Visit.MONTHS_3].due == 1  # due day 91, alive then
    assert result[Visit.MONTHS_6].due == 0 and result[Visit.MONTHS_12].due == 0


@given(
    st.lists(
        st.tuples(
            st.integers(0, 800),
            st.lists(st.tuples(st.sampled_from(list(Visit)), st.integers(-5, 900)), max_size=8),
        ),
        max_size=20,
    ),
    st.integers(0, 900),
)
def test_completeness_never_exceeds_one(
    rows: list[tuple[int, list[tuple[Visit, int]]]], as_of_day: int
) -> None:
    group = []
    for i, (start, records) in enumerate(rows):
        unique = {v: d for v, d in records if v not in (Visit.UNSCHEDULED, Visit.BASELINE)}
        group.append(
            patient(
                pid=str(i),
                anchor=ANCHOR + timedelta(days=start),
                follow_ups=tuple(visit(v, start + d) for v, d in unique.items()),
            )
        )
    for c in completeness(group, ANCHOR + timedelta(days=as_of_day)).values():
        assert 0 <= c.done <= c.due and c.overdue <= c.due - c.done
        assert c.value.value is None or 0.0 <= c.value.value <= 1.0

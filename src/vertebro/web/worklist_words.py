"""The worklist's words: a duration a person says ("22 months", not "654 days") and each
case's next step as a short sentence ("1-week visit: 22 months overdue")."""

from __future__ import annotations

from vertebro.model import Visit
from vertebro.services.registry.worklist_query import NextStep, Step

__all__ = ["duration_words", "next_step_words", "visit_words"]

_DAYS_PER_MONTH = 365.25 / 12


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def duration_words(days: int) -> str:
    """Days under two weeks, weeks under nine weeks, months under two years, then years.

    >>> duration_words(1), duration_words(20), duration_words(90), duration_words(670)
    ('1 day', '2 weeks', '3 months', '22 months')
    """
    if days < 14:
        return _plural(max(days, 0), "day")
    if days < 63:
        return _plural(days // 7, "week")
    if days < 730:
        return _plural(max(2, round(days / _DAYS_PER_MONTH)), "month")
    return _plural(round(days / 365.25), "year")


def visit_words(visit: Visit) -> str:
    """``"1 week"`` → ``"1-week visit"``, ``"12 months"`` → ``"12-month visit"``."""
    number, _, unit = str(visit).partition(" ")
    return f"{number}-{unit.removesuffix('s')} visit" if unit else f"{visit} visit"


_PLAIN = {
    Step.CHECKLIST_STOP: "Checklist says stop: resolve it before the procedure",
    Step.WORK_UP: "Complete the work-up",
    Step.ASSESS: "Assess the case",
    Step.CHECKLIST: "Complete the pre-procedure checklist",
    Step.SCHEDULE: "Schedule the procedure",
    Step.PERFORM: "Record the procedure once performed",
    Step.NONE: "Nothing due",
}


def next_step_words(step: NextStep) -> str:
    """The next step in words, e.g. ``"1-week visit: 22 months overdue"``."""
    if step.visit is not None and step.on is not None:
        visit = visit_words(step.visit)
        if step.step is Step.VISIT_OVERDUE:
            return f"{visit}: {duration_words(step.days_overdue)} overdue"
        if step.step is Step.VISIT_DUE:
            return f"{visit}: due now (since {step.on.isoformat()})"
        return f"{visit} on {step.on.isoformat()}"
    return _PLAIN.get(step.step, "Nothing due")

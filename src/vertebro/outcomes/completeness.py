"""Follow-up completeness per timed visit, as of a date.

``spec/registry-v1.md`` ("Follow-up"): a visit is *due* at anchor + offset (offsets 1,
7, 14, 30, 91, 182, 365 days) and *overdue* when the date is past its window
([0,3], [4,10], [11,17], [18,60], [61,135], [136,272], [273,547] days) with nothing
recorded. As of day ``a`` (``as_of − anchor``), for each patient and visit:

* due: ``a >= offset``, or the visit is already recorded (an early visit inside its
  window counts), except when the patient died before the due date;
* done: due and recorded with status ``seen`` on or before ``as_of`` (a date outside the
  window still counts: it is accepted and only flagged ``out_of_window``);
* overdue: due, not done and ``a > window end``;
* value: done / due with its Wilson interval (``None`` when nothing is due).

Patients whose anchor is after ``as_of`` are not yet followed and count nowhere. Since
``done`` is a subset of ``due``, the value never exceeds 1. Visits still inside their
window lower the value until they close; ``overdue`` isolates the definite misses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from vertebro.outcomes.proportions import Proportion, wilson
from vertebro.outcomes.records import TIMED_VISITS, FollowUpStatus, PatientOutcome, Visit

__all__ = ["VisitCompleteness", "completeness"]


@dataclass(frozen=True, slots=True)
class VisitCompleteness:
    """Counts of patients for one visit, and done / due as a proportion."""

    due: int
    done: int
    overdue: int
    value: Proportion


def completeness(patients: Iterable[PatientOutcome], as_of: date) -> dict[Visit, VisitCompleteness]:
    """Completeness of every timed visit as of ``as_of`` (see the module docstring)."""
    due = dict.fromkeys(TIMED_VISITS, 0)
    done = dict.fromkeys(TIMED_VISITS, 0)
    overdue = dict.fromkeys(TIMED_VISITS, 0)
    for patient in patients:
        today = patient.day(as_of)
        if today < 0:
            continue
        death = patient.death_day
        for visit in TIMED_VISITS:
            window = visit.window
            assert window is not None  # TIMED_VISITS have windows
            record = patient.visit(visit)
            recorded = (
                record is not None and record.date <= as_of and record.status is FollowUpStatus.SEEN
            )
            reached = today >= window.offset_days and (death is None or death >= window.offset_days)
            if not (recorded or reached):
                continue
            due[visit] += 1
            if recorded:
                done[visit] += 1
            elif today > window.last_day:
                overdue[visit] += 1
    return {
        v: VisitCompleteness(due[v], done[v], overdue[v], wilson(done[v], due[v]))
        for v in TIMED_VISITS
    }

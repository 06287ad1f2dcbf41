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

import numpy as np

from vertebro.outcomes.columns import OutcomeColumns
from vertebro.outcomes.proportions import Proportion, wilson
from vertebro.outcomes.records import TIMED_VISITS, PatientOutcome, Visit

__all__ = ["VisitCompleteness", "completeness", "completeness_columns"]


@dataclass(frozen=True, slots=True)
class VisitCompleteness:
    """Counts of patients for one visit, and done / due as a proportion."""

    due: int
    done: int
    overdue: int
    value: Proportion


def completeness(patients: Iterable[PatientOutcome], as_of: date) -> dict[Visit, VisitCompleteness]:
    """Due, done and overdue per timed visit as of ``as_of`` (module docstring)."""
    return completeness_columns(OutcomeColumns.from_records(patients), as_of)


def completeness_columns(columns: OutcomeColumns, as_of: date) -> dict[Visit, VisitCompleteness]:
    """:func:`completeness` of patients held as columns."""
    today = as_of.toordinal() - columns.anchor
    followed = today >= 0
    death = columns.death()
    seen = columns.fu_seen & (columns.fu_day <= today[columns.fu_patient])
    out: dict[Visit, VisitCompleteness] = {}
    for code, visit in enumerate(TIMED_VISITS):
        window = visit.window
        assert window is not None  # TIMED_VISITS have windows
        recorded = np.zeros(columns.n, dtype=np.bool_)
        recorded[columns.fu_patient[seen & (columns.fu_visit == code)]] = True
        alive = np.isnan(death) | (np.nan_to_num(death, nan=0.0) >= window.offset_days)
        reached = (today >= window.offset_days) & alive
        due = followed & (recorded | reached)
        done = int((due & recorded).sum())
        overdue = int((due & ~recorded & (today > window.last_day)).sum())
        n_due = int(due.sum())
        out[visit] = VisitCompleteness(n_due, done, overdue, wilson(done, n_due))
    return out

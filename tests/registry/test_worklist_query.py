"""One page of the worklist (issue 11): search in SQL by case id or patient code, status
filter, sorting, 50-per-page paging over a registry of 220 demo patients, and each case's
next step; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

from vertebro.model.pathway import CaseStatus
from vertebro.registry import Role
from vertebro.services.registry import Actor, unit_of_work
from vertebro.services.registry.demo import seed_demo_registry
from vertebro.services.registry.worklist_query import Step, WorklistSort, worklist_page
from vertebro.web.worklist_words import next_step_words

ADMIN = Actor("root", Role.ADMIN, 1)
PATIENTS = 220


def test_search_sort_and_pages_of_a_large_registry(registry: Any) -> None:
    seed_demo_registry(registry, patients=PATIENTS, seed=3, as_of=date(2026, 6, 1))
    with unit_of_work(registry, ADMIN) as tx:
        first = worklist_page(tx)
        assert (first.total, first.matched, first.pages, first.per_page) == (
            PATIENTS,
            PATIENTS,
            5,
            50,
        )
        assert (first.first, first.last, len(first.rows)) == (1, 50, 50)
        assert sum(first.counts.values()) == PATIENTS

        seen: list[str] = []
        for number in range(1, 6):
            one = worklist_page(tx, sort=WorklistSort.CASE, page=number)
            seen += [row.overview.case_id for row in one.rows]
        assert seen == sorted(seen) and len(set(seen)) == PATIENTS
        last = worklist_page(tx, page=99)  # past the end: the last page
        assert (last.page, len(last.rows), last.first, last.last) == (5, 20, 201, 220)

        ages = [r.age_years for r in worklist_page(tx, sort=WorklistSort.AGE, per_page=500).rows]
        assert ages == sorted(ages) and ages[0] < ages[-1]
        down = worklist_page(tx, sort=WorklistSort.AGE, descending=True, per_page=500).rows
        assert [r.age_years for r in down] == sorted(ages, reverse=True)
        assert all(r.levels and all(lv[0] in "TL" for lv in r.levels) for r in down)

        code = first.rows[7].overview.patient_code
        found = worklist_page(tx, search=f"  {code.lower()} ")
        assert [r.overview.patient_code for r in found.rows] == [code]
        assert found.search == code.lower() and found.total == PATIENTS
        assert worklist_page(tx, search="%").matched == 0  # a LIKE wildcard is a character
        assert worklist_page(tx, search="demo-0001").matched == 10  # demo-00010 … 00019

        status = max(first.counts, key=lambda s: first.counts[s])
        only = worklist_page(tx, status=status, per_page=500)
        assert only.matched == first.counts[status]
        assert all(r.overview.status is status for r in only.rows)

        urgent = worklist_page(tx, sort=WorklistSort.NEXT, per_page=500).rows
        overdue = [r for r in urgent if r.next_step.step is Step.VISIT_OVERDUE]
        assert overdue and [r.overview.case_id for r in urgent[: len(overdue)]] == [
            r.overview.case_id for r in overdue
        ]
        days = [r.next_step.days_overdue for r in overdue]
        assert days == sorted(days, reverse=True) and days[-1] >= 1
        words = next_step_words(overdue[0].next_step)
        assert words.endswith(" overdue") and "-" in words.split(":")[0], words
        in_follow_up = [r for r in urgent if r.overview.status is CaseStatus.IN_FOLLOW_UP]
        assert all(r.next_step.step is not Step.WORK_UP for r in in_follow_up)

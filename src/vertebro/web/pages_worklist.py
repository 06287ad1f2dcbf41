"""The worklist: every case by status, with its due and overdue visits."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from vertebro.model.pathway import CaseStatus
from vertebro.services.registry import worklist
from vertebro.web.render import page
from vertebro.web.tx import web_tx

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: The order a team works through cases.
STATUS_ORDER = (
    CaseStatus.AWAITING_WORKUP,
    CaseStatus.CANDIDATE,
    CaseStatus.SCHEDULED,
    CaseStatus.TREATED,
    CaseStatus.IN_FOLLOW_UP,
    CaseStatus.COMPLETED,
    CaseStatus.CLOSED,
    CaseStatus.NOT_CANDIDATE,
    CaseStatus.UNASSESSED,
)


@router.get("/worklist")
def worklist_page(
    request: Request, status: Annotated[CaseStatus | None, Query()] = None
) -> Response:
    with web_tx(request) as tx:
        everything = worklist(tx)
        today = tx.today
    counts = Counter(item.status for item in everything)
    shown = [item for item in everything if status is None or item.status is status]
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    shown.sort(key=lambda o: (rank.get(o.status, 99), -len(o.overdue_visits), o.case_id))
    return page(
        request,
        "worklist.html",
        cases=shown,
        counts=counts,
        statuses=STATUS_ORDER,
        current=status,
        total=len(everything),
        today=today,
    )

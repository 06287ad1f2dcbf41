"""The worklist: every case by status, with its due and overdue visits; apart, above them,
the draft cases from screening that no clinician has reviewed yet."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from vertebro.model.pathway import CaseStatus
from vertebro.registry import Role
from vertebro.services.registry import worklist
from vertebro.services.registry.screening_drafts import (
    list_screening_drafts,
    mark_screening_draft_reviewed,
)
from vertebro.web.forms import form_values
from vertebro.web.render import page, redirect
from vertebro.web.session import check_csrf
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
        drafts = list_screening_drafts(tx, reviewed=False)
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
        drafts=drafts,
    )


@router.post("/screening/{draft_id}/reviewed")
async def draft_reviewed(request: Request, draft_id: str) -> Response:
    """A clinician has reviewed a screening draft: it leaves the worklist's screening list."""
    form = await form_values(request)
    check_csrf(request, form.get("csrf_token"))
    with web_tx(request, Role.CLINICIAN) as tx:
        mark_screening_draft_reviewed(tx, draft_id)
    return redirect(request, "/worklist")

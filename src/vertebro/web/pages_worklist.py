"""The worklist: the cases, searched by patient code or case id, filtered by status,
sorted and paged (``?q=&status=&sort=&dir=&page=``), each with age, levels, latest
decision, checklist status and next step; apart, above them, the draft cases from
screening that no clinician has reviewed yet."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from vertebro.model.pathway import CaseStatus
from vertebro.registry import Role
from vertebro.services.registry.screening_drafts import (
    list_screening_drafts,
    mark_screening_draft_reviewed,
)
from vertebro.services.registry.worklist_query import (
    STATUS_ORDER,
    WorklistPage,
    WorklistSort,
    worklist_page,
)
from vertebro.web.forms import form_values
from vertebro.web.render import page, redirect
from vertebro.web.session import check_csrf
from vertebro.web.tx import web_tx
from vertebro.web.worklist_words import next_step_words

__all__ = ["PER_PAGE", "router"]

router = APIRouter(include_in_schema=False)

#: Cases per worklist page.
PER_PAGE = 50

#: The sortable columns: (sort key, column heading).
COLUMNS = (
    (WorklistSort.CASE, "Case"),
    (WorklistSort.PATIENT, "Patient"),
    (WorklistSort.AGE, "Age"),
    (None, "Levels"),
    (WorklistSort.STATUS, "Status"),
    (WorklistSort.DECISION, "Latest decision"),
    (None, "Checklist"),
    (WorklistSort.NEXT, "Next step"),
)


def _link(result: WorklistPage, **changes: object) -> str:
    """The worklist's address with the current search, status, sort and page, changed."""
    params: dict[str, object] = {
        "q": result.search,
        "status": result.status or "",
        "sort": result.sort,
        "dir": "desc" if result.descending else "asc",
        "page": result.page,
    }
    params.update(changes)
    kept = {
        k: str(v)
        for k, v in params.items()
        if v not in ("", None)
        and not (k == "sort" and v == WorklistSort.PRIORITY)
        and not (k == "dir" and v == "asc")
        and not (k == "page" and v == 1)
    }
    return "/worklist" + (f"?{urlencode(kept)}" if kept else "")


def _page_numbers(current: int, pages: int) -> list[int | None]:
    """First, last and the pages around the current one; ``None`` where some are left out."""
    wanted = sorted({1, pages, *range(max(1, current - 2), min(pages, current + 2) + 1)})
    out: list[int | None] = []
    previous = 0
    for number in wanted:
        if number - previous > 1:
            out.append(None)
        out.append(number)
        previous = number
    return out


@router.get("/worklist")
def worklist_view(
    request: Request,
    status: Annotated[CaseStatus | None, Query()] = None,
    q: Annotated[str, Query(max_length=64)] = "",
    sort: Annotated[WorklistSort, Query()] = WorklistSort.PRIORITY,
    dir: Annotated[str, Query(pattern="^(asc|desc)$")] = "asc",
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> Response:
    with web_tx(request) as tx:
        result = worklist_page(
            tx,
            search=q,
            status=status,
            sort=sort,
            descending=dir == "desc",
            page=page_number,
            per_page=PER_PAGE,
        )
        drafts = list_screening_drafts(tx, reviewed=False)
        today = tx.today

    def link(**changes: object) -> str:
        return _link(result, **changes)

    return page(
        request,
        "worklist.html",
        result=result,
        statuses=STATUS_ORDER,
        columns=COLUMNS,
        link=link,
        page_numbers=_page_numbers(result.page, result.pages),
        next_step_words=next_step_words,
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

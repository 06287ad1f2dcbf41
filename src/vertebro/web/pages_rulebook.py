"""The rulebook page (admin): re-assess the registry under the current rulebook, preview
first, and read or download each run's report (``vertebro reassess`` in the browser)."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from vertebro.guidance import RULEBOOK_VERSION
from vertebro.registry import Role
from vertebro.reporting.reassessment import reassessment_csv
from vertebro.services.registry import (
    commit_reassessment,
    list_audit,
    prepare_reassessment,
    reassessment_run,
)
from vertebro.web.render import download, page, redirect
from vertebro.web.session import check_csrf
from vertebro.web.tx import web_tx

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_RUN_ID = Annotated[int, Path(ge=1, le=2**62)]


@router.get("/admin/reassess")
def rulebook_page(request: Request) -> Response:
    """What the current rulebook is, the two actions, and the earlier runs."""
    with web_tx(request, Role.ADMIN) as tx:
        entries = list_audit(tx, entity="registry", limit=200)
    runs = [e for e in entries if e.action.startswith("registry.reassess")][:20]
    return page(request, "reassess.html", rulebook=RULEBOOK_VERSION, runs=runs, report=None)


@router.post("/admin/reassess")
def run_reassessment(
    request: Request,
    mode: Annotated[Literal["preview", "store"], Form()],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Run the re-assessment (a preview stores nothing) and show its report."""
    check_csrf(request, csrf_token)
    with web_tx(request, Role.ADMIN, write=False) as tx:
        prepared = prepare_reassessment(tx, dry_run=mode == "preview")
    with web_tx(request, Role.ADMIN, write=True) as tx:
        report = commit_reassessment(tx, prepared)
    return redirect(request, f"/admin/reassess/{report.run_id}")


@router.get("/admin/reassess/{run_id}")
def run_page(request: Request, run_id: _RUN_ID) -> Response:
    with web_tx(request, Role.ADMIN) as tx:
        report = reassessment_run(tx, run_id)
    return page(request, "reassess.html", rulebook=RULEBOOK_VERSION, runs=[], report=report)


@router.get("/admin/reassess/{run_id}/report.csv")
def run_csv(request: Request, run_id: _RUN_ID) -> Response:
    with web_tx(request, Role.ADMIN) as tx:
        report = reassessment_run(tx, run_id)
    return download(
        reassessment_csv(report), "text/csv; charset=utf-8", f"reassessment-{run_id}.csv"
    )


@router.get("/admin/reassess/{run_id}/report.json")
def run_json(request: Request, run_id: _RUN_ID) -> Response:
    with web_tx(request, Role.ADMIN) as tx:
        report = reassessment_run(tx, run_id)
    body = json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n"
    return download(body, "application/json", f"reassessment-{run_id}.json")

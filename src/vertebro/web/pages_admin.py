"""The audit trail (admin) and the Outcomes page (figures, tables, filters, downloads)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from vertebro.outcomes.records import TechniqueGroup
from vertebro.registry import Role
from vertebro.services.registry import list_audit, record_export
from vertebro.services.registry.outcomes import outcomes_document
from vertebro.web.render import download, page
from vertebro.web.tx import web_tx

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_WORD = r"^[A-Za-z0-9._/-]{0,100}$"


@router.get("/audit")
def audit_page(
    request: Request,
    entity_key: Annotated[str, Query(pattern=_WORD, max_length=100)] = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> Response:
    with web_tx(request, Role.ADMIN) as tx:
        entries = list_audit(tx, record=entity_key or None, limit=100, offset=offset)
    return page(
        request,
        "audit.html",
        entries=entries,
        entity_key=entity_key,
        offset=offset,
        dumps=lambda v: json.dumps(v, ensure_ascii=False, indent=1, sort_keys=True),
    )


@dataclass(frozen=True, slots=True)
class _OutcomesFilter:
    """The Outcomes page's selection (query parameters, the CLI's options)."""

    since: date | None
    technique: str
    include_demo: bool

    def query(self, **change: Any) -> str:
        """The query string of this selection (``change`` overrides a field)."""
        values = {
            "since": "" if self.since is None else self.since.isoformat(),
            "technique": self.technique,
            "include_demo": "true" if self.include_demo else "",
            **change,
        }
        kept = {k: v for k, v in values.items() if v}
        return f"?{urlencode(kept)}" if kept else ""

    def audit(self, via: str) -> dict[str, Any]:
        return {
            "include_demo": self.include_demo,
            "since": None if self.since is None else self.since.isoformat(),
            "technique": _TECHNIQUES[self.technique][0].value if self.technique else None,
            "via": via,
        }


_TECHNIQUES = {
    "kp": (TechniqueGroup.KYPHOPLASTY, "Kyphoplasty"),
    "vp": (TechniqueGroup.VERTEBROPLASTY, "Vertebroplasty"),
    "mixed": (TechniqueGroup.MIXED, "Mixed KP + VP"),
}

# plain strings: the filter form sends empty fields ("since=&technique=")
Since = Annotated[str, Query(pattern=r"^(\d{4}-\d{2}-\d{2})?$", max_length=10)]
TechniqueQuery = Annotated[str, Query(pattern=r"^(|kp|vp|mixed)$")]


def _selection(
    since: Since = "", technique: TechniqueQuery = "", include_demo: bool = False
) -> _OutcomesFilter:
    """The selection from the query string (a dependency of every Outcomes route)."""
    try:
        day = date.fromisoformat(since) if since else None
    except ValueError:
        raise HTTPException(422, f"since: not a date: {since!r}") from None
    return _OutcomesFilter(day, technique, include_demo)


Selection = Annotated[_OutcomesFilter, Depends(_selection)]


def _outcomes(request: Request, selection: _OutcomesFilter, via: str) -> tuple[Any, date]:
    """The outcomes document of the selection (a read transaction), the export audited
    (a short write transaction after it; viewers and up)."""
    with web_tx(request) as tx:
        document = outcomes_document(
            tx,
            as_of=tx.today,
            include_demo=selection.include_demo,
            since=selection.since,
            technique=_TECHNIQUES[selection.technique][0] if selection.technique else None,
        )
    with web_tx(request, write=True) as tx:
        record_export(tx, "outcomes", selection.audit(via))
        return document, tx.today


@router.get("/outcomes")
def outcomes_page(request: Request, selection: Selection) -> Response:
    """Figures and tables of the outcomes (the CLI's ``--format html`` body) with filters."""
    document, _ = _outcomes(request, selection, "web")
    # matplotlib only when a page with figures is asked for
    from vertebro.reporting.outcomes_html import outcomes_sections_html, outcomes_summary_html

    return page(
        request,
        "outcomes.html",
        document=document,
        selection=selection,
        techniques=[(key, words) for key, (_, words) in _TECHNIQUES.items()],
        summary=outcomes_summary_html(document),
        body=outcomes_sections_html(document),
        json_url="/outcomes.json" + selection.query(),
        html_url="/outcomes.html" + selection.query(),
        demo_url="/outcomes" + selection.query(include_demo="true"),
    )


@router.get("/outcomes.json")
def outcomes_json(request: Request, selection: Selection) -> Response:
    """The outcomes document as JSON (as ``GET /api/outcomes``), for the logged-in user."""
    document, today = _outcomes(request, selection, "web json")
    body = json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False)
    return download(
        body + "\n", "application/json", f"outcomes-{today.isoformat()}.json", inline=True
    )


@router.get("/outcomes.html")
def outcomes_standalone(request: Request, selection: Selection) -> Response:
    """The standalone page of ``vertebro outcomes --format html``, as a download."""
    document, today = _outcomes(request, selection, "web html")
    from vertebro.reporting.outcomes_html import outcomes_html

    return download(outcomes_html(document), "text/html", f"outcomes-{today.isoformat()}.html")

"""Every page router, and the web's error answers, installed on the app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response

from vertebro.web import (
    pages_admin,
    pages_auth,
    pages_case,
    pages_cases,
    pages_leaflet,
    pages_pacs,
    pages_records,
    pages_review,
    pages_rulebook,
    pages_settings,
    pages_worklist,
)
from vertebro.web.render import html_error
from vertebro.web.session import CsrfFailed, LoginRequired

__all__ = ["install"]

FAVICON = Path(__file__).resolve().parent / "static" / "favicon.ico"


def favicon() -> Response:
    """``/favicon.ico``, which browsers ask for on every page (public, cached a day)."""
    return FileResponse(
        FAVICON, media_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"}
    )


def install(app: FastAPI) -> None:
    """Add the pages and make page errors answer in HTML."""
    for module in (
        pages_auth,
        pages_worklist,
        pages_cases,
        pages_case,
        pages_records,
        pages_review,
        pages_leaflet,
        pages_admin,
        pages_rulebook,
        pages_settings,
        pages_pacs,
    ):
        app.include_router(module.router)
    app.add_api_route("/favicon.ico", favicon, methods=["GET"], include_in_schema=False)
    app.state.html_error = html_error

    async def handle(request: Request, exc: Exception) -> Response:
        return html_error(request, exc)

    app.add_exception_handler(LoginRequired, handle)
    app.add_exception_handler(CsrfFailed, handle)

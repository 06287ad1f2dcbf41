"""The application factory: the JSON API under ``/api``, ``/health``, the OpenAPI document
with a vendored Swagger UI at ``/docs``, the web pages and their static files; every
response with the security headers, every request body bounded."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from vertebro.api.limits import BodyLimit
from vertebro.api.openapi import install_openapi
from vertebro.http.context import AppContext
from vertebro.http.headers import SecurityHeaders
from vertebro.http.problems import install_problem_handlers
from vertebro.http.settings import Settings
from vertebro.registry import Registry

__all__ = ["create_app"]

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"

_DESCRIPTION = (
    "vertebro's REST API (api-v1): assess cases, keep them in the registry with every "
    "version, record procedures and follow-ups. Bodies are `vertebro.case/1`, "
    "`vertebro.procedure/1` and `vertebro.follow_up/1`, parsed strictly; errors are "
    'RFC 7807 problems with `errors: ["<path>: <reason>"]`. Authenticate with '
    "`Authorization: Bearer <token>` (`POST /api/auth/token` or `vertebro users token`)."
)


def create_app(
    database_url: str | None = None,
    settings: Settings | None = None,
    *,
    registry: Registry | None = None,
    web: bool = True,
) -> FastAPI:
    """The ASGI app over the registry at ``database_url`` (see
    :func:`vertebro.registry.resolve_url`; it must be migrated already)."""
    from vertebro import __version__
    from vertebro.api import (
        routes_admin,
        routes_auth,
        routes_cases,
        routes_core,
        routes_fhir,
        routes_patients,
        routes_records,
        routes_reviews,
    )

    settings = settings or Settings.from_env()
    app = FastAPI(
        title="vertebro",
        version=__version__,
        description=_DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.vertebro = AppContext(
        registry=registry or Registry.open(database_url),
        settings=settings,
    )
    install_problem_handlers(app)
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)
    app.include_router(routes_core.health_router)
    for module in (
        routes_core,
        routes_auth,
        routes_patients,
        routes_cases,
        routes_records,
        routes_reviews,
        routes_fhir,
        routes_admin,
    ):
        app.include_router(module.router)
    install_openapi(app, __version__)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if web:
        from vertebro.web import install_web

        install_web(app)
    return app

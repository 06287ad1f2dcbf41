"""The web pages (server-rendered Jinja2 + htmx, vendored): login, worklist, case form,
assessment, checklist, procedure and follow-up forms, leaflet, audit trail, outcomes."""

from fastapi import FastAPI

__all__ = ["install_web"]


def install_web(app: FastAPI) -> None:
    """Add the pages (left out of the OpenAPI schema) to ``app``."""
    from vertebro.web.routes import install

    install(app)

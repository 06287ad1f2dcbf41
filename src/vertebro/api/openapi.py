"""The OpenAPI document: bodies are read raw and parsed by the core's strict parser, so
their schemas (the core's own pydantic models) are added here by name, and Swagger UI is
served from the vendored ``swagger-ui-dist`` (no CDN, no inline script)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from vertebro.api.documents import DOCUMENT_MODELS

__all__ = ["SWAGGER_UI_VERSION", "body_doc", "install_openapi", "json_doc", "ref"]

SWAGGER_UI_VERSION = "5.35.0"
_VENDOR = "/static/vendor/swagger-ui-dist"
#: Swagger UI's page, started by ``/static/swagger-init.js`` (no inline script: the CSP).
_DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="{vendor}/swagger-ui.css">
<link rel="stylesheet" href="/static/swagger-a11y.css">
<link rel="icon" href="/favicon.ico" sizes="any">
</head>
<body>
<header class="docs-header"><a href="/worklist">vertebro</a> — REST API (api-v1)</header>
<div id="swagger-ui"></div>
<script src="{vendor}/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script>
</body>
</html>
"""


def ref(name: str) -> dict[str, str]:
    """A reference to a document schema by its model name."""
    if name not in DOCUMENT_MODELS:
        raise KeyError(name)
    return {"$ref": f"#/components/schemas/{name}"}


def json_doc(schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def body_doc(name: str) -> dict[str, Any]:
    """``openapi_extra`` documenting a required JSON body of model ``name``."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ref(name)}},
        }
    }


def _schemas(models: dict[str, type[BaseModel]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    template = "#/components/schemas/{model}"
    for name, model in models.items():
        schema = model.model_json_schema(ref_template=template, mode="validation")
        for sub, value in schema.pop("$defs", {}).items():
            out.setdefault(sub, value)
        out[name] = schema
    return out


def install_openapi(app: FastAPI, version: str) -> None:
    """A cached OpenAPI document with the document schemas, and ``/docs``."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=version,
                description=app.description,
                routes=app.routes,
            )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, value in _schemas(DOCUMENT_MODELS).items():
                components.setdefault(name, value)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(_DOCS_PAGE.format(title=f"{app.title} — API", vendor=_VENDOR))

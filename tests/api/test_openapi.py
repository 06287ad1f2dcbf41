"""The OpenAPI document: every route of api-v1, every integer and string bounded (so a
fuzzer cannot reach a 500 through size alone), pages left out; the packaged example cases
are the repository's; the core never imports the web frameworks; ``vertebro assess`` does
not load FastAPI."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from tests.conftest import EXAMPLES, ROOT

ROUTES = {
    ("post", "/api/assess"),
    ("post", "/api/measure"),
    ("get", "/api/cases"),
    ("post", "/api/patients/{patient_code}/cases"),
    ("get", "/api/cases/{case_id}"),
    ("put", "/api/cases/{case_id}"),
    ("get", "/api/cases/{case_id}/versions"),
    ("get", "/api/cases/{case_id}/assessments"),
    ("post", "/api/cases/{case_id}/assessments"),
    ("get", "/api/cases/{case_id}/procedures"),
    ("post", "/api/cases/{case_id}/procedures"),
    ("get", "/api/cases/{case_id}/follow-ups"),
    ("post", "/api/cases/{case_id}/follow-ups"),
    ("get", "/api/patients"),
    ("post", "/api/patients"),
    ("post", "/api/auth/token"),
    ("get", "/api/audit"),
    ("get", "/api/outcomes"),
    ("post", "/api/reassess"),  # rulebook 2026.2 issue: re-assess the registry (admin)
    ("post", "/api/fhir/import"),
    ("get", "/api/fhir/drafts"),
    ("get", "/api/fhir/drafts/{draft_id}"),
    ("post", "/api/fhir/drafts/{draft_id}/case"),
    ("get", "/health"),
    # measurement reviews (issue 12)
    ("post", "/api/measurements/recompute"),
    ("get", "/api/measurement-reviews"),
    ("post", "/api/measurement-reviews"),
    ("get", "/api/measurement-reviews/{key}"),
    ("put", "/api/measurement-reviews/{key}"),
    ("get", "/api/measurement-reviews/{key}/measurement"),
    ("get", "/api/measurement-reviews/{key}/versions"),
    # api-v1 1.1
    ("get", "/api/cases/{case_id}/procedures/{procedure_id}"),
    ("put", "/api/cases/{case_id}/procedures/{procedure_id}"),
    ("post", "/api/cases/{case_id}/procedures/{procedure_id}/void"),
    ("get", "/api/cases/{case_id}/follow-ups/{follow_up_id}"),
    ("put", "/api/cases/{case_id}/follow-ups/{follow_up_id}"),
    ("post", "/api/cases/{case_id}/follow-ups/{follow_up_id}/void"),
    ("get", "/api/cases/{case_id}/checklist"),
    ("put", "/api/cases/{case_id}/checklist"),
    ("get", "/api/tokens"),
    ("delete", "/api/tokens/{token_id}"),
}


def _schema() -> dict[str, Any]:
    from vertebro.api import create_app
    from vertebro.registry import Registry

    registry = Registry.open("sqlite://")
    try:
        schema: dict[str, Any] = create_app(registry=registry).openapi()
        return schema
    finally:
        registry.close()


def test_every_api_v1_route_and_no_page_is_in_the_schema() -> None:
    paths = _schema()["paths"]
    found = {(method, path) for path, item in paths.items() for method in item}
    assert found == ROUTES


def _unbounded(node: Any, where: str, out: list[str]) -> None:
    if isinstance(node, dict):
        kind = node.get("type")
        closed = any(k in node for k in ("enum", "const", "$ref"))
        int_open = kind == "integer" and not ("maximum" in node or "exclusiveMaximum" in node)
        str_open = kind == "string" and not any(
            k in node for k in ("maxLength", "pattern", "format")
        )
        if not closed and (int_open or str_open):
            out.append(where)
        for key, value in node.items():
            _unbounded(value, f"{where}.{key}", out)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _unbounded(value, f"{where}[{i}]", out)


def test_every_input_integer_and_string_is_bounded() -> None:
    schema = _schema()
    out: list[str] = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] in ("path", "query"):
                    _unbounded(parameter["schema"], f"{method} {path} {parameter['name']}", out)
    inputs = ("Case", "Procedure", "FollowUp", "NewPatient", "TokenRequest")
    referenced = {"Patient", "Clinical", "Fracture", "HeightsMm", "LandmarksMm", "Biopsy",
                  "Complication", "Leakage", "TreatedLevel", "NewFracture"}  # fmt: skip
    for name in (*inputs, *referenced):
        _unbounded(schema["components"]["schemas"][name], name, out)
    assert out == []


def test_packaged_examples_are_the_repository_examples() -> None:
    import json

    from vertebro.api.demo import example_documents

    expected = [json.loads(p.read_text()) for p in sorted(EXAMPLES.glob("*.json"))]
    assert example_documents() == expected


def test_the_core_never_imports_the_web_frameworks() -> None:
    core = ("model", "morphometry", "guidance", "planning", "outcomes", "registry", "services")
    offenders = []
    for package in core:
        for path in (ROOT / "src" / "vertebro" / package).rglob("*.py"):
            text = path.read_text()
            for word in ("fastapi", "starlette", "uvicorn", "jinja2", "itsdangerous"):
                if f"import {word}" in text or f"from {word}" in text:
                    offenders.append(f"{path.relative_to(ROOT)}: {word}")
    assert offenders == []


def test_vertebro_assess_does_not_load_fastapi() -> None:
    code = (
        "import sys; from vertebro.cli import app; "
        "from typer.testing import CliRunner; "
        f"r = CliRunner().invoke(app, ['assess', r'{EXAMPLES / 'l1-wedge.json'}']); "
        "assert r.exit_code == 0, r.output; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('fastapi', 'starlette', 'uvicorn', 'jinja2', 'sqlalchemy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

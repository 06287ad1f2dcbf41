"""Reporting fixtures: a real SQLite registry with three cases (assessed and treated with
follow-ups; assessed only; not assessed), real WeasyPrint and poppler's pdftotext. A missing
WeasyPrint, pango or poppler fails the run unless ``VERTEBRO_ALLOW_SKIPS=1``
(``tests/backends.py``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.backends import unavailable
from tests.conftest import EXAMPLES

PHONE = "0123 456 789"
TREATED, ASSESSED, UNASSESSED = "R-1", "R-2", "R-3"


def _unavailable(reason: str) -> NoReturn:
    unavailable(f"PDF reports need it: {reason}")


@pytest.fixture(scope="session")
def weasyprint() -> Any:
    """WeasyPrint with Debian's pango (the ``reports`` extra)."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        _unavailable(f"WeasyPrint not usable: {exc}")
    return weasyprint


@pytest.fixture(scope="session")
def pdftotext() -> str:
    found = shutil.which("pdftotext")
    if found is None:
        _unavailable("pdftotext missing (apt-get install poppler-utils)")
    assert found is not None
    return found


def pdf_text(tool: str, path: Path) -> str:
    """The text of a PDF (pages separated by form feeds)."""
    return subprocess.run(
        [tool, "-enc", "UTF-8", str(path), "-"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip


def _case(name: str, case_id: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    document["case_id"] = case_id
    return document


def _visit(visit: str, when: str, nrs: int, **more: Any) -> dict[str, Any]:
    return {"schema": "vertebro.follow_up/1", "visit": visit, "date": when, "pain_nrs": nrs, **more}


PROCEDURE = {
    "schema": "vertebro.procedure/1",
    "status": "performed",
    "date": "2026-01-06",
    "operator": "Dr <Test>",
    "anaesthesia": "general",
    "duration_min": 42,
    "discharge": "same_day",
    "levels": [
        {
            "level": "L1",
            "technique": "kyphoplasty",
            "approach": "bipedicular",
            "cement_product": "Kyphon HV-R",
            "cement_viscosity": "standard",
            "cement_ml": 4.5,
            "balloon_ml": 3.0,
            "leakage": {
                "present": True, "types": ["disc"], "symptomatic": False,
                "detected_by": "radiograph",
            },
        }
    ],
    "complications": [{"type": "cement_leakage", "symptomatic": False, "note": "small disc leak"}],
}  # fmt: skip


def seed(url: str) -> None:
    """Three cases of patient P-7: R-1 treated (L1 kyphoplasty) with a baseline and four
    visits, R-2 assessed (work-up needed) only, R-3 not assessed."""
    from vertebro.registry import Registry
    from vertebro.services import registry as svc
    from vertebro.services.registry import Actor, unit_of_work

    registry = Registry.open(url, migrate=True)
    try:
        day = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        with unit_of_work(registry, Actor.cli(), now=day, today=date(2026, 1, 5)) as tx:
            svc.create_patient(tx, {"code": "P-7", "birth_year": 1948, "sex": "female"})
            svc.create_case(tx, "P-7", _case("l1-wedge", TREATED))
            svc.assess_case(tx, TREATED)
            svc.create_case(tx, "P-7", _case("workup-missing-mri-and-plc", ASSESSED))
            svc.assess_case(tx, ASSESSED)
            svc.create_case(tx, "P-7", _case("l1-wedge", UNASSESSED))
            svc.record_follow_up(tx, TREATED, _visit("baseline", "2026-01-05", 8, odi=62.0, rdq=18))
            svc.record_procedure(tx, TREATED, PROCEDURE)
        for visit, when, nrs, odi in (
            ("1 day", "2026-01-07", 4, None),
            ("1 week", "2026-01-13", 3, 40.0),
            ("1 month", "2026-02-05", 2, 30.0),
            ("3 months", "2026-04-07", 1, 24.0),
        ):
            extra: dict[str, Any] = {"analgesics": "non_opioid"}
            if odi is not None:
                extra["odi"] = odi
            if visit == "3 months":
                extra["new_fractures"] = [
                    {"level": "T12", "detected_by": "radiograph", "symptomatic": False}
                ]
            with unit_of_work(registry, Actor.cli()) as tx:
                svc.record_follow_up(tx, TREATED, _visit(visit, when, nrs, **extra))
    finally:
        registry.close()


@pytest.fixture(scope="session")
def registry_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A seeded SQLite registry shared by the session's reporting tests (they only read
    it and add audit rows)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('reports') / 'registry.db'}"
    seed(url)
    return url

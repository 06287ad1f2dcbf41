"""``vertebro demo-registry`` (spec registry-v1, "Demo registry"): determinism, refusal of a
registry with real patients, stored assessments that agree with the technique, and the
recovery of every spec parameter inside the 99 % interval of the outcomes report."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from scipy.stats import norm
from sqlalchemy import func, select

from vertebro.api.demo import demo_registry_seeder, seed_demo
from vertebro.model import Sex
from vertebro.registry import Registry
from vertebro.registry.schema import (
    AssessmentRow,
    CaseRow,
    PatientRow,
    ProcedureLevelRow,
    ProcedureRow,
)
from vertebro.services import registry as svc
from vertebro.services.registry import Actor, unit_of_work
from vertebro.services.registry.demo import (
    DEMO_PARAMETERS,
    DemoRefused,
    generate_demo_patients,
    seed_demo_registry,
)
from vertebro.services.registry.outcomes import outcomes_document

from .conftest import new_sqlite_database

AS_OF = date(2026, 6, 1)
Z95 = norm.ppf(0.975)
Z99 = norm.ppf(0.995)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vertebro.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=dict(os.environ),
    )


def wilson(events: int, n: int, z: float) -> tuple[float, float]:
    """Wilson score interval without continuity correction (Wilson 1927), written out."""
    p = events / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def loglog_99(value: float, ci_low: float) -> tuple[float, float]:
    """The 99 % log-log interval of S from the 95 % one: S^exp(±z·se), se recovered from the
    lower 95 % limit S^exp(z95·se)."""
    se = math.log(math.log(ci_low) / math.log(value)) / Z95
    return value ** math.exp(Z99 * se), value ** math.exp(-Z99 * se)


def _dump(patients: list[Any]) -> list[Any]:
    return [
        (
            p.code,
            p.sex,
            p.case,
            p.procedure.model_dump(mode="json"),
            [f.model_dump(mode="json") for f in p.follow_ups],
        )
        for p in patients
    ]


def test_generator_is_deterministic() -> None:
    first = _dump(generate_demo_patients(40, seed=7, as_of=AS_OF))
    assert first == _dump(generate_demo_patients(40, seed=7, as_of=AS_OF))
    assert first != _dump(generate_demo_patients(40, seed=8, as_of=AS_OF))


def test_cli_creates_migrates_and_repeats(tmp_path: Path) -> None:
    documents = []
    for name in ("a", "b"):
        url = f"sqlite:///{tmp_path / f'{name}.db'}"  # does not exist yet
        args = ("--patients", "60", "--seed", "3", "--as-of", AS_OF.isoformat())
        done = run("demo-registry", *args, "--database", url)
        assert done.returncode == 0, done.stderr
        assert "60 demo patients" in done.stdout
        again = run("demo-registry", *args, "--database", url)  # replaces the earlier run
        assert again.returncode == 0 and "60 earlier demo patients replaced" in again.stdout
        out = run("outcomes", "--database", url, "--as-of", "2026-06-01", "--include-demo")
        assert out.returncode == 0, out.stderr
        documents.append(json.loads(out.stdout))
    assert documents[0] == documents[1]
    assert documents[0]["n"] == 60


def test_refuses_a_registry_with_real_patients(database_url: str) -> None:
    registry = Registry.open(database_url)
    try:
        with unit_of_work(registry, Actor.cli()) as tx:
            svc.create_patient(tx, {"code": "REAL-1"})
        refused = run("demo-registry", "--patients", "5", "--database", database_url)
        assert refused.returncode == 2 and "non-demo" in refused.stderr
        try:
            seed_demo_registry(registry, patients=5, seed=0, as_of=AS_OF)
        except DemoRefused:
            pass
        else:  # pragma: no cover
            raise AssertionError("not refused")
        with registry.transaction() as session:
            assert session.scalar(select(func.count()).select_from(PatientRow)) == 1
        forced = run("demo-registry", "--patients", "5", "--force", "--database", database_url)
        assert forced.returncode == 0, forced.stderr
        with registry.transaction() as session:
            assert session.scalar(select(func.count()).select_from(PatientRow)) == 6
    finally:
        registry.close()


def test_stored_assessments_agree_with_the_technique(registry: Registry) -> None:
    seed_demo_registry(registry, patients=150, seed=2, as_of=AS_OF)
    with registry.transaction() as session:
        rows = session.execute(
            select(AssessmentRow.recommendation, ProcedureLevelRow.technique, PatientRow.is_demo)
            .join(ProcedureRow, ProcedureRow.assessment_id == AssessmentRow.id)
            .join(ProcedureLevelRow, ProcedureLevelRow.procedure_id == ProcedureRow.id)
            .join(CaseRow, CaseRow.id == ProcedureRow.case_pk)
            .join(PatientRow, PatientRow.id == CaseRow.patient_id)
        ).all()
    assert len(rows) == 150
    assert all(str(rec) == str(tech) and demo for rec, tech, demo in rows)


def test_serve_seeds_200_demo_patients(tmp_path: Path) -> None:
    assert demo_registry_seeder() is seed_demo_registry
    registry = Registry.open(new_sqlite_database(tmp_path))
    try:
        seeded = seed_demo(registry)
        assert seeded.registry_patients == 200
        with unit_of_work(registry, Actor.cli()) as tx:
            document = outcomes_document(tx, include_demo=True)
        assert document["n"] == 200
    finally:
        registry.close()


def test_parameters_recovered_inside_the_99_percent_intervals(tmp_path: Path) -> None:
    """5,000 patients (spec): each parameter inside the 99 % interval derived from the report
    (Wilson from its events and n; the log-log limits of KM from its 95 % limits)."""
    registry = Registry.open(new_sqlite_database(tmp_path))
    try:
        started = time.perf_counter()
        summary = seed_demo_registry(registry, patients=5000, seed=0, as_of=AS_OF)
        assert time.perf_counter() - started < 40 * 5000 / 3000
        with unit_of_work(registry, Actor.cli()) as tx:
            document = outcomes_document(tx, as_of=AS_OF, include_demo=True)
            women = tx.session.scalar(
                select(func.count()).select_from(PatientRow).where(PatientRow.sex == Sex.FEMALE)
            )
    finally:
        registry.close()
    assert summary.patients == 5000 and document["n"] == 5000
    groups: dict[str, dict[str, Any]] = document["by_technique"]
    kp, vp = groups["kyphoplasty"], groups["vertebroplasty"]
    assert groups["mixed"]["n"] == 0

    def inside(value: float, interval: tuple[float, float]) -> bool:
        return interval[0] <= value <= interval[1]

    checks: dict[str, tuple[float, tuple[float, float]]] = {
        "kyphoplasty_share": (
            DEMO_PARAMETERS["kyphoplasty_share"],
            wilson(kp["n"], document["n"], Z99),
        ),
        "women_share": (DEMO_PARAMETERS["women_share"], wilson(int(women or 0), 5000, Z99)),
    }
    for name, group in (("kyphoplasty", kp), ("vertebroplasty", vp)):
        leak = group["leakage_rate"]["radiograph"]
        assert leak["n"] == group["n"]
        checks[f"leakage_{name}"] = (
            DEMO_PARAMETERS[f"leakage_{name}"],
            wilson(leak["events"], leak["n"], Z99),
        )
        at12 = group["new_fracture_km"]["at_12_months"]
        checks[f"new_fracture_free_12_months_{name}"] = (
            1 - DEMO_PARAMETERS["new_fracture_12_months"],
            loglog_99(at12["value"], at12["ci_low"]),
        )
        change = group["nrs_change"]["1 month"]
        assert abs(change["mean"] - DEMO_PARAMETERS["nrs_change_1_month"]) < 0.3
    twelve = document["completeness"]["12 months"]
    checks["completeness_12_months"] = (
        DEMO_PARAMETERS["completeness_12_months"],
        wilson(twelve["done"], twelve["due"], Z99),
    )
    missed = {k: v for k, v in checks.items() if not inside(*v)}
    assert not missed, missed
    # the 95 % limits the report gives are those of the same Wilson formula
    leak = kp["leakage_rate"]["radiograph"]
    low, high = wilson(leak["events"], leak["n"], Z95)
    assert math.isclose(low, leak["ci_low"]) and math.isclose(high, leak["ci_high"])

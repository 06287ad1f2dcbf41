"""The registry's outcomes query and ``vertebro outcomes``, on both backends."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from dataclasses import fields
from datetime import UTC, date, datetime
from typing import Any

from vertebro.api.outcomes_adapter import outcomes_service
from vertebro.outcomes.columns import OutcomeColumns
from vertebro.outcomes.records import TechniqueGroup
from vertebro.outcomes.report import outcomes_report
from vertebro.registry import Registry
from vertebro.services import registry as svc
from vertebro.services.registry import Actor, unit_of_work
from vertebro.services.registry.demo import seed_demo_registry
from vertebro.services.registry.outcome_columns import load_outcome_columns
from vertebro.services.registry.outcomes import load_patient_outcomes, outcomes_document

from .conftest import NOW, RECORDED, example_case, follow_up_doc, procedure_doc

AS_OF = date(2027, 6, 1)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vertebro.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=dict(os.environ),
    )


def _record_patient(registry: Registry, code: str = "P-001", case_id: str = "c-1") -> None:
    """l1-wedge (baseline NRS 8 from the case), a performed KP at L1 on TODAY, a 1-month
    visit with NRS 3 and an unscheduled visit with a new fracture at T12 on day 100."""
    with unit_of_work(registry, Actor.cli(), now=NOW, today=RECORDED) as tx:
        svc.create_patient(tx, {"code": code, "sex": "female"})
        svc.create_case(tx, code, example_case(case_id=case_id))
        svc.assess_case(tx, case_id)
        svc.record_procedure(tx, case_id, procedure_doc())
        svc.record_follow_up(tx, case_id, follow_up_doc("1 month", "2026-04-01", pain_nrs=3))
        svc.record_follow_up(
            tx,
            case_id,
            follow_up_doc(
                "unscheduled",
                "2026-06-10",
                pain_nrs=None,
                new_fractures=[{"level": "T12", "detected_by": "mri", "symptomatic": True}],
            ),
        )


def test_cli_on_an_empty_registry(database_url: str) -> None:
    done = run("outcomes", "--database", database_url, "--as-of", "2026-03-02")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)  # exactly one JSON document, nothing else
    assert document["schema"] == "vertebro.outcomes/1"
    assert document["n"] == 0 and document["demo_left_out"] == 0
    assert all(group["n"] == 0 for group in document["by_technique"].values())
    assert all(
        item["due"] == 0 and item["value"] is None for item in document["completeness"].values()
    )
    assert "NaN" not in done.stdout and "Infinity" not in done.stdout
    text = run("outcomes", "--database", database_url, "--format", "text", "--technique", "kp")
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("Outcomes as of ") and "kyphoplasty: n = 0" in text.stdout
    bad = run("outcomes", "--database", database_url, "--since", "yesterday")
    assert bad.returncode == 2 and "--since" in bad.stderr and bad.stdout == ""


def test_cases_without_a_performed_session_count_nowhere(registry: Registry) -> None:
    with unit_of_work(registry, Actor.cli(), now=NOW, today=RECORDED) as tx:
        svc.create_patient(tx, {"code": "P-009", "sex": "female"})
        svc.create_case(tx, "P-009", example_case(case_id="c-9"))
        svc.assess_case(tx, "c-9")
        svc.record_procedure(tx, "c-9", procedure_doc(status="scheduled"))
    with unit_of_work(registry, Actor.cli(), now=NOW, today=RECORDED) as tx:
        document = outcomes_document(tx, as_of=AS_OF)
        assert load_patient_outcomes(tx) == []
    assert document["n"] == 0 and document["by_technique"]["kyphoplasty"]["n"] == 0
    assert all(v["due"] == 0 for v in document["completeness"].values())


def test_query_reads_the_typed_columns(registry: Registry) -> None:
    _record_patient(registry)
    with unit_of_work(registry, Actor.cli(), now=NOW, today=RECORDED) as tx:
        (patient,) = load_patient_outcomes(tx)
        document = outcomes_document(tx, as_of=AS_OF)
    assert patient.technique is TechniqueGroup.KYPHOPLASTY
    assert patient.anchor == date(2026, 3, 2)
    assert patient.baseline_nrs == 8  # the case version's clinical value
    assert patient.first_new_fracture_day == 100
    assert [lv.level for lv in patient.levels] == ["L1"]
    assert patient.levels[0].genant_grade is not None
    kp = document["by_technique"]["kyphoplasty"]
    assert document["n"] == 1 and kp["n"] == 1
    assert kp["success"]["1 month"]["events"] == 1 and kp["success"]["1 month"]["n"] == 1
    assert kp["nrs_change"]["1 month"]["mean"] == -5
    assert kp["leakage_rate"]["fluoroscopy"]["n"] == 1
    assert kp["leakage_rate"]["fluoroscopy"]["events"] == 0
    assert kp["new_fracture_km"]["n_events"] == 1
    assert document["completeness"]["1 month"] == {
        "due": 1,
        "done": 1,
        "overdue": 0,
        "value": 1.0,
        "ci_low": document["completeness"]["1 month"]["ci_low"],
        "ci_high": document["completeness"]["1 month"]["ci_high"],
    }
    # a baseline record wins over the case's clinical values
    with unit_of_work(registry, Actor.cli(), now=NOW, today=RECORDED) as tx:
        svc.record_follow_up(tx, "c-1", follow_up_doc("baseline", "2026-03-01", pain_nrs=9))
    with unit_of_work(registry, Actor.cli(), now=NOW, today=RECORDED) as tx:
        document = outcomes_document(tx, as_of=AS_OF, technique=TechniqueGroup.VERTEBROPLASTY)
        kp_only = outcomes_document(tx, as_of=AS_OF, since=date(2026, 3, 3))
        again = outcomes_document(tx, as_of=AS_OF)
    assert document["n"] == 0 and kp_only["n"] == 0
    assert again["by_technique"]["kyphoplasty"]["nrs_change"]["1 month"]["mean"] == -6


def test_demo_rows_left_out_unless_included(registry: Registry, database_url: str) -> None:
    _record_patient(registry)
    seed_demo_registry(registry, patients=30, seed=1, as_of=AS_OF, force=True)
    service = outcomes_service()
    assert service is not None
    with unit_of_work(registry, Actor.cli()) as tx:
        default = service(tx, AS_OF, False)
        included = service(tx, AS_OF, True)
    assert default["n"] == 1 and default["demo_left_out"] == 30
    assert included["n"] == 31 and included["demo_left_out"] == 0
    assert any(c["code"] == "demo_included" for c in included["caveats"])
    out: dict[str, Any] = json.loads(
        run("outcomes", "--database", database_url, "--as-of", "2027-06-01").stdout
    )
    assert out["n"] == 1 and out["demo_left_out"] == 30
    with_demo = run(
        "outcomes", "--database", database_url, "--as-of", "2027-06-01", "--include-demo"
    )
    assert json.loads(with_demo.stdout)["n"] == 31
    # the CLI and the API adapter give the same document
    assert out == default


def _rows(columns: OutcomeColumns, prefix: str) -> list[tuple[float, ...]]:
    """One table of ``columns`` (``fu_``, ``fx_``, ``lv_``) as sorted rows, NaN as -inf."""
    arrays = [getattr(columns, f.name) for f in fields(columns) if f.name.startswith(prefix)]
    flat = [a for array in arrays for a in (array.T if array.ndim == 2 else [array])]
    rows = zip(*(a.tolist() for a in flat), strict=True)
    return sorted(tuple(-math.inf if v != v else v for v in row) for row in rows)


def _patients(columns: OutcomeColumns) -> list[tuple[float, ...]]:
    rows = zip(
        columns.group.tolist(),
        columns.grade.tolist(),
        columns.anchor.tolist(),
        columns.is_demo.tolist(),
        *columns.baseline.T.tolist(),
        columns.death_day.tolist(),
        strict=True,
    )
    return [tuple(-math.inf if v != v else v for v in row) for row in rows]


def test_column_query_reads_what_the_record_query_reads(registry: Registry) -> None:
    """The fast column query and the readable record query agree fact for fact, and so
    do the documents built from them: patients with a baseline record or only case
    values, a second case, a scheduled session, new fractures at treated and untreated
    levels, a death, and a demo registry."""
    _record_patient(registry)
    with unit_of_work(registry, Actor.cli(), now=NOW, today=RECORDED) as tx:
        svc.create_patient(tx, {"code": "P-002", "sex": "male"})
        svc.create_case(tx, "P-002", example_case(case_id="c-2"))
        svc.assess_case(tx, "c-2")
        vertebroplasty = {
            **procedure_doc()["levels"][0],
            "technique": "vertebroplasty",
            "balloon_ml": None,
            "leakage": {"present": True, "detected_by": "radiograph"},
        }
        svc.record_procedure(
            tx,
            "c-2",
            procedure_doc(levels=[vertebroplasty], override_reason="operator's choice"),
        )
        svc.record_follow_up(tx, "c-2", follow_up_doc("baseline", "2026-03-01", pain_nrs=7))
        svc.record_follow_up(tx, "c-2", follow_up_doc("1 day", "2026-03-03", pain_nrs=4))
        svc.record_follow_up(
            tx,
            "c-2",
            follow_up_doc(
                "1 month",
                "2026-04-02",
                pain_nrs=None,
                new_fractures=[{"level": "L1", "detected_by": "ct", "symptomatic": False}],
            ),
        )
        svc.record_follow_up(
            tx, "c-2", follow_up_doc("3 months", "2026-06-01", pain_nrs=None, status="deceased")
        )
        svc.create_case(tx, "P-002", example_case(case_id="c-3"))
        svc.assess_case(tx, "c-3")
        svc.record_procedure(tx, "c-3", procedure_doc(status="scheduled", date="2026-05-01"))
    seed_demo_registry(registry, patients=80, seed=3, as_of=AS_OF, force=True)
    with unit_of_work(registry, Actor.cli(), now=NOW, today=RECORDED) as tx:
        fast = load_outcome_columns(tx)
        records = load_patient_outcomes(tx, include_demo=True)
        document = outcomes_document(tx, as_of=AS_OF, include_demo=True)
    reference = OutcomeColumns.from_records(records)
    assert fast.n == reference.n == 82
    assert _patients(fast) == _patients(reference)
    for table in ("fu_", "fx_", "lv_"):
        assert _rows(fast, table) == _rows(reference, table), table
    assert document == outcomes_report(records, as_of=AS_OF, include_demo=True)
    assert fast.fx_patient.size > 0 and bool(fast.fu_deceased.any())


def test_baseline_is_the_latest_case_version_on_or_before_the_anchor(registry: Registry) -> None:
    """Versions 1 and 2 exist at the anchor, version 3 comes later: version 2's pain is the
    baseline, in the column query and in the record query alike."""
    later = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)

    def edited(pain: int) -> dict[str, Any]:
        document = example_case(case_id="c-1")
        document["clinical"]["pain_nrs"] = pain
        return document

    with unit_of_work(registry, Actor.cli(), now=NOW, today=RECORDED) as tx:
        svc.create_patient(tx, {"code": "P-001", "sex": "female"})
        svc.create_case(tx, "P-001", edited(6))
        svc.replace_case(tx, "c-1", edited(9), 1)
        svc.assess_case(tx, "c-1")
        svc.record_procedure(tx, "c-1", procedure_doc())
        svc.record_follow_up(tx, "c-1", follow_up_doc("1 month", "2026-04-01", pain_nrs=3))
    with unit_of_work(registry, Actor.cli(), now=later, today=later.date()) as tx:
        svc.replace_case(tx, "c-1", edited(5), 2)
    with unit_of_work(registry, Actor.cli(), now=later, today=later.date()) as tx:
        fast = load_outcome_columns(tx)
        (record,) = load_patient_outcomes(tx)
        document = outcomes_document(tx, as_of=AS_OF)
    assert record.baseline_nrs == 9
    assert fast.baseline[:, 0].tolist() == [9.0]
    assert document["by_technique"]["kyphoplasty"]["nrs_change"]["1 month"]["mean"] == -6

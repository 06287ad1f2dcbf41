"""CSV export and import of the registry (``docs/csv.md``), on both backends."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.registry.conftest import (
    NOW,
    RECORDED,
    example_case,
    follow_up_doc,
    new_pg_database,
    new_sqlite_database,
    procedure_doc,
)
from vertebro.registry import Registry
from vertebro.registry.schema import AuditRow, CaseRow
from vertebro.services import registry as svc
from vertebro.services.registry import Actor, unit_of_work
from vertebro.services.registry.csv_registry import (
    CASES,
    COLUMNS,
    FILES,
    FOLLOW_UPS,
    PATIENTS,
    PROCEDURES,
    CsvImportError,
    export_registry,
    import_registry,
)


@pytest.fixture
def other_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A second fresh, migrated registry on the test's backend (the import target)."""
    if backend == "postgresql":
        return new_pg_database(request.getfixturevalue("pg_server"))
    return new_sqlite_database(tmp_path)


def _seed(registry: Registry) -> None:
    with unit_of_work(registry, Actor.cli(), now=NOW, today=RECORDED) as tx:
        svc.create_patient(tx, {"code": "SECRET-17", "birth_year": 1947, "sex": "female"})
        svc.create_patient(tx, {"code": "SECRET-42", "birth_year": 1939, "sex": "male"})
        svc.create_case(tx, "SECRET-17", example_case("l1-wedge", "case-a"))
        edited = example_case("l1-wedge", "case-a")
        edited["clinical"]["pain_nrs"] = 9
        svc.replace_case(tx, "case-a", edited, 1)
        svc.assess_case(tx, "case-a")
        svc.record_procedure(
            tx,
            "case-a",
            procedure_doc(
                operator="Dr Jane Surgeon",
                biopsy={"taken": True, "histology": "osteoporosis, Mrs Smith"},
                complications=[
                    {"type": "bleeding", "symptomatic": False, "note": "called Mrs Smith"}
                ],
            ),
        )
        svc.record_follow_up(
            tx,
            "case-a",
            follow_up_doc(
                "1 month",
                "2026-04-01",
                odi=30.5,
                complications=[{"type": "residual_pain", "symptomatic": True, "note": "x"}],
            ),
        )
        svc.record_follow_up(
            tx,
            "case-a",
            follow_up_doc(
                "12 months",
                "2026-11-30",
                new_fractures=[{"level": "L3", "detected_by": "radiograph", "symptomatic": True}],
            ),
        )
        svc.create_case(tx, "SECRET-42", example_case("l2-burst-fall-vertebroplasty", "case-b"))
        svc.record_procedure(
            tx,
            "case-b",
            procedure_doc(operator="Dr Who", override_reason="assessed on paper by Dr Who"),
        )


def _snapshot(registry: Registry) -> dict[str, Any]:
    with unit_of_work(registry, Actor.cli()) as tx:
        patients = {p.code: (p.birth_year, str(p.sex), p.is_demo) for p in svc.list_patients(tx)}
        cases: dict[str, Any] = {}
        for case_id in tx.session.scalars(select(CaseRow.case_id).order_by(CaseRow.case_id)):
            view = svc.get_case(tx, case_id)
            cases[case_id] = {
                "patient": view.patient_code,
                "document": view.case.model_dump(mode="json"),
                "assessed": svc.latest_assessment(tx, case_id) is not None,
                "procedures": [
                    p.procedure.model_dump(mode="json") for p in svc.list_procedures(tx, case_id)
                ],
                "follow_ups": [
                    f.follow_up.model_dump(mode="json") for f in svc.list_follow_ups(tx, case_id)
                ],
            }
        return {"patients": patients, "cases": cases}


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def _counts(registry: Registry) -> tuple[int, dict[str, Any]]:
    with registry.transaction() as session:
        audit = session.scalar(select(func.count()).select_from(AuditRow)) or 0
    return audit, _snapshot(registry)


def test_export_then_import_round_trips(registry: Registry, other_url: str, tmp_path: Path) -> None:
    _seed(registry)
    folder = tmp_path / "csv"
    with unit_of_work(registry, Actor.cli()) as tx:
        summary = export_registry(tx, folder)
    assert summary.as_dict() == {
        "patients": 2, "cases": 2, "procedures": 2, "follow_ups": 2, "assessments": 1,
    }  # fmt: skip
    for name in FILES:
        with (folder / name).open(encoding="utf-8", newline="") as stream:
            assert next(csv.reader(stream)) == list(COLUMNS[name])
    cases = {r["case_id"]: r for r in _rows(folder, CASES)}
    assert cases["case-a"]["source_version"] == "2" and cases["case-a"]["pain_nrs"] == "9"
    assert cases["case-a"]["assessed"] == "true" and cases["case-b"]["assessed"] == "false"

    target = Registry.open(other_url)
    try:
        with unit_of_work(target, Actor.cli()) as tx:
            imported = import_registry(tx, folder)
        assert imported.as_dict() == summary.as_dict()
        assert _snapshot(target) == _snapshot(registry)
        with unit_of_work(target, Actor.cli()) as tx:
            actions = {e.action for e in svc.list_audit(tx, limit=1000)}
        assert {
            "patient.create", "case.create", "assessment.create",
            "procedure.create", "follow_up.create",
        } <= actions  # fmt: skip
    finally:
        target.close()


def test_bad_rows_are_all_reported_and_nothing_is_imported(
    registry: Registry, other_url: str, tmp_path: Path
) -> None:
    _seed(registry)
    folder = tmp_path / "csv"
    with unit_of_work(registry, Actor.cli()) as tx:
        export_registry(tx, folder)
    # Row 2 of patients.csv: a bad birth year; row 3 of follow_ups.csv: pain 11 in the
    # document; row 2 of procedures.csv: a typed column that disagrees with its document.
    patients = _rows(folder, PATIENTS)
    patients[0]["birth_year"] = "nineteen"
    _rewrite(folder, PATIENTS, patients)
    follow_ups = _rows(folder, FOLLOW_UPS)
    follow_ups[1]["document"] = follow_ups[1]["document"].replace('"pain_nrs":3', '"pain_nrs":11')
    _rewrite(folder, FOLLOW_UPS, follow_ups)
    procedures = _rows(folder, PROCEDURES)
    procedures[0]["anaesthesia"] = "local_sedation"
    _rewrite(folder, PROCEDURES, procedures)

    target = Registry.open(other_url)
    try:
        before = _counts(target)
        with (
            pytest.raises(CsvImportError) as caught,
            unit_of_work(target, Actor.cli()) as tx,
        ):
            import_registry(tx, folder)
        assert caught.value.lines == [
            "patients.csv:2:birth_year: must be an integer or empty, got 'nineteen'",
            "procedures.csv:2:anaesthesia: 'local_sedation' does not agree with the "
            "document ('general')",
            "follow_ups.csv:3:document: pain_nrs: must be at most 10, got 11",
        ]
        assert _counts(target) == before
    finally:
        target.close()


def test_references_and_clashes_are_reported(
    registry: Registry, other_url: str, tmp_path: Path
) -> None:
    _seed(registry)
    folder = tmp_path / "csv"
    with unit_of_work(registry, Actor.cli()) as tx:
        export_registry(tx, folder)
    follow_ups = _rows(folder, FOLLOW_UPS)
    follow_ups[1]["case_id"] = "case-zzz"
    _rewrite(folder, FOLLOW_UPS, follow_ups)
    # Into the registry the rows came from: every patient and case already exists.
    with pytest.raises(CsvImportError) as caught, unit_of_work(registry, Actor.cli()) as tx:
        import_registry(tx, folder)
    assert caught.value.lines == [
        "patients.csv:2:patient_code: patient 'SECRET-17' is already in the registry",
        "patients.csv:3:patient_code: patient 'SECRET-42' is already in the registry",
        "cases.csv:2:case_id: case 'case-a' is already in the registry",
        "cases.csv:3:case_id: case 'case-b' is already in the registry",
        "follow_ups.csv:3:case_id: no case 'case-zzz' in cases.csv",
    ]


def test_a_rule_refusal_at_import_rolls_everything_back(
    registry: Registry, other_url: str, tmp_path: Path
) -> None:
    _seed(registry)
    folder = tmp_path / "csv"
    with unit_of_work(registry, Actor.cli()) as tx:
        export_registry(tx, folder)
    cases = _rows(folder, CASES)
    cases[0]["assessed"] = "false"  # case-a's session then departs from (no) plan
    _rewrite(folder, CASES, cases)
    target = Registry.open(other_url)
    try:
        before = _counts(target)
        with pytest.raises(CsvImportError) as caught, unit_of_work(target, Actor.cli()) as tx:
            import_registry(tx, folder)
        assert caught.value.lines == [
            "procedures.csv:2:document: override_reason: required: "
            "the case has no stored assessment"
        ]
        assert _counts(target) == before
    finally:
        target.close()


def test_deidentified_export(registry: Registry, other_url: str, tmp_path: Path) -> None:
    _seed(registry)
    folder = tmp_path / "deid"
    with unit_of_work(registry, Actor.cli()) as tx:
        export_registry(tx, folder, deidentify=True)
    text = "\n".join((folder / name).read_text(encoding="utf-8") for name in FILES)
    for secret in ("SECRET", "1947", "1939", "Jane", "Dr Who", "Smith", "case-a", "case-b"):
        assert secret not in text
    patients = _rows(folder, PATIENTS)
    assert all(p["birth_year"] == "" for p in patients)
    codes = {p["patient_code"] for p in patients}
    assert len(codes) == 2
    assert {c["patient_code"] for c in _rows(folder, CASES)} == codes
    assert {p["operator"] for p in _rows(folder, PROCEDURES)} == {"redacted"}
    # Nothing else changes: dates and scores are as stored.
    dates = sorted(f["date"] for f in _rows(folder, FOLLOW_UPS))
    assert dates == ["2026-04-01", "2026-11-30"]
    # A de-identified export is still importable.
    target = Registry.open(other_url)
    try:
        with unit_of_work(target, Actor.cli()) as tx:
            assert import_registry(tx, folder).cases == 2
    finally:
        target.close()


def _rewrite(folder: Path, name: str, rows: list[dict[str, str]]) -> None:
    with (folder / name).open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=COLUMNS[name], lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vertebro.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=dict(os.environ),
    )


def test_cli_export_and_import(
    registry: Registry, database_url: str, other_url: str, tmp_path: Path
) -> None:
    _seed(registry)
    folder = tmp_path / "out"
    exported = _run("export-csv", str(folder), "--database", database_url)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == ""
    assert "exported 2 patients, 2 cases" in exported.stderr

    bad = tmp_path / "bad"
    bad.mkdir()
    for name in FILES:
        (bad / name).write_bytes((folder / name).read_bytes())
    cases = _rows(bad, CASES)
    cases[1]["assessed"] = "maybe"
    cases[0]["document"] = cases[0]["document"].replace('"L1"', '"L9"', 1)
    _rewrite(bad, CASES, cases)
    refused = _run("import-csv", str(bad), "--database", other_url)
    assert refused.returncode == 2
    lines = refused.stderr.splitlines()
    assert lines[0].startswith("cases.csv:2:document: fractures[0].level: 'L9'")
    assert "cases.csv:3:assessed: must be true or false, got 'maybe'" in lines
    assert lines[-1] == "nothing was imported"

    imported = _run("import-csv", str(folder), "--database", other_url)
    assert imported.returncode == 0, imported.stderr
    assert "imported 2 patients, 2 cases (1 assessed), 2 procedures, 2 follow-ups" in (
        imported.stderr
    )
    target = Registry.open(other_url)
    try:
        assert _snapshot(target) == _snapshot(registry)
    finally:
        target.close()


def test_void_records_are_exported_marked_and_imported_void(
    registry: Registry, other_url: str, tmp_path: Path
) -> None:
    """registry-v1 1.1: void records stay in the exports, marked, and come back void."""
    _seed(registry)
    with unit_of_work(registry, Actor.cli(), now=NOW, today=RECORDED) as tx:
        (procedure,) = svc.list_procedures(tx, "case-a")
        first_visit = svc.list_follow_ups(tx, "case-a")[0]
        svc.void_procedure(tx, procedure.id, "entered for the wrong patient")
        svc.void_follow_up(tx, first_visit.id, "duplicate of a phone call")
        svc.record_follow_up(
            tx, "case-a", follow_up_doc(str(first_visit.follow_up.visit), "2026-03-05")
        )
    folder = tmp_path / "csv"
    with unit_of_work(registry, Actor.cli()) as tx:
        export_registry(tx, folder)
    rows = {r["case_id"]: r for r in _rows(folder, PROCEDURES)}
    assert rows["case-a"]["void_reason"] == "entered for the wrong patient"
    assert rows["case-a"]["void_at"] and rows["case-b"]["void_reason"] == ""
    reasons = sorted(r["void_reason"] for r in _rows(folder, FOLLOW_UPS))
    assert "duplicate of a phone call" in reasons and "" in reasons
    target = Registry.open(other_url)
    try:
        with unit_of_work(target, Actor.cli()) as tx:
            import_registry(tx, folder)
        with unit_of_work(target, Actor.cli(), write=False) as tx:
            (imported,) = svc.list_procedures(tx, "case-a")
            assert imported.void is not None
            assert imported.void.reason == "entered for the wrong patient"
            visits = svc.list_follow_ups(tx, "case-a")
            assert sorted(v.void is not None for v in visits) == sorted(
                r["void_reason"] != "" for r in _rows(folder, FOLLOW_UPS)
            )
    finally:
        target.close()

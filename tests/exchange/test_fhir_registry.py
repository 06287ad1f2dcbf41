"""FHIR Bundles straight from and into the registry (``vertebro fhir export-case`` and
``vertebro fhir import-bundle``, the web download), on SQLite and a real PostgreSQL."""

from __future__ import annotations

import base64
import json
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.api.server import PASSWORD, live_server, sqlite_url
from tests.backends import require_module
from tests.exchange.r4 import assert_valid_r4
from tests.registry import conftest as registry_fixtures
from tests.registry.conftest import (
    NOW,
    RECORDED,
    example_case,
    follow_up_doc,
    new_pg_database,
    new_sqlite_database,
    procedure_doc,
)
from vertebro.cli import app
from vertebro.errors import Conflict, InvalidDocument, InvalidProcedure, PermissionDenied
from vertebro.exchange.fhir_export import ExchangeRecord, bundle_json
from vertebro.exchange.fhir_import import read_bundle
from vertebro.guidance import assess
from vertebro.model.parsing import parse_case, parse_procedure
from vertebro.registry import Registry, Role
from vertebro.registry.schema import AssessmentRow, AuditRow, CaseRow, PatientRow
from vertebro.services import registry as svc
from vertebro.services.registry import Actor, unit_of_work
from vertebro.services.registry.exchange import exchange_record, import_bundle

require_module("fhir.resources")

# the registry tests' fixtures: every registry test here runs on SQLite and PostgreSQL
pg_server = registry_fixtures.pg_server
backend = registry_fixtures.backend
database_url = registry_fixtures.database_url
registry = registry_fixtures.registry

CASE = "mixed-1"
PATIENT = "P-0042"
DATES = {"recorded": NOW.date(), "assessed": NOW.date()}


def three_levels(**changes: Any) -> dict[str, Any]:
    """One performed session at the plan of ``mixed-plana-t8-t10-l1`` (T8, T10 VP; L1 KP)."""
    levels = [
        {
            "level": level,
            "technique": technique,
            "approach": "bipedicular",
            "cement_viscosity": "high",
            "cement_ml": 2.5,
            **({"balloon_ml": 3.0} if technique == "kyphoplasty" else {}),
            "leakage": {"present": False, "detected_by": "fluoroscopy"},
        }
        for level, technique in (("T8", "vertebroplasty"), ("T10", "vertebroplasty"))
    ]
    levels.append(procedure_doc()["levels"][0])
    return procedure_doc(levels=levels, **changes)


def seed(reg: Registry, case_id: str = CASE, *, treated: bool = True) -> None:
    """A patient with a three-level case, assessed, one session, two follow-ups."""
    with unit_of_work(reg, Actor.cli(), now=NOW, today=RECORDED) as tx:
        svc.create_patient(tx, {"code": PATIENT, "birth_year": 1947, "sex": "female"})
        svc.create_case(tx, PATIENT, example_case("mixed-plana-t8-t10-l1", case_id))
        if treated:
            svc.assess_case(tx, case_id)
            svc.record_procedure(tx, case_id, three_levels())
            svc.record_follow_up(tx, case_id, follow_up_doc("1 week", "2026-03-09", odi=40.0))
            svc.record_follow_up(tx, case_id, follow_up_doc("1 month", "2026-04-01", rdq=5))


def cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def count(reg: Registry, table: Any) -> int:
    with reg.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def audit_rows(reg: Registry, action: str) -> list[AuditRow]:
    with reg.transaction() as session:
        rows = list(session.scalars(select(AuditRow).where(AuditRow.action == action)))
        session.expunge_all()
        return rows


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def levels(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """The Procedures of treated levels (not the sessions, not the anaesthesia)."""
    techniques = {"vertebroplasty", "kyphoplasty"}
    return [
        p for p in resources(bundle, "Procedure") if p["code"]["coding"][0]["code"] in techniques
    ]


def snapshot(reg: Registry, case_id: str) -> dict[str, Any]:
    """What the registry holds about a case, as documents."""
    with unit_of_work(reg, Actor.cli()) as tx:
        view = svc.get_case(tx, case_id)
        return {
            "patient": svc.get_patient(tx, view.patient_code),
            "case": view.case,
            "versions": len(svc.list_case_versions(tx, case_id)),
            "procedures": [p.procedure for p in svc.list_procedures(tx, case_id)],
            "follow_ups": [f.follow_up for f in svc.list_follow_ups(tx, case_id)],
        }


@pytest.fixture
def other_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A second fresh, migrated registry on the test's backend (the import target)."""
    if backend == "postgresql":
        return new_pg_database(request.getfixturevalue("pg_server"))
    return new_sqlite_database(tmp_path)


@pytest.fixture
def other(other_url: str) -> Iterator[Registry]:
    handle = Registry.open(other_url)
    yield handle
    handle.close()


# --------------------------------------------------------------------------- export


def test_export_case_gives_a_valid_bundle_of_the_whole_case(
    registry: Registry, database_url: str, tmp_path: Path
) -> None:
    from fhir.resources.R4B.bundle import Bundle

    seed(registry)
    printed = cli("fhir", "export-case", CASE, "--database", database_url)
    assert printed.exit_code == 0, printed.stderr
    bundle = json.loads(printed.stdout)
    Bundle.model_validate(bundle)  # valid FHIR R4 (R4B models)

    (patient,) = resources(bundle, "Patient")
    assert patient["identifier"][0]["value"] == PATIENT
    assert patient["birthDate"] == "1947" and patient["gender"] == "female"
    sites = sorted(c["bodySite"][0]["text"] for c in resources(bundle, "Condition"))
    assert len(sites) == 3  # one Condition per fracture
    procedures = resources(bundle, "Procedure")
    assert len(procedures) == 1 + 3 + 1  # the session, its three levels, the anaesthesia
    assert [p["code"]["coding"][0]["code"] for p in levels(bundle)] == [
        "vertebroplasty",
        "vertebroplasty",
        "kyphoplasty",
    ]
    assert all(p["status"] == "completed" for p in procedures)
    assert {p["performedDateTime"] for p in procedures} == {"2026-03-02"}
    observed = [o["code"]["coding"][0]["code"] for o in resources(bundle, "Observation")]
    assert observed.count("72514-3") == 3  # pain NRS: baseline and two visits
    assert {"odi", "rdq", "genant-grade"} <= set(observed)
    assert len(resources(bundle, "ClinicalImpression")) == 1
    binaries = resources(bundle, "Binary")
    schemas = [json.loads(base64.b64decode(b["data"]))["schema"] for b in binaries]
    assert schemas == [
        "vertebro.case/1",
        "vertebro.procedure/1",
        "vertebro.follow_up/1",
        "vertebro.follow_up/1",
    ]
    expected = parse_case(example_case("mixed-plana-t8-t10-l1", CASE))
    assert read_bundle(printed.stdout).case == expected
    assert_valid_r4({"export-case": bundle}, tmp_path / "r4")  # the independent validator

    # --output: the same Bundle, written atomically, owner-only, nothing on stdout
    out = tmp_path / "bundle.json"
    written = cli("fhir", "export-case", CASE, "--database", database_url, "--output", str(out))
    assert written.exit_code == 0, written.stderr
    assert written.stdout == ""
    assert out.read_text(encoding="utf-8") == printed.stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert not list(tmp_path.glob(".bundle.json.*"))

    exports = audit_rows(registry, "export")
    assert [(r.entity, r.entity_key) for r in exports] == [("case", CASE)] * 2
    assert all((r.after or {})["what"] == "fhir" for r in exports)
    assert exports[0].after is not None
    assert exports[0].after["case_id"] == CASE
    assert exports[0].after["procedures"] == 1 and exports[0].after["follow_ups"] == 2
    assert exports[0].actor.startswith("cli:")


def test_export_uses_the_stored_assessment_not_a_new_one(registry: Registry) -> None:
    seed(registry)
    with unit_of_work(registry, Actor.cli()) as tx:
        stored = svc.latest_assessment(tx, CASE)
        record = exchange_record(tx, CASE)
    assert stored is not None and record.assessment == stored.assessment
    assert record.birth_year == 1947 and record.patient_code == PATIENT
    assert [lv.level for lv in record.procedures[0].levels] == ["T8", "T10", "L1"]
    assert count(registry, AssessmentRow) == 1


def test_export_of_an_unassessed_case_assesses_without_storing(registry: Registry) -> None:
    seed(registry, treated=False)
    with unit_of_work(registry, Actor("viewer", Role.VIEWER)) as tx:
        record = exchange_record(tx, CASE, via="web")
    assert record.assessment is not None
    assert str(record.assessment.recommendation) == "mixed"
    assert count(registry, AssessmentRow) == 0
    (export,) = audit_rows(registry, "export")
    assert export.actor == "viewer" and export.after is not None
    assert export.after["assessment_id"] is None and export.after["via"] == "web"


def test_unknown_case_exits_2_with_nothing_on_stdout(
    registry: Registry, database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "b.json"
    for extra in ((), ("--output", str(out))):
        result = cli("fhir", "export-case", "NOPE", "--database", database_url, *extra)
        assert result.exit_code == 2
        assert result.stdout == ""
        assert "no case 'NOPE'" in result.stderr
    assert list(out.parent.iterdir()) == []
    assert audit_rows(registry, "export") == []


def test_output_must_be_a_file_in_an_existing_folder(
    registry: Registry, database_url: str, tmp_path: Path
) -> None:
    seed(registry)
    into_folder = cli("fhir", "export-case", CASE, "--database", database_url, "--output", ".")
    assert into_folder.exit_code == 2 and "is a folder" in into_folder.stderr
    missing = tmp_path / "no" / "b.json"
    nowhere = cli("fhir", "export-case", CASE, "--database", database_url, "--output", str(missing))
    assert nowhere.exit_code == 2 and "no such folder" in nowhere.stderr
    assert audit_rows(registry, "export") == []


# --------------------------------------------------------------------------- import


def test_bundle_round_trips_into_an_empty_registry(
    registry: Registry, database_url: str, other: Registry, other_url: str, tmp_path: Path
) -> None:
    seed(registry)
    path = tmp_path / "bundle.json"
    exported = cli("fhir", "export-case", CASE, "--database", database_url, "--output", str(path))
    assert exported.exit_code == 0, exported.stderr

    imported = cli("fhir", "import-bundle", str(path), "--database", other_url)
    assert imported.exit_code == 0, imported.stderr
    assert imported.stdout == f"{CASE}\n"

    source, copy = snapshot(registry, CASE), snapshot(other, CASE)
    assert copy["case"] == source["case"]
    assert copy["procedures"] == source["procedures"]
    assert copy["follow_ups"] == source["follow_ups"]
    assert copy["versions"] == 1
    assert (copy["patient"].code, copy["patient"].birth_year, copy["patient"].sex) == (
        PATIENT,
        1947,
        source["patient"].sex,
    )
    with unit_of_work(other, Actor.cli()) as tx:
        (assessment,) = svc.list_assessments(tx, CASE)
    with unit_of_work(registry, Actor.cli()) as tx:
        original = svc.latest_assessment(tx, CASE)
    assert original is not None and assessment.assessment == original.assessment

    # the audit log: the import itself and every record it made
    (entry,) = audit_rows(other, "import")
    assert (entry.entity, entry.entity_key) == ("registry", "fhir")
    assert entry.after == {
        "case_id": CASE,
        "patient": PATIENT,
        "patient_created": True,
        "assessment_id": assessment.id,
        "procedures": 1,
        "follow_ups": 2,
    }
    for action, n in (
        ("patient.create", 1),
        ("case.create", 1),
        ("assessment.create", 1),
        ("procedure.create", 1),
        ("follow_up.create", 2),
    ):
        assert len(audit_rows(other, action)) == n, action

    # a second import of the same Bundle is refused and writes nothing
    rows = count(other, AuditRow)
    again = cli("fhir", "import-bundle", str(path), "--database", other_url)
    assert again.exit_code == 2
    assert again.stdout == ""
    assert f"case {CASE!r} already exists" in again.stderr
    assert "nothing was imported" in again.stderr
    assert count(other, AuditRow) == rows and count(other, CaseRow) == 1


def test_import_uses_a_known_patient(registry: Registry, other: Registry) -> None:
    seed(registry)
    with unit_of_work(registry, Actor.cli()) as tx:
        text = bundle_json(exchange_record(tx, CASE))
    with unit_of_work(other, Actor.cli()) as tx:
        svc.create_patient(tx, {"code": PATIENT, "birth_year": 1947, "sex": "female"})
    with unit_of_work(other, Actor("dr", Role.CLINICIAN)) as tx:
        assert import_bundle(tx, text.encode()).id == CASE
    (entry,) = audit_rows(other, "import")
    assert entry.actor == "dr" and entry.after is not None
    assert entry.after["patient_created"] is False
    assert count(other, PatientRow) == 1


def test_import_refuses_a_known_patient_with_another_birth_year(
    registry: Registry, other: Registry
) -> None:
    seed(registry)
    with unit_of_work(registry, Actor.cli()) as tx:
        text = bundle_json(exchange_record(tx, CASE))
    with unit_of_work(other, Actor.cli()) as tx:
        svc.create_patient(tx, {"code": PATIENT, "birth_year": 1950})
    refused = pytest.raises(Conflict, match="birth year 1950, the Bundle says 1947")
    with refused, unit_of_work(other, Actor.cli()) as tx:
        import_bundle(tx, text)
    assert count(other, CaseRow) == 0


def test_import_needs_the_clinician_role(registry: Registry, other: Registry) -> None:
    seed(registry)
    with unit_of_work(registry, Actor("v", Role.VIEWER)) as tx:
        text = bundle_json(exchange_record(tx, CASE))
    for role in (Role.VIEWER, Role.COORDINATOR):
        with pytest.raises(PermissionDenied), unit_of_work(other, Actor("u", role)) as tx:
            import_bundle(tx, text)
    assert count(other, AuditRow) == 0


def test_a_procedure_the_registry_refuses_rolls_the_whole_import_back(
    other: Registry, other_url: str, tmp_path: Path
) -> None:
    case = parse_case(example_case("mixed-plana-t8-t10-l1", CASE))
    departing = three_levels()
    departing["levels"][0]["technique"] = "kyphoplasty"  # T8 is planned as vertebroplasty
    departing["levels"][0]["balloon_ml"] = 2.0
    record = ExchangeRecord(
        case=case,
        patient_code=PATIENT,
        procedures=(parse_procedure(departing),),
        birth_year=1947,
        **DATES,
    )
    path = tmp_path / "departing.json"
    path.write_text(bundle_json(record), encoding="utf-8")
    result = cli("fhir", "import-bundle", str(path), "--database", other_url)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "procedures[0].override_reason: required: T8 is planned as vertebroplasty" in (
        result.stderr
    )
    assert "nothing was imported" in result.stderr
    for table in (PatientRow, CaseRow, AssessmentRow, AuditRow):
        assert count(other, table) == 0, table

    with pytest.raises(InvalidProcedure), unit_of_work(other, Actor.cli()) as tx:
        import_bundle(tx, path.read_bytes())


def full_record() -> ExchangeRecord:
    """The seeded case as a record, without a registry."""
    from vertebro.model.parsing import parse_follow_up

    case = parse_case(example_case("mixed-plana-t8-t10-l1", CASE))
    return ExchangeRecord(
        **DATES,
        case=case,
        patient_code=PATIENT,
        assessment=assess(case),
        procedures=(parse_procedure(three_levels()),),
        follow_ups=(parse_follow_up(follow_up_doc("1 week", "2026-03-09")),),
        birth_year=1947,
    )


def _tampered(bundle: dict[str, Any], how: str) -> str:
    if how == "bad JSON":
        return json.dumps(bundle)[:-20]
    if how == "not a Bundle":
        return json.dumps({"resourceType": "Patient"})
    if how == "no patient":
        kept = {"Binary", "Patient"}
        bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] not in kept]
    if how == "no patient code":
        for e in bundle["entry"]:
            e["resource"].pop("identifier", None)
    if how == "bad document":
        binary = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Binary")
        document = json.loads(base64.b64decode(binary["resource"]["data"]))
        document["patient"]["age_years"] = 300
        binary["resource"]["data"] = base64.b64encode(json.dumps(document).encode()).decode()
    if how == "not FHIR":
        bundle["timestamp"] = "yesterday"
    return json.dumps(bundle)


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("bad JSON", "$: not valid JSON"),
        ("not a Bundle", "$: not a FHIR Bundle"),
        ("not FHIR", "timestamp: not a valid FHIR R4 Bundle"),
        ("no patient", "$: no Patient: the Bundle must hold the patient"),
        ("no patient code", "Patient.identifier: no urn:vertebro:patient-code identifier"),
        ("bad document", "resource.data: patient.age_years:"),
    ],
)
def test_a_tampered_bundle_exits_2_with_the_reason(tmp_path: Path, how: str, reason: str) -> None:
    # one backend is enough: the Bundle is refused before the registry is touched
    bundle = json.loads(bundle_json(full_record()))
    target = new_sqlite_database(tmp_path)
    path = tmp_path / "tampered.json"
    path.write_text(_tampered(bundle, how), encoding="utf-8")
    result = cli("fhir", "import-bundle", str(path), "--database", target)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert reason in result.stderr
    assert "nothing was imported" in result.stderr
    check = Registry.open(target)
    try:
        assert count(check, CaseRow) == 0 and count(check, AuditRow) == 0
    finally:
        check.close()


def test_import_of_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = cli("fhir", "import-bundle", str(tmp_path / "none.json"), "--database", "sqlite://")
    assert result.exit_code == 2 and "none.json" in result.stderr


def test_repeated_visits_are_refused(other: Registry) -> None:
    from vertebro.model.parsing import parse_follow_up

    case = parse_case(example_case("l1-wedge", "w-1"))
    visit = parse_follow_up(follow_up_doc("1 month", "2026-04-01"))
    record = ExchangeRecord(case=case, patient_code="P-9", follow_ups=(visit, visit), **DATES)
    refused = pytest.raises(InvalidDocument, match=r"follow_ups\[1\]\.visit: a second 1 month")
    with refused, unit_of_work(other, Actor.cli()) as tx:
        import_bundle(tx, bundle_json(record))


# --------------------------------------------------------------------------- start-up


def test_export_case_does_not_import_matplotlib_or_weasyprint(tmp_path: Path) -> None:
    url = new_sqlite_database(tmp_path)
    reg = Registry.open(url)
    try:
        seed(reg)
    finally:
        reg.close()
    code = (
        "import sys\n"
        "from vertebro.cli import main\n"
        f"sys.argv = ['vertebro', 'fhir', 'export-case', {CASE!r}, '--database', {url!r}]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "heavy = ('matplotlib', 'weasyprint')\n"
        "sys.stderr.write(repr(sorted({m.split('.')[0] for m in sys.modules} & set(heavy))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.endswith("[]")
    assert json.loads(result.stdout)["resourceType"] == "Bundle"


def test_help_names_the_four_commands() -> None:
    listed = cli("fhir", "--help").stdout
    for command in ("export", "import", "export-case", "import-bundle"):
        assert re.search(rf"\b{command}\b", listed), command
    assert "--output" in cli("fhir", "export-case", "--help").stdout
    assert "--database" in cli("fhir", "import-bundle", "--help").stdout


# --------------------------------------------------------------------------- web


def test_web_download_of_the_bundle(tmp_path: Path) -> None:
    from fhir.resources.R4B.bundle import Bundle

    url = sqlite_url(tmp_path)
    with live_server(url) as server:
        seed(server.registry)
        anonymous = httpx.Client(base_url=server.url, timeout=60)
        assert anonymous.get(f"/cases/{CASE}/fhir.json").status_code == 303
        client = httpx.Client(base_url=server.url, timeout=60)
        form = client.get("/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert csrf is not None
        client.post(
            "/login",
            data={"username": "viewer", "password": PASSWORD, "csrf_token": csrf.group(1)},
        )
        page = client.get(f"/cases/{CASE}").text
        assert f'href="/cases/{CASE}/fhir.json"' in page and "FHIR Bundle (JSON)" in page
        answer = client.get(f"/cases/{CASE}/fhir.json")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/fhir+json")
        assert f'filename="fhir-{CASE}.json"' in answer.headers["content-disposition"]
        Bundle.model_validate(answer.json())
        assert_valid_r4({"web": answer.json()}, tmp_path / "r4")
        assert len(levels(answer.json())) == 3
        assert client.get("/cases/NOPE/fhir.json").status_code == 404
        (export,) = audit_rows(server.registry, "export")
        assert export.actor == "viewer" and export.after is not None
        assert export.after["via"] == "web" and export.after["case_id"] == CASE


def test_void_records_are_marked_and_never_imported_as_live(
    registry: Registry, other_url: str
) -> None:
    """registry-v1 1.1: a void session and a void visit stay in the Bundle, marked
    ``entered-in-error``; their documents are not carried, so an import leaves them out."""
    seed(registry)
    with unit_of_work(registry, Actor.cli(), now=NOW, today=RECORDED) as tx:
        (procedure,) = svc.list_procedures(tx, CASE)
        visit = svc.list_follow_ups(tx, CASE)[0]
        svc.void_follow_up(tx, visit.id, "entered for the wrong patient")
        svc.void_procedure(tx, procedure.id, "never happened")
    with unit_of_work(registry, Actor.cli(), now=NOW, today=RECORDED) as tx:
        bundle = json.loads(bundle_json(exchange_record(tx, CASE)))
    statuses = {p["status"] for p in resources(bundle, "Procedure")}
    assert statuses == {"entered-in-error"}
    marked = [o for o in resources(bundle, "Observation") if o["status"] == "entered-in-error"]
    assert marked and all(
        o["effectiveDateTime"] == visit.follow_up.date.isoformat() for o in marked
    )
    record = read_bundle(json.dumps(bundle))
    assert record.procedures == () and visit.follow_up not in record.follow_ups
    target = Registry.open(other_url)
    try:
        with unit_of_work(target, Actor.cli(), now=NOW, today=RECORDED) as tx:
            import_bundle(tx, json.dumps(bundle))
            assert svc.list_procedures(tx, CASE) == []
            assert len(svc.list_follow_ups(tx, CASE)) == len(record.follow_ups)
    finally:
        target.close()


def test_a_bundle_with_a_future_visit_is_refused_at_its_date(
    registry: Registry, other_url: str
) -> None:
    seed(registry)
    with unit_of_work(registry, Actor.cli(), now=NOW, today=RECORDED) as tx:
        bundle = bundle_json(exchange_record(tx, CASE))
    target = Registry.open(other_url)
    try:
        with (
            pytest.raises(InvalidDocument) as caught,
            unit_of_work(target, Actor.cli(), now=NOW, today=date(2026, 1, 1)) as tx,
        ):
            import_bundle(tx, bundle)
        assert any(
            line.startswith("procedures[0].date: must not be in the future (today is 2026-01-01)")
            for line in caught.value.lines
        ), caught.value.lines
        assert count(target, CaseRow) == 0
    finally:
        target.close()

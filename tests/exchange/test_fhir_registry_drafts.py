"""FHIR Bundles and the registry, on SQLite and a real PostgreSQL: another system's Bundle
becomes a draft case that a clinician completes (``fhir import-bundle``, ``drafts``,
``draft``, ``complete``); the round trip export → import → export gives the same Bundle;
registry exports, de-identified ones included, pass the independent R4 validator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from tests.exchange import test_fhir_registry as fhir_registry
from tests.exchange.r4 import assert_valid_r4
from tests.exchange.test_fhir_foreign import FOREIGN, KEY, KEY_TEXT
from tests.exchange.test_fhir_registry import (
    CASE,
    NOW,
    PATIENT,
    RECORDED,
    audit_rows,
    count,
    levels,
    resources,
    seed,
)
from tests.registry import conftest as registry_fixtures
from vertebro.cli import app
from vertebro.exchange.fhir_export import build_bundle, bundle_json
from vertebro.registry import Registry
from vertebro.registry.schema import AuditRow, CaseRow, DraftRow, PatientRow
from vertebro.services import registry as svc
from vertebro.services.registry import Actor, unit_of_work
from vertebro.services.registry.exchange import exchange_record, import_bundle

pg_server = registry_fixtures.pg_server
backend = registry_fixtures.backend
database_url = registry_fixtures.database_url
registry = registry_fixtures.registry
other_url = fhir_registry.other_url
other = fhir_registry.other

HOSPITAL_A = FOREIGN / "hospital-a-transaction.json"


def cli(*args: str, key: str = KEY_TEXT) -> Any:
    env = {"VERTEBRO_PSEUDONYM_KEY": key, "VERTEBRO_CONCEPT_MAP": ""}
    return CliRunner().invoke(app, list(args), env=env)


def _complete(folder: Path) -> None:
    """What the clinician adds to the draft's files."""
    case = json.loads((folder / "case.json").read_text())
    case["patient"]["active_infection"] = False
    case["clinical"]["neurology"] = "intact"
    case["fractures"][0]["etiology"] = "osteoporotic"
    (folder / "case.json").write_text(json.dumps(case))
    session = json.loads((folder / "procedure-1.json").read_text())
    session["anaesthesia"] = "local_sedation"
    session["override_reason"] = "treated at hospital A before referral"
    session["levels"][0] |= {
        "approach": "bipedicular",
        "cement_viscosity": "high",
        "cement_ml": 3.0,
    }
    (folder / "procedure-1.json").write_text(json.dumps(session))


def test_a_foreign_bundle_becomes_a_draft_that_a_clinician_completes(
    other: Registry, other_url: str, tmp_path: Path
) -> None:
    report_file = tmp_path / "report.json"
    imported = cli(
        "fhir",
        "import-bundle",
        str(HOSPITAL_A),
        "--database",
        other_url,
        "--report",
        str(report_file),
    )
    assert imported.exit_code == 0, imported.stderr
    draft_id = imported.stdout.strip()
    assert draft_id.startswith("F-")
    code = KEY.patient_code("http://hospital-a.example.org/fhir/mrn", "00012345")
    assert f"draft {draft_id} of patient {code} stored" in imported.stderr
    assert "unmapped entry[0].resource.name (Patient): identifying, not stored" in imported.stderr
    assert "missing  patient.active_infection: required" in imported.stderr
    report = json.loads(report_file.read_text())
    assert (report["kind"], report["id"], report["patient_code"]) == ("draft", draft_id, code)
    assert report["patient_created"] is True and len(report["report"]["mapped"]) == 5

    with other.transaction() as session:
        (patient,) = session.scalars(select(PatientRow))
        assert (patient.code, patient.birth_year, patient.sex) == (code, 1948, "female")
        stored = json.dumps([r.document for r in session.scalars(select(DraftRow))])
    assert "00012345" not in stored and "Anna" not in stored
    assert count(other, CaseRow) == 0
    (entry,) = audit_rows(other, "import")
    assert entry.after is not None and entry.after["draft_id"] == draft_id
    assert len(audit_rows(other, "draft.create")) == 1

    listed = cli("fhir", "drafts", "--database", other_url)
    assert listed.exit_code == 0 and listed.stdout.startswith(f"{draft_id}\t{code}\t")
    assert listed.stdout.rstrip().endswith("7 missing")

    folder = tmp_path / "draft"
    written = cli("fhir", "draft", draft_id, "--database", other_url, "--out-dir", str(folder))
    assert written.exit_code == 0, written.stderr
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["case.json", "follow-up-1.json", "procedure-1.json", "report.json"]
    incomplete = cli("fhir", "complete", draft_id, str(folder), "--database", other_url)
    assert incomplete.exit_code == 2
    assert "case.patient.active_infection: required" in incomplete.stderr
    assert "nothing was stored" in incomplete.stderr and count(other, CaseRow) == 0

    _complete(folder)
    completed = cli("fhir", "complete", draft_id, str(folder), "--database", other_url)
    assert completed.exit_code == 0, completed.stderr
    assert completed.stdout == f"{draft_id}\n"
    with unit_of_work(other, Actor.cli()) as tx:
        view = svc.get_case(tx, draft_id)
        assert view.patient_code == code and view.case.clinical.pain_nrs == 8
        (assessment,) = svc.list_assessments(tx, draft_id)
        (procedure,) = svc.list_procedures(tx, draft_id)
        (follow_up,) = svc.list_follow_ups(tx, draft_id)
    assert str(procedure.procedure.levels[0].technique) == "vertebroplasty"
    assert (str(follow_up.follow_up.visit), follow_up.follow_up.pain_nrs) == ("1 week", 3)
    assert assessment.assessment.case_id == draft_id
    assert cli("fhir", "drafts", "--database", other_url).stdout == ""
    everything = cli("fhir", "drafts", "--all", "--database", other_url).stdout
    assert everything.rstrip().endswith(f"case {draft_id}")

    again = cli("fhir", "complete", draft_id, str(folder), "--database", other_url)
    assert again.exit_code == 2 and "was completed already" in again.stderr
    twice = cli("fhir", "import-bundle", str(HOSPITAL_A), "--database", other_url)
    assert twice.exit_code == 2 and "already exists" in twice.stderr
    assert "nothing was imported" in twice.stderr


def test_foreign_refusals_write_nothing(other: Registry, other_url: str, tmp_path: Path) -> None:
    source = json.loads(HOSPITAL_A.read_text())
    source["entry"].append({"resource": {"resourceType": "MedicinalProduct"}})
    path = tmp_path / "medicinal.json"
    path.write_text(json.dumps(source))
    refused = cli("fhir", "import-bundle", str(path), "--database", other_url)
    assert refused.exit_code == 2 and refused.stdout == ""
    assert refused.stderr.startswith("entry[5].resourceType: 'MedicinalProduct' is an R4")
    no_key = cli("fhir", "import-bundle", str(HOSPITAL_A), "--database", other_url, key="")
    assert no_key.exit_code == 2 and "set VERTEBRO_PSEUDONYM_KEY" in no_key.stderr
    for table in (PatientRow, DraftRow, CaseRow, AuditRow):
        assert count(other, table) == 0, table


def test_export_import_export_gives_the_same_bundle(
    registry: Registry, other: Registry, tmp_path: Path
) -> None:
    seed(registry)
    with unit_of_work(registry, Actor.cli(), now=NOW) as tx:
        first = bundle_json(exchange_record(tx, CASE))
        deidentified = build_bundle(exchange_record(tx, CASE, deidentify=KEY))
    # the same day in both registries
    with unit_of_work(other, Actor.cli(), now=NOW, today=RECORDED) as tx:
        outcome = import_bundle(tx, first)
    assert (outcome.kind, outcome.id, outcome.patient_code) == ("case", CASE, PATIENT)
    with unit_of_work(other, Actor.cli(), now=NOW, today=RECORDED) as tx:
        second = bundle_json(exchange_record(tx, CASE))
    assert second == first
    assert_valid_r4({"registry": json.loads(first), "deidentified": deidentified}, tmp_path)
    assert PATIENT not in json.dumps(deidentified) and CASE not in json.dumps(deidentified)


def test_a_bundle_stripped_of_its_documents_imports_from_its_coded_resources(
    registry: Registry, other: Registry
) -> None:
    """vertebro's own coded resources go through the concept map like anyone's."""
    seed(registry)
    with unit_of_work(registry, Actor.cli(), now=NOW) as tx:
        bundle = json.loads(bundle_json(exchange_record(tx, CASE)))
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Binary"]
    with unit_of_work(other, Actor.cli(), now=NOW, today=RECORDED) as tx:
        outcome = import_bundle(tx, json.dumps(bundle))  # no key needed: a vertebro code
        draft = svc_draft(tx, outcome.id)
    assert (outcome.kind, outcome.patient_code) == ("draft", PATIENT)
    case = draft["case"]
    assert [f["level"] for f in case["fractures"]] == ["T8", "T10", "L1"]
    assert case["clinical"]["pain_nrs"] == 8  # mixed-plana-t8-t10-l1
    (session,) = draft["procedures"]
    assert session["anaesthesia"] == "general" and session["operator"] == "Dr Test"
    assert [lv["technique"] for lv in session["levels"]] == [
        "vertebroplasty",
        "vertebroplasty",
        "kyphoplasty",
    ]
    assert [f["visit"] for f in draft["follow_ups"]] == ["1 week", "1 month"]
    unmapped = " ".join(item["detail"] for item in draft["report"]["unmapped"])
    assert "genant" not in unmapped or "not in the concept map" in unmapped


def svc_draft(tx: Any, draft_id: str) -> dict[str, Any]:
    from vertebro.services.registry.drafts import get_draft

    return get_draft(tx, draft_id).as_dict()


def test_deidentified_export_case(registry: Registry, database_url: str, tmp_path: Path) -> None:
    seed(registry)
    printed = cli("fhir", "export-case", CASE, "--database", database_url, "--deidentify")
    assert printed.exit_code == 0, printed.stderr
    bundle = json.loads(printed.stdout)
    assert PATIENT not in printed.stdout and "Dr Test" not in printed.stdout
    assert len(levels(bundle)) == 3 and "birthDate" not in resources(bundle, "Patient")[0]
    assert_valid_r4({"deidentified": bundle}, tmp_path)
    (export,) = audit_rows(registry, "export")
    assert export.after is not None and export.after["deidentified"] is True
    missing = cli("fhir", "export-case", CASE, "--database", database_url, "--deidentify", key="")
    assert missing.exit_code == 2 and "--deidentify: needs a pseudonym key" in missing.stderr

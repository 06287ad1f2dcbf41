"""FHIR in from other systems (issue 14, deliverable 1), without a registry: plain R4
resources of three hand-written hospital Bundles through the concept map into draft
documents, the import report, keyed pseudonymous patient codes, and the refusals."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import SHARED
from vertebro.errors import InvalidDocument
from vertebro.exchange.codes import PROJECT_SYSTEM, project_code_system
from vertebro.exchange.concept_map import load_concept_map, packaged_concept_map
from vertebro.exchange.fhir_foreign import Draft
from vertebro.exchange.fhir_import import read_import
from vertebro.exchange.pseudonym import PseudonymKey
from vertebro.model.parsing import parse_case, parse_follow_up

FOREIGN = Path(__file__).parent / "foreign"
KEY_TEXT = "hospital-test-key-0123456789abcdef-0123"
KEY = PseudonymKey.from_text(KEY_TEXT)
TODAY = date(2026, 3, 10)


def bundle(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FOREIGN / f"{name}.json").read_text())
    return loaded


def draft(source: dict[str, Any] | str, **options: Any) -> Draft:
    text = json.dumps(bundle(source) if isinstance(source, str) else source)
    imported = read_import(text, today=TODAY, **({"key": KEY} | options))
    assert imported.record is None and imported.draft is not None
    return imported.draft


def lines(report: Any, kind: str) -> list[str]:
    return [str(item) for item in getattr(report, kind)]


def test_the_issue_bundle_becomes_a_draft_case_with_its_records() -> None:
    result = draft("hospital-a-transaction")
    assert result.patient_code == KEY.patient_code(
        "http://hospital-a.example.org/fhir/mrn", "00012345"
    )
    assert result.case == {
        "schema": "vertebro.case/1",
        "case_id": result.draft_id,
        "patient": {"sex": "female", "age_years": 77},  # born 1948-05-17, seen 2026-02-20
        "clinical": {"pain_nrs": 8},  # LOINC 72514-3 before the session
        "fractures": [{"level": "L1", "age_weeks": 2.0}],  # onset 2026-02-06
    }
    assert result.procedures == [
        {
            "schema": "vertebro.procedure/1",
            "status": "performed",
            "date": "2026-02-24",
            "operator": "Dr. B. Radiologist",
            "levels": [{"level": "L1", "technique": "vertebroplasty"}],  # CPT 22511
        }
    ]
    (visit,) = result.follow_ups
    assert parse_follow_up(visit).model_dump(mode="json", exclude_unset=True) == {
        "schema": "vertebro.follow_up/1",
        "visit": "1 week",  # 7 days after the session
        "date": "2026-03-03",
        "pain_nrs": 3,
    }
    report = result.report
    assert [item.path for item in report.mapped] == [f"entry[{i}]" for i in range(5)]
    assert lines(report, "unmapped") == [
        "entry[0].resource.name (Patient): identifying, not stored"
    ]
    assert report.missing == [
        "patient.active_infection: required",
        "clinical.neurology: required",
        "fractures[0].etiology: required",
        "procedures[0].levels[0].approach: required",
        "procedures[0].levels[0].cement_viscosity: required",
        "procedures[0].levels[0].cement_ml: required",
        "procedures[0].anaesthesia: required",
    ]
    # the record number and the name are nowhere in what is kept
    kept = json.dumps([result.documents, report.as_dict(), result.patient_code])
    assert "00012345" not in kept and "Anna" not in kept and "Example" not in kept


def test_another_hospital_with_other_code_systems() -> None:
    result = draft("hospital-b-collection")
    assert result.case["fractures"] == [
        {"level": "T12", "etiology": "osteoporotic", "age_weeks": 3.1}
    ]
    assert result.case["clinical"] == {"pain_nrs": 9, "setting": "inpatient"}  # ICD-10 + IMP
    assert result.case["patient"] == {"sex": "male"}  # a birth year gives no age
    assert result.birth_year == 1941
    (session,) = result.procedures
    assert session["anaesthesia"] == "general"  # SNOMED 50697003, partOf the kyphoplasty
    assert session["levels"] == [{"level": "T12", "technique": "kyphoplasty"}]  # CPT 22513
    assert [(f["visit"], f["pain_nrs"]) for f in result.follow_ups] == [("1 month", 2)]
    unmapped = lines(result.report, "unmapped")
    assert unmapped == [
        "entry[0].resource.name (Patient): identifying, not stored",
        "entry[0].resource.telecom (Patient): identifying, not stored",
        "entry[1].resource.period (Encounter): not mapped",
        "entry[2].resource.note (Condition): free text, not mapped",
        "entry[4] (Observation): code http://loinc.org|38208-5 is not in the concept map",
        "entry[5].resource.complication (Procedure): not mapped",
    ]
    assert "patient.age_years: required" in result.report.missing
    assert "no age: the birth date gives no day" in str(result.report.mapped[0])


def test_sparse_records_and_extra_resources_are_listed_not_dropped() -> None:
    result = draft("hospital-c-sparse")
    assert result.case["fractures"] == [{"level": "L2"}]  # the level from the Procedure
    assert result.case["clinical"] == {}
    (session,) = result.procedures
    assert session == {
        "schema": "vertebro.procedure/1",
        "status": "scheduled",
        "levels": [{"level": "L2", "technique": "vertebroplasty"}],
    }
    assert lines(result.report, "unmapped") == [
        "entry[0].resource.address (Patient): identifying, not stored",
        "entry[1] (Condition): no coding (text only): not mapped",
        "entry[4] (Observation): status preliminary: not mapped",
        "entry[5].resource.value (Observation): pain_nrs must be an integer 0–10",
        "entry[6] (MedicationStatement): resource type not mapped",
        "entry[7] (DiagnosticReport): not mapped: its results are read where they are "
        "entries of the Bundle",
        "entry[8] (Practitioner): resource type not mapped",
        "entry[9] (Observation): not about the Bundle's Patient",
    ]
    for needed in ("clinical.pain_nrs: required", "procedures[0].date: required"):
        assert needed in result.report.missing
    # every entry is accounted for, once mapped or at least once listed
    paths = {i.path.split(".")[0] for i in result.report.mapped + result.report.unmapped}
    assert paths == {f"entry[{i}]" for i in range(len(bundle("hospital-c-sparse")["entry"]))}


def test_the_patient_code_is_a_stable_keyed_pseudonym() -> None:
    first = draft("hospital-a-transaction")
    again = draft("hospital-a-transaction")
    assert (first.patient_code, first.draft_id) == (again.patient_code, again.draft_id)
    assert first.patient_code.startswith("H-") and len(first.patient_code) == 22
    other_key = draft("hospital-a-transaction", key=PseudonymKey.from_text("x" * 32))
    assert other_key.patient_code != first.patient_code
    # another record of the same patient from the same hospital: the same code
    later = bundle("hospital-a-transaction")
    later["entry"] = later["entry"][:2]
    assert draft(later).patient_code == first.patient_code
    # the same number in another hospital's system is another patient
    elsewhere = bundle("hospital-a-transaction")
    elsewhere["entry"][0]["resource"]["identifier"][0]["system"] = "http://hospital-z.example"
    assert draft(elsewhere).patient_code != first.patient_code


def test_a_record_number_needs_the_key_or_a_given_code() -> None:
    text = json.dumps(bundle("hospital-a-transaction"))
    with pytest.raises(InvalidDocument) as info:
        read_import(text, today=TODAY)
    assert info.value.lines == [
        "entry[0].resource.identifier: a record number is imported only as a keyed "
        "pseudonym: set VERTEBRO_PSEUDONYM_KEY (docs/fhir.md) or give the patient code"
    ]
    given = read_import(text, today=TODAY, patient_code="P-77").draft
    assert given is not None and given.patient_code == "P-77"
    assert "not used (the patient code was given)" in str(given.report.unmapped[0])
    with pytest.raises(InvalidDocument, match="patient_code: must be 1–64"):
        read_import(text, today=TODAY, patient_code="no spaces allowed")


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (
            {"resourceType": "MedicinalProduct"},
            "entry[5].resourceType: 'MedicinalProduct' is an R4 resource type vertebro cannot "
            "read (it is not in FHIR R4B, which vertebro's FHIR library implements); remove "
            "the entry",
        ),
        (
            {"resourceType": "Observaton", "status": "final"},
            "entry[5].resourceType: 'Observaton' is not an HL7 FHIR R4 resource type",
        ),
        (
            {"resourceType": "Patient"},
            "entry[5].resourceType: a second Patient: one patient per Bundle",
        ),
    ],
)
def test_unreadable_entries_refuse_the_bundle(change: dict[str, Any], line: str) -> None:
    broken = bundle("hospital-a-transaction")
    broken["entry"].append(
        {"fullUrl": "urn:uuid:5e0e6a47-0d37-4ad8-a1c4-4d7e1b3c2a99", "resource": change}
    )
    with pytest.raises(InvalidDocument) as info:
        read_import(json.dumps(broken), key=KEY, today=TODAY)
    assert info.value.lines == [line]


def test_a_bundle_without_a_patient_is_refused() -> None:
    broken = bundle("hospital-a-transaction")
    del broken["entry"][0]
    with pytest.raises(InvalidDocument, match=r"^\$: no Patient"):
        read_import(json.dumps(broken), key=KEY, today=TODAY)


def _cli(*args: str, key: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERTEBRO_")}
    if key:
        env["VERTEBRO_PSEUDONYM_KEY"] = KEY_TEXT
    return subprocess.run(
        [sys.executable, "-m", "vertebro.cli", "fhir", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_cli_import_writes_the_draft_and_its_report(tmp_path: Path) -> None:
    out = tmp_path / "draft"
    result = _cli("import", str(FOREIGN / "hospital-a-transaction.json"), "--out-dir", str(out))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "case.json",
        "follow-up-1.json",
        "procedure-1.json",
        "report.json",
    ]
    report = json.loads((out / "report.json").read_text())
    assert report["kind"] == "draft" and "patient.active_infection: required" in report["missing"]
    assert "unmapped entry[0].resource.name (Patient): identifying, not stored" in result.stderr
    # vertebro assess lists what the clinician must add …
    assessed = subprocess.run(
        [sys.executable, "-m", "vertebro.cli", "assess", str(out / "case.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert assessed.returncode == 2
    assert assessed.stderr.splitlines() == [
        "patient.active_infection: required",
        "clinical.neurology: required",
        "fractures[0].etiology: required",
    ]
    # … and once added (neurology not yet known) the case needs work-up
    case = json.loads((out / "case.json").read_text())
    case["patient"]["active_infection"] = False
    case["clinical"]["neurology"] = "unknown"
    case["fractures"][0]["etiology"] = "osteoporotic"
    (out / "case.json").write_text(json.dumps(case))
    assessed = subprocess.run(
        [sys.executable, "-m", "vertebro.cli", "assess", str(out / "case.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert assessed.returncode == 0, assessed.stderr
    assessment = json.loads(assessed.stdout)
    assert assessment["recommendation"] == "needs_workup"
    assert "clinical.neurology" in assessment["missing"]
    assert parse_case(case).case_id.startswith("F-")


def test_cli_refusals_exit_2_and_write_nothing(tmp_path: Path) -> None:
    source = bundle("hospital-a-transaction")
    source["entry"].append({"resource": {"resourceType": "MedicinalProduct"}})
    path = tmp_path / "medicinal.json"
    path.write_text(json.dumps(source))
    out = tmp_path / "out"
    refused = _cli("import", str(path), "--out-dir", str(out))
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.startswith("entry[5].resourceType: 'MedicinalProduct' is an R4 resource")
    assert not out.exists()
    no_key = _cli("import", str(FOREIGN / "hospital-a-transaction.json"), key=False)
    assert no_key.returncode == 2 and no_key.stdout == ""
    assert "set VERTEBRO_PSEUDONYM_KEY" in no_key.stderr
    code = _cli(
        "import", str(FOREIGN / "hospital-a-transaction.json"), "--patient-code", "P-1", key=False
    )
    assert code.returncode == 0, code.stderr


# ------------------------------------------------------------------- the concept map


def test_every_shipped_concept_names_its_verified_source() -> None:
    from pydicom.sr._concepts_dict import concepts as dicom

    verified = {
        (row["system"], row["code"])
        for row in __import__("csv").DictReader((SHARED / "knowledge/codes.csv").open())
        if row["verified"] == "yes"
    }
    own = {c["code"] for c in project_code_system()["concept"]}
    concepts = packaged_concept_map().concepts
    assert len(concepts) >= 30
    for concept in concepts:
        assert concept.source.strip(), concept
        if concept.system == PROJECT_SYSTEM:
            assert concept.code in own
        elif "pydicom" in concept.source:
            name = concept.source.split("codes.SCT.")[1].split(",")[0]
            (code,) = dicom["SCT"][name]
            assert (concept.system, concept.code) == ("http://snomed.info/sct", code), concept
        elif "knowledge/codes.csv" in concept.source:
            assert (concept.system, concept.code) in verified, concept
        else:
            assert any(w in concept.source for w in ("HL7", "CMS", "ICD-10-CM")), concept


def test_a_site_may_use_its_own_concept_map(tmp_path: Path) -> None:
    shipped = json.loads(
        (Path(__file__).parents[2] / "src/vertebro/exchange/data/concept-map.json").read_text()
    )
    own = copy.deepcopy(shipped)
    scores = next(g for g in own["groups"] if g["target"] == "score")
    scores["concepts"].append(
        {
            "system": "http://loinc.org",
            "code": "38208-5",
            "display": "Pain severity - Reported",
            "field": "pain_nrs",
            "value": "integer",
            "source": "our terminology service, checked 2026-03-01",
        }
    )
    path = tmp_path / "map.json"
    path.write_text(json.dumps(own))
    result = draft("hospital-b-collection", concepts=load_concept_map(path.read_text()))
    assert not any("38208-5" in str(i) for i in result.report.unmapped)
    assert any(i.path == "entry[4]" for i in result.report.mapped)

    del scores["concepts"][-1]["source"]
    path.write_text(json.dumps(own))
    with pytest.raises(ValueError, match=r"concepts\[3\]\.source: no source"):
        load_concept_map(path.read_text())
    env = {"VERTEBRO_CONCEPT_MAP": str(path)}
    refused = subprocess.run(
        [
            sys.executable,
            "-m",
            "vertebro.cli",
            "fhir",
            "import",
            str(FOREIGN / "hospital-b-collection.json"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **env, "VERTEBRO_PSEUDONYM_KEY": KEY_TEXT},
        check=False,
    )
    assert refused.returncode == 2
    assert refused.stderr.startswith(f"VERTEBRO_CONCEPT_MAP: {path}: groups[1].concepts[3].source")


def test_the_hospital_bundles_are_valid_r4(tmp_path: Path) -> None:
    """The test Bundles are what other systems send: valid R4 (narratives aside)."""
    from tests.exchange.r4 import validate_r4

    names = ("hospital-a-transaction", "hospital-b-collection", "hospital-c-sparse")
    reports = validate_r4({name: bundle(name) for name in names}, tmp_path)
    for name, report in reports.items():
        assert report["errors"] == [], (name, report["errors"])
        others = [w["message"] for w in report["warnings"] if not w["message"].startswith("dom-6")]
        external = ["reference Patient/someone-else does not resolve inside the Bundle"]
        assert others == (external if name == "hospital-c-sparse" else []), (name, others)


@given(
    offsets=st.lists(st.integers(min_value=-30, max_value=700), min_size=1, max_size=8, unique=True)
)
@settings(max_examples=60, deadline=None)
def test_scores_fall_on_either_side_of_the_session_and_into_their_visits(
    offsets: list[int],
) -> None:
    """Pain scores on random days around a session: before it the latest is the case's,
    after it one visit per day, each a timed visit whose window holds the day (each at most
    once) or unscheduled."""
    from datetime import timedelta

    source = bundle("hospital-a-transaction")
    anchor = date(2026, 2, 24)  # the session of hospital A
    scores = [e for e in source["entry"] if e["resource"]["resourceType"] == "Observation"]
    template = scores[0]
    source["entry"] = [e for e in source["entry"] if e not in scores]
    for n, offset in enumerate(offsets):
        entry = copy.deepcopy(template)
        entry["fullUrl"] = f"urn:uuid:00000000-0000-4000-8000-{n:012d}"
        entry["resource"]["effectiveDateTime"] = (anchor + timedelta(days=offset)).isoformat()
        entry["resource"]["valueInteger"] = n % 11
        source["entry"].append(entry)
    result = draft(source)
    after = sorted(o for o in offsets if o > 0)
    before = [o for o in offsets if o <= 0]
    assert [f["date"] for f in result.follow_ups] == [
        (anchor + timedelta(days=o)).isoformat() for o in after
    ]
    timed = [f["visit"] for f in result.follow_ups if f["visit"] != "unscheduled"]
    assert len(timed) == len(set(timed))
    for record in result.follow_ups:
        visit = parse_follow_up(record).visit
        days = (date.fromisoformat(record["date"]) - anchor).days
        assert visit.window is None or visit.window.contains(days)
    if before:
        latest = offsets.index(max(before))
        assert result.case["clinical"]["pain_nrs"] == latest % 11
    else:
        assert "pain_nrs" not in result.case["clinical"]


def test_hostile_nesting_is_refused_not_a_crash() -> None:
    inner = '{"url": "http://x", "valueString": "y"}'
    for _ in range(40):
        inner = '{"url": "http://x", "extension": [' + inner + "]}"
    text = (
        '{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": '
        '{"resourceType": "Basic", "code": {"text": "x"}, "extension": [' + inner + "]}}]}"
    )
    with pytest.raises(InvalidDocument, match=r"^\$: nesting deeper than 64 arrays or objects"):
        read_import(text, key=KEY, today=TODAY)
    with pytest.raises(InvalidDocument, match=r"^\$: nesting deeper than 64 arrays or objects"):
        read_import('{"resourceType": "Bundle", "x": ' + "[" * 5000 + "]" * 5000 + "}", today=TODAY)

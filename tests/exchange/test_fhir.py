"""HL7 FHIR R4 exchange: the Bundle's content, its codes, and the lossless round trip."""

from __future__ import annotations

import base64
import csv
import dataclasses
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES, SHARED
from tests.exchange.r4 import assert_valid_r4
from vertebro import assess, parse_case
from vertebro.errors import InvalidDocument
from vertebro.exchange.codes import PROJECT_SYSTEM, body_site, project_code_system
from vertebro.exchange.concept_map import packaged_concept_map
from vertebro.exchange.fhir_export import ExchangeRecord, build_bundle, bundle_json
from vertebro.exchange.fhir_import import read_bundle
from vertebro.model import Level
from vertebro.model.parsing import parse_follow_up_json, parse_procedure_json

PROCEDURE = {
    "schema": "vertebro.procedure/1",
    "status": "performed",
    "date": "2026-03-02",
    "operator": "Dr A",
    "anaesthesia": "general",
    "duration_min": 45,
    "levels": [
        {
            "level": "L1",
            "technique": "kyphoplasty",
            "approach": "bipedicular",
            "cement_viscosity": "standard",
            "cement_ml": 4.5,
            "balloon_ml": 3.0,
            "leakage": {
                "present": True,
                "types": ["disc"],
                "symptomatic": False,
                "detected_by": "radiograph",
            },
        }
    ],
}
FOLLOW_UPS = [
    {
        "schema": "vertebro.follow_up/1",
        "visit": "1 week",
        "date": "2026-03-09",
        "pain_nrs": 4,
        "odi": 40.0,
    },
    {
        "schema": "vertebro.follow_up/1",
        "visit": "1 month",
        "date": "2026-04-01",
        "pain_nrs": 2,
        "rdq": 6,
        "new_fractures": [{"level": "T12", "detected_by": "radiograph", "symptomatic": True}],
    },
]


RECORDED = date(2026, 2, 27)
ASSESSED = date(2026, 2, 28)


def record(name: str = "l1-wedge", **extra: Any) -> ExchangeRecord:
    case = parse_case((EXAMPLES / f"{name}.json").read_text())
    given = {"patient_code": "P-0001", "recorded": RECORDED, "assessed": ASSESSED} | extra
    return ExchangeRecord(case=case, assessment=assess(case), **given)


def full(name: str = "l1-wedge", **extra: Any) -> ExchangeRecord:
    """The case with the performed session and two follow-ups."""
    return record(
        name,
        procedures=(parse_procedure_json(json.dumps(PROCEDURE)),),
        follow_ups=tuple(parse_follow_up_json(json.dumps(f)) for f in FOLLOW_UPS),
        **extra,
    )


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def codings(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        if "system" in node and "code" in node:
            found.append(node)
        for value in node.values():
            found += codings(value)
    elif isinstance(node, list):
        for value in node:
            found += codings(value)
    return found


def test_bundle_holds_every_resource_the_exchange_promises() -> None:
    bundle = build_bundle(full())
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    assert len(resources(bundle, "Patient")) == 1
    sites = [c["bodySite"][0]["coding"][0]["code"] for c in resources(bundle, "Condition")]
    assert sites == ["66794005", "23215003"]  # the L1 fracture, the new T12 fracture
    pain = [
        o for o in resources(bundle, "Observation") if o["code"]["coding"][0]["code"] == "72514-3"
    ]
    assert [o.get("valueInteger") for o in pain] == [8, 4, 2]  # baseline, 1 week, 1 month
    observed = {o["code"]["coding"][0]["code"] for o in resources(bundle, "Observation")}
    assert {
        "height-anterior",
        "height-middle",
        "height-posterior",
        "height-loss",
        "genant-grade",
        "odi",
        "rdq",
    } <= observed
    loss = next(
        o
        for o in resources(bundle, "Observation")
        if o["code"]["coding"][0]["code"] == "height-loss"
    )
    assert loss["valueQuantity"]["value"] == 40.0
    session, level, anaesthesia = resources(bundle, "Procedure")
    assert [p["status"] for p in (session, level, anaesthesia)] == ["completed"] * 3
    assert level["code"]["coding"][0]["code"] == "kyphoplasty"
    assert anaesthesia["code"]["coding"][1]["code"] == "50697003"  # SNOMED general anesthesia
    (impression,) = resources(bundle, "ClinicalImpression")
    assert impression["summary"].startswith("kyphoplasty")
    assert impression["protocol"] == ["urn:vertebro:rulebook:2026.2"]
    (care_plan,) = resources(bundle, "CarePlan")
    assert len(care_plan["activity"]) == 5 + 6  # aftercare items + six follow-up visits
    assert len(resources(bundle, "Binary")) == 1 + 1 + 2
    (code_system,) = resources(bundle, "CodeSystem")
    assert code_system["url"] == PROJECT_SYSTEM
    assert code_system["concept"] == project_code_system()["concept"]


def test_references_point_inside_the_bundle() -> None:
    bundle = build_bundle(record("multilevel-steroid-five-levels"))
    urls = {e["fullUrl"] for e in bundle["entry"]}
    text = json.dumps(bundle)
    for reference in {r for r in _references(bundle)}:
        assert reference in urls, reference
    assert "urn:uuid:" in text


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        out = [node["reference"]] if "reference" in node else []
        for value in node.values():
            out += _references(value)
        return out
    if isinstance(node, list):
        return [r for value in node for r in _references(value)]
    return []


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.json")))
def test_every_code_is_verified_or_the_projects_own(name: str) -> None:
    verified = {
        (r["system"], r["code"])
        for r in csv.DictReader((SHARED / "knowledge/codes.csv").open())
        if r["verified"] == "yes"
    }
    own = {(PROJECT_SYSTEM, c["code"]) for c in project_code_system()["concept"]}
    mapped = {(c.system, c.code) for c in packaged_concept_map().concepts}  # each with a source
    fhir_defined = {
        "http://terminology.hl7.org/CodeSystem/condition-clinical",
        "http://terminology.hl7.org/CodeSystem/condition-category",
        "http://terminology.hl7.org/CodeSystem/observation-category",
        "http://unitsofmeasure.org",
    }
    for coding in codings(build_bundle(full(name))):
        key = (coding["system"], coding["code"])
        known = key in verified or key in own or key in mapped
        assert known or coding["system"] in fhir_defined, key


def test_body_site_codes_agree_with_dicom_ps3_16() -> None:
    from pydicom.sr.codedict import codes

    for level in Level:
        ours = body_site(level)
        theirs = getattr(codes.SCT, f"{level}Vertebra")
        assert (ours.code, ours.system) == (theirs.value, "http://snomed.info/sct")
        assert theirs.scheme_designator == "SCT"


def test_packaged_codes_are_the_knowledge_base_codes() -> None:
    packaged = (
        Path(__import__("vertebro.exchange", fromlist=["x"]).__file__).parent / "data/codes.csv"
    )
    assert packaged.read_text() == (SHARED / "knowledge/codes.csv").read_text()


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.json")))
def test_round_trip_is_lossless(name: str) -> None:
    original = full(name, birth_year=1944)
    text = bundle_json(original)
    back = read_bundle(text)
    assert back.case == original.case
    assert back.case.model_dump_json(exclude_unset=True) == original.case.model_dump_json(
        exclude_unset=True
    )
    assert list(back.procedures) == list(original.procedures)
    assert list(back.follow_ups) == list(original.follow_ups)
    assert (back.patient_code, back.birth_year) == ("P-0001", 1944)
    assert assess(back.case) == original.assessment
    # export → import → export: the same Bundle, byte for byte
    again = dataclasses.replace(
        back, assessment=assess(back.case), recorded=RECORDED, assessed=ASSESSED
    )
    assert bundle_json(again) == text


def test_import_rejects_what_is_not_a_vertebro_bundle() -> None:
    with pytest.raises(InvalidDocument, match=r"^\$: not a FHIR Bundle"):
        read_bundle('{"resourceType": "Patient"}')
    with pytest.raises(InvalidDocument, match=r"carries no vertebro\.case/1"):
        read_bundle('{"resourceType": "Bundle", "type": "collection"}')
    bundle = build_bundle(record())
    binary = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Binary")
    doc = json.loads(base64.b64decode(binary["resource"]["data"]))
    doc["fractures"][0]["level"] = "C5"
    binary["resource"]["data"] = base64.b64encode(json.dumps(doc).encode()).decode()
    with pytest.raises(InvalidDocument) as info:
        read_bundle(json.dumps(bundle))
    assert info.value.lines[0].endswith("fractures[0].level: 'C5' is outside T1–L5")
    assert info.value.lines[0].startswith("entry[")


def test_cli_export_and_import(tmp_path: Path) -> None:
    procedure = tmp_path / "procedure.json"
    procedure.write_text(json.dumps(PROCEDURE))
    exported = subprocess.run(
        [
            sys.executable,
            "-m",
            "vertebro.cli",
            "fhir",
            "export",
            str(EXAMPLES / "l1-wedge.json"),
            "--patient-code",
            "P-9",
            "--procedure",
            str(procedure),
            "--date",
            "2026-02-27",
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert exported.returncode == 0, exported.stderr
    bundle = tmp_path / "bundle.json"
    bundle.write_bytes(exported.stdout)
    imported = subprocess.run(
        [
            sys.executable,
            "-m",
            "vertebro.cli",
            "fhir",
            "import",
            str(bundle),
            "--out-dir",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["case.json", "procedure-1.json"]
    case = parse_case((tmp_path / "out/case.json").read_text())
    assert case == parse_case((EXAMPLES / "l1-wedge.json").read_text())
    # export → import → export gives the same Bundle
    out = tmp_path / "out"
    again = subprocess.run(
        [
            *(sys.executable, "-m", "vertebro.cli", "fhir", "export", str(out / "case.json")),
            *("--patient-code", "P-9", "--procedure", str(out / "procedure-1.json")),
            *("--date", "2026-02-27"),
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout == exported.stdout
    assert_valid_r4({"cli": json.loads(exported.stdout)}, tmp_path / "r4")
    broken = subprocess.run(
        [sys.executable, "-m", "vertebro.cli", "fhir", "import", str(EXAMPLES / "l1-wedge.json")],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert broken.returncode == 2 and broken.stdout == b""
    assert broken.stderr.decode().startswith("$: not a FHIR Bundle")

"""FHIR out that carries meaning (issue 14, deliverable 2): dates and categories, the
session's complications and new fractures as coded resources, cancelled and scheduled
sessions, narratives, the CodeSystem, de-identification, and every Bundle through the
independent R4 validator."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLES
from tests.exchange.r4 import assert_valid_r4, validate_r4
from tests.exchange.test_fhir import (
    ASSESSED,
    FOLLOW_UPS,
    PROCEDURE,
    RECORDED,
    codings,
    record,
    resources,
)
from vertebro.exchange.codes import PROJECT_SYSTEM
from vertebro.exchange.fhir_deidentify import deidentified
from vertebro.exchange.fhir_export import ExchangeRecord, build_bundle
from vertebro.exchange.fhir_import import read_bundle
from vertebro.exchange.pseudonym import PseudonymKey
from vertebro.model.parsing import parse_follow_up, parse_procedure

KEY = PseudonymKey.from_text("k" * 40)
DOMAIN_RESOURCES = {"Patient", "Condition", "Observation", "Procedure"}


def procedure(status: str = "performed", when: str = "2026-03-02", **changes: Any) -> Any:
    document = copy.deepcopy(PROCEDURE) | {"status": status, "date": when} | changes
    return parse_procedure(document)


COMPLICATED = procedure(
    complications=[{"type": "bleeding", "symptomatic": False, "note": "oozing at the pedicle"}],
    override_reason="patient preference",
    biopsy={"taken": True, "histology": "osteoporotic bone, Dr Z"},
)
LATER = parse_follow_up(
    FOLLOW_UPS[1] | {"complications": [{"type": "readmission", "symptomatic": True}]}
)


def rich(name: str = "l1-wedge", **extra: Any) -> ExchangeRecord:
    """A performed session with complications, a scheduled and a cancelled one, and
    follow-ups with a complication and a new fracture."""
    return record(
        name,
        procedures=(
            COMPLICATED,
            procedure("scheduled", "2026-05-04"),
            procedure("cancelled", "2026-02-20"),
        ),
        follow_ups=(parse_follow_up(FOLLOW_UPS[0]), LATER),
        birth_year=1944,
        **extra,
    )


def test_every_observation_has_a_date_and_a_category() -> None:
    bundle = build_bundle(rich())
    observations = resources(bundle, "Observation")
    assert observations
    for obs in observations:
        (category,) = obs["category"]
        code = category["coding"][0]
        assert code["system"] == "http://terminology.hl7.org/CodeSystem/observation-category"
        assert code["code"] == ("survey" if "bodySite" not in obs else "imaging")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", obs["effectiveDateTime"])
    pain = [o for o in observations if o["code"]["coding"][0]["code"] == "72514-3"]
    assert [(o["effectiveDateTime"], o["valueInteger"]) for o in pain] == [
        (RECORDED.isoformat(), 8),
        ("2026-03-09", 4),
        ("2026-04-01", 2),
    ]
    (impression,) = resources(bundle, "ClinicalImpression")
    assert (impression["date"], impression["effectiveDateTime"]) == (
        ASSESSED.isoformat(),
        RECORDED.isoformat(),
    )
    (care_plan,) = resources(bundle, "CarePlan")
    assert care_plan["created"] == ASSESSED.isoformat()


def test_complications_and_new_fractures_are_coded_resources() -> None:
    bundle = build_bundle(rich())
    procedures = resources(bundle, "Procedure")
    sessions = [p for p in procedures if p["code"]["coding"][0]["code"] == "augmentation-session"]
    performed = next(p for p in sessions if p["status"] == "completed")
    kinds = [c["coding"][0]["code"] for c in performed["complication"]]
    assert kinds == ["complication-bleeding", "complication-readmission"]
    assert "oozing at the pedicle" in performed["complication"][0]["text"]
    assert "reported at the 1 month visit (2026-04-01)" in performed["complication"][1]["text"]
    assert performed["performer"] == [{"actor": {"display": "Dr A"}}]
    level = next(p for p in procedures if p["code"]["coding"][0]["code"] == "kyphoplasty")
    (leak,) = level["complication"]
    assert leak["coding"][0]["code"] == "complication-cement_leakage"
    assert leak["text"] == "Cement leakage at L1 (disc), asymptomatic, seen by radiograph"
    (url,) = [e["fullUrl"] for e in bundle["entry"] if e["resource"] is performed]
    assert level["partOf"] == [{"reference": url}]

    new = [
        c
        for c in resources(bundle, "Condition")
        if c["code"]["coding"][0]["code"] == "new-vertebral-fracture"
    ]
    (t12,) = new
    assert t12["bodySite"][0]["coding"][0]["code"] == "23215003"  # T12 vertebra
    assert t12["recordedDate"] == "2026-04-01"
    assert t12["note"] == [{"text": "found at the 1 month visit by radiograph, symptomatic"}]


def test_cancelled_and_scheduled_sessions_say_why_and_were_not_performed() -> None:
    bundle = build_bundle(rich())
    procedures = resources(bundle, "Procedure")
    by_status: dict[str, list[dict[str, Any]]] = {}
    for p in procedures:
        by_status.setdefault(p["status"], []).append(p)
    assert sorted(by_status) == ["completed", "not-done", "preparation"]
    assert len(by_status["completed"]) == 3  # session, level, anaesthesia
    for status, reason, when in (
        ("preparation", "session-scheduled", "2026-05-04"),
        ("not-done", "session-cancelled", "2026-02-20"),
    ):
        parts = by_status[status]
        assert len(parts) == 3
        for p in parts:
            assert not any(k.startswith("performed") for k in p), p
            assert p["statusReason"]["coding"][0] == {
                "system": PROJECT_SYSTEM,
                "code": reason,
                "display": p["statusReason"]["coding"][0]["display"],
            }
            assert when in p["statusReason"]["text"]
    for p in by_status["completed"]:
        assert p["performedDateTime"] == "2026-03-02" and "statusReason" not in p


def test_every_resource_has_a_generated_narrative_and_the_codesystem_travels() -> None:
    bundle = build_bundle(rich())
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert DOMAIN_RESOURCES | {"ClinicalImpression", "CarePlan", "CodeSystem"} <= kinds
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "Binary":
            assert "text" not in resource  # not a DomainResource
            continue
        text = resource["text"]
        assert text["status"] == "generated"
        assert text["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
    pain = next(
        o for o in resources(bundle, "Observation") if o["code"]["coding"][0]["code"] == "72514-3"
    )
    assert "<td>8</td>" in pain["text"]["div"] and RECORDED.isoformat() in pain["text"]["div"]
    (code_system,) = resources(bundle, "CodeSystem")
    defined = {c["code"] for c in code_system["concept"]}
    used = {c["code"] for c in codings(bundle) if c["system"] == PROJECT_SYSTEM}
    assert used and used <= defined


def _dates(node: Any) -> list[str]:
    text = json.dumps(node)
    return re.findall(r'"(\d{4}-\d{2}-\d{2})"', text)


def test_deidentified_export_keeps_meaning_and_drops_identity() -> None:
    original = rich()
    bundle = build_bundle(deidentified(original, KEY))
    text = json.dumps(bundle)
    for identifying in ("P-0001", "l1-wedge", "Dr A", "oozing", "Dr Z", "patient preference"):
        assert identifying not in text, identifying
    (patient,) = resources(bundle, "Patient")
    assert "birthDate" not in patient
    assert patient["identifier"][0]["value"] == KEY.deidentified("patient", "P-0001")
    assert all("performer" not in p for p in resources(bundle, "Procedure"))

    back = read_bundle(json.dumps(bundle))  # the documents stay valid vertebro documents
    shift = timedelta(days=KEY.shift_days("P-0001"))
    assert 1 <= shift.days <= 365
    assert [p.date for p in back.procedures] == [p.date - shift for p in original.procedures]
    assert [f.date for f in back.follow_ups] == [f.date - shift for f in original.follow_ups]
    assert back.procedures[0].operator == "redacted"
    assert back.procedures[0].override_reason == "redacted"
    assert back.procedures[0].biopsy.histology == "redacted"
    assert back.procedures[0].complications[0].note is None
    assert back.case.case_id == KEY.deidentified("case", "l1-wedge")
    assert back.case.patient == original.case.patient  # age and risk factors kept
    assert back.case.fractures == original.case.fractures
    assert back.birth_year is None
    # every date of the Bundle moved by the same number of days
    moved = {(date.fromisoformat(d) + shift).isoformat() for d in _dates(bundle)}
    assert moved <= {d for d in _dates(build_bundle(original))}

    # the same key gives the same Bundle; another key other codes and another shift
    assert build_bundle(deidentified(original, KEY)) == bundle
    other = PseudonymKey.from_text("o" * 40)
    assert other.deidentified("patient", "P-0001") != KEY.deidentified("patient", "P-0001")


def test_deidentify_needs_the_key(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "vertebro.cli", "fhir", "export"]
    command += [str(EXAMPLES / "l1-wedge.json"), "--patient-code", "P-9", "--deidentify"]
    env = {k: v for k, v in __import__("os").environ.items() if k != "VERTEBRO_PSEUDONYM_KEY"}
    missing = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr == (
        "--deidentify: needs a pseudonym key: set VERTEBRO_PSEUDONYM_KEY (docs/fhir.md)\n"
    )
    short = subprocess.run(
        command, capture_output=True, text=True, env=env | {"VERTEBRO_PSEUDONYM_KEY": "short"}
    )
    assert short.returncode == 2 and "at least 32 characters" in short.stderr
    good = env | {"VERTEBRO_PSEUDONYM_KEY": "k" * 40}
    done = subprocess.run(
        [*command, "--date", "2026-02-27"], capture_output=True, text=True, env=good
    )
    assert done.returncode == 0, done.stderr
    (patient,) = resources(json.loads(done.stdout), "Patient")
    assert patient["identifier"][0]["value"] == KEY.deidentified("patient", "P-9")


# ------------------------------------------------------------------- the independent validator


def test_every_exported_bundle_passes_the_independent_r4_validator(tmp_path: Path) -> None:
    names = sorted(p.stem for p in EXAMPLES.glob("*.json"))
    bundles: dict[str, Any] = {}
    for name in names:
        bundles[name] = build_bundle(record(name))
        full = rich(name)
        bundles[f"{name}-records"] = build_bundle(full)
        bundles[f"{name}-deidentified"] = build_bundle(deidentified(full, KEY))
    reports = assert_valid_r4(bundles, tmp_path)
    assert len(reports) == 3 * len(names)
    resources_checked = sum(len(b["entry"]) for b in bundles.values())
    assert resources_checked > 1000


def test_the_validator_finds_what_is_wrong(tmp_path: Path) -> None:
    """The validator is no rubber stamp: each defect below is reported."""
    good = build_bundle(rich())
    broken = copy.deepcopy(good)
    entries = broken["entry"]
    del entries[0]["resource"]["text"]  # dom-6 (a warning)
    condition = next(e["resource"] for e in entries if e["resource"]["resourceType"] == "Condition")
    condition["clinicalStatus"]["coding"][0]["code"] = "healed"  # required binding
    obs = next(e["resource"] for e in entries if e["resource"]["resourceType"] == "Observation")
    obs["subject"]["reference"] = "urn:uuid:00000000-0000-0000-0000-000000000000"  # dangling
    obs["status"] = "done"  # required binding
    proc = next(e["resource"] for e in entries if e["resource"]["resourceType"] == "Procedure")
    proc["performedBanana"] = "2026-01-01"  # not an element
    proc["text"]["div"] = '<div xmlns="http://www.w3.org/1999/xhtml"><script>x</script></div>'
    report = validate_r4({"broken": broken, "good": good}, tmp_path)
    errors = " | ".join(f"{e['path']}: {e['message']}" for e in report["broken"]["errors"])
    assert "healed" in errors and "condition-clinical" in errors
    assert "does not resolve inside the Bundle" in errors
    assert "|done is not in" in errors
    assert "<script> is not allowed" in errors
    warnings = [w["message"] for w in report["broken"]["warnings"]]
    assert any(w.startswith("dom-6") for w in warnings)
    assert any("performedBanana" in w for w in warnings)  # two performed[x]
    assert report["good"]["errors"] == [] and report["good"]["warnings"] == []


@pytest.mark.parametrize("status", ["scheduled", "cancelled"])
def test_a_session_that_did_not_happen_round_trips(status: str) -> None:
    original = record(procedures=(procedure(status, "2026-04-10"),))
    back = read_bundle(json.dumps(build_bundle(original)))
    assert list(back.procedures) == list(original.procedures)


@given(
    code=st.from_regex(r"[A-Za-z0-9._-]{1,64}", fullmatch=True),
    days=st.lists(st.integers(min_value=0, max_value=900), min_size=1, max_size=4),
)
@settings(max_examples=40, deadline=None)
def test_deidentified_dates_move_together(code: str, days: list[int]) -> None:
    """Every date of a patient moves back by the same keyed 1–365 days: intervals kept."""
    start = date(2025, 1, 1)
    follow_ups = tuple(
        parse_follow_up(
            {
                "schema": "vertebro.follow_up/1",
                "visit": "unscheduled",
                "date": (start + timedelta(days=d)).isoformat(),
            }
        )
        for d in days
    )
    original = record(patient_code=code, follow_ups=follow_ups, procedures=(COMPLICATED,))
    moved = deidentified(original, KEY)
    shift = KEY.shift_days(code)
    assert 1 <= shift <= 365 and shift == KEY.shift_days(code)
    assert [f.date for f in moved.follow_ups] == [
        f.date - timedelta(days=shift) for f in follow_ups
    ]
    assert moved.procedures[0].date == COMPLICATED.date - timedelta(days=shift)
    assert moved.recorded == RECORDED - timedelta(days=shift)
    assert moved.patient_code == KEY.deidentified("patient", code) != code

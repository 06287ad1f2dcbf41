"""Clinical codes for exchange: only the verified rows of ``codes.csv`` and the project's own
CodeSystem (``data/vertebro-codesystem.json``), each defined once. Never a guessed code."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from vertebro.model.level import Level

__all__ = [
    "CONDITION_CATEGORY",
    "CONDITION_CLINICAL",
    "GENERAL_ANAESTHESIA",
    "LOINC",
    "OBSERVATION_CATEGORY",
    "PAIN_NRS",
    "PROJECT_SYSTEM",
    "SNOMED",
    "Code",
    "body_site",
    "level_of_body_site",
    "project_code",
    "project_code_system",
]

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"


@dataclass(frozen=True, slots=True)
class Code:
    """A coding: system, code and display text."""

    system: str
    code: str
    display: str


# Codes FHIR R4 itself defines (terminology.hl7.org, as published with R4 4.0.1).
#: Observation.category: scores are ``survey``, vertebral measurements ``imaging``.
OBSERVATION_CATEGORY = {
    "survey": Code(
        "http://terminology.hl7.org/CodeSystem/observation-category", "survey", "Survey"
    ),
    "imaging": Code(
        "http://terminology.hl7.org/CodeSystem/observation-category", "imaging", "Imaging"
    ),
}
#: Condition.category of a fracture.
CONDITION_CATEGORY = Code(
    "http://terminology.hl7.org/CodeSystem/condition-category",
    "encounter-diagnosis",
    "Encounter Diagnosis",
)
#: SNOMED CT "General anesthesia", verified in DICOM PS3.16 (pydicom.sr.codedict
#: codes.SCT.GeneralAnesthesia, CID 611); also in data/concept-map.json.
GENERAL_ANAESTHESIA = Code(SNOMED, "50697003", "General anesthesia")
#: Condition.clinicalStatus of a fracture.
CONDITION_CLINICAL = Code(
    "http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"
)


def _data(name: str) -> str:
    return files("vertebro.exchange").joinpath(f"data/{name}").read_text("utf-8")


@cache
def _verified() -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(_data("codes.csv"))))
    return [row for row in rows if row["verified"] == "yes"]


@cache
def project_code_system() -> dict[str, Any]:
    """The project CodeSystem resource (FHIR JSON)."""
    system: dict[str, Any] = json.loads(_data("vertebro-codesystem.json"))
    return system


PROJECT_SYSTEM: str = project_code_system()["url"]


def project_code(code: str) -> Code:
    """A concept of the project CodeSystem; ``KeyError`` for a code it does not define."""
    for concept in project_code_system()["concept"]:
        if concept["code"] == code:
            return Code(PROJECT_SYSTEM, code, concept["display"])
    raise KeyError(f"{code!r} is not in the vertebro CodeSystem")


def body_site(level: Level) -> Code:
    """SNOMED CT body site of a vertebra (verified in codes.csv)."""
    wanted = f"body site {level}"
    for row in _verified():
        if row["use"] == wanted:
            return Code(row["system"], row["code"], row["display"])
    raise KeyError(f"no verified body-site code for {level}")


@cache
def _levels_by_site() -> dict[tuple[str, str], Level]:
    by_site: dict[tuple[str, str], Level] = {}
    for row in _verified():
        use = row["use"]
        if use.startswith("body site "):
            by_site[(row["system"], row["code"])] = Level(use.removeprefix("body site "))
    return by_site


def level_of_body_site(system: str | None, code: str | None) -> Level | None:
    """The vertebra (T1–L5) a verified body-site coding names, or ``None``."""
    return _levels_by_site().get((system or "", code or ""))


def _loinc_pain() -> Code:
    for row in _verified():
        if row["system"] == LOINC and "pain_nrs" in row["use"]:
            return Code(row["system"], row["code"], row["display"])
    raise KeyError("no verified code for pain NRS")


PAIN_NRS = _loinc_pain()

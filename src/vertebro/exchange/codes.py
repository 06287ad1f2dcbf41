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
    "LOINC",
    "PAIN_NRS",
    "PROJECT_SYSTEM",
    "SNOMED",
    "Code",
    "body_site",
    "project_code",
    "project_code_system",
]

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"


@dataclass(frozen=True, slots=True)
class Code:
    """A coding: system, code and display text."""

    system: str
    code: str
    display: str


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


def _loinc_pain() -> Code:
    for row in _verified():
        if row["system"] == LOINC and "pain_nrs" in row["use"]:
            return Code(row["system"], row["code"], row["display"])
    raise KeyError("no verified code for pain NRS")


PAIN_NRS = _loinc_pain()

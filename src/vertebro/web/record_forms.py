"""The procedure and follow-up forms: their fields and form → document conversion
(``vertebro.procedure/1``, ``vertebro.follow_up/1``); the strict parser judges the result."""

from __future__ import annotations

import re
from typing import Any

from vertebro.model import (
    Anaesthesia,
    Analgesics,
    Approach,
    Assessment,
    ComplicationType,
    Discharge,
    FollowUpStatus,
    FractureDetection,
    LeakageDetection,
    LeakageType,
    Level,
    ProcedureStatus,
    Technique,
    Viscosity,
    Visit,
)
from vertebro.web.form_fields import (
    Field,
    Kind,
    block_count,
    block_indices,
    build_document,
    choices_of,
)

__all__ = [
    "COMPLICATION_FIELDS",
    "COMPLICATION_ROWS",
    "FOLLOW_UP_FIELDS",
    "LEAKAGE_TYPES",
    "LEVEL_FIELDS",
    "NEW_FRACTURE_FIELDS",
    "NEW_FRACTURE_ROWS",
    "PROCEDURE_FIELDS",
    "follow_up_from_form",
    "procedure_from_form",
    "procedure_prefill",
    "record_words",
]

_LEVELS = tuple((str(v.value), str(v.value)) for v in Level)
COMPLICATION_ROWS = 2
NEW_FRACTURE_ROWS = 2
LEAKAGE_TYPES = tuple(str(t.value) for t in LeakageType)

PROCEDURE_FIELDS: tuple[Field, ...] = (
    Field(
        "status",
        "Session status",
        "enum",
        choices_of(ProcedureStatus),
        required=True,
        nullable=False,
        default="performed",
    ),
    Field("date", "Date (planned or performed)", "date", required=True, nullable=False),
    Field("operator", "Operator", "text", required=True, nullable=False),
    Field(
        "anaesthesia", "Anaesthesia", "enum", choices_of(Anaesthesia), required=True, nullable=False
    ),
    Field("duration_min", "Duration", "int", unit="minutes"),
    Field("fluoroscopy_s", "Fluoroscopy time", "number", unit="seconds"),
    Field("dose_area_product", "Dose–area product", "number", unit="Gy·cm²"),
    Field("biopsy.taken", "Biopsy taken", "bool2", nullable=False, default="false"),
    Field("biopsy.histology", "Histology", "text"),
    Field("discharge", "Discharge", "enum", choices_of(Discharge)),
    Field("discharge_date", "Discharge date", "date"),
    Field(
        "override_reason",
        "Reason for departing from the plan",
        "textarea",
        hint="required when the levels or technique differ from the latest assessment's plan",
    ),
)

LEVEL_FIELDS: tuple[Field, ...] = (
    Field("level", "Level", "enum", _LEVELS, required=True, nullable=False),
    Field("technique", "Technique", "enum", choices_of(Technique), required=True, nullable=False),
    Field("approach", "Approach", "enum", choices_of(Approach), required=True, nullable=False),
    Field("cement_product", "Cement product", "text"),
    Field(
        "cement_viscosity",
        "Cement viscosity",
        "enum",
        choices_of(Viscosity),
        required=True,
        nullable=False,
    ),
    Field("cement_ml", "Cement volume", "number", unit="ml", required=True, nullable=False),
    Field("balloon_ml", "Balloon volume (kyphoplasty, both sides)", "number", unit="ml"),
    Field("post_heights_mm.anterior", "Anterior height after", "number", unit="mm"),
    Field("post_heights_mm.middle", "Middle height after", "number", unit="mm"),
    Field("post_heights_mm.posterior", "Posterior height after", "number", unit="mm"),
    Field("leakage.present", "Cement leakage", "bool3", hint="Not known: not assessed"),
    Field("leakage.symptomatic", "Leakage symptomatic", "bool2", nullable=False, default="false"),
    Field("leakage.detected_by", "Leakage looked for on", "enum", choices_of(LeakageDetection)),
)

COMPLICATION_FIELDS: tuple[Field, ...] = (
    Field(
        "type",
        "Complication",
        "enum",
        choices_of(ComplicationType),
        empty_label="None",
    ),
    Field("symptomatic", "Symptomatic", "bool2", nullable=False, default="false"),
    Field("note", "Note", "text"),
)

FOLLOW_UP_FIELDS: tuple[Field, ...] = (
    Field("visit", "Visit", "enum", choices_of(Visit), required=True, nullable=False),
    Field("date", "Date of the visit", "date", required=True, nullable=False),
    Field(
        "status",
        "Patient status",
        "enum",
        choices_of(FollowUpStatus),
        nullable=False,
        default="seen",
    ),
    Field("pain_nrs", "Back pain now (NRS)", "int", hint="0 none – 10 worst"),
    Field("odi", "Oswestry disability index (ODI)", "number", hint="0–100"),
    Field("rdq", "Roland–Morris disability (RDQ)", "int", hint="0–24"),
    Field("eq5d_index", "EQ-5D index", "number"),
    Field("eq5d_value_set", "EQ-5D value set", "text", hint="needed with the index"),
    Field("analgesics", "Pain medication", "enum", choices_of(Analgesics)),
    Field("osteoporosis_treatment", "On osteoporosis treatment", "bool3"),
)

NEW_FRACTURE_FIELDS: tuple[Field, ...] = (
    Field("level", "New fracture at", "enum", _LEVELS, empty_label="None"),
    Field("detected_by", "Seen on", "enum", choices_of(FractureDetection)),
    Field("symptomatic", "Symptomatic", "bool2", nullable=False, default="false"),
)


def _kinds(fields: tuple[Field, ...], prefix: str = "") -> dict[str, Kind]:
    return {f"{prefix}{f.name}": f.kind for f in fields}


def _rows(
    values: dict[str, str], name: str, fields: tuple[Field, ...], rows: int, key: str
) -> list[dict[str, Any]]:
    """Repeated rows (complications, new fractures): a row counts when ``key`` is set."""
    out = []
    for i in range(rows):
        prefix = f"{name}[{i}]."
        if not values.get(prefix + key, "").strip():
            continue
        block = {f.name: values.get(prefix + f.name, "") for f in fields}
        out.append(build_document(block, _kinds(fields)))
    return out


def level_count(values: dict[str, str]) -> int:
    """How many level rows the procedure form shows (at least one, at most one per level)."""
    return block_count(values, "levels", len(Level))


def procedure_from_form(values: dict[str, str]) -> dict[str, Any]:
    """The procedure form → a ``vertebro.procedure/1`` document. A level row without a level
    is dropped; leakage is left out when its presence is not known."""
    document = build_document(values, _kinds(PROCEDURE_FIELDS))
    document["schema"] = "vertebro.procedure/1"
    if document.get("biopsy") is not None and "taken" not in document["biopsy"]:
        document["biopsy"]["taken"] = False
    levels = []
    for i in block_indices(values, "levels"):
        prefix = f"levels[{i}]."
        block = {f.name: values.get(prefix + f.name, "") for f in LEVEL_FIELDS}
        if not block["level"]:
            continue
        item = build_document(block, _kinds(LEVEL_FIELDS))
        leakage = item.get("leakage", {})
        if "present" not in leakage:
            item.pop("leakage", None)
        else:
            leakage["types"] = [
                t for t in LEAKAGE_TYPES if values.get(f"{prefix}leakage.types.{t}")
            ]
        levels.append(item)
    document["levels"] = levels
    document["complications"] = _rows(
        values, "complications", COMPLICATION_FIELDS, COMPLICATION_ROWS, "type"
    )
    return document


def follow_up_from_form(values: dict[str, str]) -> dict[str, Any]:
    """The follow-up form → a ``vertebro.follow_up/1`` document."""
    document = build_document(values, _kinds(FOLLOW_UP_FIELDS))
    document["schema"] = "vertebro.follow_up/1"
    document["complications"] = _rows(
        values, "complications", COMPLICATION_FIELDS, COMPLICATION_ROWS, "type"
    )
    document["new_fractures"] = _rows(
        values, "new_fractures", NEW_FRACTURE_FIELDS, NEW_FRACTURE_ROWS, "level"
    )
    return document


def procedure_prefill(assessment: Assessment | None, today: str) -> dict[str, str]:
    """Form values from the plan: the first session's levels, technique, approach,
    viscosity, the middle of the cement range, anaesthesia."""
    values: dict[str, str] = {"date": today, "status": "performed"}
    if assessment is None or assessment.plan is None or not assessment.plan.sessions:
        return values
    session = assessment.plan.sessions[0]
    values["anaesthesia"] = str(session.anaesthesia)
    values["discharge"] = str(session.discharge)
    planned = {p.level: p for p in assessment.plan.levels}
    for i, level in enumerate(session.levels):
        item = planned.get(level)
        if item is None:
            continue
        prefix = f"levels[{i}]."
        low, high = item.cement_ml
        values[prefix + "level"] = str(level)
        values[prefix + "technique"] = str(item.technique)
        values[prefix + "approach"] = str(item.approach)
        values[prefix + "cement_viscosity"] = str(item.cement_viscosity)
        values[prefix + "cement_ml"] = f"{(low + high) / 2:g}"
    return values


#: The repeated blocks of the record forms: their name in words and their fields.
_BLOCKS: dict[str, tuple[str, tuple[Field, ...]]] = {
    "levels": ("Treated level", LEVEL_FIELDS),
    "complications": ("Complication", COMPLICATION_FIELDS),
    "new_fractures": ("New fracture", NEW_FRACTURE_FIELDS),
}
_BLOCK = re.compile(r"^([a-z_]+)\[(\d+)\](?:\.(.*))?$")


def record_words(path: str, fields: tuple[Field, ...]) -> str:
    """A path of a procedure or follow-up document in the form's words:
    ``levels[1].leakage.detected_by`` → ``"Treated level 2 — Leakage looked for on"``."""
    found = _BLOCK.match(path)
    if found is not None and found[1] in _BLOCKS:
        name, block_fields = _BLOCKS[found[1]]
        head = f"{name} {int(found[2]) + 1}"
        if found[3] is None:
            return head
        return f"{head} — {_label(found[3], block_fields)}"
    return _label(path, fields)


def _label(path: str, fields: tuple[Field, ...]) -> str:
    labels = {f.name: f.label for f in fields}
    bare = re.sub(r"\[\d+\]$", "", path)  # leakage.types[0] → leakage.types
    return labels.get(path) or labels.get(bare) or bare.replace("_", " ").replace(".", " — ")

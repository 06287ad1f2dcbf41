"""What another system's Observations say: scores of the patient (pain NRS, ODI, RDQ) and
measurements of a fractured vertebra (heights, height loss), read through the concept map
into :class:`~vertebro.exchange.fhir_foreign_records.Facts`; values outside vertebro's
ranges are listed, not stored."""

from __future__ import annotations

from typing import Any

from vertebro.exchange.concept_map import MEASUREMENT_FIELDS, Concept
from vertebro.exchange.fhir_foreign_index import (
    codings,
    day_of,
    instant_of,
    levels_of,
    not_in_map,
    unread,
)
from vertebro.exchange.fhir_foreign_records import Facts, Score, usable

__all__ = ["read_observations"]

_OBSERVATION_STATUS = {"final", "amended", "corrected"}
#: The ranges of case-v1 and registry-v1.
_SCORE_RANGE = {"pain_nrs": (0, 10), "odi": (0, 100), "rdq": (0, 24)}
_MEASURE_RANGE = {"height_loss_pct": (0.0, 100.0)}
_HEIGHT_MAX = 80.0


def _number(resource: dict[str, Any], unit: str | None = None) -> int | float | None:
    if "valueInteger" in resource and not isinstance(resource["valueInteger"], bool):
        return int(resource["valueInteger"])
    quantity = resource.get("valueQuantity")
    if not isinstance(quantity, dict) or not isinstance(quantity.get("value"), int | float):
        return None
    if unit is not None and unit not in (quantity.get("code"), quantity.get("unit")):
        return None
    value = quantity["value"]
    return int(value) if float(value).is_integer() and unit is None else value


def _score(facts: Facts, i: int, resource: dict[str, Any], concept: Concept) -> None:
    name = str(concept.get("field"))
    value = _number(resource)
    low, high = _SCORE_RANGE[name]
    integral = concept.get("value") == "integer"
    if value is None or (integral and not isinstance(value, int)) or not low <= value <= high:
        kind = "an integer" if integral else "a number"
        facts.report.skip(
            f"entry[{i}].resource.value", "Observation", f"{name} must be {kind} {low}–{high}"
        )
        return
    effective = (
        resource.get("effectiveDateTime")
        or resource.get("effectivePeriod")
        or resource.get("effectiveInstant")
    )
    number = float(value) if not integral else value
    path = f"entry[{i}]"
    facts.scores.append(Score(name, number, day_of(effective), path, instant_of(effective)))


def _measurement(facts: Facts, i: int, resource: dict[str, Any], concept: Concept) -> None:
    name = str(concept.get("field"))
    unit = MEASUREMENT_FIELDS[name]
    value = _number(resource, unit)
    low, high = _MEASURE_RANGE.get(name, (0.0, _HEIGHT_MAX))
    if value is None or not (low <= value <= high and (name == "height_loss_pct" or value > 0)):
        facts.report.skip(
            f"entry[{i}].resource.value",
            "Observation",
            f"{name} must be a quantity in {unit}, {low:g}–{high:g}",
        )
        return
    levels = levels_of(resource.get("bodySite") or [])
    for reference in resource.get("focus") or []:
        j = facts.index.resolve(reference)
        levels += (
            [lv for lv in facts.fracture_entries.get(j, []) if lv not in levels]
            if j is not None
            else []
        )
    if len(levels) != 1:
        facts.report.skip(
            f"entry[{i}]", "Observation", f"{name}: needs exactly one vertebra (bodySite or focus)"
        )
        return
    values = facts.measurements.setdefault(levels[0], {})
    facts.measurement_paths.setdefault(levels[0], []).append(f"entry[{i}]")
    if name.startswith("heights_mm."):
        values.setdefault("heights_mm", {})[name.split(".")[1]] = float(value)
    else:
        values[name] = float(value)
    facts.report.map(f"entry[{i}]", "Observation", f"fractures {levels[0]} {name} = {value}")


def read_observations(facts: Facts) -> None:
    """Scores and vertebral measurements from Observations (``Observation.code``)."""
    for i, resource in facts.index.of_type("Observation"):
        status = resource.get("status")
        if not usable(facts, i, resource, status in _OBSERVATION_STATUS, status):
            continue
        found = codings(resource.get("code"))
        concept = facts.concepts.find("Observation.code", found)
        if concept is None:
            facts.report.skip(f"entry[{i}]", "Observation", not_in_map(found))
            continue
        before = len(facts.report.mapped) + len(facts.scores)
        if concept.target == "score":
            _score(facts, i, resource, concept)
        else:
            _measurement(facts, i, resource, concept)
        if len(facts.report.mapped) + len(facts.scores) > before:
            read = {
                "status",
                "code",
                "subject",
                "valueInteger",
                "valueQuantity",
                "effectiveDateTime",
                "effectivePeriod",
                "effectiveInstant",
                "bodySite",
                "focus",
                "category",
            }
            unread(facts.report, i, resource, read)
    for level, values in facts.measurements.items():
        paths = facts.measurement_paths[level]
        heights = values.get("heights_mm")
        if heights is not None and len(heights) != 3:
            del values["heights_mm"]
            facts.report.skip(
                ", ".join(paths),
                "Observation",
                f"{level}: heights need all three (anterior, middle, posterior)",
            )

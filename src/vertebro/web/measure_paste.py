"""Filling the case form from pasted ``vertebro measure`` output: a
``vertebro.measurement/1`` document (fractured levels: Genant grade ≥ 1, as the draft case
of measurement-v1) or the draft case itself (``vertebro measure --case``). Levels already in
the form get their geometry; other fractured levels get a new block."""

from __future__ import annotations

from typing import Any

from vertebro.errors import InvalidDocument
from vertebro.model.jsontext import decode_json, value_problems
from vertebro.model.level import Level
from vertebro.model.parsing import format_path
from vertebro.web.form_fields import flatten

__all__ = ["GEOMETRY_KEYS", "fill_from_measurement"]

GEOMETRY_KEYS = (
    "heights_mm",
    "landmarks_mm",
    "reference_height_mm",
    "kyphotic_angle_deg",
    "height_loss_pct",  # the grading method's loss, where it differs from rulebook M-2
)


def _fractures(document: Any) -> list[dict[str, Any]]:
    from vertebro.imaging.draft_case import draft_case

    if not isinstance(document, dict):
        raise ValueError("must be a JSON object")
    schema = document.get("schema")
    if schema == "vertebro.measurement/1" and isinstance(document.get("levels"), list):
        draft = draft_case(document, "pasted")
        return [] if draft is None else list(draft["fractures"])
    if schema == "vertebro.case/1" and isinstance(document.get("fractures"), list):
        return [f for f in document["fractures"] if isinstance(f, dict)]
    raise ValueError("must be vertebro measure output (vertebro.measurement/1 or a draft case)")


def fill_from_measurement(
    values: dict[str, str], pasted: str, blocks: int
) -> tuple[dict[str, str], int, list[str]]:
    """(new form values, new number of fracture blocks, messages)."""
    try:
        document = decode_json(pasted)
        bad = next(
            (f"{format_path(loc)}: {why}" for loc, why, fatal in value_problems(document) if fatal),
            None,
        )
        if bad is not None:
            return values, blocks, [f"measurement: {bad}"]
        fractures = _fractures(document)
    except InvalidDocument as exc:
        return values, blocks, [f"measurement: {exc.lines[0]}"]
    except ValueError as exc:
        return values, blocks, [f"measurement: {exc}"]
    except (KeyError, TypeError, AttributeError) as exc:  # a measurement of another shape
        reason = f"not vertebro measure output ({type(exc).__name__}: {exc})"
        return values, blocks, [f"measurement: {reason}"[:300]]
    if not fractures:
        return values, blocks, ["measurement: no fractured level (Genant grade ≥ 1) to fill"]
    if len(fractures) > len(Level):
        return values, blocks, [f"measurement: more than {len(Level)} fractured levels (T1–L5)"]
    out = dict(values)
    where = {out.get(f"fractures[{i}].level", ""): i for i in range(blocks)}
    filled: list[str] = []
    for fracture in fractures:
        level = str(fracture.get("level", ""))
        index = where.get(level)
        if index is None:
            empty = where.get("")
            index = empty if empty is not None else blocks
            if index == blocks:
                blocks += 1
            where.pop("", None)
            where[level] = index
            out[f"fractures[{index}].level"] = level
        prefix = f"fractures[{index}]"
        for key in list(out):
            if key.startswith(f"{prefix}.") and key.split(".", 1)[1].startswith(GEOMETRY_KEYS):
                out[key] = ""
        geometry = {k: fracture.get(k) for k in GEOMETRY_KEYS if k in fracture}
        for key, value in flatten(geometry).items():
            out[f"{prefix}.{key}"] = value
        filled.append(level)
    return out, blocks, [f"Filled the geometry of {', '.join(filled)} from the measurement."]

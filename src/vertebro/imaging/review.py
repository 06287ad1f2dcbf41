"""Recompute a ``vertebro.measurement/1`` document from its landmarks (the browser review).

A reader moves landmarks; everything that follows from them is computed again by the same
functions as ``vertebro measure``: heights by rulebook M-1 of the rounded landmarks, the
reference heights (measurement-v1 step 8), the grading method's loss and grade
(``vertebro.morphometry.grading``), M-4 shape, M-5 wedge angle and M-2 beside them. Levels
that were not evaluable stay as they were; the regional angle (M-7) needs each level's
plane in patient space and is kept from the automatic measurement. Pure: no I/O.
"""

from __future__ import annotations

import math
from typing import Any

from vertebro.imaging.geometry import LANDMARKS
from vertebro.imaging.measurement import (
    MEASUREMENT_SCHEMA,
    graded_level,
    grading_json,
    reference_heights_from,
)
from vertebro.morphometry import MAX_HEIGHT_MM, Heights, heights_from_landmarks_mm, round_tenth
from vertebro.morphometry.grading import grade_spine, method_record

__all__ = ["LANDMARKS", "ReviewInputError", "landmark_moves", "recompute_document"]


class ReviewInputError(ValueError):
    """The document cannot be recomputed; ``lines`` are ``<path>: <reason>``."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


def _landmarks(item: Any, path: str, errors: list[str]) -> dict[str, tuple[float, float]] | None:
    raw = item.get("landmarks_mm") if isinstance(item, dict) else None
    if not isinstance(raw, dict):
        errors.append(f"{path}.landmarks_mm: required for an evaluable level")
        return None
    out: dict[str, tuple[float, float]] = {}
    for name in LANDMARKS:
        point = raw.get(name)
        if not isinstance(point, list):
            errors.append(f"{path}.landmarks_mm.{name}: must be [x, y] in mm")
            continue
        ok = (
            isinstance(point, list)
            and len(point) == 2
            and all(
                isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c)
                for c in point
            )
        )
        if not ok:
            errors.append(f"{path}.landmarks_mm.{name}: must be [x, y] in mm")
            continue
        out[name] = (round_tenth(float(point[0])), round_tenth(float(point[1])))
    unknown = sorted(set(raw) - set(LANDMARKS))
    errors.extend(f"{path}.landmarks_mm.{k}: unknown key" for k in unknown)
    return out if len(out) == len(LANDMARKS) else None


def recompute_document(document: Any) -> dict[str, Any]:
    """The document with every evaluable level recomputed from its landmarks.

    Raises ``ReviewInputError`` when it is not a measurement document or a landmark is
    missing, not a number pair, or makes a height outside (0, 80] mm (rulebook M-1).
    """
    errors: list[str] = []
    if not isinstance(document, dict) or document.get("schema") != MEASUREMENT_SCHEMA:
        raise ReviewInputError([f"$.schema: must be {MEASUREMENT_SCHEMA!r}"])
    items = document.get("levels")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ReviewInputError(["$.levels: must be a list of level objects"])
    heights: list[Heights | None] = []
    points: list[dict[str, tuple[float, float]] | None] = []
    for i, item in enumerate(items):
        path = f"levels[{i}]"
        if not isinstance(item.get("level"), str):
            errors.append(f"{path}.level: required")
        if not item.get("evaluable"):
            heights.append(None)
            points.append(None)
            continue
        lm = _landmarks(item, path, errors)
        if lm is None:
            heights.append(None)
            points.append(None)
            continue
        measured_h = Heights(*(round_tenth(x) for x in heights_from_landmarks_mm(lm)))
        for side, value in zip(("anterior", "middle", "posterior"), measured_h, strict=True):
            if not 0.0 < value <= MAX_HEIGHT_MM:
                errors.append(f"{path}.landmarks_mm: {side} height {value} mm is outside (0, 80]")
        heights.append(measured_h)
        points.append(lm)
    if errors:
        raise ReviewInputError(errors)
    refs = reference_heights_from(heights)
    measured = [
        (str(item["level"]), h) for item, h in zip(items, heights, strict=True) if h is not None
    ]
    try:
        gradings = {g.level: g for g in grade_spine(measured)}
    except ValueError as exc:
        raise ReviewInputError([f"$.levels: {exc}"]) from exc
    out_levels: list[dict[str, Any]] = []
    for item, h, lm, ref in zip(items, heights, points, refs, strict=True):
        if h is None or lm is None:
            out_levels.append(dict(item))
            continue
        r = graded_level(h, ref, lm, gradings[str(item["level"])])
        out_levels.append(
            {
                **item,
                "heights_mm": {"anterior": h[0], "middle": h[1], "posterior": h[2]},
                "landmarks_mm": {k: [p[0], p[1]] for k, p in lm.items()},
                "reference_height_mm": r.reference_height_mm,
                "height_loss_pct": r.height_loss_pct,
                "height_loss_source": str(r.height_loss_source),
                "genant_grade": r.genant_grade,
                "shape": r.shape,
                "wedge_angle_deg": r.wedge_angle_deg,
                "grading": grading_json(r),
            }
        )
    return {**document, "levels": out_levels, "method": method_record()}


def landmark_moves(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Every landmark whose position differs between two documents of the same spine:
    ``{level, landmark, before, after}`` in document order."""
    old = {i["level"]: i.get("landmarks_mm") or {} for i in before.get("levels", [])}
    moves: list[dict[str, Any]] = []
    for item in after.get("levels", []):
        new = item.get("landmarks_mm") or {}
        for name in LANDMARKS:
            a, b = old.get(item["level"], {}).get(name), new.get(name)
            if b is not None and a != b:
                moves.append({"level": item["level"], "landmark": name, "before": a, "after": b})
    return moves

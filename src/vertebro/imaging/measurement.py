"""The ``vertebro.measurement/1`` document: reference heights (spec step 8), rulebook
M-2…M-5 per level (step 9) and the regional angle M-7 ("Output")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vertebro.imaging.geometry import LevelGeometry
from vertebro.model.level import Level, are_consecutive
from vertebro.morphometry import (
    Endplates,
    LossSource,
    genant_grade,
    height_loss_pct,
    regional_kyphosis_deg,
    round_tenth,
    shape_of,
    wedge_angle_deg,
)

__all__ = ["MEASUREMENT_SCHEMA", "LevelResult", "build_document", "reference_heights_mm"]

MEASUREMENT_SCHEMA = "vertebro.measurement/1"
_REFERENCE_LOSS_LIMIT_PCT = 20.0


@dataclass(frozen=True, slots=True)
class LevelResult:
    """Rulebook M-2…M-5 of one evaluable level."""

    reference_height_mm: float | None
    height_loss_pct: float | None
    height_loss_source: LossSource
    genant_grade: int | None
    shape: str | None
    wedge_angle_deg: float | None


def _ratio_loss_pct(g: LevelGeometry) -> float | None:
    if g.heights is None:
        return None
    loss, _ = height_loss_pct(None, g.heights, None)
    return loss


def reference_heights_mm(levels: Sequence[LevelGeometry]) -> list[float | None]:
    """Spec step 8: for each level, the mean posterior height of the nearest present
    level above and below that is evaluable with a posterior-ratio loss < 20.0 %."""
    usable = [
        g.evaluable
        and g.heights is not None
        and (loss := _ratio_loss_pct(g)) is not None
        and loss < _REFERENCE_LOSS_LIMIT_PCT
        for g in levels
    ]
    out: list[float | None] = []
    for i in range(len(levels)):
        picks: list[float] = []
        above = next((j for j in range(i - 1, -1, -1) if usable[j]), None)
        below = next((j for j in range(i + 1, len(levels)) if usable[j]), None)
        for j in (above, below):
            if j is not None:
                h = levels[j].heights
                assert h is not None
                picks.append(h.posterior_mm)
        out.append(round_tenth(sum(picks) / len(picks)) if picks else None)
    return out


def level_results(levels: Sequence[LevelGeometry]) -> list[LevelResult | None]:
    """Spec step 9 (rulebook M-2 to M-5) with the step-8 reference; None when not evaluable."""
    refs = reference_heights_mm(levels)
    out: list[LevelResult | None] = []
    for g, ref in zip(levels, refs, strict=True):
        if not g.evaluable or g.heights is None or g.landmarks_mm is None:
            out.append(None)
            continue
        loss, source = height_loss_pct(None, g.heights, ref)
        grade = genant_grade(loss)
        shape = shape_of(grade, g.heights, ref)
        out.append(
            LevelResult(
                reference_height_mm=ref,
                height_loss_pct=loss,
                height_loss_source=source,
                genant_grade=grade,
                shape=None if shape is None else str(shape),
                wedge_angle_deg=wedge_angle_deg(g.landmarks_mm),
            )
        )
    return out


def _sagittal(point: np.ndarray[Any, Any]) -> tuple[float, float]:
    """RAS point → (anterior, superior): its projection on the patient sagittal plane."""
    return (float(point[1]), float(point[2]))


def _endplates(g: LevelGeometry) -> Endplates:
    lm = g.landmarks_mm
    assert lm is not None

    def p(name: str) -> tuple[float, float]:
        return _sagittal(g.plane_to_world(lm[name]))

    return Endplates(
        superior=(p("posterior_superior"), p("anterior_superior")),
        inferior=(p("posterior_inferior"), p("anterior_inferior")),
    )


def regional_angle(levels: Sequence[LevelGeometry]) -> dict[str, Any]:
    """Output ``regional``: rulebook M-7 over each unbroken run of consecutive evaluable
    levels, endplates projected on the patient sagittal plane (RAS y–z); the maximum,
    ties to the most cranial start then the shorter pair."""
    runs: list[list[LevelGeometry]] = []
    for g in levels:
        if not g.evaluable or g.landmarks_mm is None:
            runs.append([])
            continue
        if runs and runs[-1] and are_consecutive(Level(runs[-1][-1].level), Level(g.level)):
            runs[-1].append(g)
        else:
            runs.append([g])
    best: tuple[float, str, str] | None = None
    for run in runs:
        if not run:
            continue
        found = regional_kyphosis_deg([_endplates(g) for g in run], cranial=(0.0, 1.0))
        if found is not None and (best is None or found.kyphosis_deg > best[0]):
            best = (
                found.kyphosis_deg,
                run[found.cranial_index].level,
                run[found.caudal_index].level,
            )
    if best is None:
        return {"kyphosis_deg": None, "cranial_level": None, "caudal_level": None}
    return {"kyphosis_deg": best[0], "cranial_level": best[1], "caudal_level": best[2]}


def _xyz(p: np.ndarray[Any, Any]) -> list[float]:
    return [round_tenth(float(c)) for c in p]


def build_document(convention: str, levels: Sequence[LevelGeometry]) -> dict[str, Any]:
    """The ``vertebro.measurement/1`` JSON document (spec "Output"), keys in spec order."""
    items: list[dict[str, Any]] = []
    for g, r in zip(levels, level_results(levels), strict=True):
        centroid = g.body_centroid_mm if g.body_centroid_mm is not None else g.centroid_mm
        item: dict[str, Any] = {
            "level": g.level,
            "evaluable": r is not None,
            "reason": None if r is not None else (g.reason or "too_small"),
            "centroid_mm": _xyz(centroid),
            "heights_mm": None,
            "landmarks_mm": None,
            "reference_height_mm": None,
            "height_loss_pct": None,
            "height_loss_source": None,
            "genant_grade": None,
            "shape": None,
            "wedge_angle_deg": None,
        }
        if r is not None and g.heights is not None and g.landmarks_mm is not None:
            item.update(
                heights_mm={
                    "anterior": g.heights.anterior_mm,
                    "middle": g.heights.middle_mm,
                    "posterior": g.heights.posterior_mm,
                },
                landmarks_mm={k: [p[0], p[1]] for k, p in g.landmarks_mm.items()},
                reference_height_mm=r.reference_height_mm,
                height_loss_pct=r.height_loss_pct,
                height_loss_source=str(r.height_loss_source),
                genant_grade=r.genant_grade,
                shape=r.shape,
                wedge_angle_deg=r.wedge_angle_deg,
            )
        items.append(item)
    return {
        "schema": MEASUREMENT_SCHEMA,
        "convention": convention,
        "levels": items,
        "regional": regional_angle(levels),
    }

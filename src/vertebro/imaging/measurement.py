"""The ``vertebro.measurement/1`` document: reference heights (spec step 8), the loss and
Genant grade of the grading method ``vertebro-sq`` (``vertebro.morphometry.grading``) with
rulebook M-2…M-5 on the same heights beside it (step 9), and the regional angle M-7
("Output").

Each evaluable level reports the method's ``height_loss_pct`` and ``genant_grade`` (the
shape is M-4 of that grade, as ``vertebro assess`` derives it) and, under ``grading``, the
expected heights, the loss of each height, the references and the rulebook's own M-2/M-3
on the reported heights; the top-level ``method`` names the method and its version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vertebro.imaging.geometry import GeometryReason, LevelGeometry
from vertebro.model.level import Level, are_consecutive
from vertebro.morphometry import (
    Endplates,
    Heights,
    LossSource,
    genant_grade,
    height_loss_pct,
    regional_kyphosis_deg,
    round_tenth,
    shape_of,
    wedge_angle_deg,
)
from vertebro.morphometry.grading import LevelGrading, grade_spine, method_record

__all__ = [
    "MEASUREMENT_SCHEMA",
    "LevelResult",
    "build_document",
    "graded_level",
    "grading_json",
    "reference_heights_from",
    "reference_heights_mm",
]

MEASUREMENT_SCHEMA = "vertebro.measurement/1"
_REFERENCE_LOSS_LIMIT_PCT = 20.0


@dataclass(frozen=True, slots=True)
class LevelResult:
    """One evaluable level: the method's loss and grade, M-4 shape of that grade, M-5,
    and rulebook M-2/M-3 on the same heights (``rulebook_*``)."""

    reference_height_mm: float | None
    height_loss_pct: float | None
    height_loss_source: LossSource
    genant_grade: int | None
    shape: str | None
    wedge_angle_deg: float | None
    grading: LevelGrading | None = None
    rulebook_height_loss_pct: float | None = None
    rulebook_genant_grade: int | None = None


def reference_heights_from(heights: Sequence[Heights | None]) -> list[float | None]:
    """Spec step 8 over the levels in order (``None``: not evaluable): for each level, the
    mean posterior height of the nearest level above and below that is evaluable with a
    posterior-ratio loss < 20.0 %."""
    usable = [
        h is not None
        and (loss := height_loss_pct(None, h, None)[0]) is not None
        and loss < _REFERENCE_LOSS_LIMIT_PCT
        for h in heights
    ]
    out: list[float | None] = []
    for i in range(len(heights)):
        picks: list[float] = []
        above = next((j for j in range(i - 1, -1, -1) if usable[j]), None)
        below = next((j for j in range(i + 1, len(heights)) if usable[j]), None)
        for j in (above, below):
            if j is not None:
                h = heights[j]
                assert h is not None
                picks.append(h.posterior_mm)
        out.append(round_tenth(sum(picks) / len(picks)) if picks else None)
    return out


def reference_heights_mm(levels: Sequence[LevelGeometry]) -> list[float | None]:
    """Spec step 8 for measured levels (see ``reference_heights_from``)."""
    return reference_heights_from([g.heights if g.evaluable else None for g in levels])


def level_results(levels: Sequence[LevelGeometry]) -> list[LevelResult | None]:
    """Spec step 9 with the grading method: per evaluable level the method's loss and
    grade, M-4 shape and M-5 angle, and M-2/M-3 with the step-8 reference beside them;
    None when not evaluable."""
    refs = reference_heights_mm(levels)
    measured = [
        (g.level, g.heights)
        for g in levels
        if g.evaluable and g.heights is not None and g.landmarks_mm is not None
    ]
    gradings = {r.level: r for r in grade_spine(measured)}
    out: list[LevelResult | None] = []
    for g, ref in zip(levels, refs, strict=True):
        if g.level not in gradings or g.heights is None or g.landmarks_mm is None:
            out.append(None)
            continue
        out.append(graded_level(g.heights, ref, g.landmarks_mm, gradings[g.level]))
    return out


def graded_level(
    heights: Heights,
    reference_mm: float | None,
    landmarks: dict[str, tuple[float, float]] | None,
    grading: LevelGrading,
) -> LevelResult:
    """One level's results from its heights, reference height, landmarks and method
    grading (the review page recomputes a moved level with this too)."""
    rule_loss, _ = height_loss_pct(None, heights, reference_mm)
    grade = grading.genant_grade
    shape = shape_of(grade, heights, reference_mm)
    return LevelResult(
        reference_height_mm=reference_mm,
        height_loss_pct=grading.height_loss_pct,
        height_loss_source=grading.source,
        genant_grade=grade,
        shape=None if shape is None else str(shape),
        wedge_angle_deg=None if landmarks is None else wedge_angle_deg(landmarks),
        grading=grading,
        rulebook_height_loss_pct=rule_loss,
        rulebook_genant_grade=genant_grade(rule_loss),
    )


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


def _heights_json(h: Heights) -> dict[str, float]:
    return {"anterior": h.anterior_mm, "middle": h.middle_mm, "posterior": h.posterior_mm}


def grading_json(r: LevelResult) -> dict[str, Any] | None:
    """A level's ``grading`` object: what the method expected and found, and the
    rulebook's M-2/M-3 on the same heights."""
    g = r.grading
    if g is None:
        return None
    return {
        "expected_heights_mm": _heights_json(g.expected_mm),
        "height_losses_pct": _heights_json(g.losses_pct),
        "deformity": g.deformity,
        "references": list(g.references),
        "rulebook_height_loss_pct": r.rulebook_height_loss_pct,
        "rulebook_genant_grade": r.rulebook_genant_grade,
    }


def build_document(convention: str, levels: Sequence[LevelGeometry]) -> dict[str, Any]:
    """The ``vertebro.measurement/1`` JSON document (spec "Output", keys in spec order),
    plus each level's ``grading`` and the top-level ``method``."""
    items: list[dict[str, Any]] = []
    for g, r in zip(levels, level_results(levels), strict=True):
        centroid = g.body_centroid_mm if g.body_centroid_mm is not None else g.centroid_mm
        item: dict[str, Any] = {
            "level": g.level,
            "evaluable": r is not None,
            "reason": None if r is not None else str(g.reason or GeometryReason.TOO_SMALL),
            "centroid_mm": _xyz(centroid),
            "heights_mm": None,
            "landmarks_mm": None,
            "reference_height_mm": None,
            "height_loss_pct": None,
            "height_loss_source": None,
            "genant_grade": None,
            "shape": None,
            "wedge_angle_deg": None,
            "grading": None,
        }
        if r is not None and g.heights is not None and g.landmarks_mm is not None:
            item.update(
                heights_mm=_heights_json(g.heights),
                landmarks_mm={k: [p[0], p[1]] for k, p in g.landmarks_mm.items()},
                reference_height_mm=r.reference_height_mm,
                height_loss_pct=r.height_loss_pct,
                height_loss_source=str(r.height_loss_source),
                genant_grade=r.genant_grade,
                shape=r.shape,
                wedge_angle_deg=r.wedge_angle_deg,
                grading=grading_json(r),
            )
        items.append(item)
    return {
        "schema": MEASUREMENT_SCHEMA,
        "convention": convention,
        "levels": items,
        "regional": regional_angle(levels),
        "method": method_record(),
    }

"""The draft case of ``vertebro measure --case`` (measurement-v1 "Draft case")."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

__all__ = ["case_id_for", "draft_case"]

_NOT_ID = re.compile(r"[^A-Za-z0-9._-]")
_NIFTI = re.compile(r"\.nii(\.gz)?$", re.IGNORECASE)


def case_id_for(labels: str | Path) -> str:
    """The labels file or folder name, stem, reduced to ``A-Za-z0-9._-`` (≤ 64 characters).

    >>> case_id_for("/data/sub 01/example_ct_totalseg.nii.gz")
    'example_ct_totalseg'
    >>> case_id_for("seg_fast/")
    'seg_fast'
    """
    name = Path(str(labels).rstrip("/\\")).name
    stem = _NIFTI.sub("", name)
    if stem == name and "." in name:
        stem = Path(name).stem
    reduced = _NOT_ID.sub("", stem)[:64]
    return reduced or "case"


def _fracture(item: dict[str, Any]) -> dict[str, Any]:
    """A level's geometry; with the grading method's ``height_loss_pct`` when it differs
    from rulebook M-2 on the same heights (a given loss takes precedence in M-2, so the
    assessment grades the level as the measurement did)."""
    out = {
        "level": item["level"],
        "heights_mm": item["heights_mm"],
        "landmarks_mm": item["landmarks_mm"],
        "reference_height_mm": item["reference_height_mm"],
        "kyphotic_angle_deg": item["wedge_angle_deg"],
    }
    grading = item.get("grading")
    if grading and grading.get("rulebook_height_loss_pct") != item["height_loss_pct"]:
        out["height_loss_pct"] = item["height_loss_pct"]
    return out


def draft_case(document: dict[str, Any], case_id: str) -> dict[str, Any] | None:
    """One fracture per evaluable level of Genant grade ≥ 1 with its geometry (and the
    method's loss where it differs from M-2); ``None`` when there is no such level (then
    no file is written)."""
    fractures = [
        _fracture(item)
        for item in document["levels"]
        if item["evaluable"] and (item["genant_grade"] or 0) >= 1
    ]
    if not fractures:
        return None
    return {
        "schema": "vertebro.case/1",
        "case_id": case_id,
        "patient": {},
        "clinical": {},
        "fractures": fractures,
    }

"""The clinician's words for the case's fields: one table, used by the case form (its labels),
the pages, the text report and the PDFs, so that nobody reads a JSON path.

The JSON API keeps exact paths (``fractures[1].mri_edema``: the contract); everything a person
reads goes through :func:`field_words` and :func:`problem_words`, which name the fracture by
its level ("T11 — Bone oedema on MRI").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from vertebro.model import Level

__all__ = [
    "FIELD_LABELS",
    "LANDMARK_POINTS",
    "assessment_levels",
    "field_label",
    "field_words",
    "fracture_levels",
    "in_level_order",
    "missing_words",
    "problem_words",
    "reason_words",
]

LANDMARK_POINTS = (
    "anterior_superior",
    "anterior_inferior",
    "middle_superior",
    "middle_inferior",
    "posterior_superior",
    "posterior_inferior",
)

#: Generic path (``fractures[]`` for any fracture) → the form's label.
FIELD_LABELS: dict[str, str] = {
    "schema": "Document format",
    "case_id": "Case id",
    "patient_code": "Patient code",
    "patient": "Patient",
    "clinical": "Clinical findings",
    "fractures": "Fractured levels",
    "patient.age_years": "Age",
    "patient.sex": "Sex",
    "patient.asa_class": "ASA physical status",
    "patient.frailty_index": "Modified frailty index (mFI-5)",
    "patient.t_score": "DXA T-score",
    "patient.qct_hu": "Trabecular attenuation on CT",
    "patient.active_infection": "Active infection (systemic, or at a target level)",
    "patient.pregnant": "Pregnant",
    "patient.coagulopathy": "Bleeding disorder",
    "patient.anticoagulated": "On anticoagulant therapy",
    "patient.cement_allergy": "Allergy to bone cement (PMMA) or contrast",
    "patient.can_lie_prone": "Can lie face down for 30–60 minutes",
    "patient.severe_pulmonary_disease": "Severe lung disease (e.g. COPD)",
    "clinical.pain_nrs": "Back pain now (NRS)",
    "clinical.setting": "Setting",
    "clinical.pain_trend": "Pain over the last weeks",
    "clinical.pain_type": "Type of pain",
    "clinical.medication_insufficient": "Medication and non-surgical care not enough",
    "clinical.conservative_care_weeks": "Weeks of non-surgical care so far",
    "clinical.mobilisation_possible": "Can be mobilised under analgesia",
    "clinical.rdq": "Roland–Morris disability (RDQ)",
    "clinical.odi": "Oswestry disability index (ODI)",
    "clinical.neurology": "Neurological status from the fractures",
    "clinical.radicular_pain": "Radiating (radicular) pain without a deficit",
    "fractures[].level": "Level",
    "fractures[].etiology": "Cause",
    "fractures[].age_weeks": "Time since fracture or pain onset",
    "fractures[].mri_edema": "Bone oedema on MRI (STIR / T2 fat-sat) or uptake on bone scan",
    "fractures[].pain_at_level": "Pain matches this level (examination and imaging)",
    "fractures[].intravertebral_cleft": "Fluid or gas cleft in the body",
    "fractures[].progressive_collapse": "Further collapse on follow-up imaging",
    "fractures[].heights_mm": "Vertebral heights",
    "fractures[].heights_mm.anterior": "Anterior height",
    "fractures[].heights_mm.middle": "Middle height",
    "fractures[].heights_mm.posterior": "Posterior height",
    "fractures[].landmarks_mm": "Six-point landmarks",
    "fractures[].reference_height_mm": "Expected normal height",
    "fractures[].height_loss_pct": "Height loss",
    "fractures[].kyphotic_angle_deg": "Wedge or kyphotic angle",
    "fractures[].morphology": "Morphology (TLICS)",
    "fractures[].endplates_involved": "Endplates involved",
    "fractures[].posterior_wall": "Posterior wall",
    "fractures[].retropulsion": "Fragment displaced into the canal",
    "fractures[].canal_compromise_pct": "Canal compromise",
    "fractures[].tension_band_failure": "Tension band failure (distraction, rotation)",
    "fractures[].plc": "Posterior ligamentous complex",
    "fractures[].unstable": "Spine judged unstable at this level",
    "fractures[].of_class": "OF class (if known; else derived)",
    "fractures[].lesion": "Lesion",
    "fractures[].alignment": "Alignment",
    "fractures[].posterolateral": "Posterolateral involvement",
    "fractures[].body_involvement_over_50": "Tumour in more than half of the body",
}
for _point in LANDMARK_POINTS:
    FIELD_LABELS[f"fractures[].landmarks_mm.{_point}"] = f"Landmark {_point.replace('_', ' ')}"
    for _axis in (0, 1):
        FIELD_LABELS[f"fractures[].landmarks_mm.{_point}[{_axis}]"] = (
            f"{_point.replace('_', ' ').capitalize()} {'xy'[_axis]}"
        )

#: T1 … L5 from the top (the spine's order).
_LEVEL_ORDER = {str(level): level.ordinal for level in Level}
_FRACTURE = re.compile(r"^fractures\[(\d+)\](?:\.(.*))?$")
_EMBEDDED = re.compile(r"\bfractures\[(\d+)\](?:\.[A-Za-z_][A-Za-z0-9_.\[\]]*)?")


def fracture_levels(document: Any) -> list[str | None]:
    """The level of each fracture of a case (a :class:`~vertebro.model.Case` or a document
    as received, possibly invalid), by input index; ``None`` where it is not a level."""
    fractures = getattr(document, "fractures", None)
    if fractures is not None:
        return [str(f.level) for f in fractures]
    if isinstance(document, Mapping):
        items = document.get("fractures")
        if isinstance(items, list):
            return [
                str(item["level"])
                if isinstance(item, Mapping) and isinstance(item.get("level"), str)
                else None
                for item in items
            ]
    return []


def field_label(path: str) -> str:
    """The label of a field path, any fracture (``"fractures[2].plc"`` → ``"Posterior
    ligamentous complex"``); an unknown path is returned as it is."""
    match = _FRACTURE.match(path)
    generic = (
        path if match is None else f"fractures[]{'.' + match.group(2) if match.group(2) else ''}"
    )
    if match is not None and match.group(2) is None:
        return "Fractured level"
    return FIELD_LABELS.get(generic, path)


def _fracture_name(index: int, levels: Sequence[str | None]) -> str:
    level = levels[index] if index < len(levels) else None
    return level if level else f"Fractured level {index + 1}"


def field_words(path: str, levels: Sequence[str | None] = ()) -> str:
    """A field path in words: ``"fractures[1].mri_edema"`` with ``levels = ["L1", "T11"]``
    → ``"T11 — Bone oedema on MRI (…)"``; ``"patient.age_years"`` → ``"Age"``.

    >>> field_words("fractures[1].plc", ["L1", "T11"])
    'T11 — Posterior ligamentous complex'
    >>> field_words("clinical.neurology")
    'Neurological status from the fractures'
    """
    if path in ("", "$"):
        return "The case"
    match = _FRACTURE.match(path)
    if match is None:
        return field_label(path)
    name = _fracture_name(int(match.group(1)), levels)
    return name if match.group(2) is None else f"{name} — {field_label(path)}"


def missing_words(path: str, levels: Sequence[str | None] = ()) -> str:
    """An item of the missing-data list: ``"T11 — Bone oedema on MRI (…): not known"``."""
    return f"{field_words(path, levels)}: not known"


def reason_words(reason: str, levels: Sequence[str | None] = ()) -> str:
    """The paths inside a reason in words: ``"duplicate of fractures[0]"`` → ``"duplicate
    of L1"``."""
    return _EMBEDDED.sub(lambda m: field_words(m.group(0), levels), reason)


def _level_rank(path: str, levels: Sequence[str | None]) -> tuple[int, int]:
    match = _FRACTURE.match(path)
    if match is None:
        return (0, 0)  # the patient's and the clinical fields come first
    index = int(match.group(1))
    level = levels[index] if index < len(levels) else None
    order = _LEVEL_ORDER.get(level or "", len(_LEVEL_ORDER) + index)
    return (1, order)


def in_level_order(paths: Sequence[str], levels: Sequence[str | None] = ()) -> list[str]:
    """``paths`` with the patient's and clinical fields first, then the fractures' fields
    from the top of the spine down (T11 before L1, whatever their input order); stable
    otherwise.

    >>> in_level_order(["fractures[0].plc", "fractures[1].mri_edema", "clinical.rdq"],
    ...                ["L1", "T11"])
    ['clinical.rdq', 'fractures[1].mri_edema', 'fractures[0].plc']
    """
    return sorted(paths, key=lambda path: _level_rank(path, levels))


def problem_words(line: str, levels: Sequence[str | None] = ()) -> str:
    """A parser problem ``"<path>: <reason>"`` in words, paths inside the reason too:
    ``"fractures[2].level: duplicate of fractures[0]"`` → ``"L1 — Level: duplicate of L1"``.

    >>> problem_words("patient.age_years: required")
    'Age: required'
    """
    path, sep, reason = line.partition(": ")
    if not sep:
        return line
    return f"{field_words(path, levels)}: {reason_words(reason, levels)}"


def assessment_levels(assessment: Any) -> list[str | None]:
    """The level of each input fracture index, read off an assessment: every path an
    assessment names (``levels[].missing``, its scores' ``missing``) belongs to that level's
    own fracture, so ``fractures[i]`` there is that level (indices it never names: ``None``)."""
    found: dict[int, str] = {}
    for level in assessment.levels:
        scores = level.scores
        paths = [
            *level.missing,
            *scores.of_score.missing,
            *scores.tlics.missing,
            *scores.sins.missing,
        ]
        for path in paths:
            match = _FRACTURE.match(path)
            if match is not None:
                found[int(match.group(1))] = str(level.level)
    return [found.get(i) for i in range(max(found, default=-1) + 1)]

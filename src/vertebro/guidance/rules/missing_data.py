"""N — data without which the level cannot be decided: ``needs_workup``, naming the fields.

N-1 runs before the Q group and alone; N-2 … N-7 run after it and all that hold are
reported, with the fields they lack (each field once, in rule order).
"""

from __future__ import annotations

from vertebro.guidance.facts import LevelFacts
from vertebro.guidance.rules.conservative import severe_inpatient_pain
from vertebro.model.case import Clinical
from vertebro.model.enums import NEOPLASTIC_ETIOLOGIES, Etiology, Neurology

__all__ = ["N1_MISSING", "N_IDS", "medication_unknown", "neurology_unknown", "workup"]

N_IDS = ("N-1", "N-2", "N-3", "N-4", "N-5", "N-6", "N-7")
#: N-1's missing field.
N1_MISSING = ("clinical.neurology",)
_UNKNOWN_NEUROLOGY = Neurology.UNKNOWN
_TRAUMATIC = Etiology.TRAUMATIC


def neurology_unknown(clinical: Clinical) -> bool:
    """N-1: the neurological status is unknown (only this rule is then reported)."""
    return clinical.neurology is _UNKNOWN_NEUROLOGY


def medication_unknown(clinical: Clinical) -> bool:
    """N-4: whether medication controls the pain is unknown, unless an inpatient has
    NRS ≥ 8 (a patient-wide condition, judged once per case)."""
    return clinical.medication_insufficient is None and not severe_inpatient_pain(clinical)


def workup(facts: LevelFacts, medication_unknown: bool) -> tuple[list[str], list[str]]:
    """N-2 … N-7 at this level: the rules that hold and the fields they lack (both empty
    when the level can be decided). N-2 MRI oedema, N-3 pain at the level, N-4 medication
    (``medication_unknown``), N-5 height loss, N-6 SINS of a myeloma or metastasis,
    N-7 TLICS of a traumatic fracture."""
    fracture = facts.fracture
    ids: list[str] = []
    missing: list[str] = []
    if fracture.mri_edema is None:
        ids.append("N-2")
        missing.append(f"fractures[{facts.index}].mri_edema")
    if fracture.pain_at_level is None:
        ids.append("N-3")
        missing.append(f"fractures[{facts.index}].pain_at_level")
    if medication_unknown:
        ids.append("N-4")
        missing.append("clinical.medication_insufficient")
    if facts.loss_pct is None:
        ids.append("N-5")
        missing.append(f"fractures[{facts.index}].height_loss_pct")
    if fracture.etiology in NEOPLASTIC_ETIOLOGIES and facts.sins.value is None:
        ids.append("N-6")
        missing.extend(m for m in facts.sins.missing if m not in missing)
    if fracture.etiology is _TRAUMATIC and facts.tlics.value is None:
        ids.append("N-7")
        missing.extend(m for m in facts.tlics.missing if m not in missing)
    return ids, missing

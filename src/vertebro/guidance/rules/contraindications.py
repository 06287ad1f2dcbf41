"""C — absolute contraindications (patient level): every level is ``contraindicated``."""

from __future__ import annotations

from vertebro.model.case import Patient
from vertebro.model.enums import Coagulopathy

__all__ = ["C_IDS", "contraindications"]

C_IDS = ("C-1", "C-2", "C-3", "C-4")
_UNCORRECTABLE = Coagulopathy.UNCORRECTABLE


def contraindications(patient: Patient) -> list[str]:
    """Every C rule that holds, in order (judged once per case): C-1 active infection,
    C-2 pregnancy, C-3 uncorrectable coagulopathy, C-4 cement allergy."""
    held = []
    if patient.active_infection:
        held.append("C-1")
    if patient.pregnant:
        held.append("C-2")
    if patient.coagulopathy is _UNCORRECTABLE:
        held.append("C-3")
    if patient.cement_allergy:
        held.append("C-4")
    return held

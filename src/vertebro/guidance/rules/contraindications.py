"""C — absolute contraindications (patient level): every level is ``contraindicated``."""

from __future__ import annotations

from vertebro.guidance.rules.base import PatientRule
from vertebro.model.enums import Coagulopathy

__all__ = ["C_RULES"]

_UNCORRECTABLE = Coagulopathy.UNCORRECTABLE

C_RULES: tuple[PatientRule, ...] = (
    PatientRule("C-1", lambda case, _: case.patient.active_infection),
    PatientRule("C-2", lambda case, _: case.patient.pregnant),
    PatientRule("C-3", lambda case, _: case.patient.coagulopathy is _UNCORRECTABLE),
    PatientRule("C-4", lambda case, _: case.patient.cement_allergy),
)

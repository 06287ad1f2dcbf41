"""Coded values of the case and the assessment (``vertebro.case/1``), as ``StrEnum``s."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "NEOPLASTIC_ETIOLOGIES",
    "NEUROLOGICAL_DEFICITS",
    "Alignment",
    "Anaesthesia",
    "Approach",
    "Coagulopathy",
    "Discharge",
    "Etiology",
    "Lesion",
    "Morphology",
    "Neurology",
    "PainTrend",
    "PainType",
    "Plc",
    "PosteriorWall",
    "Posterolateral",
    "Recommendation",
    "Setting",
    "Sex",
    "Technique",
    "Timing",
    "Viscosity",
]


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Coagulopathy(StrEnum):
    NONE = "none"
    CORRECTABLE = "correctable"
    UNCORRECTABLE = "uncorrectable"


class Setting(StrEnum):
    OUTPATIENT = "outpatient"
    INPATIENT = "inpatient"


class PainTrend(StrEnum):
    WORSENING = "worsening"
    STABLE = "stable"
    IMPROVING = "improving"


class PainType(StrEnum):
    MECHANICAL = "mechanical"
    NON_MECHANICAL = "non_mechanical"
    NONE = "none"


class Neurology(StrEnum):
    INTACT = "intact"
    ROOT = "root"
    INCOMPLETE_CORD = "incomplete_cord"
    COMPLETE_CORD = "complete_cord"
    CAUDA_EQUINA = "cauda_equina"
    UNKNOWN = "unknown"


#: Rulebook O-1: the neurology values that are a neurological deficit (root, cord, cauda
#: equina).
NEUROLOGICAL_DEFICITS = frozenset(
    {Neurology.ROOT, Neurology.INCOMPLETE_CORD, Neurology.COMPLETE_CORD, Neurology.CAUDA_EQUINA}
)


class Etiology(StrEnum):
    OSTEOPOROTIC = "osteoporotic"
    TRAUMATIC = "traumatic"
    MYELOMA = "myeloma"
    METASTASIS = "metastasis"
    HEMANGIOMA = "hemangioma"
    OTHER = "other"
    UNKNOWN = "unknown"


#: Rulebook S-3: the neoplastic etiologies (myeloma, metastasis), those SINS applies to.
NEOPLASTIC_ETIOLOGIES = frozenset({Etiology.MYELOMA, Etiology.METASTASIS})


class Morphology(StrEnum):
    COMPRESSION = "compression"
    BURST = "burst"
    TRANSLATION_ROTATION = "translation_rotation"
    DISTRACTION = "distraction"


class PosteriorWall(StrEnum):
    INTACT = "intact"
    MINOR = "minor"
    DISTINCT = "distinct"


class Plc(StrEnum):
    INTACT = "intact"
    INDETERMINATE = "indeterminate"
    INJURED = "injured"


class Lesion(StrEnum):
    LYTIC = "lytic"
    MIXED = "mixed"
    BLASTIC = "blastic"


class Alignment(StrEnum):
    NORMAL = "normal"
    DEFORMITY = "deformity"
    SUBLUXATION = "subluxation"


class Posterolateral(StrEnum):
    NONE = "none"
    UNILATERAL = "unilateral"
    BILATERAL = "bilateral"


class Recommendation(StrEnum):
    """Overall and per-level decisions (``mixed`` is overall only)."""

    KYPHOPLASTY = "kyphoplasty"
    VERTEBROPLASTY = "vertebroplasty"
    EITHER = "either"
    MIXED = "mixed"
    OPEN_SURGERY = "open_surgery"
    CONSERVATIVE = "conservative"
    CONTRAINDICATED = "contraindicated"
    NEEDS_WORKUP = "needs_workup"

    @property
    def is_treated(self) -> bool:
        """A level to augment: kyphoplasty, vertebroplasty or either."""
        return self in _TREATED


_TREATED = frozenset(
    {Recommendation.KYPHOPLASTY, Recommendation.VERTEBROPLASTY, Recommendation.EITHER}
)


class Timing(StrEnum):
    FAVOURABLE = "favourable"
    LATE = "late"
    UNKNOWN = "unknown"


class Technique(StrEnum):
    KYPHOPLASTY = "kyphoplasty"
    VERTEBROPLASTY = "vertebroplasty"


class Approach(StrEnum):
    BIPEDICULAR = "bipedicular"
    UNIPEDICULAR = "unipedicular"


class Viscosity(StrEnum):
    HIGH = "high"
    STANDARD = "standard"


class Anaesthesia(StrEnum):
    GENERAL = "general"
    LOCAL_SEDATION = "local_sedation"


class Discharge(StrEnum):
    SAME_DAY = "same_day"
    OVERNIGHT = "overnight"

"""The coded concepts of vertebro's DICOM output (SR and secondary capture).

Standard codes are taken from pydicom's copy of DICOM PS3.16 (``pydicom.sr.codedict``) by
name, so none is typed in here: vertebrae are CID 7603 "Vertebra" (SNOMED CT), units UCUM,
the report and its procedure DICOM/LOINC. Where DICOM and SNOMED CT have no code for a
concept (vertebral body heights, the Genant grade, the biconcave and crush shapes, the reasons
a vertebra is not evaluable), vertebro uses its private coding scheme ``99VERTEBRO`` (DICOM
PS3.3 8.2: a designator starting with "99" is private), declared in each SR's Coding Scheme
Identification Sequence and listed in ``docs/pacs.md``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

__all__ = [
    "GENANT_GRADE",
    "HEIGHTS",
    "HEIGHT_LOSS",
    "LOSS_METHODS",
    "NOT_EVALUABLE",
    "NOT_EVALUABLE_REASONS",
    "PRIVATE_SCHEME",
    "PRIVATE_SCHEME_NAME",
    "REFERENCE_HEIGHT",
    "SHAPE",
    "WEDGE_ANGLE",
    "genant_value",
    "private",
    "shape_value",
    "standard",
    "vertebra_code",
]

PRIVATE_SCHEME = "99VERTEBRO"
PRIVATE_SCHEME_NAME = "vertebro vertebral morphometry codes"

#: ``(code value, code meaning)`` of each private concept (values ≤ 16 characters, SH).
HEIGHTS = {
    "anterior": ("VB-HA", "Anterior vertebral body height"),
    "middle": ("VB-HM", "Middle vertebral body height"),
    "posterior": ("VB-HP", "Posterior vertebral body height"),
}
REFERENCE_HEIGHT = ("VB-HREF", "Reference vertebral body height")
HEIGHT_LOSS = ("VB-LOSS", "Vertebral body height loss")
WEDGE_ANGLE = ("VB-WEDGE", "Vertebral body wedge angle")
GENANT_GRADE = ("VB-GENANT", "Genant semiquantitative grade")
SHAPE = ("VB-SHAPE", "Vertebral fracture shape")
NOT_EVALUABLE = ("VB-NOTEVAL", "Vertebral body not evaluable")
LOSS_METHODS = {
    "reference": ("LOSS-REF", "Height loss against the reference height of the neighbours"),
    "posterior_ratio": ("LOSS-POST", "Height loss against the posterior height"),
}
_GENANT_VALUES = {
    0: ("GENANT-0", "Genant grade 0 (normal)"),
    1: ("GENANT-1", "Genant grade 1 (mild)"),
    2: ("GENANT-2", "Genant grade 2 (moderate)"),
    3: ("GENANT-3", "Genant grade 3 (severe)"),
}
_PRIVATE_SHAPES = {
    "biconcave": ("SHAPE-BICONCAVE", "Biconcave vertebral fracture"),
    "crush": ("SHAPE-CRUSH", "Crush vertebral fracture"),
}
#: Shapes with a SNOMED CT code in pydicom's DICOM code dictionary (``codes.SCT.<name>``).
_STANDARD_SHAPES = {"normal": "Normal", "wedge": "WedgeShape"}
NOT_EVALUABLE_REASONS = {
    "cut_by_fov": ("NE-CUT-BY-FOV", "Vertebra cut by the field of view"),
    "too_small": ("NE-TOO-SMALL", "Vertebral body too small to measure"),
    "outside_T1_L5": ("NE-OUTSIDE", "Level outside T1 to L5"),
}


def private(code: tuple[str, str]) -> Any:
    """A ``99VERTEBRO`` code as a highdicom ``CodedConcept``."""
    from highdicom.sr import CodedConcept

    return CodedConcept(value=code[0], scheme_designator=PRIVATE_SCHEME, meaning=code[1])


def standard(scheme: str, name: str) -> Any:
    """A code of pydicom's DICOM code dictionary by scheme and keyword (``"UCUM", "Percent"``)."""
    from highdicom.sr import CodedConcept
    from pydicom.sr.codedict import codes

    code = getattr(getattr(codes, scheme), name)
    return CodedConcept(code.value, code.scheme_designator, code.meaning)


@cache
def _vertebrae() -> dict[str, Any]:
    from pydicom.sr.codedict import Collection

    cid = Collection("CID7603")
    return {
        k.removesuffix("Vertebra"): getattr(cid, k) for k in cid.dir() if k.endswith("Vertebra")
    }


def vertebra_code(level: str) -> Any | None:
    """The SNOMED CT code of a level from DICOM CID 7603 "Vertebra" (C1–L5), else None."""
    from highdicom.sr import CodedConcept

    code = _vertebrae().get(level)
    return None if code is None else CodedConcept(code.value, code.scheme_designator, code.meaning)


def genant_value(grade: int) -> Any:
    return private(_GENANT_VALUES[grade])


def shape_value(shape: str) -> Any:
    if shape in _STANDARD_SHAPES:
        return standard("SCT", _STANDARD_SHAPES[shape])
    return private(_PRIVATE_SHAPES[shape])


def private_codes() -> list[tuple[str, str]]:
    """Every private code vertebro writes, for the documentation and its test."""
    return [
        *HEIGHTS.values(),
        REFERENCE_HEIGHT,
        HEIGHT_LOSS,
        WEDGE_ANGLE,
        GENANT_GRADE,
        SHAPE,
        NOT_EVALUABLE,
        *LOSS_METHODS.values(),
        *_GENANT_VALUES.values(),
        *_PRIVATE_SHAPES.values(),
        *NOT_EVALUABLE_REASONS.values(),
    ]

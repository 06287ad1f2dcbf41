"""Pure vertebral morphometry (rulebook M-1 to M-7): points and heights in, numbers out."""

from vertebro.morphometry.angles import (
    Endplates,
    RegionalAngle,
    convergence_angle_deg,
    regional_kyphosis_deg,
    wedge_angle_deg,
)
from vertebro.morphometry.heights import (
    MAX_HEIGHT_MM,
    Heights,
    LossSource,
    Shape,
    genant_grade,
    height_loss_pct,
    heights_from_landmarks_mm,
    shape_of,
)
from vertebro.morphometry.of_class import OFClass, derive_of_class
from vertebro.morphometry.rounding import round_tenth

__all__ = [
    "MAX_HEIGHT_MM",
    "Endplates",
    "Heights",
    "LossSource",
    "OFClass",
    "RegionalAngle",
    "Shape",
    "convergence_angle_deg",
    "derive_of_class",
    "genant_grade",
    "height_loss_pct",
    "heights_from_landmarks_mm",
    "regional_kyphosis_deg",
    "round_tenth",
    "shape_of",
    "wedge_angle_deg",
]

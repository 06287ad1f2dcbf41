"""Rulebook M-1 to M-4: heights, height loss, Genant grade and shape of one vertebral body."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import NamedTuple

from vertebro.morphometry.rounding import round_tenth

__all__ = [
    "MAX_HEIGHT_MM",
    "Heights",
    "LossSource",
    "Shape",
    "genant_grade",
    "height_loss_pct",
    "heights_from_landmarks_mm",
    "shape_of",
]

#: Largest plausible vertebral body height (rulebook M-1), mm.
MAX_HEIGHT_MM = 80.0

Point = Sequence[float]


class Heights(NamedTuple):
    """Anterior, middle and posterior body heights (Ha, Hm, Hp), mm."""

    anterior_mm: float
    middle_mm: float
    posterior_mm: float


class LossSource(StrEnum):
    """Where a height loss came from (rulebook M-2)."""

    GIVEN = "given"
    REFERENCE = "reference"
    POSTERIOR_RATIO = "posterior_ratio"
    NONE = "none"


class Shape(StrEnum):
    """Genant fracture shape (rulebook M-4)."""

    NORMAL = "normal"
    WEDGE = "wedge"
    BICONCAVE = "biconcave"
    CRUSH = "crush"


_GIVEN, _REFERENCE, _POSTERIOR_RATIO, _NONE = (
    LossSource.GIVEN,
    LossSource.REFERENCE,
    LossSource.POSTERIOR_RATIO,
    LossSource.NONE,
)
_NORMAL, _WEDGE, _BICONCAVE, _CRUSH = Shape.NORMAL, Shape.WEDGE, Shape.BICONCAVE, Shape.CRUSH


def _distance_mm(p: Point, q: Point) -> float:
    return math.hypot(p[0] - q[0], p[1] - q[1])


def heights_from_landmarks_mm(landmarks: Mapping[str, Point]) -> Heights:
    """M-1: Euclidean heights from the six landmarks ``{anterior_superior, …}``, mm.

    Checking that each lies in (0, 80] mm is the caller's job (the case model does it).

    >>> heights_from_landmarks_mm({
    ...     "anterior_superior": [10, 15], "anterior_inferior": [10, 0],
    ...     "middle_superior": [0, 20], "middle_inferior": [0, 0],
    ...     "posterior_superior": [-10, 25], "posterior_inferior": [-10, 0]})
    Heights(anterior_mm=15.0, middle_mm=20.0, posterior_mm=25.0)
    """
    return Heights(
        _distance_mm(landmarks["anterior_superior"], landmarks["anterior_inferior"]),
        _distance_mm(landmarks["middle_superior"], landmarks["middle_inferior"]),
        _distance_mm(landmarks["posterior_superior"], landmarks["posterior_inferior"]),
    )


def height_loss_pct(
    given_pct: float | None,
    heights: tuple[float, float, float] | None,
    reference_mm: float | None,
) -> tuple[float | None, LossSource]:
    """M-2: the height loss (%, rounded to 0.1 half up, clamped to 0–100) and its source.

    Precedence: a given value; heights with a reference height R
    (``100·(1 − min(Ha, Hm, Hp)/R)``); heights alone (``100·(1 − min(Ha, Hm)/Hp)``);
    otherwise unknown.

    >>> height_loss_pct(None, Heights(24.0, 28.0, 30.0), None)
    (20.0, <LossSource.POSTERIOR_RATIO: 'posterior_ratio'>)
    >>> height_loss_pct(None, Heights(24.0, 28.0, 30.0), 32.0)
    (25.0, <LossSource.REFERENCE: 'reference'>)
    """
    if given_pct is not None:
        raw, source = given_pct, _GIVEN
    elif heights is None:
        return None, _NONE
    elif reference_mm is not None:
        raw, source = 100.0 * (1.0 - min(heights) / reference_mm), _REFERENCE
    else:
        ha, hm, hp = heights
        raw, source = 100.0 * (1.0 - min(ha, hm) / hp), _POSTERIOR_RATIO
    loss = round_tenth(raw)
    return (loss if 0.0 < loss <= 100.0 else min(100.0, max(0.0, loss))), source  # -0.0 → 0.0


def genant_grade(loss_pct: float | None) -> int | None:
    """M-3: Genant grade 0–3 from a rounded height loss (%); ``None`` when unknown.

    >>> [genant_grade(x) for x in (19.9, 20.0, 24.9, 25.0, 40.0, 40.1, None)]
    [0, 1, 1, 2, 2, 3, None]
    """
    if loss_pct is None:
        return None
    if loss_pct < 20.0:
        return 0
    if loss_pct < 25.0:
        return 1
    if loss_pct <= 40.0:
        return 2
    return 3


def shape_of(
    grade: int | None, heights: tuple[float, float, float] | None, reference_mm: float | None
) -> Shape | None:
    """M-4: ``normal`` for grade 0; else the lowest of Ha/Hp (wedge), Hm/Hp (biconcave),
    Hp/R (crush, only with R), ties in that order; ``None`` without heights or grade.

    >>> shape_of(2, Heights(15.0, 20.0, 25.0), None)
    <Shape.WEDGE: 'wedge'>
    >>> shape_of(2, Heights(20.0, 20.0, 20.0), 30.0)
    <Shape.CRUSH: 'crush'>
    """
    if grade is None:
        return None
    if grade == 0:
        return _NORMAL
    if heights is None:
        return None
    ha, hm, hp = heights
    best, best_ratio = _WEDGE, ha / hp
    if hm / hp < best_ratio:
        best, best_ratio = _BICONCAVE, hm / hp
    if reference_mm is not None and hp / reference_mm < best_ratio:
        best = _CRUSH
    return best

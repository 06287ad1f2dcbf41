"""Rulebook M-5 (wedge angle of one body) and M-7 (regional kyphosis over several)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from vertebro.morphometry.rounding import round_tenth

__all__ = [
    "Endplates",
    "RegionalAngle",
    "convergence_angle_deg",
    "regional_kyphosis_deg",
    "wedge_angle_deg",
]

Point = Sequence[float]


def _cross(a: tuple[float, float], b: tuple[float, float]) -> float:
    return a[0] * b[1] - a[1] * b[0]


def _sub(p: Point, q: Point) -> tuple[float, float]:
    return (p[0] - q[0], p[1] - q[1])


def convergence_angle_deg(
    upper_posterior: Point,
    upper_anterior: Point,
    lower_posterior: Point,
    lower_anterior: Point,
    cranial: tuple[float, float] | None = None,
) -> float | None:
    """Unrounded angle between an upper and a lower line, degrees, positive when they
    converge anteriorly (the gap is smaller in front).

    Each line runs posterior → anterior. ``cranial`` is the patient-cranial
    direction in the plane's frame; without it the side of the upper line relative to
    the lower one is used, so the sign holds whatever the axes' orientation.
    ``None`` when a line has zero length.
    """
    upper = _sub(upper_anterior, upper_posterior)
    lower = _sub(lower_anterior, lower_posterior)
    upper_len, lower_len = math.hypot(*upper), math.hypot(*lower)
    if upper_len == 0.0 or lower_len == 0.0:
        return None
    ahead = (
        upper[0] / upper_len + lower[0] / lower_len,
        upper[1] / upper_len + lower[1] / lower_len,
    )
    if cranial is None:
        mid_upper = (
            (upper_posterior[0] + upper_anterior[0]) / 2,
            (upper_posterior[1] + upper_anterior[1]) / 2,
        )
        mid_lower = (
            (lower_posterior[0] + lower_anterior[0]) / 2,
            (lower_posterior[1] + lower_anterior[1]) / 2,
        )
        cranial = _sub(mid_upper, mid_lower)
    handedness = _cross(ahead, cranial)
    if handedness == 0.0:
        handedness = 1.0
    turn = math.degrees(math.atan2(_cross(lower, upper), lower[0] * upper[0] + lower[1] * upper[1]))
    return -turn if handedness > 0 else turn


def wedge_angle_deg(landmarks: Mapping[str, Point]) -> float | None:
    """M-5: angle between the superior and inferior endplate lines, degrees, rounded to 0.1;
    positive when they converge anteriorly (the body is lower in front).

    >>> wedge_angle_deg({
    ...     "anterior_superior": [20, 15], "anterior_inferior": [20, 0],
    ...     "middle_superior": [10, 20], "middle_inferior": [10, 0],
    ...     "posterior_superior": [0, 25], "posterior_inferior": [0, 0]})
    26.6
    """
    angle = convergence_angle_deg(
        landmarks["posterior_superior"],
        landmarks["anterior_superior"],
        landmarks["posterior_inferior"],
        landmarks["anterior_inferior"],
    )
    return None if angle is None else round_tenth(angle)


class Endplates(NamedTuple):
    """The two endplate lines of one vertebra in a common sagittal frame, each
    ``(posterior point, anterior point)``, mm."""

    superior: tuple[Point, Point]
    inferior: tuple[Point, Point]


class RegionalAngle(NamedTuple):
    """M-7 result: the kyphosis (degrees, rounded to 0.1) and its end positions."""

    kyphosis_deg: float
    cranial_index: int
    caudal_index: int


def regional_kyphosis_deg(
    vertebrae: Sequence[Endplates], cranial: tuple[float, float]
) -> RegionalAngle | None:
    """M-7: the largest angle between the superior endplate of vertebra ``i`` and the
    inferior endplate of vertebra ``j >= i`` (kyphosis positive), over one unbroken run
    listed cranial to caudal. Ties: the most cranial ``i``, then the shorter pair.

    ``cranial`` is the patient-cranial direction of the common frame.
    """
    best: RegionalAngle | None = None
    for i, upper in enumerate(vertebrae):
        for j in range(i, len(vertebrae)):
            lower = vertebrae[j]
            raw = convergence_angle_deg(
                upper.superior[0], upper.superior[1], lower.inferior[0], lower.inferior[1], cranial
            )
            if raw is None:
                continue
            value = round_tenth(raw)
            if best is None or value > best.kyphosis_deg:
                best = RegionalAngle(value, i, j)
    return best

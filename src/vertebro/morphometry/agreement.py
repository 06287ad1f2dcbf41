"""Agreement between a grading and expert readers on Genant grades 0–3: the confusion
matrix, Cohen's linear-weighted kappa, sensitivity and specificity at a grade threshold.

Weighted kappa: Cohen J, Psychol Bull 1968;70:213–20, with linear weights
w = 1 − |i − j| / 3 (the weighting used for Genant grades, e.g. Buckens CF et al., PLoS One
2013;8:e71204).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["GRADES", "Agreement", "agreement", "linear_weighted_kappa"]

GRADES = (0, 1, 2, 3)


def linear_weighted_kappa(pairs: Iterable[tuple[int, int]]) -> float | None:
    """Cohen's kappa with linear weights over grades 0–3 for ``(expert, method)`` pairs;
    None when undefined (no pairs, or every rating in one grade on both sides).

    >>> linear_weighted_kappa([(0, 0), (1, 1), (2, 2), (3, 3)])
    1.0

    By hand: observed agreement (1 + 2/3 + 1 + 2/3 + 1)/5 = 13/15, chance agreement from
    the margins (0.4, 0.2, 0.2, 0.2) and (0.2, 0.6, 0, 0.2) = 0.6, so (13/15 − 0.6)/0.4:

    >>> round(linear_weighted_kappa([(0, 0), (0, 1), (1, 1), (2, 1), (3, 3)]), 4)
    0.6667
    """
    data = list(pairs)
    n = len(data)
    if n == 0:
        return None
    k = len(GRADES) - 1
    rows = [sum(1 for e, _ in data if e == g) / n for g in GRADES]
    cols = [sum(1 for _, m in data if m == g) / n for g in GRADES]
    observed = sum(1.0 - abs(e - m) / k for e, m in data) / n
    expected = sum((1.0 - abs(i - j) / k) * rows[i] * cols[j] for i in GRADES for j in GRADES)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


@dataclass(frozen=True, slots=True)
class Agreement:
    """Figures over graded vertebrae. ``matrix[e][m]`` counts evaluable vertebrae with expert
    grade e and method grade m; ``not_evaluable[e]`` those the method could not grade."""

    matrix: tuple[tuple[int, ...], ...]
    not_evaluable: tuple[int, ...]
    kappa: float | None

    @property
    def graded(self) -> int:
        return sum(map(sum, self.matrix)) + sum(self.not_evaluable)

    @property
    def evaluable(self) -> int:
        return sum(map(sum, self.matrix))

    def found(self, threshold: int) -> tuple[int, int]:
        """(evaluable vertebrae of expert grade ≥ threshold that the method grades ≥
        threshold, evaluable vertebrae of expert grade ≥ threshold): sensitivity."""
        positives = [self.matrix[e] for e in GRADES if e >= threshold]
        return (
            sum(row[m] for row in positives for m in GRADES if m >= threshold),
            sum(map(sum, positives)),
        )

    def cleared(self, threshold: int) -> tuple[int, int]:
        """(evaluable vertebrae below ``threshold`` for the experts that the method keeps
        below it, all such vertebrae): specificity."""
        negatives = [self.matrix[e] for e in GRADES if e < threshold]
        return (
            sum(row[m] for row in negatives for m in GRADES if m < threshold),
            sum(map(sum, negatives)),
        )

    def false_alarms(self, threshold: int, expert_grade: int = 0) -> int:
        """Vertebrae of ``expert_grade`` that the method grades ≥ ``threshold``."""
        return sum(self.matrix[expert_grade][m] for m in GRADES if m >= threshold)


def agreement(ratings: Iterable[tuple[int, int | None]]) -> Agreement:
    """Figures for ``(expert grade, method grade or None when not evaluable)`` pairs.

    >>> a = agreement([(0, 0), (0, None), (1, 0), (2, 2), (3, 2)])
    >>> a.evaluable, a.graded, a.found(1), a.found(2), a.cleared(2)
    (4, 5, (2, 3), (2, 2), (2, 2))
    """
    matrix = [[0] * len(GRADES) for _ in GRADES]
    missing = [0] * len(GRADES)
    pairs: list[tuple[int, int]] = []
    for expert, method in ratings:
        if method is None:
            missing[expert] += 1
        else:
            matrix[expert][method] += 1
            pairs.append((expert, method))
    return Agreement(
        matrix=tuple(tuple(row) for row in matrix),
        not_evaluable=tuple(missing),
        kappa=linear_weighted_kappa(pairs),
    )
